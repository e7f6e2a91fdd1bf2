"""Photos: safe image loading (size, pixel-count and decompression-bomb limits, EXIF rotation,
downscaling) and OCR with RapidOCR (PP-OCRv4 Chinese + English detection/recognition models
shipped inside ``rapidocr-onnxruntime``). Lines come back in reading order with their boxes and
confidence; ``photo_to_text`` turns a photo into text a language model can use.
"""

from __future__ import annotations

import io
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


@lru_cache(maxsize=1)
def _engine() -> Any:
    mod = need("rapidocr_onnxruntime", "rapidocr-onnxruntime")
    return mod.RapidOCR()


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom, then left to right within a row: lines whose vertical extents overlap by
    more than half the smaller height are one row."""
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda x: x.top):
        if rows:
            row = rows[-1]
            top = max(x.top for x in row)
            bottom = min(x.bottom for x in row)
            height = min(line.bottom - line.top, min(x.bottom - x.top for x in row))
            if min(bottom, line.bottom) - max(top, line.top) > 0.5 * height:
                row.append(line)
                continue
        rows.append([line])
    return [x for row in rows for x in sorted(row, key=lambda x: x.left)]


def recognize(image: Image | bytes | Path, settings: Settings) -> OcrResult:
    """OCR an image (a loaded one, or bytes/a path loaded with ``load_image``)."""
    np = need("numpy", "numpy")
    img = image if hasattr(image, "size") and not isinstance(image, bytes | Path) else load_image(image, settings)
    assert not isinstance(img, bytes | Path)
    engine = _engine()
    with _ocr_lock:  # the ONNX sessions are shared; one image at a time keeps memory flat
        result, _ = engine(np.asarray(img)[:, :, ::-1])  # RapidOCR expects OpenCV's BGR
    lines = [OcrLine(str(text), [[float(a), float(b)] for a, b in box], float(score))
             for box, text, score in (result or []) if str(text).strip()]
    return OcrResult(reading_order(lines), img.size[0], img.size[1])


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


def photo_to_text(data: bytes | Path, settings: Settings, name: str = "photo") -> str:
    """A photo (bytes or a path) → model-ready text (``model_text`` of its OCR)."""
    return model_text(recognize(data, settings), name)
