"""Charts drawn from data, deterministically: bar, line and pie charts as SVG.

The numbers are never given to the model to draw: a request that carries data ("sales: Jan 120,
Feb 150, Mar 90" or a JSON object) is parsed here and laid out exactly.
May import: nothing from banshi.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

Kind = Literal["bar", "line", "pie"]
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac"]
_CHART_WORDS = re.compile(r"chart|graph|plot|histogram|图表|柱状图|条形图|折线图|饼图|饼状图|统计图|趋势图", re.I)
_PAIR = re.compile(r"([^\s:：=,，;；、\d][^:：=,，;；、\n]{0,30}?)\s*[:：=]?\s*(-?\d+(?:\.\d+)?)\s*(%|万|亿|k|K)?"
                   r"(?=\s*(?:[,，;；、\n]|$|and\b|和|以及))")


@dataclass
class ChartSpec:
    kind: Kind
    labels: list[str]
    values: list[float]
    title: str = ""
    unit: str = ""


def wants_chart(prompt: str) -> bool:
    return bool(_CHART_WORDS.search(prompt))


def _kind(prompt: str) -> Kind:
    p = prompt.lower()
    if "pie" in p or "饼" in p or "share" in p or "占比" in p:
        return "pie"
    if "line" in p or "折线" in p or "trend" in p or "趋势" in p:
        return "line"
    return "bar"


def parse_chart_request(prompt: str) -> ChartSpec | None:
    """A chart spec when ``prompt`` asks for a chart and carries at least two data points."""
    if not wants_chart(prompt):
        return None
    kind = _kind(prompt)
    data = _json_data(prompt)
    title_end = prompt.find("{") if data is not None and "{" in prompt else prompt.find("[") if data else -1
    if data is None:
        body = prompt.split(":", 1)[1] if prompt.count(":") == 1 and not re.search(r":\s*-?\d", prompt) else prompt
        data = []
        for m in _PAIR.finditer(body):
            label = re.sub(r"^(?:and|和|以及|其中|分别是|分别为|are|were|is)\s*", "", m.group(1).strip(" -*·"))
            label = re.sub(r"^.*(?:chart|graph|plot|图)\s*(?:of|for|:|：)?\s*", "", label, flags=re.I).strip()
            if label:
                if not data:
                    title_end = prompt.find(label[:24], m.start())
                data.append((label[:24], float(m.group(2))))
        # "气温 周一 12, 周二 15": when the other labels have no space, the first one's head is title
        if len(data) >= 2 and " " in data[0][0] and not any(" " in lab for lab, _ in data[1:]):
            head, _, last = data[0][0].rpartition(" ")
            data[0] = (last, data[0][1])
            title_end = prompt.find(head) + len(head) if head in prompt else title_end
    if len(data) < 2:
        return None
    title = _title(prompt[:title_end] if title_end > 0 else prompt)
    return ChartSpec(kind, [d[0] for d in data][:24], [d[1] for d in data][:24], title)


def _json_data(prompt: str) -> list[tuple[str, float]] | None:
    m = re.search(r"(\{.*\}|\[.*\])", prompt, re.S)
    if not m:
        return None
    try:
        obj = json.loads(m.group(1))
    except json.JSONDecodeError:
        return None
    if isinstance(obj, dict):
        items = list(obj.items())
    elif isinstance(obj, list) and all(isinstance(x, list | tuple) and len(x) == 2 for x in obj):
        items = [tuple(x) for x in obj]
    else:
        return None
    out = []
    for k, v in items:
        if isinstance(v, int | float) and not isinstance(v, bool):
            out.append((str(k)[:24], float(v)))
    return out or None


def _title(prompt: str) -> str:
    first = re.split(r"[:：\n]", prompt, maxsplit=1)[0].strip().rstrip(":：,， ")
    first = re.sub(r"^(please\s+)?(draw|make|create|plot|画|做|生成|绘制)\s*(a|an|一个|一张)?\s*", "", first,
                   flags=re.I)
    return first[:60]


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v - round(v)) < 1e-9 else f"{v:,.2f}".rstrip("0").rstrip(".")


def render(spec: ChartSpec, width: int = 800, height: int = 500) -> str:
    """The chart as an SVG document (already safe: built here from escaped text)."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family="Noto Sans CJK SC, DejaVu Sans, sans-serif">'
            f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
            f'<text x="{width / 2}" y="36" font-size="22" font-weight="bold" text-anchor="middle" '
            f'fill="#222">{escape(spec.title)}</text>')
    body = _pie(spec, width, height) if spec.kind == "pie" else _axes(spec, width, height)
    return head + body + "</svg>"


