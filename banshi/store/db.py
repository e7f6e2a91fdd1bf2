"""Engine and sessions. The schema is brought up to date by Alembic on first use."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from banshi.config import Settings

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver we install)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def get_engine(settings: Settings) -> Engine:
    url = normalise_url(settings.db_url)
    with _lock:
        if url not in _engines:
            _engines[url] = _create(url, settings)
        return _engines[url]


def _create(url: str, settings: Settings) -> Engine:
    if url.startswith("sqlite"):
        settings.home.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn, _record):  # type: ignore[no-untyped-def]
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    migrate(engine)
    return engine


def migrate(engine: Engine) -> None:
    """Upgrade the schema to every head revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


def dispose_engines() -> None:
    with _lock:
        for e in _engines.values():
            e.dispose()
        _engines.clear()


def sessionmaker_for(settings: Settings) -> sessionmaker[Session]:
    return sessionmaker(get_engine(settings), expire_on_commit=False)


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = sessionmaker_for(settings)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
