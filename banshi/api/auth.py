"""Accounts: password hashing (argon2), browser sessions (cookie), API keys. In single-user
local mode every request is the one local user and no key is needed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from banshi.errors import Conflict, InvalidInput, Unauthorized
from banshi.store.tables import ApiKey, AuthSession, User, utcnow

LOCAL_USER = "local"
SESSION_COOKIE = "banshi_session"
SESSION_DAYS = 30
_hasher = PasswordHasher()


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def local_user(db: Session) -> User:
    """The one user of single-user mode, created on first use. Two first requests at once may
    both try to create it: the loser's insert fails on the unique name and it reads the winner's."""
    user = db.scalar(select(User).where(User.username == LOCAL_USER))
    if user is None:
        try:
            with db.begin_nested():
                user = User(username=LOCAL_USER)
                db.add(user)
        except IntegrityError:
            user = db.scalar(select(User).where(User.username == LOCAL_USER))
            assert user is not None
    return user


def register(db: Session, username: str, password: str) -> User:
    username = (username or "").strip()
    if not (1 <= len(username) <= 64) or username == LOCAL_USER:
        raise InvalidInput("choose a user name of 1 to 64 characters")
    if len(password or "") < 8:
        raise InvalidInput("the password needs at least 8 characters")
    if db.scalar(select(User).where(User.username == username)):
        raise Conflict("that user name is taken")
    user = User(username=username, password_hash=_hasher.hash(password))
    db.add(user)
    db.flush()
    return user


def login(db: Session, username: str, password: str) -> str:
    """Check the password and open a session; returns the cookie token."""
    user = db.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.password_hash:
            raise VerifyMismatchError
        _hasher.verify(user.password_hash, password)
    except VerifyMismatchError:
        raise Unauthorized("wrong user name or password") from None
    token = secrets.token_urlsafe(32)
    db.add(AuthSession(id=_sha(token), user_id=user.id, expires_at=utcnow() + timedelta(days=SESSION_DAYS)))
    return token


def logout(db: Session, token: str) -> None:
    row = db.get(AuthSession, _sha(token))
    if row:
        db.delete(row)


def create_api_key(db: Session, user: User, name: str = "") -> str:
    key = "bs-" + secrets.token_urlsafe(32)
    db.add(ApiKey(user_id=user.id, key_hash=_sha(key), name=name))
    return key


def user_for_token(db: Session, *, cookie: str | None, bearer: str | None) -> User | None:
    if bearer:
        row = db.scalar(select(ApiKey).where(ApiKey.key_hash == _sha(bearer)))
        if row:
            return db.get(User, row.user_id)
    if cookie:
        sess = db.get(AuthSession, _sha(cookie))
        if sess and sess.expires_at > utcnow():
            return db.get(User, sess.user_id)
    return None
