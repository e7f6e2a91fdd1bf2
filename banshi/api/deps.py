"""Request dependencies: settings, a database session, the current user, the chat engine."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from fastapi.requests import HTTPConnection
from sqlalchemy.orm import Session

from banshi.api import auth
from banshi.chat.engine import ChatEngine
from banshi.config import Settings, get_settings
from banshi.errors import Unauthorized
from banshi.store.db import session_scope
from banshi.store.tables import User


def settings_dep() -> Settings:
    return get_settings()


def get_db(conn: HTTPConnection, settings: Settings = Depends(settings_dep)) -> Iterator[Session]:
    """The request's session; committed by ``commit_before_response`` when the endpoint returns,
    closed (committing what a streamed body wrote) after the response has been sent."""
    with session_scope(settings) as db:
        conn.state.db = db
        yield db


def commit_before_response(conn: HTTPConnection) -> Iterator[None]:
    """Commit the request's session before its response leaves (an app-wide dependency with
    ``scope="function"``). FastAPI ends ``get_db`` only after the response has been sent, and a
    client may act on the response at once: the page posts a new chat's first message the moment
    the chat's 201 arrives, and that request found no chat when it came before the commit."""
    yield  # an error in the endpoint is raised here: nothing is committed, get_db rolls back
    db: Session | None = getattr(conn.state, "db", None)
    if db is not None:
        db.commit()


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


def current_user(request: Request, db: Session = Depends(get_db),
                 settings: Settings = Depends(settings_dep)) -> User:
    """In single-user mode: the local user, whatever key is sent. In multi-user mode: the
    owner of the session cookie or the API key, else 401."""
    if not settings.multi_user:
        return auth.local_user(db)
    user = auth.user_for_token(db, cookie=request.cookies.get(auth.SESSION_COOKIE), bearer=_bearer(request))
    if user is None:
        raise Unauthorized("sign in or send an API key (Authorization: Bearer …)")
    return user


def get_engine(settings: Settings = Depends(settings_dep)) -> ChatEngine:
    from banshi.assistant import build_engine

    return build_engine(settings)
