"""Photos: safe image loading (size, pixel-count and decompression-bomb limits, EXIF rotation,
downscaling) and OCR with RapidOCR (PP-OCRv4 Chinese + English detection/recognition models
shipped inside ``rapidocr-onnxruntime``). Lines come back in reading order with their boxes and
confidence; ``photo_to_text`` turns a photo into text a language model can use.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import threading
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from banshi.errors import InvalidInput, TooLarge
from banshi.media.lazy import need

if TYPE_CHECKING:
    from PIL.Image import Image

    from banshi.config import Settings

LOW_CONFIDENCE = 0.8


@dataclass
class OcrLine:
    text: str
    box: list[list[float]]  # four corners, clockwise from top-left, in the original image's pixels
    confidence: float
    # characters the recogniser was unsure of: (index in text, its probability, [(other reading, probability)])
    doubts: list[tuple[int, float, list[tuple[str, float]]]] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(p[1] for p in self.box)

    @property
    def bottom(self) -> float:
        return max(p[1] for p in self.box)

    @property
    def left(self) -> float:
        return min(p[0] for p in self.box)


@dataclass
class OcrResult:
    lines: list[OcrLine] = field(default_factory=list)
    width: int = 0
    height: int = 0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def confidence(self) -> float:
        """Mean confidence weighted by line length (0 when nothing was read)."""
        total = sum(len(line.text) for line in self.lines)
        return sum(line.confidence * len(line.text) for line in self.lines) / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "confidence": round(self.confidence, 4), "width": self.width,
                "height": self.height,
                "lines": [{"text": x.text, "confidence": round(x.confidence, 4),
                           "box": [[round(a, 1), round(b, 1)] for a, b in x.box]} for x in self.lines]}


def _pil() -> Any:
    return need("PIL.Image", "pillow")


def load_image(data: bytes | Path, settings: Settings, *, max_side: int | None = None) -> Image:
    """Open a photo safely: refuse files over ``max_image_mb`` and images over ``max_image_pixels``
    (checked from the header, before any pixel is decoded), turn it upright from its EXIF
    orientation and downscale it to ``max_side`` (default ``settings.ocr_max_side``)."""
    image_mod = _pil()
    ops = need("PIL.ImageOps", "pillow")
    size = data.stat().st_size if isinstance(data, Path) else len(data)
    limit = settings.max_image_mb << 20
    if size > limit:
        raise TooLarge(f"the image is {size / 2**20:.1f} MB, over the limit of {settings.max_image_mb} MB "
                       "(BANSHI_MAX_IMAGE_MB)", code="image_too_large")
    raw = data.read_bytes() if isinstance(data, Path) else data
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_mod.DecompressionBombWarning)
            img = image_mod.open(io.BytesIO(raw))
            w, h = img.size
            if w * h > settings.max_image_pixels:
                raise TooLarge(f"the image is {w}×{h} pixels, over the limit of {settings.max_image_pixels:,} "
                               "(a decompression bomb?)", code="image_too_large")
            side = max_side or settings.ocr_max_side
            if img.format == "JPEG":
                img.draft("RGB", (side, side))  # decode JPEGs at a reduced scale: cheap downscaling
            img.load()
    except (image_mod.DecompressionBombError, image_mod.DecompressionBombWarning) as e:
        raise TooLarge(f"the image is too large to decode safely: {e}", code="image_too_large") from None
    except image_mod.UnidentifiedImageError:
        raise InvalidInput("not an image Pillow can read (use PNG, JPEG, WebP, GIF, BMP or TIFF)",
                           code="bad_image") from None
    except (OSError, SyntaxError, ValueError) as e:  # truncated or corrupt image data
        raise InvalidInput(f"the image is corrupt: {e}", code="bad_image") from None
    img = ops.exif_transpose(img) or img
    if img.mode not in ("RGB", "L"):
        background = image_mod.new("RGB", img.size, "white")  # transparent PNGs: text on white
        rgba = img.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        img = background
    img = img.convert("RGB")
    if max(img.size) > side:
        img.thumbnail((side, side), image_mod.Resampling.LANCZOS)
    return img


_ocr_lock = threading.Lock()

# RapidOCR's own default scales the detector's input so its SHORTER side is 736 px: a wide, short
# photo of two lines (900×220) became 3000×736, slow and no better. Scaling the LONGER side into
# 960–2000 px (PaddleOCR's "max" mode, chosen by RapidOCR from the image size) keeps text at the
# size it was photographed.
ENGINE_OPTIONS: dict[str, Any] = {"det_limit_type": "max", "det_limit_side_len": 960}
MAX_SKEW = 10.0  # degrees; a photo tilted more than this is not straightened


DOUBT = 0.9  # a character read with less probability than this keeps its next likely readings
# The Chinese recogniser often lets the blank win over a space between two English words
# ("hopsonhismotorbike") while still giving the space a clear probability there (0.1–0.5 at word
# breaks, under 0.01 inside words); a gap where the space reached this is a word break.
SPACE = 0.05


class _WithAlternatives:
    """RapidOCR's CTC decoder, wrapped: spaces the recogniser saw between Latin words put back
    (``SPACE``), and each line's result also carries, for every character read with probability
    under ``DOUBT``, the recogniser's next likely readings of that character."""

    def __init__(self, decoder: Any) -> None:
        self.decoder = decoder
        self.character = decoder.character
        self.space = self.character.index(" ") if " " in self.character else -1

    def __call__(self, preds: Any, return_word_box: bool = False, **kwargs: Any) -> list[Any]:
        np = need("numpy", "numpy")
        out = self.decoder(preds, return_word_box, **kwargs)
        if return_word_box:
            return list(out)
        best = preds.argmax(axis=2)
        results = []
        for b, (text, score) in enumerate(out):
            emitted = best[b] != 0  # the decoder's own rule: not blank, not a repeat of the step before
            emitted[1:] &= best[b][1:] != best[b][:-1]
            steps = np.flatnonzero(emitted)
            if len(steps) != len(text):  # not the decoder this was written for: leave its result
                results.append((text, score, []))
                continue
            chars: list[str] = []
            doubts = []
            for pos, t in enumerate(steps):
                gap = preds[b, steps[pos - 1] + 1:t, self.space] if pos and self.space >= 0 else ()
                if len(gap) and float(gap.max()) >= SPACE and chars[-1] != " " and text[pos] != " " \
                        and not _is_cjk(chars[-1]) and not _is_cjk(text[pos]):
                    chars.append(" ")
                probs = preds[b, t]
                top = float(probs[best[b, t]])
                if top < DOUBT:
                    others = [(self.character[k], float(probs[k])) for k in np.argsort(probs)[::-1][1:4]
                              if k != 0 and probs[k] >= 0.01]
                    doubts.append((len(chars), top, others))
                chars.append(text[pos])
            results.append(("".join(chars), score, doubts))
        return results


