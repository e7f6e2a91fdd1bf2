"""Recordings → minutes: a recording's transcript is made once and kept beside the file
(``transcript_of``); the timestamped transcript goes to the model, which answers in JSON
constrained by ``MINUTES_SCHEMA`` (summary, decisions, action items). A transcript longer than
the context budget is first condensed part by part into timestamped notes (map), and the minutes
are written from the notes (reduce).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from banshi.errors import InvalidInput, ModelError
from banshi.media.asr import Transcript
from banshi.media.docqa import MAX_MAP_CALLS, _batches, _fit, is_chinese
from banshi.messages import Message

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from banshi.config import Settings
    from banshi.media.files import FileStore, StoredFile
    from banshi.models.base import Backend

MINUTES_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "decisions": {"type": "array", "items": {"type": "string"}},
        "action_items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"task": {"type": "string"}, "owner": {"type": "string"},
                               "due": {"type": "string"}},
                "required": ["task", "owner", "due"],
            },
        },
    },
    "required": ["summary", "decisions", "action_items"],
}

SYSTEM = {
    "en": "You write meeting minutes from a transcript with [hh:mm:ss] timestamps. Reply with JSON only: "
          '{"summary": a few sentences, "decisions": [what was agreed or settled], "action_items": [{"task": '
          'what is to be done, "owner": who does it (a name, or ""), "due": by when (as said, or "")}]}. '
          "Every task someone takes on is an action item (its task, its owner and its due apart), not a "
          "decision. Use only what was said.",
    "zh": "你根据带 [时:分:秒] 时间戳的录音转写写会议纪要。只输出 JSON："
          '{"summary": 几句话的摘要, "decisions": [定下来的事], "action_items": [{"task": 要做的事, '
          '"owner": 谁来做（没说就填 ""）, "due": 截止时间（照说的写，没说就填 ""）}]}。'
          "每件有人要去做的事都是一条待办（任务、负责人、截止时间分开写），不是决定。只用录音里说过的内容。",
}
NOTES = {
    "en": "Condense this part of a meeting transcript into short notes, keeping the [hh:mm:ss] time of each "
          "point, every decision, task, owner and deadline.",
    "zh": "把这段会议转写压缩成简短笔记，保留每条的 [时:分:秒] 时间、所有决定、任务、负责人和截止时间。",
}


LABELS = {
    "zh": ("会议纪要", "摘要", "决定", "待办", "负责人", "截止", "完整转写", "无"),
    "en": ("Minutes", "Summary", "Decisions", "Action items", "owner", "due", "Full transcript", "none"),
}


@dataclass
class Minutes:
    summary: str
    decisions: list[str] = field(default_factory=list)
    action_items: list[dict[str, str]] = field(default_factory=list)
    calls: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "decisions": self.decisions, "action_items": self.action_items}

    def as_markdown(self, transcript: Transcript) -> str:
        """The minutes as a chat answer, in the recording's language, with the timestamped
        transcript folded under them (an HTML ``<details>`` block)."""
        title, summary, decided, todo, owner, due, full, none = LABELS["zh" if transcript.language == "zh" else "en"]

        def task(a: dict[str, str]) -> str:
            said = [f"{owner}: {a['owner']}" if a["owner"] else "", f"{due}: {a['due']}" if a["due"] else ""]
            extra = "; ".join(x for x in said if x)
            return f"- {a['task']}" + (f" ({extra})" if extra else "")

        return "\n".join([
            f"## {title}", "", f"**{summary}**: {self.summary}", "", f"**{decided}**",
            *([f"- {d}" for d in self.decisions] or [f"- {none}"]), "", f"**{todo}**",
            *([task(a) for a in self.action_items] or [f"- {none}"]), "",
            f"<details><summary>{full}</summary>", "", *(f"{line}  " for line in transcript.timestamped().splitlines()),
            "", "</details>",
        ])


def parse_minutes(text: str) -> Minutes:
    """The model's JSON answer, checked against the schema's shape."""
    body = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        data = json.loads(body)
    except ValueError:
        m = re.search(r"\{.*\}", body, re.S)
        try:
            data = json.loads(m.group()) if m else None
        except ValueError:
            data = None
    if not isinstance(data, dict) or not isinstance(data.get("summary"), str):
        raise ModelError("the model did not return minutes as JSON; try again or use a larger model",
                         code="bad_model_output")
    decisions = [str(d).strip() for d in data.get("decisions") or [] if str(d).strip()]
    items = []
    for item in data.get("action_items") or []:
        if isinstance(item, str):
            item = {"task": item}
        if isinstance(item, dict) and str(item.get("task", "")).strip():
            items.append({"task": str(item["task"]).strip(), "owner": str(item.get("owner") or "").strip(),
                          "due": str(item.get("due") or "").strip()})
    return Minutes(data["summary"].strip(), decisions, items)


def recording(store: FileStore, file_id: str) -> StoredFile:
    """The user's recording, or a clear error for a file that is none (or not theirs)."""
    meta = store.get(file_id)
    if meta.kind != "audio":
        raise InvalidInput(f"{meta.filename} is not a recording (mp3, m4a, wav, ogg, webm, flac)", code="wrong_kind")
    return meta


