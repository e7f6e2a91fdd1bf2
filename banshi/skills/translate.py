"""Translation through the model with the formatting kept.

The text is cut into Markdown segments first: fenced code blocks are never sent to the model;
inline code, URLs and link targets are replaced by numbered markers that the model is asked to
keep and that are put back afterwards. Text is translated in paragraph-aligned chunks; when a
chunk comes back with its markers or its line structure (lists, headings, quotes, tables) broken,
it is translated again line by line with each line's Markdown prefix held outside the model.
An optional glossary is given to the model and enforced afterwards.
May import: errors, messages, models, skills.lang.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from banshi.errors import InvalidInput, TooLarge
from banshi.messages import Message
from banshi.models.base import Backend
from banshi.skills.lang import NAMES, detect_language, language_name

MAX_CHARS = 60_000
CHUNK_CHARS = 1_200

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[^\n]*\n.*?^(?P=indent)(?P=fence)[ \t]*$\n?",
                    re.M | re.S)
_PROTECT = re.compile(
    r"`[^`\n]+`"  # inline code
    r"|\]\([^)\s]+(?:\s+\"[^\"]*\")?\)"  # a link target ](url "title")
    r"|<https?://[^>\s]+>|https?://[^\s)>\]]+"  # bare URLs
    r"|\$\$?[^$\n]+\$\$?"  # inline maths
)
_PREFIX = re.compile(r"^(\s*(?:[-*+]\s+(?:\[[ xX]\]\s+)?|\d+[.)]\s+|#{1,6}\s+|>\s*)*)")


@dataclass
class Translation:
    text: str
    source: str
    target: str
    glossary_missing: list[str] = field(default_factory=list)
    chunks: int = 0
    fallbacks: int = 0  # chunks that needed the line-by-line pass

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "target": self.target,
                "glossary_missing": self.glossary_missing, "chunks": self.chunks, "fallbacks": self.fallbacks}


def default_target(source: str) -> str:
    return "en" if source == "zh" else "zh"


def segments(text: str) -> list[tuple[bool, str]]:
    """``[(translatable, piece)]``: fenced code blocks are not translatable."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _FENCE.finditer(text):
        if m.start() > pos:
            out.append((True, text[pos:m.start()]))
        out.append((False, m.group(0)))
        pos = m.end()
    if pos < len(text):
        out.append((True, text[pos:]))
    return out


def protect(text: str) -> tuple[str, list[str]]:
    """Replace code, URLs and maths by markers ``⟦0⟧``, ``⟦1⟧``…"""
    kept: list[str] = []

    def sub(m: re.Match[str]) -> str:
        s = m.group(0)
        if s.startswith("]("):  # keep the bracket with the text, protect the target only
            kept.append(s[1:])
            return f"]⟦{len(kept) - 1}⟧"
        kept.append(s)
        return f"⟦{len(kept) - 1}⟧"

    return _PROTECT.sub(sub, text), kept


def restore(text: str, kept: list[str]) -> tuple[str, bool]:
    """Put the protected pieces back; False when a marker was lost or duplicated."""
    ok = all(text.count(f"⟦{i}⟧") == 1 for i in range(len(kept)))
    # a model may add spaces inside or around the marker
    text = re.sub(r"⟦\s*(\d+)\s*⟧", lambda m: kept[int(m.group(1))] if int(m.group(1)) < len(kept) else "",
                  text)
    return text, ok


def _shape(text: str) -> list[str]:
    """The Markdown skeleton of a chunk: each non-empty line's prefix kind."""
    shape = []
    for line in text.strip().splitlines():
        if not line.strip():
            continue
        p = _PREFIX.match(line).group(1).strip()  # type: ignore[union-attr]
        kind = re.sub(r"\d+", "N", p)
        if line.lstrip().startswith("|"):
            kind = "table"
        if kind:  # plain lines may be re-wrapped freely; marked-up lines must stay
            shape.append(kind)
    return shape


def _messages(text: str, source: str, target: str, glossary: dict[str, str] | None) -> list[Message]:
    src, tgt = language_name(source), language_name(target)
    native = f" ({language_name(target, native=True)})" if target in NAMES else ""
    system = (f"Translate the user's text from {src} to {tgt}{native}. Keep the Markdown exactly: the same "
              f"lines, list markers, headings, emphasis and table pipes. Copy every marker like ⟦0⟧ "
              f"unchanged. Reply with the translation only.")
    terms = [(s, t) for s, t in (glossary or {}).items() if s and s.lower() in text.lower()]
    if terms:
        system += " Use these translations of terms: " + "; ".join(f"{s} → {t}" for s, t in terms) + "."
    return [Message("system", system), Message("user", text)]


def _ask(backend: Backend, text: str, source: str, target: str, glossary: dict[str, str] | None,
         cancel: threading.Event | None) -> str:
    max_tokens = min(4096, backend.count_tokens(text) * 3 + 32)
    done = backend.chat(_messages(text, source, target, glossary), max_tokens=max_tokens, temperature=0.1,
                        cancel=cancel)
    return done.text.strip()


