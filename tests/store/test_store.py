"""The store on SQLite and on the real PostgreSQL server: migrations, rows, cascades."""

from sqlalchemy import inspect, select

from banshi.store.db import get_engine, session_scope
from banshi.store.tables import Conversation, Message, User


def test_migrations_create_every_table(db_settings):
    names = set(inspect(get_engine(db_settings)).get_table_names())
    assert {"users", "conversations", "messages", "api_keys", "auth_sessions", "alembic_version"} <= names


def test_sqlite_runs_in_wal_mode(settings):
    with get_engine(settings).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_rows_round_trip_and_cascade(db_settings):
    with session_scope(db_settings) as db:
        user = User(username="ana")
        db.add(user)
        db.flush()
        conv = Conversation(user_id=user.id, title="旅行计划")
        db.add(conv)
        db.flush()
        db.add_all([Message(user_id=user.id, conversation_id=conv.id, seq=i, role="user", content=f"第{i}条")
                    for i in (1, 2)])
        conv_id = conv.id
    with session_scope(db_settings) as db:
        conv = db.get(Conversation, conv_id)
        assert [m.content for m in conv.messages] == ["第1条", "第2条"]
        db.delete(conv)
    with session_scope(db_settings) as db:
        assert db.scalars(select(Message)).all() == []


def test_failed_transaction_stores_nothing(db_settings):
    try:
        with session_scope(db_settings) as db:
            db.add(User(username="bo"))
            db.flush()
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    with session_scope(db_settings) as db:
        assert db.scalar(select(User).where(User.username == "bo")) is None
