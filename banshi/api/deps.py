"""Request dependencies: settings, a database session, the current user, the chat engine."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from banshi.api import auth
from banshi.chat.engine import ChatEngine
from banshi.config import Settings, get_settings
from banshi.errors import Unauthorized
from banshi.store.db import session_scope
from banshi.store.tables import User


def settings_dep() -> Settings:
    return get_settings()


def get_db(settings: Settings = Depends(settings_dep)) -> Iterator[Session]:
    with session_scope(settings) as db:
        yield db


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
