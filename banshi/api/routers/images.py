"""Images over HTTP: the OpenAI-compatible ``POST /v1/images/generations`` (``b64_json`` or
``url`` answers; URLs point at ``GET /v1/images/files/{id}.png``, kept per user) and
``POST /api/images/chart`` for a chart from explicit data."""

from __future__ import annotations

import base64
import re
import time
import uuid
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from banshi.api.deps import current_user, settings_dep
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.models.base import get_backend
from banshi.skills import charts, images, svg
from banshi.store.tables import User

router = APIRouter(tags=["images"])
_ID = re.compile(r"[0-9a-f]{32}")


class ImagesRequest(BaseModel):
    prompt: str = Field(..., min_length=1, max_length=images.MAX_PROMPT_CHARS)
    model: str | None = None
    n: int = Field(1, ge=1, le=4)
    size: str | None = None
    response_format: Literal["b64_json", "url"] = "b64_json"
    quality: str | None = None  # accepted for compatibility; the offline backend has one quality
    style: str | None = None
    user: str | None = None


class ChartRequest(BaseModel):
    kind: Literal["bar", "line", "pie"] = "bar"
    title: str = Field("", max_length=120)
    labels: list[str] = Field(..., min_length=1, max_length=50)
    values: list[float] = Field(..., min_length=1, max_length=50)
    width: int = Field(800, ge=200, le=2048)
    height: int = Field(500, ge=150, le=2048)
    format: Literal["png", "svg"] = "png"


def _store(settings: Settings, user: User) -> Path:
    d = settings.home / "images" / str(user.id)
    d.mkdir(parents=True, exist_ok=True)
    return d


@router.post("/v1/images/generations")
def generations(req: ImagesRequest, request: Request, user: User = Depends(current_user),
                settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    made = images.generate(get_backend(settings), req.prompt, size=req.size, n=req.n)
    data = []
    for img in made:
        item: dict[str, Any] = {"revised_prompt": img.revised_prompt or req.prompt}
        if req.response_format == "url":
            image_id = uuid.uuid4().hex
            (_store(settings, user) / f"{image_id}.png").write_bytes(img.png)
            item["url"] = str(request.url_for("image_file", image_id=image_id))
        else:
            item["b64_json"] = base64.b64encode(img.png).decode()
        data.append(item)
    return {"created": int(time.time()), "data": data,
            "banshi": {"sources": [i.source for i in made], "seconds": [round(i.seconds, 2) for i in made]}}


@router.get("/v1/images/files/{image_id}.png", name="image_file")
def image_file(image_id: str, user: User = Depends(current_user),
               settings: Settings = Depends(settings_dep)) -> Response:
    if not _ID.fullmatch(image_id):
        raise NotFound("no such image")
    path = settings.home / "images" / str(user.id) / f"{image_id}.png"
    if not path.exists():
        raise NotFound("no such image")
    return Response(path.read_bytes(), media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.post("/api/images/chart")
def chart(req: ChartRequest, _: User = Depends(current_user)) -> Response:
    if len(req.labels) != len(req.values):
        raise InvalidInput("labels and values must have the same length")
    spec = charts.ChartSpec(req.kind, [str(x)[:40] for x in req.labels], req.values, req.title)
    doc = svg.sanitize(charts.render(spec, req.width, req.height))
    if req.format == "svg":
        return Response(doc, media_type="image/svg+xml")
    return Response(svg.rasterize(doc, req.width), media_type="image/png")
