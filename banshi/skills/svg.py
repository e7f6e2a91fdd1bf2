"""SVG from an untrusted author (the model, a user): extract, repair, sanitise, rasterise.

Sanitising is an allow-list: only drawing elements and presentation attributes survive. Gone
are scripts, event handlers, ``foreignObject``, embedded or external images, animation (which
can rewrite links), links other than to ``#fragments`` inside the document, ``url(...)`` other
than ``url(#id)``, ``javascript:``/``data:`` anywhere, DOCTYPE and entities (no XXE, no entity
bombs), CSS ``@import``. The element count, nesting depth, ``<use>`` count and canvas size are
bounded so that rendering stays cheap. Rasterising goes through resvg (no network, no files).
May import: errors.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from banshi.errors import InvalidInput, MissingDependency

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ET.register_namespace("", SVG_NS)

MAX_SVG_BYTES = 400_000
MAX_ELEMENTS = 4000
MAX_DEPTH = 40
MAX_USES = 200
MAX_SIDE = 2048

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use", "rect", "circle", "ellipse", "line", "polyline",
    "polygon", "path", "text", "tspan", "textPath", "linearGradient", "radialGradient", "stop", "clipPath",
    "mask", "pattern", "marker", "style", "filter", "feGaussianBlur", "feOffset", "feBlend", "feMerge",
    "feMergeNode", "feFlood", "feComposite", "feColorMatrix", "feDropShadow",
}
UNWRAP = {"a", "switch"}  # kept as <g>, their own attributes dropped
ATTRIBUTES = {
    # structure and geometry
    "id", "class", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr", "width",
    "height", "d", "points", "viewBox", "preserveAspectRatio", "transform", "pathLength", "dx", "dy", "rotate",
    "textLength", "lengthAdjust", "startOffset", "version", "xmlns",
    # paint and text
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "color",
    "font-family", "font-size", "font-weight", "font-style", "font-variant", "text-anchor",
    "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing",
    "text-decoration", "writing-mode", "visibility", "display", "clip-path", "clip-rule", "mask", "filter",
    "marker-start", "marker-mid", "marker-end", "paint-order", "vector-effect", "shape-rendering",
    "style", "stop-color", "stop-opacity", "offset", "gradientUnits", "gradientTransform", "spreadMethod",
    "patternUnits", "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits",
    "maskContentUnits", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
    "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode", "operator", "k1", "k2",
    "k3", "k4", "values", "type", "flood-color", "flood-opacity", "href", "xml:space", "media",
}
_BAD_VALUE = re.compile(r"javascript:|vbscript:|data:|expression\s*\(|@import|behavio(u)?r\s*:|-moz-binding|"
                        r"&#|\\[0-9a-f]{2}", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I)


class UnsafeSVG(InvalidInput):
    code = "invalid_svg"


@dataclass
class SanitizeReport:
    removed_elements: list[str] = field(default_factory=list)
    removed_attributes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.removed_elements or self.removed_attributes)


def extract_svg(text: str) -> str:
    """The ``<svg>…</svg>`` part of a model's reply (fenced or not), repaired when cut short."""
    start = text.find("<svg")
    if start < 0:
        raise UnsafeSVG("no <svg> element in the text")
    end = text.rfind("</svg>")
    if end > start:
        return text[start:end + len("</svg>")]
    return repair(text[start:])


def repair(fragment: str) -> str:
    """Close an SVG cut off mid-way (a model that ran out of tokens): drop the unfinished tag,
    then close every open element."""
    fragment = fragment[: fragment.rfind(">") + 1]
    fragment = re.sub(r"```.*\Z", "", fragment, flags=re.S)
    stack: list[str] = []
    for m in re.finditer(r"<(/?)([A-Za-z][\w:.-]*)[^<>]*?(/?)>", fragment):
        closing, name, selfclosing = m.group(1), m.group(2), m.group(3)
        if selfclosing:
            continue
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
        else:
            stack.append(name)
    return fragment + "".join(f"</{n}>" for n in reversed(stack))


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _clean_css(css: str) -> str | None:
    if _BAD_VALUE.search(css):
        return None
    for m in _URL.finditer(css):
        if not m.group(2).startswith("#"):
            return None
    return css


def _clean_value(name: str, value: str) -> str | None:
    if _BAD_VALUE.search(value):
        return None
    if name == "href":
        return value if value.startswith("#") and re.fullmatch(r"#[\w.:-]+", value) else None
    if name == "style":
        return _clean_css(value)
    if name == "stdDeviation":  # a huge blur radius is a cheap way to burn CPU in the rasteriser
        nums = [min(50.0, float(x)) for x in re.findall(r"[0-9.]+", value) if x != "."]
        return " ".join(f"{x:g}" for x in nums) or None
    for m in _URL.finditer(value):
        if not m.group(2).startswith("#"):
            return None
    return value


