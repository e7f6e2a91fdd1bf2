"""The reminder scheduler. Reminders live in the database, so the schedule survives restarts:
on start the scheduler fires whatever fell due while the server was down (once, marked late),
then checks every ``settings.scheduler_interval`` seconds. A firing becomes a notification the
web UI shows until the user acknowledges it (``GET /api/notifications``)."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from banshi.config import Settings
from banshi.services.common import to_local
from banshi.services.tables import Reminder
from banshi.store.db import session_scope
from banshi.store.tables import utcnow

log = logging.getLogger("banshi.scheduler")


def fire_due(db: Session, now: datetime | None = None) -> list[Reminder]:
    """Fire every active reminder due at ``now`` (UTC): mark it fired and unseen, re-arm the
    repeating ones at their next future time. Returns what fired."""
    now = now or utcnow()
    due = list(
        db.scalars(
            select(Reminder).where(Reminder.active.is_(True), Reminder.due_at <= now).with_for_update(skip_locked=True)
        )
    )
    for r in due:
        r.fired_at = now
        r.fire_count += 1
        r.acknowledged = False
        if r.repeat_minutes > 0:
            step = timedelta(minutes=r.repeat_minutes)
            missed = int((now - r.due_at) / step) + 1  # skip the occurrences the server slept through
            r.due_at = r.due_at + step * missed
        else:
            r.active = False
    db.flush()
    return due


def notification_dict(r: Reminder) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind,
        "text": r.text,
        "fired_at": (r.fired_at.isoformat() + "Z") if r.fired_at else None,
        "due_local": to_local(r.fired_at).strftime("%Y-%m-%d %H:%M") if r.fired_at else None,
        "repeat_minutes": r.repeat_minutes,
        "active": r.active,
    }


def notifications(db: Session, user_id: str) -> list[dict[str, Any]]:
    rows = db.scalars(
        select(Reminder)
        .where(Reminder.user_id == user_id, Reminder.acknowledged.is_(False))
        .order_by(Reminder.fired_at)
    )
    return [notification_dict(r) for r in rows]


def acknowledge(db: Session, user_id: str, reminder_id: str) -> bool:
    r = db.get(Reminder, reminder_id)
    if r is None or r.user_id != user_id:
        return False
    r.acknowledged = True
    return True


class Scheduler:
    """A daemon thread that fires due reminders. ``start``/``stop`` are idempotent."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired = 0

    def tick(self) -> int:
        with session_scope(self.settings) as db:
            n = len(fire_due(db))
        self.fired += n
        return n

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # keep the scheduler alive; the next tick retries
                log.exception("reminder tick failed")
            self._stop.wait(self.settings.scheduler_interval)

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="banshi-scheduler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None
