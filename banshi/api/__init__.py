"""The HTTP interface: ``create_app()``, dependencies, one router per area under ``routers/``.
May import everything below it (chat, agents, skills, memory, services, media, models, store)."""