def sanitize(svg: str, report: SanitizeReport | None = None) -> str:
    """A safe SVG document from untrusted SVG text, or ``UnsafeSVG`` if it cannot be read."""
    report = report if report is not None else SanitizeReport()
    if len(svg.encode("utf-8", "replace")) > MAX_SVG_BYTES:
        raise UnsafeSVG(f"the SVG is too large (over {MAX_SVG_BYTES // 1000} kB)")
    svg, pis = re.subn(r"<\?xml-stylesheet.*?\?>", "", svg, flags=re.S)
    if pis:
        report.removed_elements.append("xml-stylesheet")
    if re.search(r"<!ENTITY", svg, re.I):
        raise UnsafeSVG("entity declarations are not allowed")
    # a DOCTYPE goes (with any internal subset), so no entity can be declared
    svg = re.sub(r"<!DOCTYPE[^\[>]*(\[.*?\])?\s*>", "", svg, flags=re.S | re.I)
    if re.search(r"<!ENTITY|<!DOCTYPE", svg, re.I):
        raise UnsafeSVG("entity declarations are not allowed")
    svg = re.sub(r"<!\[CDATA\[(.*?)\]\]>", lambda m: _escape(m.group(1)), svg, flags=re.S)
    svg = _lenient(svg)
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as exc:
        raise UnsafeSVG(f"the SVG is not well-formed XML: {exc}") from None
    ns, name = _local(root.tag)
    if name != "svg" or ns not in (None, SVG_NS):
        raise UnsafeSVG("the root element is not <svg>")
    counts = {"elements": 0, "uses": 0}
    _clean(root, report, counts, 0)
    _size(root)
    return ET.tostring(root, encoding="unicode")


def _lenient(svg: str) -> str:
    """Fix what models commonly get wrong in otherwise usable SVG: a bare ``&`` in text, and
    namespace prefixes (``xlink:``) used without being declared. Undeclared prefixes other than
    xlink get a private namespace, which the allow-list then removes."""
    svg = re.sub(r"&(?!(?:lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);)", "&amp;", svg)
    used = set(re.findall(r"</?([A-Za-z_][\w.-]*):[\w.-]+", svg))
    used |= set(re.findall(r"\s([A-Za-z_][\w.-]*):[\w.-]+\s*=", svg))
    used -= {"xmlns", "xml"}
    missing = [p for p in sorted(used) if not re.search(rf"xmlns:{re.escape(p)}\s*=", svg)]
    if missing:
        decls = "".join(f' xmlns:{p}="{XLINK_NS if p == "xlink" else "urn:banshi:unknown:" + p}"'
                        for p in missing)
        svg = re.sub(r"<svg\b", "<svg" + decls, svg, count=1)
    return svg


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clean(el: ET.Element, report: SanitizeReport, counts: dict[str, int], depth: int) -> None:
    ns, name = _local(el.tag)
    el.tag = f"{{{SVG_NS}}}{name}"
    for key in list(el.attrib):
        kns, kname = _local(key)
        value = el.attrib.pop(key)
        if kns == XLINK_NS and kname == "href":
            kname = "href"
        elif kns == XML_NS and kname == "space":
            kname = "xml:space"
        elif kns is not None:
            report.removed_attributes.append(f"{name}@{{{kns}}}{kname}")
            continue
        if kname.lower().startswith("on") or kname not in ATTRIBUTES:
            report.removed_attributes.append(f"{name}@{kname}")
            continue
        clean = _clean_value(kname, value)
        if clean is None:
            report.removed_attributes.append(f"{name}@{kname}")
            continue
        el.set(f"{{{XML_NS}}}space" if kname == "xml:space" else kname, clean)
    if name == "style" and el.text is not None:
        css = _clean_css(el.text)
        if css is None:
            report.removed_elements.append("style(unsafe css)")
            el.text = ""
    for child in list(el):
        cns, cname = _local(child.tag) if isinstance(child.tag, str) else (None, "")
        if not isinstance(child.tag, str):  # comments, processing instructions
            el.remove(child)
            continue
        counts["elements"] += 1
        if counts["elements"] > MAX_ELEMENTS:
            raise UnsafeSVG(f"the SVG has too many elements (over {MAX_ELEMENTS})")
        if depth + 1 > MAX_DEPTH:
            raise UnsafeSVG("the SVG is nested too deeply")
        if cns not in (None, SVG_NS):
            report.removed_elements.append(f"{{{cns}}}{cname}")
            el.remove(child)
            continue
        if cname in UNWRAP:
            child.attrib.clear()
            child.tag = f"{{{SVG_NS}}}g"
            report.removed_elements.append(f"{cname}(unwrapped)")
            cname = "g"
        if cname not in ELEMENTS:
            report.removed_elements.append(cname)
            el.remove(child)
            continue
        if cname == "use":
            counts["uses"] += 1
            if counts["uses"] > MAX_USES:
                raise UnsafeSVG("the SVG has too many <use> elements")
        _clean(child, report, counts, depth + 1)
    if name == "use" and "href" not in el.attrib:
        el.attrib.clear()


