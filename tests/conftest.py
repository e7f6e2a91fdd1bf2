"""Shared fixtures: a temporary BANSHI_HOME, the fake backend, a TestClient."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from banshi.agents.registry import get_registry
from banshi.agents.tools import Registry, ToolContext
from banshi.config import Settings, get_settings
from banshi.models import base
from banshi.models.fake import ScriptedBackend
from banshi.store.db import dispose_engines, sessionmaker_for
from banshi.store.tables import User

POSTGRES_URL = os.environ.get("BANSHI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Iterator[Settings]:
    monkeypatch.setenv("BANSHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BANSHI_BACKEND", "fake")
    # the dispatcher would consume scripted answers; tests of actions turn it on (tests/agents)
    monkeypatch.setenv("BANSHI_ACTIONS", "false")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    base.reset_backends()
    dispose_engines()


@pytest.fixture
def fake(settings: Settings) -> ScriptedBackend:
    """The scripted backend the app uses in this test: ``fake.enqueue("answer")``."""
    backend = base.get_backend(settings)
    assert isinstance(backend, ScriptedBackend)
    return backend


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from banshi.api.app import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c


def _fresh_postgres_db() -> tuple[str, object]:
    """Create an empty database on the PostgreSQL server; returns its URL and a dropper."""
    import uuid

    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"banshi_t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as e:
        pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {e}")

    def drop() -> None:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", drop


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_settings(request, settings: Settings, monkeypatch) -> Iterator[Settings]:  # type: ignore[no-untyped-def]
    """The same test against SQLite and against the real PostgreSQL server."""
    if request.param == "sqlite":
        yield settings
        return
    url, drop = _fresh_postgres_db()
    monkeypatch.setenv("BANSHI_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        drop()  # type: ignore[operator]


@pytest.fixture
def live_server(settings: Settings) -> Iterator[str]:
    """A real uvicorn server on a free port, in a thread; yields its base URL."""
    import socket
    import threading
    import time

    import uvicorn

    from banshi.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


# -- the sandbox services and the dispatcher (tests/services, tests/agents) ---------------------
#: a fixed "now" (UTC, naive) for every service test: exact and repeatable
NOW = datetime(2026, 6, 1, 2, 0)


def need_data(settings: Settings, *parts: str) -> None:
    path = Path(settings.data_dir, "services", *parts)
    if not path.exists():
        pytest.skip(f"shared service data not installed: {path}")


@pytest.fixture
def db(settings: Settings) -> Iterator:
    """A database session on the test's store, committed at the end."""
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