def _axes(spec: ChartSpec, width: int, height: int) -> str:
    left, right, top, bottom = 80, 30, 75, 70
    pw, ph = width - left - right, height - top - bottom
    lo = min(0.0, min(spec.values))
    hi = max(0.0, max(spec.values))
    if hi == lo:
        hi = lo + 1
    step = _nice_step((hi - lo) / 5)
    lo, hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
    y = lambda v: top + ph - (v - lo) / (hi - lo) * ph  # noqa: E731
    out = []
    v = lo
    while v <= hi + step / 2:
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" stroke="#e5e5e5"/>'
                   f'<text x="{left - 8}" y="{y(v) + 5:.1f}" font-size="13" text-anchor="end" fill="#555">'
                   f'{_fmt(v)}</text>')
        v += step
    out.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{left + pw}" y2="{y(0):.1f}" stroke="#888"/>')
    n = len(spec.values)
    slot = pw / n
    for i, (label, value) in enumerate(zip(spec.labels, spec.values, strict=False)):
        cx = left + slot * (i + 0.5)
        out.append(f'<text x="{cx:.1f}" y="{top + ph + 24}" font-size="13" text-anchor="middle" fill="#333">'
                   f'{escape(label)}</text>')
        if spec.kind == "bar":
            bw = slot * 0.6
            y0, y1 = sorted((y(0), y(value)))
            out.append(f'<rect x="{cx - bw / 2:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{max(0.5, y1 - y0):.1f}" '
                       f'fill="{PALETTE[i % len(PALETTE)]}" rx="2"/>')
        out.append(f'<text x="{cx:.1f}" y="{y(value) - 8 if value >= 0 else y(value) + 18:.1f}" font-size="13" '
                   f'text-anchor="middle" fill="#222">{_fmt(value)}</text>')
    if spec.kind == "line":
        pts = " ".join(f"{left + slot * (i + 0.5):.1f},{y(v):.1f}" for i, v in enumerate(spec.values))
        out.append(f'<polyline points="{pts}" fill="none" stroke="{PALETTE[0]}" stroke-width="3"/>')
        out.extend(f'<circle cx="{left + slot * (i + 0.5):.1f}" cy="{y(v):.1f}" r="5" fill="{PALETTE[0]}"/>'
                   for i, v in enumerate(spec.values))
    return "".join(out)


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _pie(spec: ChartSpec, width: int, height: int) -> str:
    values = [max(0.0, v) for v in spec.values]
    total = sum(values) or 1.0
    cx, cy, r = width * 0.36, height / 2 + 20, min(width, height) * 0.34
    out, angle = [], -math.pi / 2
    for i, (label, v) in enumerate(zip(spec.labels, values, strict=False)):
        frac = v / total
        color = PALETTE[i % len(PALETTE)]
        if frac >= 0.9999:
            out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{color}"/>')
        elif frac > 0:
            a2 = angle + frac * 2 * math.pi
            x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
            x2, y2 = cx + r * math.cos(a2), cy + r * math.sin(a2)
            large = 1 if frac > 0.5 else 0
            out.append(f'<path d="M{cx:.1f},{cy:.1f} L{x1:.1f},{y1:.1f} A{r:.1f},{r:.1f} 0 {large} 1 '
                       f'{x2:.1f},{y2:.1f} Z" fill="{color}" stroke="#fff" stroke-width="2"/>')
            angle = a2
        ly = 90 + i * 30
        out.append(f'<rect x="{width * 0.68:.1f}" y="{ly}" width="18" height="18" fill="{color}"/>'
                   f'<text x="{width * 0.68 + 26:.1f}" y="{ly + 14}" font-size="15" fill="#222">'
                   f'{escape(label)} {_fmt(spec.values[i])} ({frac * 100:.1f}%)</text>')
    return "".join(out)


