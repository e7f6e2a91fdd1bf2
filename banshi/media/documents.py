"""Documents → text chunks that know where they came from (file and page, sheet and rows,
slide, or section and paragraphs), ready to be indexed and cited.

Formats: PDF (pypdf; pages without a text layer go through OCR of their images), DOCX
(python-docx), XLSX (openpyxl, read-only), CSV, PPTX (python-pptx), TXT and Markdown. The
type is read from the bytes, not trusted from the name. Bounds: Office files are ZIP archives
whose declared uncompressed size is checked before any parser opens them (zip bombs); page,
slide and sheet counts and the extracted text are capped; anything a parser chokes on becomes
one clear ``InvalidInput``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from banshi.errors import BanshiError, InvalidInput, TooLarge
from banshi.media.lazy import need

if TYPE_CHECKING:
    from banshi.config import Settings

CHUNK_CHARS = 1200  # about 300–1000 tokens: small enough to cite, large enough to answer from
DOCUMENT_KINDS = ("pdf", "docx", "xlsx", "csv", "pptx", "txt", "md")
_TEXT_EXT = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".csv": "csv", ".log": "txt"}
_MAX_ZIP_ENTRIES = 20_000
_MIN_PAGE_TEXT = 20  # characters: a PDF page with less text than this is treated as scanned


@dataclass
class Chunk:
    text: str
    location: str  # "page 3", "sheet Sales, rows 2–41", "slide 4", "§ Budget, paragraphs 5–9"
    source: str  # the file's name
    index: int = 0

    def cite(self) -> str:
        return f"{self.source}, {self.location}"


@dataclass
class Document:
    name: str
    kind: str
    chunks: list[Chunk] = field(default_factory=list)
    units: int = 0  # pages, slides, sheets or lines
    ocr_units: list[int] = field(default_factory=list)  # pages read by OCR
    truncated: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(c.text for c in self.chunks)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "units": self.units, "ocr_units": self.ocr_units,
                "truncated": self.truncated, "chunks": [asdict(c) for c in self.chunks]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        return cls(d["name"], d["kind"], [Chunk(**c) for c in d["chunks"]], d["units"], d["ocr_units"],
                   d["truncated"])


# -- what a file is ---------------------------------------------------------------------------

_MAGIC: list[tuple[bytes, int, str]] = [
    (b"%PDF-", 0, "pdf"), (b"\x89PNG\r\n\x1a\n", 0, "image"), (b"\xff\xd8\xff", 0, "image"),
    (b"GIF87a", 0, "image"), (b"GIF89a", 0, "image"), (b"BM", 0, "image"), (b"II*\x00", 0, "image"),
    (b"MM\x00*", 0, "image"), (b"ID3", 0, "audio"), (b"OggS", 0, "audio"), (b"fLaC", 0, "audio"),
    (b"\x1aE\xdf\xa3", 0, "audio"), (b"#!AMR", 0, "audio"),
]


def sniff(head: bytes, filename: str = "", path: Path | None = None) -> str:
    """The kind of a file from its first bytes (``head``, at least 4 KiB when available):
    one of ``DOCUMENT_KINDS``, ``image``, ``audio``, or ``other``. Office formats are told
    apart by their ZIP members (``path`` is needed for that)."""
    for magic, offset, kind in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return kind
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"WEBP"):
        return "audio" if head[8:12] == b"WAVE" else "image"
    if head[4:8] == b"ftyp":  # MP4 family: m4a, mp4, 3gp, also HEIC photos
        return "image" if head[8:12] in (b"heic", b"heix", b"mif1", b"avif") else "audio"
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xf1", b"\xff\xf9"):  # MP3 / ADTS frames
        return "audio"
    if head[:4] == b"PK\x03\x04":
        return _office_kind(path) if path else "zip"
    ext = Path(filename).suffix.lower()
    if ext in _TEXT_EXT and _looks_like_text(head):
        return _TEXT_EXT[ext]
    if not ext and _looks_like_text(head):
        return "txt"
    return "other"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        _decode(head, partial=True)
        return True
    except InvalidInput:
        return False


def _office_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError):
        return "other"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    return "zip"


def _decode(data: bytes, partial: bool = False) -> str:
    for enc in ("utf-8-sig", "gb18030"):  # Chinese text files are often GBK/GB18030
        try:
            return data.decode(enc)
        except UnicodeDecodeError as e:
            if partial and enc == "utf-8-sig" and e.start >= len(data) - 3:  # a cut multi-byte char
                return data[: e.start].decode(enc)
    raise InvalidInput("the text is neither UTF-8 nor GB18030", code="bad_document")


def check_zip(path: Path, settings: Settings) -> None:
    """Refuse an Office archive whose declared uncompressed size or member count is over the
    limits. zipfile stops reading a member at its declared size, so this bounds what a parser
    can inflate."""
    limit = settings.max_unpacked_mb << 20
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InvalidInput(f"{path.name}: the archive is corrupt ({e})", code="bad_document") from None
    if len(infos) > _MAX_ZIP_ENTRIES:
        raise TooLarge(f"{path.name}: {len(infos)} parts in the archive, over the limit of {_MAX_ZIP_ENTRIES}",
                       code="document_too_large")
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise TooLarge(f"{path.name}: it unpacks to {total / 2**20:.0f} MB, over the limit of "
                       f"{settings.max_unpacked_mb} MB (a zip bomb?)", code="document_too_large")


# -- chunking -----------------------------------------------------------------------------------

@dataclass
class _Unit:
    text: str
    label: str  # e.g. "page 3" or "12" (a paragraph / row / line number)


def _pack(units: Iterable[_Unit], source: str, where: str, plural: str, start_index: int) -> list[Chunk]:
    """Group consecutive small units (paragraphs, rows, lines) into chunks of about CHUNK_CHARS,
    located as ``"{where}, {plural} a–b"``; a unit longer than a chunk is split."""
    out: list[Chunk] = []
    buf: list[str] = []
    first = last = ""
    size = 0

    def flush() -> None:
        nonlocal buf, size
        if buf:
            lo, hi = first.split("–")[0], last.split("–")[-1]  # a unit's label may be a range itself
            span = lo if lo == hi else f"{lo}–{hi}"
            loc = f"{where}, {plural} {span}" if where else f"{plural} {span}"
            out.append(Chunk("\n".join(buf), loc, source, start_index + len(out)))
        buf, size = [], 0

    for unit in units:
        text = unit.text.strip()
        if not text:
            continue
        pieces = [text[i:i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
        for piece in pieces:
            if size + len(piece) > CHUNK_CHARS and buf:
                flush()
            if not buf:
                first = unit.label
            buf.append(piece)
            last = unit.label
            size += len(piece) + 1
    flush()
    return out


class _Budget:
    """Caps the extracted text of one document."""

    def __init__(self, limit: int):
        self.left = limit
        self.truncated = False

    def take(self, text: str) -> str:
        if len(text) > self.left:
            self.truncated = True
            text = text[: max(self.left, 0)]
        self.left -= len(text)
        return text

    @property
    def spent(self) -> bool:
        return self.left <= 0


# -- the formats ----------------------------------------------------------------------------------

def _pdf(path: Path, name: str, settings: Settings) -> Document:
    pypdf = need("pypdf", "pypdf")
    doc = Document(name, "pdf")
    budget = _Budget(settings.max_document_chars)
    try:
        reader = pypdf.PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidInput(f"{name}: the PDF is password-protected", code="bad_document")
        n = len(reader.pages)
        if n > settings.max_document_pages:
            raise TooLarge(f"{name}: {n} pages, over the limit of {settings.max_document_pages} "
                           "(BANSHI_MAX_DOCUMENT_PAGES)", code="document_too_large")
        doc.units = n
        for i, page in enumerate(reader.pages, 1):
            if budget.spent:
                break
            text = (page.extract_text() or "").strip()
            if len(text) < _MIN_PAGE_TEXT:
                scanned = _ocr_pdf_page(page, settings)
                if scanned:
                    text = scanned
                    doc.ocr_units.append(i)
            text = budget.take(text)
            if text:
                paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()] or [text]
                packed = _pack((_Unit(p, str(i)) for p in paras), name, "", "page", len(doc.chunks))
                for c in packed:
                    c.location = f"page {i}"
                doc.chunks += packed
    except BanshiError:
        raise
    except Exception as e:  # pypdf raises many kinds on broken files, including its own limits
        raise InvalidInput(f"{name}: the PDF cannot be read ({type(e).__name__}: {e})",
                           code="bad_document") from None
    doc.truncated = budget.truncated
    return doc


def _ocr_pdf_page(page: Any, settings: Settings) -> str:
    """The text of a scanned page: OCR of the images on it, largest first."""
    from banshi.media import ocr

    texts = []
    try:
        images = sorted(page.images, key=lambda im: len(im.data), reverse=True)[:4]
    except Exception:  # an image pypdf cannot decode: the page simply stays without text
        return ""
    for im in images:
        try:
            result = ocr.recognize(im.data, settings)
        except InvalidInput:
            continue
        if result.lines:
            texts.append(result.text)
    return "\n".join(texts)


def _docx(path: Path, name: str, settings: Settings) -> Document:
    docx = need("docx", "python-docx")
    paragraph_mod = need("docx.text.paragraph", "python-docx")
    table_mod = need("docx.table", "python-docx")
    check_zip(path, settings)
    try:
        d = docx.Document(str(path))
    except Exception as e:
        raise InvalidInput(f"{name}: the Word file cannot be read ({type(e).__name__}: {e})",
                           code="bad_document") from None
    doc = Document(name, "docx")
    budget = _Budget(settings.max_document_chars)
    sections: list[tuple[str, list[_Unit]]] = [("", [])]
    n = 0
    # the body in order, paragraphs and tables interleaved as the reader sees them
    for block in d.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = paragraph_mod.Paragraph(block, d)
            text = para.text.strip()
            if not text:
                continue
            n += 1
            style = (para.style.name if para.style is not None else "") or ""
            if style.lower().startswith(("heading", "title")):
                sections.append((text[:60], []))
            sections[-1][1].append(_Unit(budget.take(text), str(n)))
        elif tag == "tbl":
            table = table_mod.Table(block, d)
            for row in table.rows:
                n += 1
                cells = [c.text.strip() for c in row.cells]
                sections[-1][1].append(_Unit(budget.take(" | ".join(dict.fromkeys(cells))), str(n)))
        if budget.spent:
            break
    for title, units in sections:
        where = f"§ {title}" if title else ""
        doc.chunks += _pack(units, name, where, "paragraphs", len(doc.chunks))
    doc.units, doc.truncated = n, budget.truncated
    return doc


def _rows_to_chunks(rows: Iterator[list[Any]], name: str, where: str, budget: _Budget, start: int) -> list[Chunk]:
    units = []
    header: list[str] = []
    for r, row in enumerate(rows, 1):
        cells = ["" if v is None else str(v).strip() for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if not header:
            header = cells
        units.append(_Unit(budget.take(" | ".join(cells)), str(r)))
        if budget.spent:
            break
    chunks = _pack(units, name, where, "rows", start)
    if header:  # repeat the header so each chunk of a table can be read alone
        head = " | ".join(header)
        for c in chunks[1:]:
            c.text = f"{head}\n{c.text}"
    return chunks


def _xlsx(path: Path, name: str, settings: Settings) -> Document:
    openpyxl = need("openpyxl", "openpyxl")
    check_zip(path, settings)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise InvalidInput(f"{name}: the spreadsheet cannot be read ({type(e).__name__}: {e})",
                           code="bad_document") from None
    doc = Document(name, "xlsx")
    budget = _Budget(settings.max_document_chars)
    try:
        if len(wb.sheetnames) > settings.max_document_pages:
            raise TooLarge(f"{name}: {len(wb.sheetnames)} sheets, over the limit of {settings.max_document_pages}",
                           code="document_too_large")
        for ws in wb.worksheets:
            rows = (list(r) for r in ws.iter_rows(values_only=True))
            doc.chunks += _rows_to_chunks(rows, name, f"sheet {ws.title}", budget, len(doc.chunks))
            if budget.spent:
                break
        doc.units = len(wb.sheetnames)
    except BanshiError:
        raise
    except Exception as e:
        raise InvalidInput(f"{name}: the spreadsheet cannot be read ({type(e).__name__}: {e})",
                           code="bad_document") from None
    finally:
        wb.close()
    doc.truncated = budget.truncated
    return doc


def _csv(path: Path, name: str, settings: Settings) -> Document:
    text = _read_text(path, settings)
    budget = _Budget(settings.max_document_chars)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    rows = csv.reader(io.StringIO(text), dialect)
    try:
        chunks = _rows_to_chunks(rows, name, "", budget, 0)
    except csv.Error as e:
        raise InvalidInput(f"{name}: the CSV cannot be read ({e})", code="bad_document") from None
    return Document(name, "csv", chunks, text.count("\n") + 1, truncated=budget.truncated)


def _pptx(path: Path, name: str, settings: Settings) -> Document:
    pptx = need("pptx", "python-pptx")
    check_zip(path, settings)
    try:
        prs = pptx.Presentation(str(path))
        slides = list(prs.slides)
    except Exception as e:
        raise InvalidInput(f"{name}: the presentation cannot be read ({type(e).__name__}: {e})",
                           code="bad_document") from None
    if len(slides) > settings.max_document_pages:
        raise TooLarge(f"{name}: {len(slides)} slides, over the limit of {settings.max_document_pages}",
                       code="document_too_large")
    doc = Document(name, "pptx", units=len(slides))
    budget = _Budget(settings.max_document_chars)
    for i, slide in enumerate(slides, 1):
        parts = []
        for shape in _shapes(slide.shapes):
            if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():
                parts.append(shape.text_frame.text.strip())
            if getattr(shape, "has_table", False):
                for row in shape.table.rows:
                    parts.append(" | ".join(c.text.strip() for c in row.cells))
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
            if notes:
                parts.append(f"(notes) {notes}")
        text = budget.take("\n".join(parts))
        if text.strip():
            doc.chunks += _pack([_Unit(text, str(i))], name, "", "slide", len(doc.chunks))
        if budget.spent:
            break
    doc.truncated = budget.truncated
    return doc


def _shapes(shapes: Any) -> Iterator[Any]:
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # a group: its members hold the text
            yield from _shapes(shape.shapes)
        else:
            yield shape


def _read_text(path: Path, settings: Settings) -> str:
    data = path.read_bytes()[: settings.max_document_chars * 4]
    if b"\x00" in data[:8192]:
        raise InvalidInput(f"{path.name}: binary data, not text", code="bad_document")
    return _decode(data, partial=True)


def _plain(path: Path, name: str, settings: Settings, kind: str) -> Document:
    text = _read_text(path, settings)
    budget = _Budget(settings.max_document_chars)
    text = budget.take(text)
    lines = text.splitlines()
    doc = Document(name, kind, units=len(lines), truncated=budget.truncated)
    # Markdown: a heading starts a new section so that citations name it
    sections: list[tuple[str, list[_Unit]]] = [("", [])]
    para: list[str] = []
    start = 0
    for i, line in enumerate([*lines, ""], 1):
        heading = kind == "md" and re.match(r"#{1,6}\s+(.+)", line)
        if (not line.strip() or heading) and para:
            label = str(start) if start == i - 1 else f"{start}–{i - 1}"
            sections[-1][1].append(_Unit("\n".join(para), label))
            para = []
        if heading:
            sections.append((heading.group(1).strip()[:60], []))
        if line.strip():
            if not para:
                start = i
            para.append(line)
    for title, units in sections:
        doc.chunks += _pack(units, name, f"§ {title}" if title else "", "lines", len(doc.chunks))
    return doc


_PARSERS = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "csv": _csv, "pptx": _pptx}


def parse(path: Path, settings: Settings, name: str | None = None, kind: str | None = None) -> Document:
    """Parse a document file into located chunks. ``kind`` is sniffed from the bytes when not
    given; a file whose name promises one format but holds another is refused."""
    name = name or path.name
    if kind is None:
        with path.open("rb") as f:
            head = f.read(8192)
        kind = sniff(head, name, path)
    ext = Path(name).suffix.lower().lstrip(".")
    claimed = {"doc": "docx", "xls": "xlsx", "ppt": "pptx", "markdown": "md", "text": "txt"}.get(ext, ext)
    if kind not in DOCUMENT_KINDS:
        what = {"image": "an image", "audio": "audio", "zip": "a ZIP archive"}.get(kind, "an unsupported format")
        hint = " (old binary .doc/.xls/.ppt files are not supported: save as .docx/.xlsx/.pptx)" \
            if ext in ("doc", "xls", "ppt") else ""
        raise InvalidInput(f"{name}: {what}, not a document this can read: PDF, DOCX, XLSX, CSV, PPTX, "
                           f"TXT or Markdown{hint}", code="unsupported_format")
    if claimed in DOCUMENT_KINDS and claimed != kind and {claimed, kind} - {"txt", "md", "csv"}:
        raise InvalidInput(f"{name}: the name says {claimed.upper()} but the content is {kind.upper()}",
                           code="mislabelled_file")
    if kind in _PARSERS:
        return _PARSERS[kind](path, name, settings)
    return _plain(path, name, settings, kind)
