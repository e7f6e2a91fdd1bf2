"""The full assistant as the server and the CLI run it: the chat engine on the configured
backend, with memory's hooks and the dispatcher of service agents."""

from __future__ import annotations

from banshi.agents.dispatcher import default_dispatcher
from banshi.chat.engine import ChatEngine
from banshi.chat.hooks import default_hooks
from banshi.config import Settings
from banshi.models.base import get_backend


def build_engine(settings: Settings) -> ChatEngine:
    backend = get_backend(settings)
    return ChatEngine(settings, backend, default_hooks(settings), dispatcher=default_dispatcher(settings, backend))
