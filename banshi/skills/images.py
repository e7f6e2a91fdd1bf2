"""Image generation through pluggable backends.

- ``svg`` (default, offline, no image weights): a request that carries data becomes a chart laid
  out from the numbers, and a flow written with arrows a diagram laid out from its steps
  (``charts``); anything else is drawn by the chat model as SVG, which is
  repaired if cut short, sanitised and rasterised to PNG (``svg``).
- ``openai``: any OpenAI-compatible ``POST {base_url}/images/generations`` (DashScope's
  compatible mode, a local ComfyUI or stable-diffusion bridge), answers as ``b64_json`` or
  ``url``; what comes back is checked to be an image within the size limits and re-encoded as PNG.

Configuration: ``BANSHI_IMAGES_BACKEND`` (svg | openai), ``BANSHI_IMAGES_BASE_URL``,
``BANSHI_IMAGES_API_KEY``, ``BANSHI_IMAGES_MODEL`` — fields of ``Settings``, gathered in ``ImageSettings``.
May import: config, errors, messages, models, skills.svg/charts/lang.
"""

from __future__ import annotations

import base64
import io
import re
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel

from banshi.errors import BanshiError, InvalidInput, ModelError
from banshi.messages import Message
from banshi.models.base import Backend
from banshi.skills import charts, svg
from banshi.skills.lang import detect_language, language_name

MAX_PROMPT_CHARS = 2000
MAX_DOWNLOAD_BYTES = 20 << 20
MAX_PIXELS = 16_000_000


class ImageSettings(BaseModel):
    """The ``images_*`` part of ``Settings``."""

    backend: Literal["svg", "openai"] = "svg"
    base_url: str = ""
    api_key: str = ""
    model: str = ""
    timeout: float = 120.0
    svg_max_tokens: int = 700


def get_image_settings() -> ImageSettings:
    from banshi.config import get_settings

    prefix = "images_"
    return ImageSettings(**{k[len(prefix):]: v for k, v in get_settings().model_dump().items() if k.startswith(prefix)})


@dataclass
class GeneratedImage:
    png: bytes
    source: Literal["chart", "svg", "api"]
    svg: str | None = None
    revised_prompt: str | None = None
    seconds: float = 0.0


def parse_size(size: str | None, default: int = 512) -> tuple[int, int]:
    if not size or size == "auto":
        return default, default
    m = re.fullmatch(r"(\d{2,4})x(\d{2,4})", size.strip())
    if not m:
        raise InvalidInput("size must look like 512x512")
    w, h = int(m.group(1)), int(m.group(2))
    if not (16 <= w <= svg.MAX_SIDE and 16 <= h <= svg.MAX_SIDE):
        raise InvalidInput(f"size must be between 16 and {svg.MAX_SIDE} pixels a side")
    return w, h


class ImageBackend(ABC):
    name = "images"

    @abstractmethod
    def generate(self, prompt: str, *, size: str | None = None, n: int = 1,
                 cancel: threading.Event | None = None) -> list[GeneratedImage]:
        """``n`` PNG images for ``prompt``."""


# -- offline: charts and model-drawn SVG ------------------------------------------------------------

_KINDS = {
    "icon": (re.compile(r"icon|logo|emoji|图标|标志|徽标", re.I),
             "a flat icon: a few bold shapes centred on a simple background, no text unless asked"),
    "poster": (re.compile(r"poster|banner|flyer|card|海报|宣传|横幅|贺卡|卡片|邀请", re.I),
               "a poster: a background, a large title text, a short subtitle and a simple illustration"),
    "diagram": (re.compile(r"diagram|flow|chart|process|architecture|mind ?map|流程|示意图|结构图|架构|思维导图", re.I),
                "a diagram: labelled boxes (rect + text) connected by lines or arrows, laid out left to right "
                "or top to bottom without overlaps"),
}
_DEFAULT_KIND = "a simple illustration made of basic shapes (rect, circle, ellipse, polygon, path) with flat colours"

