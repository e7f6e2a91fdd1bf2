"""Files: upload (OpenAI's ``/v1/files`` shape), list, download, delete — each user sees only
their own — and what Banshi does with them: the extracted text (documents, OCR of photos),
questions answered with citations, summaries, transcripts and minutes of recordings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, File, Form, UploadFile
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, Field

from banshi.api.deps import current_user, settings_dep
from banshi.api.sse import HEADERS, sse
from banshi.config import Settings
from banshi.errors import InvalidInput
from banshi.media import recordings
from banshi.media.files import FileStore
from banshi.models.base import get_backend
from banshi.store.tables import User

router = APIRouter(prefix="/v1/files", tags=["files"])
_COPY = 1 << 20
_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
                ".webp": "image/webp"}


def store_dep(user: User = Depends(current_user), settings: Settings = Depends(settings_dep)) -> FileStore:
    return FileStore(settings, user.id)


@router.post("")
def upload(background: BackgroundTasks, file: UploadFile = File(...), purpose: str = Form("assistants"),
           store: FileStore = Depends(store_dep)) -> dict[str, Any]:
    """Store the file; a document is then indexed for questions, after the reply is sent."""
    from banshi.media import docqa

    def chunks():  # type: ignore[no-untyped-def]
        while chunk := file.file.read(_COPY):
            yield chunk

    meta = store.save(file.filename or "upload", chunks(), purpose[:40])
    background.add_task(docqa.index_upload, store, meta.id)
    return meta.as_openai()


@router.get("")
def list_files(store: FileStore = Depends(store_dep)) -> dict[str, Any]:
    return {"object": "list", "data": [f.as_openai() for f in store.list()]}


@router.get("/{file_id}")
def get_file(file_id: str, store: FileStore = Depends(store_dep)) -> dict[str, Any]:
    return store.get(file_id).as_openai()


@router.get("/{file_id}/content")
def content(file_id: str, store: FileStore = Depends(store_dep)) -> FileResponse:
    meta = store.get(file_id)
    # a photo or drawing (its kind read from its bytes) shows in a page's <img>; anything else
    # only downloads, never as HTML or SVG
    shown = _IMAGE_TYPES.get(Path(meta.filename).suffix.lower()) if meta.kind == "image" else None
    return FileResponse(store.path(file_id), filename=meta.filename,
                        media_type=shown or "application/octet-stream",
                        content_disposition_type="inline" if shown else "attachment",
                        headers={"X-Content-Type-Options": "nosniff"})


@router.delete("/{file_id}")
def delete_file(file_id: str, store: FileStore = Depends(store_dep)) -> dict[str, Any]:
    store.delete(file_id)
    return {"id": file_id, "object": "file", "deleted": True}


@router.get("/{file_id}/text")
def text(file_id: str, store: FileStore = Depends(store_dep),
         settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    """What Banshi reads in the file: document chunks with their locations; for a photo, the OCR
    lines with boxes and confidence and the text given to the model."""
    meta = store.get(file_id)
    if meta.kind == "image":
        from banshi.media import ocr

        result = ocr.recognize(store.path(file_id), settings)
        return {"id": file_id, "kind": "image", "ocr": result.as_dict(),
                "model_text": ocr.model_text(result, meta.filename)}
    if meta.kind == "audio":
        raise InvalidInput("a recording: use POST /v1/files/{id}/transcript", code="wrong_kind")
    doc = store.document(file_id)
    return {"id": file_id, **doc.as_dict()}


class AskRequest(BaseModel):
    question: str = Field(..., min_length=1, max_length=4000)
    limit: int = Field(6, ge=1, le=20)


class AskManyRequest(AskRequest):
    file_ids: list[str] = Field(..., min_length=1, max_length=20)


def _ask(file_ids: list[str], req: AskRequest, store: FileStore, settings: Settings) -> dict[str, Any]:
    from banshi.media import docqa

    backend = get_backend(settings)
    prepared = docqa.for_files(req.question, file_ids, store, settings, backend, limit=req.limit)
    return docqa.answer(prepared, settings, backend).as_dict()


@router.post("/ask")
def ask_many(req: AskManyRequest, store: FileStore = Depends(store_dep),
             settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    """A question across several files; citations name the file and the page, sheet or slide."""
    return _ask(req.file_ids, req, store, settings)


@router.post("/{file_id}/ask")
def ask(file_id: str, req: AskRequest, store: FileStore = Depends(store_dep),
        settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    return _ask([file_id], req, store, settings)


class SummaryRequest(BaseModel):
    instructions: str = Field("", max_length=2000)


@router.post("/{file_id}/summary")
def summary(file_id: str, req: SummaryRequest | None = None, store: FileStore = Depends(store_dep),
            settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    from banshi.media import docqa

    doc = store.document(file_id)
    out = docqa.summarise(doc, settings, get_backend(settings), req.instructions if req else "")
    return {"id": file_id, **out.as_dict()}


class TranscriptRequest(BaseModel):
    language: str | None = None
    stream: bool = False  # server-sent events: progress per chunk of audio, then the transcript


@router.post("/{file_id}/transcript", response_model=None)
def transcript(file_id: str, req: TranscriptRequest | None = None, store: FileStore = Depends(store_dep),
               settings: Settings = Depends(settings_dep)) -> dict[str, Any] | StreamingResponse:
    """The timestamped transcript of a recording. With ``stream``: ``transcript.progress`` events
    (seconds done of the total) while a long recording is transcribed chunk by chunk, then one
    ``transcript.done`` event carrying the transcript."""
    req = req or TranscriptRequest()
    if not req.stream:
        return {"id": file_id, **recordings.transcript_of(store, file_id, settings, req.language).as_verbose()}
    steps = recordings.transcribing(store, file_id, settings, req.language)  # a wrong file raises here
    cancel = threading.Event()

    def events() -> Iterator[dict[str, Any]]:
        try:
            for item in steps:
                if isinstance(item, tuple):
                    done, total = item
                    yield {"type": "transcript.progress", "seconds": round(done, 2),
                           "total": round(total, 2) if total else None,
                           "fraction": round(min(done / total, 1.0), 4) if total else None}
                else:
                    yield {"type": "transcript.done", "id": file_id, **item.as_verbose()}
        except Exception as e:  # reported as the last event
            yield {"type": "error", "error": {"code": getattr(e, "code", "internal_error"),
                                              "message": getattr(e, "message", str(e))}}

    return StreamingResponse(sse(events(), cancel), media_type="text/event-stream", headers=HEADERS)


@router.post("/{file_id}/minutes")
def minutes(file_id: str, req: TranscriptRequest | None = None, store: FileStore = Depends(store_dep),
            settings: Settings = Depends(settings_dep)) -> dict[str, Any]:
    """A recording → timestamped transcript → summary, decisions and action items."""
    t = recordings.transcript_of(store, file_id, settings, (req or TranscriptRequest()).language)
    m = recordings.minutes(t, settings, get_backend(settings))
    return {"id": file_id, **m.as_dict(), "transcript": t.as_verbose()}