@lru_cache(maxsize=1)
def _engine() -> Any:
    mod = need("rapidocr_onnxruntime", "rapidocr-onnxruntime")
    engine = mod.RapidOCR(**ENGINE_OPTIONS)
    rec = getattr(engine, "text_rec", None)
    if rec is not None and hasattr(getattr(rec, "postprocess_op", None), "character"):
        rec.postprocess_op = _WithAlternatives(rec.postprocess_op)
    return engine


def skew_angle(img: Image) -> float:
    """The angle (degrees, counter-clockwise positive as in ``Image.rotate``) that makes the text
    lines of ``img`` level: the rotation whose row profile of ink is sharpest (text rows and the
    gaps between them most distinct). 0 when there is too little ink to tell."""
    np = need("numpy", "numpy")
    image_mod = _pil()
    filt = need("PIL.ImageFilter", "pillow")
    gray = img.convert("L")
    scale = min(1.0, 800 / max(gray.size))
    if scale < 1:
        gray = gray.resize((max(1, round(gray.size[0] * scale)), max(1, round(gray.size[1] * scale))),
                           image_mod.Resampling.BILINEAR)
    arr = np.asarray(gray, dtype=np.float32)
    # ink is what is clearly darker than its neighbourhood (uneven light leaves the paper's level)
    background = np.asarray(gray.filter(filt.BoxBlur(12)), dtype=np.float32)
    ink = (background - arr) > 40
    if ink.sum() < 50:
        return 0.0
    mask = image_mod.fromarray(ink.astype("uint8") * 255)

    def sharpness(angle: float) -> float:
        rows = np.asarray(mask.rotate(angle, resample=image_mod.Resampling.BILINEAR), dtype=np.float32).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 1.0), key=sharpness)
    best = max(np.arange(best - 0.9, best + 0.91, 0.1), key=sharpness)
    return round(float(best), 2)