# the constant part first (llama.cpp reuses its KV cache), the per-request part last
_SVG_SYSTEM = ("You draw pictures as SVG code. Reply with one complete <svg> element only, at most 30 "
               "elements: a background rect first, then the shapes from back to front, each with a fill "
               "colour that stands out against what is behind it. No scripts, images, links or comments. "
               "Example: <svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 512 512\">"
               "<rect width=\"512\" height=\"512\" fill=\"#cfe8ff\"/><circle cx=\"256\" cy=\"220\" r=\"90\" "
               "fill=\"#ffb300\"/><rect x=\"156\" y=\"330\" width=\"200\" height=\"24\" rx=\"12\" "
               "fill=\"#4caf50\"/></svg>\n"
               "Now use viewBox=\"0 0 {w} {h}\" and write any text in {lang}.")


def kind_of(prompt: str) -> tuple[str, str]:
    for name, (rx, hint) in _KINDS.items():
        if rx.search(prompt):
            return name, hint
    return "illustration", _DEFAULT_KIND


class SvgImages(ImageBackend):
    """Offline: charts from data, or the chat model drawing SVG."""

    name = "svg"

    def __init__(self, backend: Backend, *, max_tokens: int = 700):
        self.backend = backend
        self.max_tokens = max_tokens

    def generate(self, prompt: str, *, size: str | None = None, n: int = 1,
                 cancel: threading.Event | None = None) -> list[GeneratedImage]:
        w, h = parse_size(size)
        spec = charts.parse_chart_request(prompt)
        flow = charts.parse_flow_request(prompt) if spec is None else None
        out = []
        for i in range(n):
            start = time.monotonic()
            if spec is not None or flow is not None:
                layout = charts.render(spec, max(w, 480), max(h, 320)) if spec else \
                    charts.render_flow(flow, max(w, 480), max(h, 320))  # type: ignore[arg-type]
                doc = svg.sanitize(layout)
                out.append(GeneratedImage(svg.rasterize(doc, w), "chart", doc, seconds=time.monotonic() - start))
                continue
            png, doc = self.draw_png(prompt, w, h, temperature=0.4 if i == 0 else 0.8, cancel=cancel)
            out.append(GeneratedImage(png, "svg", doc, seconds=time.monotonic() - start))
        return out

    def draw_png(self, prompt: str, w: int, h: int, *, temperature: float = 0.4,
                 cancel: threading.Event | None = None) -> tuple[bytes, str]:
        """``(png, svg)``; a drawing that comes out blank (shapes in the background colour, or
        off the canvas) is drawn once more."""
        doc = self.draw(prompt, w, h, temperature=temperature, cancel=cancel)
        png = svg.rasterize(doc, w)
        if is_blank(png):
            doc = self.draw(prompt, w, h, temperature=temperature + 0.3, cancel=cancel)
            png = svg.rasterize(doc, w)
            if is_blank(png):
                raise ModelError("the model's drawing came out blank", code="image_failed")
        return png, doc

    def draw(self, prompt: str, w: int, h: int, *, temperature: float = 0.4,
             cancel: threading.Event | None = None) -> str:
        """The model's SVG for ``prompt``, sanitised; one retry when the first reply is unusable."""
        _, hint = kind_of(prompt)
        lang = language_name(detect_language(prompt))
        system = _SVG_SYSTEM.format(w=w, h=h, lang=lang)
        last_error: BanshiError | None = None
        for attempt in range(2):
            msgs = [Message("system", system), Message("user", f"Draw {hint}.\nSubject: {prompt}")]
            done = self.backend.chat(msgs, max_tokens=self.max_tokens, temperature=temperature + 0.3 * attempt,
                                     cancel=cancel)
            try:
                doc = svg.fit_text(svg.sanitize(svg.extract_svg(done.text)))
                if len(re.findall(r"<(?:rect|circle|ellipse|line|polyline|polygon|path|text)\b", doc)) == 0:
                    raise svg.UnsafeSVG("the drawing has no visible shapes")
                return doc
            except svg.UnsafeSVG as exc:
                last_error = exc
        raise ModelError(f"the model did not produce a usable SVG: {last_error.message if last_error else ''}",
                         code="image_failed")


# -- an OpenAI-compatible images API ------------------------------------------------------------------

