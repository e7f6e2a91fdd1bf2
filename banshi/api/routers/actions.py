"""Actions on the user's behalf: services and tools, pending actions (confirm / reject), the
audit log with undo, reminders' notifications, the calendar as ICS. Runs the reminder
scheduler for the server's lifetime.

Endpoints
- ``GET  /api/services`` — the registry: services, their tools and JSON schemas, sandbox flags.
- ``POST /api/actions`` ``{tool, arguments, conversation_id?}`` — a read runs at once
  (``{"result": ...}``); a write becomes a pending action (``{"action": ...}``, status pending).
- ``GET  /api/actions?status=pending&conversation_id=`` — actions, newest first.
- ``POST /api/actions/{id}/confirm`` — run it (idempotent: a second confirm returns the first
  result); ``POST /api/actions/{id}/reject``.
- ``GET  /api/actions/audit?writes_only=true`` — everything done on the user's behalf;
  ``POST /api/actions/audit/{id}/undo`` cancels the booking/order an entry made.
- ``GET  /api/notifications`` — fired reminders not yet seen (poll it; the web UI shows them);
  ``POST /api/notifications/{id}/ack``.
- ``GET  /api/calendar.ics`` — the user's calendar.

Chat events (``POST /api/conversations/{id}/messages`` SSE stream), emitted before the answer's
``text`` events when the dispatcher acts:
- ``{"type": "tool", "tool", "service", "arguments", "ok", "result" | "error"}``: a read ran.
- ``{"type": "action", "action": {"id", "tool", "service", "service_title", "sandbox",
  "arguments", "summary", "status", "result"?}}``: ``status == "pending"`` is a confirmation
  card (buttons → confirm / reject above; typing "确认"/"yes" or "取消"/"no" in the chat works
  too); other statuses report the decision (done, failed, rejected, expired).
The assistant message's ``meta.dispatch`` records the services and tool calls of the turn.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from banshi.agents.actions import Actions, action_dict, append_to_conversation, audit_dict
from banshi.agents.registry import get_registry
from banshi.api.deps import current_user, get_db, settings_dep
from banshi.config import Settings, get_settings
from banshi.errors import NotFound
from banshi.services import scheduler as sched
from banshi.services.office import calendar_ics
from banshi.store.tables import User, utcnow


@asynccontextmanager
async def lifespan(_: FastAPI) -> AsyncIterator[None]:
    runner = sched.Scheduler(get_settings())
    runner.start()
    try:
        yield
    finally:
        runner.stop()


router = APIRouter(tags=["actions"], lifespan=lifespan)


def actions_dep(settings: Settings = Depends(settings_dep)) -> Actions:
    return Actions(get_registry(settings), settings)


@dataclass
class Caller:
    """Who is asking, their database session and the actions service: what every endpoint needs."""

    user: User
    db: Session
    actions: Actions


def caller_dep(
    user: User = Depends(current_user), db: Session = Depends(get_db), actions: Actions = Depends(actions_dep)
) -> Caller:
    return Caller(user, db, actions)


class NewAction(BaseModel):
    tool: str = Field(..., min_length=1, max_length=100)
    arguments: dict[str, Any] = Field(default_factory=dict)
    conversation_id: str | None = None


@router.get("/api/services")
def services(actions: Actions = Depends(actions_dep), _: User = Depends(current_user)) -> dict:
    reg = actions.registry
    return {
        "data": [
            {
                "name": s.name,
                "title": s.title,
                "description": s.description,
                "sandbox": s.sandbox,
                "provider": s.provider,
                "examples": s.examples,
                "tools": [
                    {"name": t.name, "description": t.description, "confirm": t.confirm, "parameters": t.parameters}
                    for t in s.tools
                ],
            }
            for s in reg.services.values()
        ]
    }


@router.post("/api/actions", status_code=201)
def create_action(
    body: NewAction,
    c: Caller = Depends(caller_dep),
) -> dict:
    tool = c.actions.registry.tool(body.tool)
    if body.conversation_id:
        from banshi.chat.engine import get_conversation

        get_conversation(c.db, c.user.id, body.conversation_id)
    if tool.confirm:
        action = c.actions.propose(c.db, c.user.id, body.tool, body.arguments, conversation_id=body.conversation_id)
        return {"action": action_dict(action, c.actions.registry)}
    result = c.actions.run(c.db, c.user.id, body.tool, body.arguments, conversation_id=body.conversation_id)
    return {"result": result.to_dict()}


@router.get("/api/actions")
def list_actions(
    status: str | None = None,
    conversation_id: str | None = None,
    limit: int = 50,
    c: Caller = Depends(caller_dep),
) -> dict:
    rows = c.actions.list(c.db, c.user.id, status=status, limit=max(1, min(limit, 500)))
    if conversation_id:
        rows = [a for a in rows if a.conversation_id == conversation_id]
    return {"data": [action_dict(a, c.actions.registry) for a in rows]}


@router.get("/api/actions/audit")
def audit(
    writes_only: bool = False,
    limit: int = 100,
    c: Caller = Depends(caller_dep),
) -> dict:
    rows = c.actions.audit(c.db, c.user.id, writes_only=writes_only, limit=max(1, min(limit, 1000)))
    return {"data": [audit_dict(e) for e in rows]}


@router.post("/api/actions/audit/{entry_id}/undo")
def undo(
    entry_id: str,
    c: Caller = Depends(caller_dep),
) -> dict:
    result = c.actions.undo(c.db, c.user.id, entry_id)
    return {"result": result.to_dict()}


@router.get("/api/actions/{action_id}")
def get_action(
    action_id: str,
    c: Caller = Depends(caller_dep),
) -> dict:
    return action_dict(c.actions.get(c.db, c.user.id, action_id), c.actions.registry)


@router.post("/api/actions/{action_id}/confirm")
def confirm(
    action_id: str,
    c: Caller = Depends(caller_dep),
) -> dict:
    before = c.actions.get(c.db, c.user.id, action_id).status
    a = c.actions.confirm(c.db, c.user.id, action_id)
    if before == "pending":
        ok = a.status == "done"
        ref = (a.result.get("data") or {}).get("id") if ok and isinstance(a.result.get("data"), dict) else None
        text = (
            (f"✅ {a.summary}" + (f" (id {ref})" if ref else ""))
            if ok
            else f"❌ {a.summary}: {a.result.get('error', '')}"
        )
        append_to_conversation(c.db, c.user.id, a.conversation_id, text, {"actions": [action_dict(a)]})
    return action_dict(a, c.actions.registry)


@router.post("/api/actions/{action_id}/reject")
def reject(
    action_id: str,
    c: Caller = Depends(caller_dep),
) -> dict:
    return action_dict(c.actions.reject(c.db, c.user.id, action_id), c.actions.registry)


@router.get("/api/notifications")
def notifications(user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    return {"data": sched.notifications(db, user.id)}


@router.post("/api/notifications/{reminder_id}/ack")
def ack(reminder_id: str, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    if not sched.acknowledge(db, user.id, reminder_id):
        raise NotFound("no such notification")
    return {"ok": True}


@router.get("/api/calendar.ics")
def calendar(user: User = Depends(current_user), db: Session = Depends(get_db)) -> Response:
    return Response(
        calendar_ics(db, user.id, utcnow()),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="banshi-calendar.ics"'},
    )
