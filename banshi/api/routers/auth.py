"""Sign-up, sign-in (session cookie), sign-out, API keys, who am I."""

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from banshi.api import auth
from banshi.api.deps import current_user, get_db, settings_dep
from banshi.config import Settings
from banshi.errors import InvalidInput
from banshi.store.tables import User

router = APIRouter(prefix="/api", tags=["auth"])


class Credentials(BaseModel):
    username: str
    password: str


def _user(u: User, settings: Settings) -> dict:
    return {"id": u.id, "username": u.username, "multi_user": settings.multi_user}


@router.get("/me")
def me(user: User = Depends(current_user), settings: Settings = Depends(settings_dep)) -> dict:
    return _user(user, settings)


@router.post("/auth/register", status_code=201)
def register(body: Credentials, db: Session = Depends(get_db), settings: Settings = Depends(settings_dep)) -> dict:
    if not settings.multi_user:
        raise InvalidInput("accounts exist only in multi-user mode (BANSHI_MULTI_USER=true)")
    return _user(auth.register(db, body.username, body.password), settings)


@router.post("/auth/login")
def login(body: Credentials, response: Response, db: Session = Depends(get_db),
          settings: Settings = Depends(settings_dep)) -> dict:
    token = auth.login(db, body.username, body.password)
    response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax",
                        max_age=auth.SESSION_DAYS * 86400)
    return {"ok": True}


@router.post("/auth/logout")
def logout(request: Request, response: Response, db: Session = Depends(get_db)) -> dict:
    token = request.cookies.get(auth.SESSION_COOKIE)
    if token:
        auth.logout(db, token)
    response.delete_cookie(auth.SESSION_COOKIE)
    return {"ok": True}


class KeyRequest(BaseModel):
    name: str = ""


@router.post("/keys", status_code=201)
def create_key(body: KeyRequest, user: User = Depends(current_user), db: Session = Depends(get_db)) -> dict:
    return {"key": auth.create_api_key(db, user, body.name), "name": body.name}
