"""Actions taken on the user's behalf: reads run at once, writes wait as *pending actions*
until the user confirms them; everything that ran is in the audit log, and what can be undone
(a booking, an order) is undone from there.

Idempotency: a pending action gets its key when it is proposed, and the write runs with that
key. Confirming twice, retrying after a timeout or a double click all return the first
result — the services store the key with the row they write, and the log refuses a second
entry for the same key."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from banshi.agents.tools import Registry, ToolContext, ToolResult
from banshi.config import Settings
from banshi.errors import Conflict, InvalidInput, NotFound
from banshi.services.tables import AuditEntry, PendingAction
from banshi.store.tables import Conversation, Message, utcnow


def new_key() -> str:
    return uuid.uuid4().hex


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() + "Z" if d else None


def action_dict(a: PendingAction, registry: Registry | None = None) -> dict[str, Any]:
    out = {
        "id": a.id,
        "tool": a.tool,
        "service": a.service,
        "arguments": a.arguments,
        "summary": a.summary,
        "status": a.status,
        "conversation_id": a.conversation_id,
        "created_at": _iso(a.created_at),
        "decided_at": _iso(a.decided_at),
    }
    if a.result:
        out["result"] = a.result
    if registry is not None and a.service in registry.services:
        svc = registry.services[a.service]
        out["service_title"], out["sandbox"] = svc.title, svc.sandbox
    return out


def audit_dict(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "tool": e.tool,
        "service": e.service,
        "write": e.write,
        "arguments": e.arguments,
        "ok": e.ok,
        "result": e.result,
        "action_id": e.action_id,
        "conversation_id": e.conversation_id,
        "undoable": bool(e.undo_tool) and e.ok and not e.undone,
        "undone": e.undone,
        "created_at": _iso(e.created_at),
    }


#: what a parameter is called where the user reads it (a confirmation card, a question for a
#: missing value), in Chinese; in English its name with spaces
LABELS_ZH = {
    "address": "地址", "appointment_id": "预约", "area": "区域", "at": "时间", "back": "背面",
    "body": "正文", "booking_id": "预订", "cabin": "舱位", "check_in": "入住日期", "cinema": "影院",
    "city": "城市", "clinic": "医院", "date": "日期", "deck": "卡组", "department": "科室",
    "destination": "目的地", "dish": "菜品", "dishes": "菜品", "doctor": "医生", "dose": "剂量",
    "due": "截止时间", "end": "结束时间", "every_hours": "重复", "film": "影片", "flight": "航班",
    "front": "正面", "guests": "入住人数", "hotel": "酒店", "insurance": "保险", "item_id": "条目",
    "item_ids": "商品", "location": "地点", "medicine": "药品", "name": "名称", "near": "附近地点",
    "new_date": "新日期", "new_item_ids": "换成", "new_train": "新车次", "nights": "晚数", "note": "备注",
    "order_id": "订单", "origin": "出发地", "passengers": "人数", "payment": "支付方式", "people": "人数",
    "product_id": "商品编号", "query": "商品", "reason": "原因", "reminder_id": "提醒",
    "repeat_minutes": "重复", "restaurant": "餐厅", "rooms": "房间数", "seat_class": "席别",
    "showtime_id": "场次", "start": "开始时间", "subject": "主题", "symptoms": "症状", "text": "内容",
    "tickets": "张数", "time": "时间", "title": "标题", "to": "收件人", "todo_id": "待办", "train": "车次",
}  # fmt: skip
#: a parameter's fixed English values as the Chinese card says them
VALUES_ZH = {
    "credit_card": "信用卡", "paypal": "PayPal", "gift_card": "礼品卡", "basic_economy": "基础经济舱",
    "economy": "经济舱", "business": "商务舱", "no longer needed": "不再需要", "ordered by mistake": "下错单了",
}  # fmt: skip
_WEEKDAYS_ZH = "一二三四五六日"


def label(name: str, zh: bool) -> str:
    return LABELS_ZH.get(name, name) if zh else name.replace("_", " ")


def _shown(value: Any, zh: bool) -> str:
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, list):
        return ("、" if zh else ", ").join(map(str, value))
    text = str(value)
    if zh and text in VALUES_ZH:
        return VALUES_ZH[text]
    try:  # a fixed day or moment gets its weekday: 2026-12-01（周二）08:00
        day = datetime.strptime(text[:10], "%Y-%m-%d")
    except ValueError:
        return text
    weekday = f"（周{_WEEKDAYS_ZH[day.weekday()]}）" if zh else f" ({day:%a})"
    clock = text[10:].strip()
    return text[:10] + weekday + (" " if clock and not zh else "") + clock


def summarize(
    registry: Registry, tool: str, arguments: dict[str, Any], zh: bool = False, names: dict[str, str] | None = None,
    about: str = "",
) -> str:
    """One line for a confirmation card, in the user's language: what will happen, with what it
    acts on (``about``, see ``Tool.about``) and every argument given ("设提醒：内容：开会；时间：
    2026-12-01（周二）08:00"), an id by what it stands for (``names``, see ``Tool.names``). An
    argument left at nothing (0, no, empty) is not shown."""
    t = registry.tool(tool)
    title = t.title[0 if zh else 1] or t.description.split("(")[0].rstrip(" .")
    colon = "：" if zh else ": "
    names = names or {}
    parts = [about] * bool(about) + [
        f"{label(k, zh)}{colon}{names.get(k) or _shown(v, zh)}"
        for k, v in arguments.items()
        if v not in (None, "", [], {}, 0)
    ]
    return title + colon + ("；" if zh else "; ").join(parts) if parts else title


@dataclass
class Actions:
    """The ledger for one registry: propose, confirm, reject, run, undo, list."""

    registry: Registry
    settings: Settings
    now: datetime | None = None  # fixed clock for tests and benchmarks

    def ctx(self, db: Session, user_id: str, key: str = "") -> ToolContext:
        return ToolContext(db=db, user_id=user_id, settings=self.settings, idempotency_key=key, now=self.now)

    # -- running -------------------------------------------------------------------------------
    def run(
        self,
        db: Session,
        user_id: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        key: str = "",
        conversation_id: str | None = None,
        action_id: str | None = None,
    ) -> ToolResult:
        """Run a tool now and log it. Writes need ``key``; a key seen before replays its result."""
        t = self.registry.tools.get(tool)
        write = bool(t and t.confirm)
        if write:
            if not key:
                raise InvalidInput(f"{tool} changes the world: it needs an idempotency key")
            prior = db.scalar(select(AuditEntry).where(AuditEntry.user_id == user_id, AuditEntry.idem_key == key))
            if prior is not None:
                if prior.tool != tool:
                    raise Conflict(f"idempotency key {key!r} was used for {prior.tool}")
                return ToolResult(
                    tool,
                    prior.ok,
                    data=prior.result.get("data"),
                    error=prior.result.get("error", ""),
                    code=prior.result.get("code", ""),
                )
        _write_lock(db)
        try:
            with db.begin_nested():  # a failing tool leaves nothing half-written
                result = self.registry.run(tool, arguments, self.ctx(db, user_id, key))
                if not result.ok:
                    raise _Rollback(result)
        except _Rollback as rb:
            result = rb.result
        # a failed write keeps no key: retrying it may succeed and must be allowed to run
        entry = AuditEntry(
            user_id=user_id,
            conversation_id=conversation_id,
            action_id=action_id,
            tool=tool,
            service=t.service if t else "",
            write=write,
            arguments=arguments,
            ok=result.ok,
            result=_stored(result),
            idem_key=(key or None) if result.ok else None,
            created_at=utcnow(),
        )
        if write and result.ok and t and t.undo:
            undo_args = self._undo_arguments(t.undo, result.data)
            if undo_args is not None:
                entry.undo_tool, entry.undo_arguments = t.undo, undo_args
        db.add(entry)
        db.flush()
        return result

    def _undo_arguments(self, undo_tool: str, data: Any) -> dict[str, Any] | None:
        """The undo tool's one required id argument, filled from the result's ``id``."""
        if not isinstance(data, dict) or "id" not in data or undo_tool not in self.registry.tools:
            return None
        required = self.registry.tools[undo_tool].parameters.get("required", [])
        return {required[0]: data["id"]} if len(required) == 1 else None

    # -- pending actions -----------------------------------------------------------------------
    def propose(
        self,
        db: Session,
        user_id: str,
        tool: str,
        arguments: dict[str, Any],
        *,
        conversation_id: str | None = None,
        zh: bool = False,
    ) -> PendingAction:
        """A write waiting for the user's yes. Its said times are fixed now (``Tool.fix``: the card
        shows the moment meant, and a yes given tomorrow books it, not the day after); ``zh``:
        the card's language."""
        t = self.registry.tool(tool)
        if not t.confirm:
            raise InvalidInput(f"{tool} only reads: run it, no confirmation needed")
        t.validate(arguments)
        ctx = self.ctx(db, user_id)
        arguments = t.fix(arguments, ctx)
        values = t.validate(arguments)
        clean = {k: v for k, v in values.items() if k in arguments or v not in (None, "")}
        action = PendingAction(
            user_id=user_id,
            conversation_id=conversation_id,
            tool=tool,
            service=t.service,
            arguments=clean,
            summary=summarize(self.registry, tool, clean, zh, t.names(clean, ctx, zh),
                              t.about(ctx, zh) if t.about is not None else ""),
            idem_key=new_key(),
            created_at=utcnow(),
        )
        db.add(action)
        db.flush()
        return action

    def get(self, db: Session, user_id: str, action_id: str) -> PendingAction:
        a = db.get(PendingAction, action_id)
        if a is None or a.user_id != user_id:
            raise NotFound("no such action")
        return a

    def confirm(self, db: Session, user_id: str, action_id: str) -> PendingAction:
        """Run a pending action (once: confirming again returns what it did)."""
        a = self.get(db, user_id, action_id)
        if a.status in ("done", "failed"):
            return a
        if a.status != "pending":
            raise Conflict(f"the action is {a.status}, it can no longer be confirmed")
        result = self.run(
            db, user_id, a.tool, dict(a.arguments), key=a.idem_key, conversation_id=a.conversation_id, action_id=a.id
        )
        a.status = "done" if result.ok else "failed"
        a.result = _stored(result)
        a.decided_at = utcnow()
        db.flush()
        return a

    def reject(self, db: Session, user_id: str, action_id: str) -> PendingAction:
        a = self.get(db, user_id, action_id)
        if a.status == "rejected":
            return a
        if a.status != "pending":
            raise Conflict(f"the action is {a.status}, it can no longer be rejected")
        a.status, a.decided_at = "rejected", utcnow()
        db.flush()
        return a

    def pending(self, db: Session, user_id: str, conversation_id: str | None = None) -> list[PendingAction]:
        q = select(PendingAction).where(PendingAction.user_id == user_id, PendingAction.status == "pending")
        if conversation_id:
            q = q.where(PendingAction.conversation_id == conversation_id)
        return list(db.scalars(q.order_by(PendingAction.created_at)))

    def expire_pending(self, db: Session, user_id: str, conversation_id: str) -> None:
        for a in self.pending(db, user_id, conversation_id):
            a.status, a.decided_at = "expired", utcnow()
        db.flush()

    def list(self, db: Session, user_id: str, status: str | None = None, limit: int = 50) -> list[PendingAction]:
        q = select(PendingAction).where(PendingAction.user_id == user_id)
        if status:
            q = q.where(PendingAction.status == status)
        return list(db.scalars(q.order_by(PendingAction.created_at.desc()).limit(limit)))

    # -- audit and undo ------------------------------------------------------------------------
    def audit(self, db: Session, user_id: str, *, writes_only: bool = False, limit: int = 100) -> list[AuditEntry]:
        q = select(AuditEntry).where(AuditEntry.user_id == user_id)
        if writes_only:
            q = q.where(AuditEntry.write.is_(True))
        return list(db.scalars(q.order_by(AuditEntry.created_at.desc()).limit(limit)))

    def undo(self, db: Session, user_id: str, entry_id: str) -> ToolResult:
        """Undo a logged write (cancel the booking or order it made). Undoing twice is a no-op."""
        e = db.get(AuditEntry, entry_id)
        if e is None or e.user_id != user_id:
            raise NotFound("no such audit entry")
        if not e.undo_tool or not e.ok:
            raise Conflict(f"{e.tool} cannot be undone here")
        result = self.run(
            db, user_id, e.undo_tool, dict(e.undo_arguments), key=f"undo-{e.id}", conversation_id=e.conversation_id
        )
        if result.ok:
            e.undone = True
            db.flush()
        return result