def _num(v: str | None) -> float | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", v or "")
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def _size(root: ET.Element) -> None:
    """Give the root a bounded pixel size and a viewBox."""
    w, h = _num(root.get("width")), _num(root.get("height"))
    vb = [float(x) for x in re.findall(r"-?[0-9.]+", root.get("viewBox", ""))[:4] if x not in (".", "-")]
    if len(vb) != 4 or vb[2] <= 0 or vb[3] <= 0:
        vb = [0.0, 0.0, w or 512.0, h or 512.0]
        root.set("viewBox", " ".join(f"{v:g}" for v in vb))
    if not w or not h:
        w, h = vb[2], vb[3]
    scale = min(1.0, MAX_SIDE / max(w, h))
    root.set("width", f"{max(1.0, w * scale):g}")
    root.set("height", f"{max(1.0, h * scale):g}")


_FONT_FILES = [p for p in (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
) if Path(p).exists()]


def rasterize(svg: str, width: int | None = None, background: str | None = "#ffffff") -> bytes:
    """PNG bytes of a (sanitised) SVG; ``width`` in pixels, at most ``MAX_SIDE``."""
    try:
        import resvg_py
    except ImportError:
        raise MissingDependency("resvg-py", "images") from None
    kwargs: dict[str, Any] = {"svg_string": svg, "background": background}
    if width:
        kwargs["width"] = max(16, min(MAX_SIDE, int(width)))
    if _FONT_FILES:  # a fixed font set: fast (no system scan) and CJK text renders
        kwargs.update(skip_system_fonts=True, font_files=_FONT_FILES, font_family="Noto Sans CJK SC",
                      sans_serif_family="Noto Sans CJK SC")
    try:
        png = resvg_py.svg_to_bytes(**kwargs)
    except (ValueError, RuntimeError) as exc:
        raise UnsafeSVG(f"the SVG could not be drawn: {exc}") from None
    return bytes(png)


def check_png(data: bytes) -> tuple[int, int]:
    """``(width, height)`` of a valid PNG, else ``UnsafeSVG``."""
    from PIL import Image

    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise UnsafeSVG("not a PNG")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
            return img.size
    except Exception as exc:  # Pillow raises many types for broken files
        raise UnsafeSVG(f"broken PNG: {exc}") from None


def _text_width(text: str, font_size: float) -> float:
    """A rough rendered width: CJK glyphs are about 1 em wide, Latin ones about 0.55 em."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text) * font_size


def fit_text(doc: str) -> str:
    """Keep every line of text inside the canvas: a line that would run off an edge is centred,
    and shrunk when it is wider than the canvas (models place titles carelessly)."""
    root = ET.fromstring(doc)
    vb = [float(x) for x in re.findall(r"-?[0-9.]+", root.get("viewBox", ""))[:4]]
    if len(vb) != 4:
        return doc
    x0, width = vb[0], vb[2]
    for el in root.iter(f"{{{SVG_NS}}}text"):
        x = _num(el.get("x"))
        size = _num(el.get("font-size")) or 16.0
        content = "".join(el.itertext()).strip()
        if x is None or not content:
            continue
        w = _text_width(content, size)
        anchor = el.get("text-anchor", "start")
        left = x - (w / 2 if anchor == "middle" else w if anchor == "end" else 0)
        if left >= x0 and left + w <= x0 + width:
            continue
        if w > width * 0.92:
            el.set("font-size", f"{size * width * 0.92 / w:.1f}")
        el.set("text-anchor", "middle")
        el.set("x", f"{x0 + width / 2:g}")
        for span in el.iter(f"{{{SVG_NS}}}tspan"):  # positioned spans would undo the centring
            span.attrib.pop("x", None)
    return ET.tostring(root, encoding="unicode")
