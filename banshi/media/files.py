"""The per-user file store: uploads kept under ``settings.home / "files" / <user id>``, each as
``<id>.bin`` with its metadata in ``<id>.json``, and the parsed text of a document cached in
``<id>.doc.json``. Its chunks are searched in memory's index (``banshi.media.docqa``), from
which deleting the file takes them out. One user can never name another's file: the directory
comes from the authenticated user, and ids are checked against a strict pattern.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from banshi.errors import InvalidInput, NotFound, TooLarge
from banshi.media import documents

if TYPE_CHECKING:
    from banshi.config import Settings

_ID = re.compile(r"^file-[0-9a-f]{24}$")
_SAFE_USER = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class StoredFile:
    id: str
    filename: str
    bytes: int
    created_at: int
    kind: str  # a document kind, "image", "audio" or "other"
    purpose: str = "assistants"

    def as_openai(self) -> dict[str, Any]:
        """OpenAI's file object, plus the kind Banshi detected."""
        return {"id": self.id, "object": "file", "bytes": self.bytes, "created_at": self.created_at,
                "filename": self.filename, "purpose": self.purpose, "kind": self.kind}


def _clean_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name.strip() or "upload"
    return "".join(ch for ch in name if ch.isprintable())[:200]


class FileStore:
    def __init__(self, settings: Settings, user_id: str):
        if not user_id:
            raise InvalidInput("a file store needs a user")
        self.settings = settings
        self.user_id = user_id
        self.root = settings.home / "files" / _SAFE_USER.sub("_", user_id)

    # -- paths ----------------------------------------------------------------------------
    def _check(self, file_id: str) -> str:
        if not _ID.match(file_id or ""):
            raise NotFound(f"no file {file_id!r}")
        return file_id

    def path(self, file_id: str) -> Path:
        """The stored bytes of one of this user's files."""
        p = self.root / f"{self._check(file_id)}.bin"
        if not p.is_file():
            raise NotFound(f"no file {file_id!r}")
        return p

    def _meta(self, file_id: str) -> Path:
        return self.root / f"{self._check(file_id)}.json"

    # -- operations -------------------------------------------------------------------------
    def usage(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*.bin")) if self.root.is_dir() else 0

    def save(self, filename: str, chunks: Iterable[bytes], purpose: str = "assistants") -> StoredFile:
        """Store an upload streamed as ``chunks``; refuse it as soon as it passes the size limit or
        the user's quota, leaving nothing behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        limit = self.settings.max_upload_mb << 20
        room = (self.settings.max_user_files_mb << 20) - self.usage()
        fd, tmp_name = tempfile.mkstemp(prefix=".upload.", dir=self.root)
        tmp = Path(tmp_name)
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge(f"the file is over the upload limit of {self.settings.max_upload_mb} MB "
                                       "(BANSHI_MAX_UPLOAD_MB)", code="file_too_large")
                    if size > room:
                        raise TooLarge(f"your files would pass your storage quota of "
                                       f"{self.settings.max_user_files_mb} MB: delete some first",
                                       code="quota_exceeded")
                    out.write(chunk)
            if size == 0:
                raise InvalidInput("the file is empty", code="empty_file")
            with tmp.open("rb") as f:
                head = f.read(8192)
            name = _clean_name(filename)
            kind = documents.sniff(head, name, tmp)
            file_id = f"file-{uuid.uuid4().hex[:24]}"
            meta = StoredFile(file_id, name, size, int(time.time()), kind, purpose)
            os.replace(tmp, self.root / f"{file_id}.bin")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._meta(file_id).write_text(json.dumps(asdict(meta), ensure_ascii=False))
        return meta

    def save_bytes(self, filename: str, data: bytes, purpose: str = "assistants") -> StoredFile:
        return self.save(filename, [data], purpose)

    def get(self, file_id: str) -> StoredFile:
        try:
            return StoredFile(**json.loads(self._meta(file_id).read_text()))
        except FileNotFoundError:
            raise NotFound(f"no file {file_id!r}") from None

    def list(self) -> list[StoredFile]:
        if not self.root.is_dir():
            return []
        out = []
        for p in self.root.glob("file-*.json"):
            if p.name.endswith((".doc.json", ".transcript.json")):
                continue
            try:
                out.append(StoredFile(**json.loads(p.read_text())))
            except (OSError, ValueError, TypeError):
                continue  # a half-written entry from a crash: not listed
        return sorted(out, key=lambda f: (f.created_at, f.id), reverse=True)

    def delete(self, file_id: str) -> None:
        from banshi.media.docqa import unindex

        self.get(file_id)
        unindex(self.settings, self.user_id, [file_id])
        # (.vec.npy: the chunk vectors that versions before the shared index kept here)
        for suffix in (".bin", ".json", ".doc.json", ".vec.npy", ".transcript.json"):
            (self.root / f"{file_id}{suffix}").unlink(missing_ok=True)

    def delete_all(self) -> None:
        from banshi.media.docqa import unindex

        unindex(self.settings, self.user_id)
        shutil.rmtree(self.root, ignore_errors=True)

    def document(self, file_id: str) -> documents.Document:
        """The parsed document (cached after the first parse, which may OCR scanned pages)."""
        meta = self.get(file_id)
        cache = self.root / f"{file_id}.doc.json"
        if cache.is_file():
            try:
                return documents.Document.from_dict(json.loads(cache.read_text()))
            except (OSError, ValueError, KeyError, TypeError):
                cache.unlink(missing_ok=True)
        if meta.kind == "image":
            doc = _photo_document(self.path(file_id), meta.filename, self.settings)
        else:
            doc = documents.parse(self.path(file_id), self.settings, name=meta.filename, kind=meta.kind)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc.as_dict(), ensure_ascii=False))
        os.replace(tmp, cache)
        return doc


#: photos sent to a vision model are downscaled to this longest side (Qwen-VL's tokens grow with pixels)
VISION_MAX_SIDE = 1280


def image_data_url(photo: Path | bytes, settings: Settings) -> str:
    """A photo (a file or its bytes) as a JPEG ``data:`` URL for a vision model: loaded with
    OCR's limits (size, pixels, decompression bombs), turned upright and downscaled to
    ``VISION_MAX_SIDE``."""
    import base64
    import io

    from banshi.media import ocr

    img = ocr.load_image(photo, settings, max_side=VISION_MAX_SIDE)
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=85)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _photo_document(path: Path, name: str, settings: Settings) -> documents.Document:
    """A photo as a one-chunk document of its OCR text, so questions about it work the same way."""
    from banshi.media import ocr

    result = ocr.recognize(path, settings)
    chunks = [documents.Chunk(result.text, "photo", name, 0)] if result.lines else []
    return documents.Document(name, "image", chunks, 1, [1] if chunks else [])