def _write_lock(db: Session) -> None:
    """On SQLite, take the write lock before the tool reads anything. A transaction that reads
    first and writes later fails at once ("database is locked") if another connection (the
    memory worker, the scheduler, another request) committed in between; one that starts with a
    write simply waits its turn."""
    if db.get_bind().dialect.name == "sqlite" and not db.in_nested_transaction():
        db.execute(text("UPDATE svc_carts SET user_id = user_id WHERE 1 = 0"))


class _Rollback(Exception):
    def __init__(self, result: ToolResult):
        self.result = result


def _stored(result: ToolResult) -> dict[str, Any]:
    out: dict[str, Any] = {"ok": result.ok}
    if result.ok:
        out["data"] = json.loads(json.dumps(result.data, ensure_ascii=False, default=str))
    else:
        out |= {"error": result.error, "code": result.code}
    return out


def append_to_conversation(
    db: Session, user_id: str, conversation_id: str | None, text: str, meta: dict[str, Any]
) -> None:
    """Record what a confirmation from outside the chat (a web button, the API) did, so the
    conversation — and the model reading it next turn — knows."""
    if not conversation_id:
        return
    conv = db.get(Conversation, conversation_id)
    if conv is None or conv.user_id != user_id:
        return
    seq = db.scalar(select(func.coalesce(func.max(Message.seq), 0)).where(Message.conversation_id == conv.id))
    db.add(
        Message(
            user_id=user_id,
            conversation_id=conv.id,
            seq=(seq or 0) + 1,
            role="assistant",
            content=text,
            finish_reason="stop",
            meta=meta,
        )
    )
    conv.updated_at = utcnow()
    db.flush()
