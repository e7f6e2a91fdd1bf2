"""Hooks through which other areas (memory) take part in every turn without the engine
knowing them: ``recall`` adds to the prompt, ``on_message`` sees each stored message.
``prompt_text`` is what the model sees of a stored message: the parts the user had forgotten
(``meta["redacted"]``, set by memory's "forget") are hidden, the stored text stays as written."""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy.orm import Session

from banshi.chat.context import Recall, is_chinese
from banshi.config import Settings
from banshi.store.tables import Conversation, Message

FORGOTTEN_EN = "[forgotten at the user's request]"
FORGOTTEN_ZH = "[已按用户要求忘记]"


class TurnHook(Protocol):
    def recall(self, db: Session, *, user_id: str, conversation: Conversation | None, query: str) -> Recall | None:
        """What to add to the prompt for ``query`` (None: nothing)."""

    def on_message(self, db: Session, message: Message) -> None:
        """Called in the transaction that stores ``message``."""


def prompt_text(message: Message) -> str:
    """The message as the model may see it: forgotten spans (or the whole message) replaced
    by a marker, so the model knows something was there and does not guess it."""
    meta = message.meta or {}
    content = message.content or ""
    if not meta.get("redacted") and not meta.get("redacted_all"):
        return content
    mark = FORGOTTEN_ZH if is_chinese(content) else FORGOTTEN_EN
    if meta.get("redacted_all"):
        return mark
    for span in sorted(meta.get("redacted", []), key=len, reverse=True):
        if span:
            content = re.sub(re.escape(span), mark, content, flags=re.I)
    return content


def default_hooks(settings: Settings) -> list[TurnHook]:
    """The hooks the server runs with."""
    from banshi.memory import get_memory
    from banshi.memory.hook import MemoryHook

    return [MemoryHook(get_memory(settings))]
