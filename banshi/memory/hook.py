"""The chat engine's view of memory: a ``TurnHook`` (see ``banshi.chat.hooks``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from banshi.chat.context import Recall
from banshi.memory.service import Memory
from banshi.store.tables import Conversation, Message


class MemoryHook:
    def __init__(self, memory: Memory):
        self.memory = memory

    def recall(self, db: Session, *, user_id: str, conversation: Conversation | None, query: str) -> Recall | None:
        if conversation is not None and conversation.incognito:
            return None
        return self.memory.recall(db, user_id=user_id, conversation=conversation, query=query)

    def on_message(self, db: Session, message: Message) -> None:
        self.memory.on_message(db, message)