class OpenAIImages(ImageBackend):
    """``POST {base_url}/images/generations``; ``b64_json`` or ``url`` answers."""

    name = "openai"

    def __init__(self, base_url: str, api_key: str = "", model: str = "", timeout: float = 120.0,
                 transport: httpx.BaseTransport | None = None):
        if not base_url:
            raise InvalidInput("images backend 'openai' needs BANSHI_IMAGES_BASE_URL")
        self.base_url = base_url.rstrip("/")
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout, headers=headers, transport=transport, follow_redirects=False)

    def generate(self, prompt: str, *, size: str | None = None, n: int = 1,
                 cancel: threading.Event | None = None) -> list[GeneratedImage]:
        start = time.monotonic()
        body: dict[str, object] = {"prompt": prompt, "n": n, "response_format": "b64_json"}
        if self.model:
            body["model"] = self.model
        if size:
            parse_size(size)
            body["size"] = size
        try:
            resp = self.client.post(f"{self.base_url}/images/generations", json=body)
        except httpx.HTTPError as exc:
            raise ModelError(f"the images service is unreachable: {exc}", code="images_unavailable") from None
        if resp.status_code >= 400:
            detail = _error_text(resp)
            raise ModelError(f"the images service answered {resp.status_code}: {detail}", code="images_failed")
        try:
            items = resp.json()["data"]
        except (ValueError, KeyError, TypeError):
            raise ModelError("the images service sent no data list", code="images_failed") from None
        out = []
        for item in items[:n]:
            if item.get("b64_json"):
                try:
                    raw = base64.b64decode(item["b64_json"], validate=True)
                except ValueError:
                    raise ModelError("the images service sent invalid base64", code="images_failed") from None
            elif item.get("url"):
                raw = self._download(item["url"])
            else:
                raise ModelError("the images service sent an item with neither b64_json nor url",
                                 code="images_failed")
            out.append(GeneratedImage(to_png(raw), "api", revised_prompt=item.get("revised_prompt"),
                                      seconds=time.monotonic() - start))
        if not out:
            raise ModelError("the images service returned no image", code="images_failed")
        return out

    def _download(self, url: str) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise ModelError("the images service sent a URL that is not http(s)", code="images_failed")
        buf = bytearray()
        try:
            with self.client.stream("GET", url) as resp:
                if resp.status_code >= 400:
                    raise ModelError(f"downloading the image failed: {resp.status_code}", code="images_failed")
                for chunk in resp.iter_bytes():
                    buf += chunk
                    if len(buf) > MAX_DOWNLOAD_BYTES:
                        raise ModelError("the generated image is too large", code="images_failed")
        except httpx.HTTPError as exc:
            raise ModelError(f"downloading the image failed: {exc}", code="images_failed") from None
        return bytes(buf)


def _error_text(resp: httpx.Response) -> str:
    try:
        err = resp.json().get("error")
        return str(err.get("message") if isinstance(err, dict) else err)[:300]
    except ValueError:
        return resp.text[:300]


def is_blank(png: bytes) -> bool:
    """One flat colour (nothing visible drawn)."""
    from PIL import Image, ImageStat

    with Image.open(io.BytesIO(png)) as img:
        stat = ImageStat.Stat(img.convert("L"))
    return stat.extrema[0][1] - stat.extrema[0][0] < 16 or stat.stddev[0] < 2


def to_png(raw: bytes) -> bytes:
    """Any image Pillow reads, checked for size, re-encoded as a clean PNG (no metadata)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.size[0] * img.size[1] > MAX_PIXELS:
                raise ModelError("the generated image is too large", code="images_failed")
            img.load()
            rgb = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB")
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ModelError("the images service sent something that is not an image", code="images_failed") from None
    out = io.BytesIO()
    rgb.save(out, "PNG")
    return out.getvalue()


def get_image_backend(chat: Backend, settings: ImageSettings | None = None) -> ImageBackend:
    settings = settings or get_image_settings()
    if settings.backend == "openai":
        return OpenAIImages(settings.base_url, settings.api_key, settings.model, settings.timeout)
    return SvgImages(chat, max_tokens=settings.svg_max_tokens)


def generate(chat: Backend, prompt: str, *, size: str | None = None, n: int = 1,
             settings: ImageSettings | None = None, cancel: threading.Event | None = None) -> list[GeneratedImage]:
    prompt = (prompt or "").strip()
    if not prompt:
        raise InvalidInput("describe the image to generate")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"the prompt is too long (over {MAX_PROMPT_CHARS} characters)")
    if not 1 <= n <= 4:
        raise InvalidInput("n must be between 1 and 4")
    return get_image_backend(chat, settings).generate(prompt, size=size, n=n, cancel=cancel)
