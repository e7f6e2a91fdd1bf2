"""Stored conversations: list, search, create, rename, delete, export; send, regenerate, edit
and stop, with the answer streamed as server-sent events."""

from __future__ import annotations

import json
import threading

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from banshi.api.deps import current_user, get_db, get_engine
from banshi.api.sse import HEADERS, sse
from banshi.chat.engine import ChatEngine, Mode, conversation_dict, get_conversation, message_dict
from banshi.errors import InvalidInput
from banshi.memory.tables import MemoryFile
from banshi.store.tables import Conversation, Message, User

router = APIRouter(prefix="/api/conversations", tags=["conversations"])


class NewConversation(BaseModel):
    title: str = Field("", max_length=200)
    incognito: bool = False


class Rename(BaseModel):
    title: str = Field(..., min_length=1, max_length=200)


class Send(BaseModel):
    content: str
    think: bool = False
    # ids of the user's uploaded files (/v1/files) this message asks about: answered from their
    # excerpts with citations, stored like any turn
    attachments: list[str] = Field(default_factory=list, max_length=20)


class Regenerate(BaseModel):
    think: bool = False


@router.get("")
def list_conversations(q: str = "", limit: int = 100, user: User = Depends(current_user),
                       db: Session = Depends(get_db)) -> dict:
    stmt = select(Conversation).where(Conversation.user_id == user.id, Conversation.id.not_in(  # not files' chunks
        select(MemoryFile.conversation_id).where(MemoryFile.user_id == user.id)))
    if q.strip():
        like = f"%{q.strip()}%"
        hits = select(Message.conversation_id).where(Message.user_id == user.id, Message.content.ilike(like))
        stmt = stmt.where(or_(Conversation.title.ilike(like), Conversation.id.in_(hits)))
    stmt = stmt.order_by(Conversation.updated_at.desc()).limit(max(1, min(limit, 500)))
    return {"data": [conversation_dict(c) for c in db.scalars(stmt)]}


@router.post("", status_code=201)
def create(body: NewConversation, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    conv = Conversation(user_id=user.id, title=body.title.strip(), incognito=body.incognito)
    db.add(conv)
    db.flush()
    return conversation_dict(conv)


@router.get("/{conversation_id}")
def read(conversation_id: str, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    conv = get_conversation(db, user.id, conversation_id)
    return {**conversation_dict(conv), "messages": [message_dict(m) for m in conv.messages]}


@router.patch("/{conversation_id}")
def rename(conversation_id: str, body: Rename, user: User = Depends(current_user),
           db: Session = Depends(get_db)) -> dict:
    conv = get_conversation(db, user.id, conversation_id)
    conv.title = body.title.strip()
    return conversation_dict(conv)


@router.delete("/{conversation_id}", status_code=204)
def remove(conversation_id: str, user: User = Depends(current_user), db: Session = Depends(get_db)) -> None:
    db.delete(get_conversation(db, user.id, conversation_id))


@router.get("/{conversation_id}/export")
def export(conversation_id: str, format: str = "json", user: User = Depends(current_user),
           db: Session = Depends(get_db)):  # type: ignore[no-untyped-def]
    conv = get_conversation(db, user.id, conversation_id)
    data = {**conversation_dict(conv), "messages": [message_dict(m) for m in conv.messages]}
    name = f"banshi-{conv.id}"
    if format == "json":
        body, media, ext = json.dumps(data, ensure_ascii=False, indent=2), "application/json", "json"
    elif format in ("md", "markdown"):
        lines = [f"# {conv.title or 'Conversation'}", ""]
        for m in data["messages"]:
            files = ", ".join(f["filename"] for f in m["meta"].get("attachments") or [])
            lines += [f"**{m['role']}** ({m['created_at']}){' — ' + files if files else ''}:", "", m["content"], ""]
            cited = m["meta"].get("citations") or []  # an answer about files: the excerpts it cites
            lines += [f"> [{c['n']}] {c['source']}, {c['location']}: {c['quote'][:200]}" for c in cited]
            lines += [""] if cited else []
        body, media, ext = "\n".join(lines), "text/markdown", "md"
    else:
        raise InvalidInput("format must be json or md")
    return PlainTextResponse(body, media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})


# -- turns -------------------------------------------------------------------------------
_running: dict[str, threading.Event] = {}


def _stream(engine: ChatEngine, user: User, conversation_id: str, mode: Mode,
            content: str | None = None, message_id: str | None = None, think: bool = False,
            attachments: list[str] | None = None) -> StreamingResponse:
    cancel = threading.Event()
    events = engine.stream_turn(user.id, conversation_id, mode=mode, content=content,
                                message_id=message_id, think=think, cancel=cancel, attachments=attachments)
    _running[conversation_id] = cancel  # replaced by the conversation's next turn
    return StreamingResponse(sse(events, cancel), media_type="text/event-stream", headers=HEADERS)


@router.post("/{conversation_id}/messages")
def send(conversation_id: str, body: Send, user: User = Depends(current_user),
         engine: ChatEngine = Depends(get_engine)) -> StreamingResponse:
    return _stream(engine, user, conversation_id, "send", content=body.content, think=body.think,
                   attachments=body.attachments)


@router.post("/{conversation_id}/regenerate")
def regenerate(conversation_id: str, body: Regenerate, user: User = Depends(current_user),
               engine: ChatEngine = Depends(get_engine)) -> StreamingResponse:
    return _stream(engine, user, conversation_id, "regenerate", think=body.think)


@router.post("/{conversation_id}/messages/{message_id}/edit")
def edit(conversation_id: str, message_id: str, body: Send,
         user: User = Depends(current_user), engine: ChatEngine = Depends(get_engine)) -> StreamingResponse:
    return _stream(engine, user, conversation_id, "edit", content=body.content,
                   message_id=message_id, think=body.think)


@router.post("/{conversation_id}/stop")
def stop(conversation_id: str, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    get_conversation(db, user.id, conversation_id)
    cancel = _running.get(conversation_id)
    if cancel:
        cancel.set()
    return {"stopped": cancel is not None}