def _rotate_back(box: list[list[float]], angle: float, size: tuple[int, int],
                 rotated: tuple[int, int]) -> list[list[float]]:
    """Points of an image rotated by ``angle`` (``Image.rotate(expand=True)``, ``size`` → ``rotated``)
    mapped back to the original image's pixels."""
    t = math.radians(angle)
    c, s = math.cos(t), math.sin(t)
    cx, cy = rotated[0] / 2, rotated[1] / 2
    ox, oy = size[0] / 2, size[1] / 2
    return [[ox + (x - cx) * c - (y - cy) * s, oy + (x - cx) * s + (y - cy) * c] for x, y in box]


def _line_angle(line: OcrLine) -> float:
    (x0, y0), (x1, y1) = line.box[0], line.box[1]
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom, then left to right within a row: lines whose vertical extents overlap by
    more than half the smaller height are one row. Extents are taken after levelling the boxes
    by their common slope, so the lines of a tilted photo are not taken for one row."""
    if not lines:
        return []
    weights = [max(1.0, math.dist(x.box[0], x.box[1])) for x in lines]
    angles = sorted(zip((_line_angle(x) for x in lines), weights, strict=True))
    half, acc, slope = sum(weights) / 2, 0.0, 0.0
    for angle, weight in angles:  # the width-weighted median angle
        acc += weight
        if acc >= half:
            slope = angle
            break
    t = math.radians(-slope)
    c, s = math.cos(t), math.sin(t)
    level = {id(x): [(px * c - py * s, px * s + py * c) for px, py in x.box] for x in lines}

    def top(x: OcrLine) -> float:
        return min(p[1] for p in level[id(x)])

    def bottom(x: OcrLine) -> float:
        return max(p[1] for p in level[id(x)])

    def left(x: OcrLine) -> float:
        return min(p[0] for p in level[id(x)])

    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=top):
        if rows:
            row = rows[-1]
            row_top = max(top(x) for x in row)
            row_bottom = min(bottom(x) for x in row)
            height = min(bottom(line) - top(line), min(bottom(x) - top(x) for x in row))
            if min(row_bottom, bottom(line)) - max(row_top, top(line)) > 0.5 * height:
                row.append(line)
                continue
        rows.append([line])
    return [x for row in rows for x in sorted(row, key=left)]


def recognize(image: Image | bytes | Path, settings: Settings, *, deskew: bool = True) -> OcrResult:
    """OCR an image (a loaded one, or bytes/a path loaded with ``load_image``). A tilted photo is
    straightened first (``skew_angle``); boxes are given in the unrotated image's pixels; doubtful
    Chinese characters are settled with a dictionary (``resolve_doubts``)."""
    np = need("numpy", "numpy")
    img = image if hasattr(image, "size") and not isinstance(image, bytes | Path) else load_image(image, settings)
    assert not isinstance(img, bytes | Path)
    angle = skew_angle(img) if deskew else 0.0
    work = img
    if abs(angle) >= 0.2:
        fill = tuple(int(v) for v in np.median(np.asarray(img).reshape(-1, 3), axis=0))  # the paper's colour
        work = img.rotate(angle, resample=_pil().Resampling.BICUBIC, expand=True, fillcolor=fill)
    engine = _engine()
    with _ocr_lock:  # the ONNX sessions are shared; one image at a time keeps memory flat
        result, _ = engine(np.asarray(work)[:, :, ::-1])  # RapidOCR expects OpenCV's BGR
    lines = []
    for box, text, score, *extra in result or []:
        if not str(text).strip():
            continue
        points = [[float(a), float(b)] for a, b in box]
        if work is not img:
            points = _rotate_back(points, angle, img.size, work.size)
        line = OcrLine(str(text), points, float(score), extra[0] if extra else [])
        line.text = resolve_doubts(line)
        lines.append(line)
    return OcrResult(reading_order(lines), img.size[0], img.size[1])


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


_words_lock = threading.Lock()


@lru_cache(maxsize=1)
def _words() -> Any:
    """jieba's dictionary (word → frequency), loaded on the first doubtful character."""
    import logging

    jieba = need("jieba", "jieba")
    jieba.setLogLevel(logging.WARNING)
    with _words_lock:
        jieba.initialize()
    return jieba.dt.FREQ


