"""Skills over HTTP: ``GET /api/skills``, ``POST /api/skills/homework`` (JSON with a typed problem
or a base64 photo; ``/api/skills/homework/photo`` takes a multipart upload), ``POST
/api/skills/write`` and ``POST /api/skills/translate``. Each answers JSON, or server-sent events
with ``"stream": true``."""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from banshi.api.deps import current_user, settings_dep
from banshi.api.sse import HEADERS, sse
from banshi.config import Settings
from banshi.errors import BanshiError, InvalidInput, TooLarge
from banshi.models.base import get_backend
from banshi.skills import homework, translate, writing
from banshi.skills.lang import NAMES
from banshi.store.tables import User

router = APIRouter(prefix="/api/skills", tags=["skills"])


class HomeworkRequest(BaseModel):
    problem: str | None = Field(None, max_length=homework.MAX_PROBLEM_CHARS)
    image_base64: str | None = None
    language: str | None = Field(None, max_length=8)
    level: str = Field("primary", max_length=40)
    explain: bool = True
    stream: bool = False


class WriteRequest(BaseModel):
    skill: str
    text: str = Field(..., max_length=writing.MAX_INPUT_CHARS)
    params: dict[str, Any] = Field(default_factory=dict)
    stream: bool = False


class TranslateRequest(BaseModel):
    text: str = Field(..., max_length=translate.MAX_CHARS)
    target: str | None = Field(None, max_length=8)
    source: str | None = Field(None, max_length=8)
    glossary: dict[str, str] | None = None
    stream: bool = False


def _events(gen: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Domain errors raised mid-stream become an error event instead of a cut connection."""
    try:
        yield from gen
    except BanshiError as exc:
        yield {"type": "error", "error": {"code": exc.code, "message": exc.message}}


def _sse(gen: Iterator[dict[str, Any]], cancel: threading.Event) -> StreamingResponse:
    return StreamingResponse(sse(_events(gen), cancel), media_type="text/event-stream", headers=HEADERS)


@router.get("")
def list_skills(_: User = Depends(current_user)) -> dict[str, Any]:
    return {"writing": writing.list_skills(), "languages": sorted(NAMES),
            "homework": {"levels": list(homework._LEVELS)}, "translate": {"max_chars": translate.MAX_CHARS}}


def _homework(settings: Settings, problem: str | None, image: bytes | None, language: str | None, level: str,
              explain: bool, stream: bool):  # type: ignore[no-untyped-def]
    backend = get_backend(settings)
    cancel = threading.Event()
    kwargs = dict(image=image, language=language, level=level, explain=explain, cancel=cancel, settings=settings)
    if stream:
        return _sse(homework.solve_stream(backend, problem, **kwargs), cancel)  # type: ignore[arg-type]
    return homework.solve(backend, problem, **kwargs).to_dict()  # type: ignore[arg-type]


@router.post("/homework")
def solve_homework(req: HomeworkRequest, _: User = Depends(current_user),
                   settings: Settings = Depends(settings_dep)):  # type: ignore[no-untyped-def]
    image = None
    if req.image_base64:
        if len(req.image_base64) > (settings.max_image_mb << 20) * 4 // 3 + 16:
            raise TooLarge(f"the photo is over {settings.max_image_mb} MB", code="image_too_large")
        data = req.image_base64.split(",", 1)[1] if req.image_base64.startswith("data:") else req.image_base64
        try:
            image = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("image_base64 is not valid base64") from None
    return _homework(settings, req.problem, image, req.language, req.level, req.explain, req.stream)


@router.post("/homework/photo")
def solve_homework_photo(file: UploadFile = File(...), language: str | None = Form(None),
                         level: str = Form("primary"), explain: bool = Form(True), stream: bool = Form(False),
                         _: User = Depends(current_user), settings: Settings = Depends(settings_dep)):  # type: ignore[no-untyped-def]
    limit = settings.max_image_mb << 20
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"the photo is over {settings.max_image_mb} MB", code="image_too_large")
    return _homework(settings, None, data, language, level, explain, stream)


@router.post("/write")
def write(req: WriteRequest, _: User = Depends(current_user), settings: Settings = Depends(settings_dep)):  # type: ignore[no-untyped-def]
    backend = get_backend(settings)
    cancel = threading.Event()
    if req.stream:
        pieces = writing.write_stream(backend, req.skill, req.text, req.params, cancel=cancel)

        def events() -> Iterator[dict[str, Any]]:
            parts = []
            for piece in pieces:
                parts.append(piece)
                yield {"type": "delta", "text": piece}
            yield {"type": "result", "skill": req.skill, "text": "".join(parts).strip()}

        return _sse(events(), cancel)
    text = writing.write(backend, req.skill, req.text, req.params, cancel=cancel)
    return {"skill": req.skill, "text": text}


@router.post("/translate")
def translate_text(req: TranslateRequest, _: User = Depends(current_user),
                   settings: Settings = Depends(settings_dep)):  # type: ignore[no-untyped-def]
    backend = get_backend(settings)
    cancel = threading.Event()
    kwargs = dict(target=req.target, source=req.source, glossary=req.glossary, cancel=cancel)
    if req.stream:
        return _sse(translate.translate_stream(backend, req.text, **kwargs), cancel)  # type: ignore[arg-type]
    return translate.translate(backend, req.text, **kwargs).to_dict()  # type: ignore[arg-type]
