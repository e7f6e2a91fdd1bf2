"""Conversations that arrive through the OpenAI-compatible API. Such clients resend the whole
history with every request; the thread is found again by its first message and by matching
what is already stored, so only the new turns are stored (and indexed, and learnt from)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from banshi.memory.service import is_enabled
from banshi.memory.tables import MemoryThread
from banshi.messages import Completion, Delta
from banshi.messages import Message as Msg
from banshi.store.db import session_scope
from banshi.store.tables import Conversation, Message, User


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _head(role: str, content: str) -> str:
    return hashlib.sha256(f"{role}\n{_norm(content)}".encode()).hexdigest()


def record_request(engine: Any, db: Session, user: User, messages: list[Msg]) -> Conversation | None:
    """Store the turns of ``messages`` not stored yet; returns the thread's conversation (None
    when memory is off or there is no user turn to learn from)."""
    if not is_enabled(user):
        return None
    turns = [(m.role, m.content) for m in messages if m.role in ("user", "assistant") and m.content.strip()]
    if not turns or turns[-1][0] != "user":
        return None
    head = _head(*turns[0])
    best: tuple[int, Conversation] | None = None
    for thread in db.scalars(select(MemoryThread).where(MemoryThread.user_id == user.id, MemoryThread.head == head)
                             .order_by(MemoryThread.created_at.desc()).limit(20)):
        conv = db.get(Conversation, thread.conversation_id)
        if conv is None:
            continue
        stored = [(r, _norm(c)) for r, c in db.execute(
            select(Message.role, Message.content).where(Message.conversation_id == conv.id,
                                                        Message.role.in_(("user", "assistant")))
            .order_by(Message.seq)).all()]
        if len(stored) < len(turns) and stored == [(r, _norm(c)) for r, c in turns[:len(stored)]]:
            if best is None or len(stored) > best[0]:
                best = (len(stored), conv)
    if best is None:
        conv = Conversation(user_id=user.id, title=("API: " + " ".join(turns[0][1].split()))[:60])
        db.add(conv)
        db.flush()
        db.add(MemoryThread(user_id=user.id, conversation_id=conv.id, head=head))
        new = turns
    else:
        conv, new = best[1], turns[best[0]:]
    for role, content in new:
        engine._store(db, conv, role, content)
    db.commit()  # the answer is stored from another session once it is generated
    return conv


def record_reply(settings: Any, engine: Any, conversation_id: str, text: str, meta: dict | None = None) -> None:
    """Store the answer; ``meta``: what it came from (an errand's dispatch), as the chat keeps it."""
    if not text.strip():
        return
    with session_scope(settings) as db:
        conv = db.get(Conversation, conversation_id)
        if conv is not None:
            engine._store(db, conv, "assistant", text, meta=meta or {})


def tee_reply(items: Iterator[Delta | Completion], settings: Any, engine: Any,
              conversation_id: str, meta: dict | None = None) -> Iterator[Delta | Completion]:
    """Pass a stream through and store the answer once it is complete."""
    for item in items:
        if isinstance(item, Completion):
            record_reply(settings, engine, conversation_id, item.text, meta)
        yield item
