"""Fixtures for the sandbox services: a database session, users, a context with a fixed clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from banshi.agents.registry import get_registry
from banshi.agents.tools import Registry, ToolContext
from banshi.config import Settings
from banshi.store.db import sessionmaker_for
from banshi.store.tables import User

#: a fixed "now" (UTC, naive) for every service test: exact and repeatable
NOW = datetime(2026, 6, 1, 2, 0)


def need_data(settings: Settings, *parts: str) -> None:
    path = Path(settings.data_dir, "services", *parts)
    if not path.exists():
        pytest.skip(f"shared service data not installed: {path}")


@pytest.fixture
def db(settings: Settings) -> Iterator:
    session = sessionmaker_for(settings)()
    try:
        yield session
        session.commit()
    finally:
        session.close()


@pytest.fixture
def users(db) -> tuple[str, str]:
    a, b = User(username="alice"), User(username="bob")
    db.add_all([a, b])
    db.flush()
    return a.id, b.id


@pytest.fixture
def registry(settings: Settings) -> Registry:
    return get_registry(settings)


@pytest.fixture
def ctx(db, users, settings: Settings) -> Callable[..., ToolContext]:
    """``ctx(key="k1", user=0, now=NOW)`` — a tool context for alice (0) or bob (1)."""

    def make(key: str = "", user: int = 0, now: datetime = NOW) -> ToolContext:
        return ToolContext(db=db, user_id=users[user], settings=settings, idempotency_key=key, now=now)

    return make


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def need(settings: Settings) -> Callable[..., None]:
    """``need("crosswoz_beijing")``: skip unless that shared data set is installed."""
    return lambda *parts: need_data(settings, *parts)