_ARROW = re.compile(r"\s*(?:→|->|=>|⇒|➜|➔|⟶|-->)\s*")


@dataclass
class FlowSpec:
    steps: list[str]
    title: str = ""


def parse_flow_request(prompt: str) -> FlowSpec | None:
    """A flow of steps written with arrows ("登录流程：输入账号 → 验证 → 进入首页"), laid out exactly
    instead of being drawn by the model."""
    head, sep, body = re.split(r"([:：])", prompt, maxsplit=1) if re.search(r"[:：]", prompt) else ("", "", prompt)
    parts = [p.strip(" .。,，;；") for p in _ARROW.split(body.strip())]
    parts = [p for p in parts if p]
    if len(parts) < 2 or len(_ARROW.findall(body)) < 1 or any(len(p) > 40 for p in parts):
        return None
    return FlowSpec(parts[:12], head.strip()[:60])


def _wrap(text: str, max_units: float) -> list[str]:
    lines, cur, units = [], "", 0.0
    for word in re.findall(r"[\u2e80-\uffff]|\S+\s*|\s+", text):
        u = sum(1.0 if ord(c) > 0x2E80 else 0.55 for c in word)
        if units + u > max_units and cur.strip():
            lines.append(cur.strip())
            cur, units = "", 0.0
        cur += word
        units += u
    if cur.strip():
        lines.append(cur.strip())
    return lines[:3]


def render_flow(spec: FlowSpec, width: int = 800, height: int = 500) -> str:
    """Boxes joined by arrows: in one row when they fit, else in one column."""
    n = len(spec.steps)
    horizontal = n <= 5 and width >= height
    top = 70 if spec.title else 30
    if horizontal:
        gap = 40
        bw = min(200.0, (width - 40 - gap * (n - 1)) / n)
        bh = 90.0
        xs = [20 + (width - 40 - (bw * n + gap * (n - 1))) / 2 + i * (bw + gap) for i in range(n)]
        ys = [top + (height - top - bh) / 2] * n
    else:
        gap = 24
        bh = min(70.0, (height - top - 20 - gap * (n - 1)) / n)
        bw = min(360.0, width - 80)
        xs = [(width - bw) / 2] * n
        ys = [top + i * (bh + gap) for i in range(n)]
    font = max(11.0, min(20.0, bh / 3.2, bw / 7))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="Noto Sans CJK SC, DejaVu Sans, sans-serif">'
           '<defs><marker id="arrow" markerWidth="10" markerHeight="10" refX="9" refY="5" orient="auto">'
           '<path d="M0,0 L10,5 L0,10 Z" fill="#555"/></marker></defs>'
           f'<rect width="{width}" height="{height}" fill="#ffffff"/>']
    if spec.title:
        out.append(f'<text x="{width / 2}" y="40" font-size="22" font-weight="bold" text-anchor="middle" '
                   f'fill="#222">{escape(spec.title)}</text>')
    for i, step in enumerate(spec.steps):
        x, y = xs[i], ys[i]
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" rx="12" '
                   f'fill="{PALETTE[i % len(PALETTE)]}" fill-opacity="0.18" stroke="{PALETTE[i % len(PALETTE)]}" '
                   'stroke-width="2"/>')
        lines = _wrap(step, (bw - 16) / font)
        for k, line in enumerate(lines):
            ty = y + bh / 2 + (k - (len(lines) - 1) / 2) * font * 1.25 + font * 0.35
            out.append(f'<text x="{x + bw / 2:.1f}" y="{ty:.1f}" font-size="{font:.1f}" text-anchor="middle" '
                       f'fill="#222">{escape(line)}</text>')
        if i < n - 1:
            if horizontal:
                x1, y1, x2, y2 = x + bw, y + bh / 2, xs[i + 1] - 2, ys[i + 1] + bh / 2
            else:
                x1, y1, x2, y2 = x + bw / 2, y + bh, xs[i + 1] + bw / 2, ys[i + 1] - 2
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" '
                       'stroke-width="2" marker-end="url(#arrow)"/>')
    return "".join(out) + "</svg>"
