"""``/api/memory``: what the assistant remembers about the signed-in user, and the user's control.

Facts (``type: "fact"``) are durable statements about the user or people they mentioned, with
``subject``, ``attribute``, ``value``, a readable ``memory`` sentence, ``status`` (``active`` or
``superseded`` — history kept when a newer value replaced it) and the message they came from.
Messages (``type: "message"``) are every indexed turn of every non-incognito conversation.

- ``GET    /api/memory`` — ``{"enabled", "facts": [...], "pending_jobs"}``; ``?history=true``
  also lists superseded facts.
- ``GET    /api/memory/search?q=…&limit=10`` — ``{"results": [...]}``: facts, then messages
  (hybrid keyword + vector search, mem0's result shape: ``id``, ``memory``, ``score``, …).
- ``POST   /api/memory`` — add a fact: ``{"text"}`` (read by the extractors; kept as a note
  otherwise) or ``{"subject", "attribute", "value"}``. 201 with the fact.
- ``GET    /api/memory/{id}`` — one fact with its ``history``.
- ``PATCH  /api/memory/{id}`` — ``{"value"?, "text"?}``: correct a fact.
- ``DELETE /api/memory/{id}`` — delete a fact, its history, and the messages that stated it
  from recall (they stay in their conversation, shown as written, but the deleted value is
  hidden from every later prompt: the model sees "[forgotten at the user's request]"). 204.
- ``DELETE /api/memory`` — delete every fact and the whole recall index. 204.
- ``DELETE /api/memory/messages/{message_id}`` — take one message out of recall. 204.
- ``GET    /api/memory/export`` — a JSON file: ``{"format": "banshi-memory", "version": 1,
  "facts": [...]}``.
- ``POST   /api/memory/import`` — the same JSON (or ``{"facts": [{"text"} | {"subject",
  "attribute", "value"}]}``) → ``{"imported": n}``; known facts are not duplicated.
- ``PUT    /api/memory/settings`` — ``{"enabled": false}`` turns memory off (nothing is read
  or written); ``GET`` gives the current value.

In chat, "forget that" / "forget my address" / 忘掉我的地址 deletes at once, the same way: the
value reaches no prompt again, not even through the history of the conversation it was said in,
and a later question about it is answered "you asked me to forget that" (memory keeps which
attribute was forgotten, never the value). "Forget everything" clears memory but leaves the
conversations' own history as it is. Incognito conversations neither read nor write memory.
Errors: ``{"error": {"code", "message"}}``.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from banshi.api.deps import current_user, get_db, settings_dep
from banshi.config import Settings, get_settings
from banshi.memory import get_memory, worker
from banshi.store.tables import User


@asynccontextmanager
async def lifespan(_app: Any):  # type: ignore[no-untyped-def]
    """The memory worker runs as long as the server does (and resumes left-over jobs)."""
    settings = get_settings()
    worker.start(settings)
    try:
        yield
    finally:
        worker.stop(settings)


router = APIRouter(prefix="/api/memory", tags=["memory"], lifespan=lifespan)


class NewFact(BaseModel):
    text: str = Field("", max_length=2000)
    subject: str = Field("user", max_length=100)
    attribute: str | None = Field(None, max_length=100)
    value: str | None = Field(None, max_length=2000)


class FactEdit(BaseModel):
    value: str | None = Field(None, max_length=2000)
    text: str | None = Field(None, max_length=2000)


class Switch(BaseModel):
    enabled: bool


@router.get("")
def list_memory(history: bool = False, user: User = Depends(current_user), db: Session = Depends(get_db),
                settings: Settings = Depends(settings_dep)) -> dict:
    memory = get_memory(settings)
    return {"enabled": memory.enabled(db, user.id),
            "facts": memory.list_facts(db, user_id=user.id, include_history=history),
            "pending_jobs": memory.pending(db)}


@router.get("/search")
def search(q: str, limit: int = 10, user: User = Depends(current_user), db: Session = Depends(get_db),
           settings: Settings = Depends(settings_dep)) -> dict:
    return get_memory(settings).search(db, q, user_id=user.id, limit=limit)


@router.get("/export")
def export(user: User = Depends(current_user), db: Session = Depends(get_db),
           settings: Settings = Depends(settings_dep)) -> Response:
    data = get_memory(settings).export(db, user_id=user.id)
    return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="banshi-memory.json"'})


@router.post("/import")
def import_memory(data: dict, user: User = Depends(current_user), db: Session = Depends(get_db),
                  settings: Settings = Depends(settings_dep)) -> dict:
    return get_memory(settings).import_(db, data, user_id=user.id)


@router.get("/settings")
def read_settings(user: User = Depends(current_user), db: Session = Depends(get_db),
                  settings: Settings = Depends(settings_dep)) -> dict:
    return {"enabled": get_memory(settings).enabled(db, user.id)}


@router.put("/settings")
def write_settings(body: Switch, user: User = Depends(current_user), db: Session = Depends(get_db),
                   settings: Settings = Depends(settings_dep)) -> dict:
    get_memory(settings).set_enabled(db, user.id, body.enabled)
    return {"enabled": body.enabled}


@router.post("", status_code=201)
def create(body: NewFact, user: User = Depends(current_user), db: Session = Depends(get_db),
           settings: Settings = Depends(settings_dep)) -> JSONResponse:
    fact = get_memory(settings).create(db, user_id=user.id, text=body.text, subject=body.subject,
                                       attribute=body.attribute, value=body.value)
    return JSONResponse(fact, status_code=201)


@router.delete("", status_code=204)
def delete_all(user: User = Depends(current_user), db: Session = Depends(get_db),
               settings: Settings = Depends(settings_dep)) -> None:
    get_memory(settings).delete_all(db, user_id=user.id)


@router.delete("/messages/{message_id}", status_code=204)
def forget_message(message_id: str, user: User = Depends(current_user), db: Session = Depends(get_db),
                   settings: Settings = Depends(settings_dep)) -> None:
    get_memory(settings).forget_message(db, message_id, user_id=user.id)


@router.get("/{fact_id}")
def read(fact_id: str, user: User = Depends(current_user), db: Session = Depends(get_db),
         settings: Settings = Depends(settings_dep)) -> dict:
    return get_memory(settings).get(db, fact_id, user_id=user.id)


@router.patch("/{fact_id}")
def edit(fact_id: str, body: FactEdit, user: User = Depends(current_user), db: Session = Depends(get_db),
         settings: Settings = Depends(settings_dep)) -> dict:
    return get_memory(settings).update(db, fact_id, user_id=user.id, value=body.value, text=body.text)


@router.delete("/{fact_id}", status_code=204)
def delete(fact_id: str, user: User = Depends(current_user), db: Session = Depends(get_db),
           settings: Settings = Depends(settings_dep)) -> None:
    get_memory(settings).delete(db, fact_id, user_id=user.id)
