"""OpenAI-compatible speech: ``POST /v1/audio/transcriptions`` (local Whisper; model id
``whisper-1`` as OpenAI clients send it) and ``POST /v1/audio/speech`` (espeak-ng)."""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from pydantic import BaseModel, Field

from banshi.api.deps import current_user, settings_dep
from banshi.api.sse import HEADERS, sse
from banshi.config import Settings
from banshi.errors import InvalidInput, TooLarge
from banshi.store.tables import User

router = APIRouter(prefix="/v1/audio", tags=["audio"])

ASR_MODELS = {"whisper-1", "whisper", "whisper-base"}
TTS_MODELS = {"tts-1", "tts-1-hd", "gpt-4o-mini-tts", "espeak-ng"}
FORMATS = {"json", "text", "verbose_json", "srt", "vtt"}
_COPY = 1 << 20


def spool(upload: UploadFile, settings: Settings) -> Path:
    """Copy an upload to a private temporary file, refusing it past ``max_upload_mb``."""
    tmpdir = settings.home / "tmp"
    tmpdir.mkdir(parents=True, exist_ok=True)
    for old in tmpdir.glob("upload.*"):  # left by a client that went away before its stream began
        if time.time() - old.stat().st_mtime > 86_400:
            old.unlink(missing_ok=True)
    suffix = Path(upload.filename or "").suffix[:10]
    fd, name = tempfile.mkstemp(prefix="upload.", suffix=suffix, dir=tmpdir)
    path = Path(name)
    limit = settings.max_upload_mb << 20
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := upload.file.read(_COPY):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"the file is over the upload limit of {settings.max_upload_mb} MB "
                                   "(BANSHI_MAX_UPLOAD_MB)", code="file_too_large")
                out.write(chunk)
        if size == 0:
            raise InvalidInput("file: empty", code="empty_file")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def render(transcript: Any, response_format: str) -> Response:
    from banshi.media import asr

    if response_format == "text":
        return PlainTextResponse(transcript.text)
    if response_format == "srt":
        return PlainTextResponse(asr.to_srt(transcript))
    if response_format == "vtt":
        return PlainTextResponse(asr.to_vtt(transcript), media_type="text/vtt")
    if response_format == "verbose_json":
        return JSONResponse(transcript.as_verbose())
    return JSONResponse({"text": transcript.text})


@router.post("/transcriptions")
def transcriptions(
    file: UploadFile = File(...),
    model: str = Form("whisper-1"),
    language: str | None = Form(None),
    prompt: str | None = Form(None),
    response_format: str = Form("json"),
    temperature: float = Form(0.0),
    stream: bool = Form(False),
    user: User = Depends(current_user),
    settings: Settings = Depends(settings_dep),
) -> Response:
    """Speech to text. ``stream=true`` answers with server-sent events: ``transcript.progress``
    after each chunk of audio, ``transcript.text.delta`` per segment, then ``transcript.text.done``."""
    from banshi.media import asr

    if model not in ASR_MODELS:
        raise InvalidInput(f"model {model!r}: the local speech model is whisper-1 (Whisper base)")
    if response_format not in FORMATS:
        raise InvalidInput(f"response_format {response_format!r}: use one of {', '.join(sorted(FORMATS))}")
    path = spool(file, settings)
    if not stream:
        try:
            transcriber = asr.get_transcriber(settings)
            return render(transcriber.transcribe(path, language or None, prompt=prompt or None), response_format)
        finally:
            path.unlink(missing_ok=True)
    try:
        transcriber = asr.get_transcriber(settings)
        asr.audio.check_duration(path, settings.max_audio_seconds)  # refuse before the stream starts
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    cancel = threading.Event()

    def events() -> Iterator[dict[str, Any]]:
        progress: list[tuple[float, float | None]] = []
        texts: list[str] = []
        lang = language or ""
        try:
            for seg_lang, seg in transcriber.segments(path, language or None,
                                                      lambda d, t: progress.append((d, t)), prompt or None):
                lang = seg_lang
                yield from _progress(progress)
                texts.append(seg.text)
                yield {"type": "transcript.text.delta", "delta": seg.text,
                       "segment": {"id": seg.id, "start": seg.start, "end": seg.end}}
            yield from _progress(progress)
            yield {"type": "transcript.text.done", "language": lang,
                   "text": ("" if lang in ("zh", "ja", "yue") else " ").join(texts)}
        except Exception as e:  # the response has started: the error becomes the last event
            code = getattr(e, "code", "internal_error")
            yield {"type": "error", "error": {"code": code, "message": getattr(e, "message", str(e))}}
        finally:
            path.unlink(missing_ok=True)

    return StreamingResponse(sse(events(), cancel, encode=lambda e: json.dumps(e, ensure_ascii=False)),
                             media_type="text/event-stream", headers=HEADERS)


def _progress(pending: list[tuple[float, float | None]]) -> Iterator[dict[str, Any]]:
    while pending:
        done, total = pending.pop(0)
        yield {"type": "transcript.progress", "seconds": round(done, 2),
               "total": round(total, 2) if total else None,
               "fraction": round(min(done / total, 1.0), 4) if total else None}


class SpeechRequest(BaseModel):
    model: str = "tts-1"
    input: str = Field(..., max_length=4096)
    voice: str = "auto"
    response_format: str = "mp3"
    speed: float = 1.0
    instructions: str | None = None  # accepted for compatibility; espeak-ng has no style control


@router.post("/speech")
def speech(req: SpeechRequest, user: User = Depends(current_user)) -> Response:
    """Text to speech with espeak-ng: Mandarin and English, the voice picked per stretch of text."""
    from banshi.media import tts

    if req.model not in TTS_MODELS:
        raise InvalidInput(f"model {req.model!r}: use tts-1 (the local espeak-ng voices)")
    out = tts.synthesize(req.input, req.voice, req.response_format, req.speed)
    return Response(out.audio, media_type=out.media_type)
