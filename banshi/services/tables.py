"""Tables of the built-in sandbox services and of the actions taken on the user's behalf.

Every row carries ``user_id`` and every query filters by it. Writes record the idempotency key
of the call that made them (unique per user), so a retried call never orders twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from banshi.store.tables import Base, new_id, utcnow


def _user_fk() -> Mapped[str]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class ServiceOrder(Base):
    """A booking or order in any sandbox service: hotel, table, taxi, food, flight, train,
    cinema, retail, clinic appointment. ``data`` holds the service's own details."""

    __tablename__ = "svc_orders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = _user_fk()
    service: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default="confirmed")
    title: Mapped[str] = mapped_column(String(300), default="")
    total: Mapped[float] = mapped_column(Float, default=0.0)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    idem_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "idem_key", name="uq_svc_orders_idem"),
        Index("ix_svc_orders_kind", "service", "kind"),
    )


class Cart(Base):
    """The user's food-delivery cart: one restaurant at a time."""

    __tablename__ = "svc_carts"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    restaurant: Mapped[str] = mapped_column(String(200), default="")
    items: Mapped[list] = mapped_column(JSON, default=list)  # [{dish, price, qty}]
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OfficeItem(Base):
    """Calendar events, notes, to-dos and email drafts (``kind``)."""

    __tablename__ = "svc_office_items"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = _user_fk()
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    start_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    idem_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "idem_key", name="uq_svc_office_idem"),)


class Reminder(Base):
    """A reminder (also a medication reminder) that the server's scheduler fires at ``due_at``
    (UTC, naive). ``repeat_minutes`` > 0 re-arms it after each firing. Fired reminders become
    notifications until the user acknowledges them."""

    __tablename__ = "svc_reminders"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = _user_fk()
    kind: Mapped[str] = mapped_column(String(16), default="reminder")  # reminder | medication
    text: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    repeat_minutes: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fired_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    fire_count: Mapped[int] = mapped_column(default=0)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=True)  # False while a firing is unseen
    idem_key: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "idem_key", name="uq_svc_reminders_idem"),)


class PendingAction(Base):
    """A world-changing tool call the dispatcher proposed, waiting for the user's decision.
    status: pending -> confirmed (ran: done | failed) | rejected | expired."""

    __tablename__ = "pending_actions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = _user_fk()
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    tool: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(64), default="")
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")
    idem_key: Mapped[str] = mapped_column(String(100))
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditEntry(Base):
    """Every action taken on the user's behalf (reads included), what it returned, and how
    to undo it where that is possible."""

    __tablename__ = "action_log"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = _user_fk()
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    action_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tool: Mapped[str] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(64), default="")
    write: Mapped[bool] = mapped_column(Boolean, default=False)
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    idem_key: Mapped[str | None] = mapped_column(String(100), nullable=True)
    undo_tool: Mapped[str] = mapped_column(String(100), default="")
    undo_arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("user_id", "idem_key", name="uq_action_log_idem"),)
