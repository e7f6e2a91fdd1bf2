"""Memory tests run against SQLite and, where the database matters, the real PostgreSQL (in a
schema of their own, dropped afterwards)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from banshi.config import Settings, get_settings
from banshi.memory import get_memory, load_embedder, reset
from banshi.memory.service import Memory
from banshi.store.db import dispose_engines, session_scope
from banshi.store.tables import Conversation, User
from tests.conftest import POSTGRES_URL

load_embedder()  # with its passive OpenMP waiting, before anything else loads it


def _postgres_schema() -> tuple[str, str] | None:
    try:
        import psycopg

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        name = f"mem_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, connect_timeout=3, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")
        return url, name
    except Exception:
        return None


def _drop(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {name} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, settings: Settings, monkeypatch) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """Settings for a fresh database of either kind."""
    reset()
    if request.param == "sqlite":
        yield settings
        reset()
        return
    made = _postgres_schema()
    if made is None:
        pytest.fail("PostgreSQL is not reachable at " + POSTGRES_URL + " (.ci/run starts it)")
    url, schema = made
    monkeypatch.setenv("BANSHI_DATABASE_URL", f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        reset()
        dispose_engines()
        _drop(url, schema)


@pytest.fixture
def memory(store: Settings) -> Memory:
    return get_memory(store)


def make_user(settings: Settings, name: str) -> str:
    with session_scope(settings) as db:
        user = User(username=f"{name}-{uuid.uuid4().hex[:6]}")
        db.add(user)
        db.flush()
        return user.id


def make_conversation(settings: Settings, user_id: str, incognito: bool = False) -> str:
    with session_scope(settings) as db:
        conv = Conversation(user_id=user_id, incognito=incognito)
        db.add(conv)
        db.flush()
        return conv.id


def drain(memory: Memory) -> None:
    """Until the queue is empty, also of jobs the worker thread is running right now."""
    import time

    for _ in range(200):
        while memory.process_pending(model=False):
            pass
        with session_scope(memory.settings) as db:
            if not memory.pending(db):
                return
        time.sleep(0.05)
