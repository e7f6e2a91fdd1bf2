"""Liveness and what the server runs on."""

from fastapi import APIRouter, Depends
from sqlalchemy import text
from sqlalchemy.orm import Session

from banshi import __version__
from banshi.api.deps import get_db, settings_dep
from banshi.config import Settings

router = APIRouter(tags=["health"])


@router.get("/health")
def health(db: Session = Depends(get_db), settings: Settings = Depends(settings_dep)) -> dict:
    db.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "backend": settings.backend,
            "multi_user": settings.multi_user}