def _translate_chunk(backend: Backend, chunk: str, source: str, target: str, glossary: dict[str, str] | None,
                     cancel: threading.Event | None) -> tuple[str, bool]:
    """One chunk, with its leading/trailing whitespace kept. Returns (text, used_fallback)."""
    lead = chunk[: len(chunk) - len(chunk.lstrip())]
    trail = chunk[len(chunk.rstrip()):]
    body = chunk.strip()
    if not body or not any(c.isalpha() for c in protect(body)[0].replace("⟦", "").replace("⟧", "")):
        return chunk, False
    masked, kept = protect(body)
    out, ok = restore(_ask(backend, masked, source, target, glossary, cancel), kept)
    if ok and _shape(out) == _shape(body):
        return lead + out + trail, False
    # line by line: each line's Markdown prefix stays outside the model
    lines = []
    for line in body.split("\n"):
        prefix = _PREFIX.match(line).group(1)  # type: ignore[union-attr]
        content = line[len(prefix):]
        if line.lstrip().startswith("|"):
            cells = content.split("|")
            content = "|".join(_line(backend, c, source, target, glossary, cancel) for c in cells)
            lines.append(prefix + content)
            continue
        lines.append(prefix + _line(backend, content, source, target, glossary, cancel))
    return lead + "\n".join(lines) + trail, True


def _line(backend: Backend, content: str, source: str, target: str, glossary: dict[str, str] | None,
          cancel: threading.Event | None) -> str:
    masked, kept = protect(content)
    if not any(c.isalpha() for c in re.sub(r"⟦\d+⟧", "", masked)):
        return content
    lead = content[: len(content) - len(content.lstrip())]
    trail = content[len(content.rstrip()):]
    out, ok = restore(" ".join(_ask(backend, masked.strip(), source, target, glossary, cancel).split("\n")), kept)
    if not ok:  # the marker got lost: keep the protected pieces by appending what is missing
        missing = [k for k in kept if k not in out]
        out = out + (" " + " ".join(missing) if missing else "")
    return lead + out + trail


def _chunks(text: str) -> list[str]:
    parts = re.split(r"(\n\s*\n)", text)
    chunks, cur = [], ""
    for p in parts:
        if len(cur) + len(p) > CHUNK_CHARS and cur.strip():
            chunks.append(cur)
            cur = ""
        cur += p
    if cur:
        chunks.append(cur)
    return chunks


def apply_glossary(text: str, glossary: dict[str, str] | None, source_text: str) -> tuple[str, list[str]]:
    """Replace glossary source terms the model left untranslated; list the terms whose target is
    still missing."""
    missing = []
    for src, tgt in (glossary or {}).items():
        if not src or src.lower() not in source_text.lower():
            continue
        if tgt in text:
            continue
        pattern = re.compile(re.escape(src), re.I)
        if pattern.search(text):
            text = pattern.sub(tgt, text)
        else:
            missing.append(src)
    return text, missing


def translate_stream(backend: Backend, text: str, *, target: str | None = None, source: str | None = None,
                     glossary: dict[str, str] | None = None,
                     cancel: threading.Event | None = None) -> Iterator[dict[str, Any]]:
    """Yield ``{"type": "start", "source", "target"}``, then ``{"type": "piece", "text"}`` in
    order (code blocks pass through as they are), then ``{"type": "result", ...}``."""
    if not text or not text.strip():
        raise InvalidInput("nothing to translate")
    if len(text) > MAX_CHARS:
        raise TooLarge(f"the text is too long to translate at once (over {MAX_CHARS} characters)")
    if glossary and len(glossary) > 200:
        raise InvalidInput("the glossary has more than 200 terms")
    source = source or detect_language(text)
    target = target or default_target(source)
    if target == source:
        raise InvalidInput(f"the text is already in {language_name(target)}; choose another target language")
    yield {"type": "start", "source": source, "target": target}
    pieces: list[str] = []
    n_chunks = fallbacks = 0
    for translatable, seg in segments(text):
        if not translatable:
            pieces.append(seg)
            yield {"type": "piece", "text": seg}
            continue
        for chunk in _chunks(seg):
            if cancel is not None and cancel.is_set():
                return
            out, fell_back = _translate_chunk(backend, chunk, source, target, glossary, cancel)
            n_chunks += 1
            fallbacks += fell_back
            out, _ = apply_glossary(out, glossary, chunk)
            pieces.append(out)
            yield {"type": "piece", "text": out}
    full = "".join(pieces)
    full, missing = apply_glossary(full, glossary, text)
    yield {"type": "result", **Translation(full, source, target, missing, n_chunks, fallbacks).to_dict()}


def translate(backend: Backend, text: str, **kwargs: Any) -> Translation:
    final: dict[str, Any] = {}
    for event in translate_stream(backend, text, **kwargs):
        if event["type"] == "result":
            final = event
    final.pop("type", None)
    return Translation(**final)