def transcript_of(store: FileStore, file_id: str, settings: Settings, language: str | None = None,
                  progress: Callable[[float, float | None], None] | None = None) -> Transcript:
    """The recording's timestamped transcript, made once per language choice and kept beside the
    file; ``progress(seconds done, total)`` while a long recording is transcribed chunk by chunk."""
    from banshi.media import asr

    recording(store, file_id)
    cache = store.root / f"{file_id}.transcript.json"
    if cache.is_file():
        data = json.loads(cache.read_text())
        if data.get("requested_language") == (language or ""):
            return Transcript(data["text"], data["language"], data["duration"],
                              [asr.Segment(**s) for s in data["segments"]])
    t = asr.get_transcriber(settings).transcribe(store.path(file_id), language or None, progress)
    cache.write_text(json.dumps({"requested_language": language or "", "text": t.text, "language": t.language,
                                 "duration": t.duration, "segments": [s.__dict__ for s in t.segments]},
                                ensure_ascii=False))
    return t


def transcribing(store: FileStore, file_id: str, settings: Settings,
                 language: str | None = None) -> Iterator[tuple[float, float | None] | Transcript]:
    """``transcript_of`` on a worker thread, for a caller that shows progress: ``(seconds done,
    total)`` as a long recording is transcribed chunk by chunk, then the ``Transcript``; its
    error is raised where they are read, in the caller's thread. A file that is no recording
    raises at once."""
    recording(store, file_id)
    return _transcribing(store, file_id, settings, language)


def _transcribing(store: FileStore, file_id: str, settings: Settings,
                  language: str | None) -> Iterator[tuple[float, float | None] | Transcript]:
    import queue
    import threading

    updates: queue.Queue[Any] = queue.Queue()

    def work() -> None:
        try:
            updates.put(transcript_of(store, file_id, settings, language, lambda d, total: updates.put((d, total))))
        except BaseException as e:  # noqa: BLE001 - raised again below, in the caller's thread
            updates.put(e)

    threading.Thread(target=work, daemon=True).start()
    while isinstance(item := updates.get(), tuple):
        yield item
    if isinstance(item, BaseException):
        raise item
    yield item


def minutes(transcript: Transcript, settings: Settings, backend: Backend) -> Minutes:
    """Summary, decisions and action items of a transcribed recording."""
    lines = [line for line in transcript.timestamped().splitlines() if line.strip()]
    if not lines:
        raise InvalidInput("nothing was said in the recording", code="empty_transcript")
    lang = "zh" if transcript.language == "zh" or is_chinese(transcript.text[:2000]) else "en"
    budget = max(256, settings.context_tokens - 700)
    calls = 0
    groups = _batches(lines, backend, budget)
    if len(groups) > 1:
        if len(groups) > MAX_MAP_CALLS:
            raise InvalidInput(f"the transcript is too long to summarise within {MAX_MAP_CALLS} model calls; "
                               "raise BANSHI_CONTEXT_TOKENS or split the recording", code="transcript_too_long")
        notes = []
        for g in groups:
            calls += 1
            reply = backend.chat([Message("system", NOTES[lang]), Message("user", "\n".join(lines[i] for i in g))],
                                 max_tokens=min(settings.max_tokens, 500))
            notes.append(reply.text.strip())
        source = "\n\n".join(notes)
    else:
        source = "\n".join(lines)
    reply = backend.chat([Message("system", SYSTEM[lang]), Message("user", _fit(source, backend, budget))],
                         schema=MINUTES_SCHEMA, max_tokens=min(settings.max_tokens, 800), temperature=0.1)
    result = parse_minutes(reply.text)
    result.calls = calls + 1
    return result