def _word_support(chars: list[str], pos: int, ch: str) -> int:
    """How common the most common dictionary word of 2–4 characters is that ``ch`` would form at
    ``pos`` with its neighbours (0: it forms none)."""
    freq = _words()
    best = 0
    for n in (2, 3, 4):
        for start in range(max(0, pos - n + 1), min(pos, len(chars) - n) + 1):
            word = "".join(chars[start:pos]) + ch + "".join(chars[pos + 1:start + n])
            best = max(best, freq.get(word) or 0)
    return best


def resolve_doubts(line: OcrLine) -> str:
    """The line's text with each doubtful Chinese character replaced by the recogniser's next
    reading when that reading forms a dictionary word with its neighbours and the first reading
    forms none (苹果, not 萃果). The recogniser must have given the other reading a real chance
    (probability ≥ 0.1); otherwise the first reading stands."""
    chars = list(line.text)
    for pos, _prob, others in line.doubts:
        if pos >= len(chars) or not _is_cjk(chars[pos]):
            continue
        options = [c for c, q in others if q >= 0.1 and _is_cjk(c)]
        if not options or _word_support(chars, pos, chars[pos]):
            continue
        support, choice = max((_word_support(chars, pos, c), c) for c in options)
        if support:
            chars[pos] = choice
    return "".join(chars)


def joined_text(result: OcrResult) -> str:
    """The lines read as one running text (a problem, a paragraph). Chinese is set without spaces
    and its lines break anywhere, even inside a number (…少15 / 0元): in a mostly Chinese text lines
    are joined with nothing between them (but a space between two Latin letters: English words
    wrap whole); elsewhere with one space, except where either side is Chinese (a CJK character
    or full-width punctuation)."""
    lines = [x.text.strip() for x in result.lines if x.text.strip()]
    cjk = sum(_is_cjk(ch) for line in lines for ch in line)
    latin = sum(ch.isascii() and ch.isalpha() for line in lines for ch in line)
    chinese = cjk > latin
    text = ""
    for line in lines:
        if not text:
            text = line
        else:
            words = text[-1].isascii() and text[-1].isalpha() and line[0].isascii() and line[0].isalpha()
            glue = "" if (chinese and not words) or _is_cjk(text[-1]) or _is_cjk(line[0]) else " "
            text += glue + line
    return text


# full-width digits and Latin letters (Ａ-Ｚ, ０-９), which the recogniser sometimes gives for
# ordinary ones, as ASCII
_WIDE = str.maketrans({chr(c): chr(c - 0xFEE0) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                             *range(0xFF41, 0xFF5B)]})
_DECIMAL = re.compile(r"(?<=\d)[．。·](?=\d)")  # a decimal point read as a full-width or middle dot


def clean_text(text: str) -> str:
    """OCR text made plain for a reader that computes with it: full-width digits and letters as
    ASCII, a decimal point between digits as ".", runs of spaces as one."""
    text = _DECIMAL.sub(".", text.translate(_WIDE))
    return re.sub(r"[ \t]+", " ", text).strip()


def model_text(result: OcrResult, name: str = "photo") -> str:
    """What a model is told about a photo: the text read from it, in reading order, with doubtful
    lines marked, or a plain statement that no text was found."""
    if not result.lines:
        return f"[{name}: no text could be read from this image]"
    out = [f"[Text read by OCR from {name}, in reading order; mean confidence {result.confidence:.2f}. "
           "Lines marked (?) are uncertain.]"]
    for line in result.lines:
        out.append(line.text + (" (?)" if line.confidence < LOW_CONFIDENCE else ""))
    return "\n".join(out)


_READ: dict[tuple[str, str], str] = {}  # the text of photos read, by SHA-256 (a client resends its history)
_READ_KEEP = 64


def photo_to_text(data: bytes | Path, settings: Settings, name: str = "photo") -> str:
    """A photo (bytes or a path) → model-ready text (``model_text`` of its OCR). The text of the
    last ``_READ_KEEP`` photos given as bytes is kept: the same photo is read once."""
    if not isinstance(data, bytes):
        return model_text(recognize(data, settings), name)
    key = (hashlib.sha256(data).hexdigest(), name)
    if key not in _READ:
        if len(_READ) >= _READ_KEEP:
            _READ.pop(next(iter(_READ)))
        _READ[key] = model_text(recognize(data, settings), name)
    return _READ[key]
