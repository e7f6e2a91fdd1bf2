"""Hooks through which other areas (memory) take part in every turn without the engine
knowing them: ``recall`` adds to the prompt, ``on_message`` sees each stored message."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy.orm import Session

from banshi.chat.context import Recall
from banshi.config import Settings
from banshi.store.tables import Conversation, Message


class TurnHook(Protocol):
    def recall(self, db: Session, *, user_id: str, conversation: Conversation | None, query: str) -> Recall | None:
        """What to add to the prompt for ``query`` (None: nothing)."""

    def on_message(self, db: Session, message: Message) -> None:
        """Called in the transaction that stores ``message``."""


def default_hooks(settings: Settings) -> list[TurnHook]:
    """The hooks the server runs with."""
    from banshi.memory import get_memory
    from banshi.memory.hook import MemoryHook

    return [MemoryHook(get_memory(settings))]
