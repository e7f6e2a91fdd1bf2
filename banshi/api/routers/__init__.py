"""One router per area; ``create_app`` includes every module listed here."""

ROUTERS = [
    "banshi.api.routers.health",
    "banshi.api.routers.auth",
    "banshi.api.routers.conversations",
    "banshi.api.routers.openai",
    "banshi.api.routers.memory",
    "banshi.api.routers.actions",
    "banshi.api.routers.audio",
    "banshi.api.routers.files",
    "banshi.api.routers.skills",
    "banshi.api.routers.images",
]
