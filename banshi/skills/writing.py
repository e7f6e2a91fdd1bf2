"""Writing skills: compose (email, report, essay, social post) and transform (summarise, polish,
continue, expand, shorten, change tone).

Every skill is one row of ``SKILLS``: its instruction template and its parameters with their
allowed values and defaults. ``write_stream`` checks the parameters against the row, builds one
prompt and streams the model's text; nothing else in the code holds writing prompts.
Long inputs to ``summary`` are summarised in parts first (map-reduce) within the context budget.
May import: errors, messages, models, skills.lang.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from banshi.errors import InvalidInput, TooLarge
from banshi.messages import Completion, Delta, Message
from banshi.models.base import Backend
from banshi.skills.lang import NAMES, detect_language, language_name

MAX_INPUT_CHARS = 60_000
CHUNK_CHARS = 3_000  # one map step of a long summary (≈ 1,000–3,000 tokens)

LENGTH_WORDS = {"short": 120, "medium": 300, "long": 700}
_WORD = re.compile(r"[^\W_]")  # a letter, a digit or a CJK character

# a piece of writing no service writes (a poem, a story, a post), asked for in a few words
_COMPOSE = re.compile(
    r"(?:^|帮我|给我|替我|请你?|麻烦你?|你能|能不能)\s*(?:写|编|创作|讲|说)(?:一|几|两|个|首|篇|条|段|份|句|则|些|点)*[^，。！？,.!?\n]{0,12}?"
    r"(?:诗|词|故事|作文|文章|朋友圈|文案|祝福语?|贺词|演讲稿|发言稿|口号|标语|歌词|笑话|段子|对联|小说|日记|周记|"
    r"读后感|观后感|自我介绍|广告语|微博|小红书|推文|情书|散文|剧本|台词|感言|致辞)"
    r"|(?:^|\bplease |\b(?:can|could|would|will) you |\bhelp me )(?:write|compose|make up|tell (?:me|us))\b"
    r"[^.!?\n]{0,40}?"
    r"\b(?:poems?|haikus?|stor(?:y|ies)|essays?|posts?|captions?|tweets?|speech(?:es)?|slogans?|lyrics|songs?|jokes?|limericks?|toasts?|blogs?|articles?|taglines?|bio|"
    r"letters?|verses?)\b",
    re.I,
)


def composes(text: str) -> bool:
    """Whether ``text`` asks for a piece of writing that no service writes (a poem, a story, a
    post, an essay): a writing request, whatever its topic names — a poem about the rain is
    not a forecast, a warm post (语气温馨) not a temperature."""
    return _COMPOSE.search(text) is not None


@dataclass(frozen=True)
class Param:
    name: str
    choices: tuple[str, ...] = ()  # empty: free text
    default: str = ""
    description: str = ""


@dataclass(frozen=True)
class WritingSkill:
    name: str
    title: str
    kind: Literal["compose", "transform"]  # compose: from a brief; transform: rewrites the given text
    instruction: str  # format string over the parameters (and {words})
    params: tuple[Param, ...] = field(default_factory=tuple)
    temperature: float = 0.6

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "kind": self.kind,
                "params": [{"name": p.name, "choices": list(p.choices), "default": p.default,
                            "description": p.description} for p in self.params + COMMON]}


_TONES = ("neutral", "formal", "friendly", "casual", "confident", "polite", "humorous", "persuasive", "warm")
LENGTH = Param("length", ("short", "medium", "long"), "medium", "how long the result is")
TONE = Param("tone", _TONES, "neutral", "the voice of the text")
COMMON = (Param("language", (), "", "language code of the result (default: the input's)"),)

SKILLS: dict[str, WritingSkill] = {s.name: s for s in (
    WritingSkill("email", "Email", "compose",
                 "Write an email about the brief below, to {recipient}. Tone: {tone}. About {words} words. "
                 "Start with a subject line 'Subject: …', then the greeting, body and sign-off.",
                 (TONE, LENGTH, Param("recipient", (), "the recipient", "who it is for"))),
    WritingSkill("report", "Report", "compose",
                 "Write a {type} report from the notes below. Use Markdown headings and bullet points; "
                 "keep every fact from the notes and invent none. About {words} words.",
                 (Param("type", ("work", "weekly", "project", "incident", "meeting", "research"), "work"), LENGTH)),
    WritingSkill("essay", "Essay", "compose",
                 "Write an essay on the topic below for {audience}. A title, an introduction, "
                 "body paragraphs and a conclusion. Tone: {tone}. About {words} words.",
                 (LENGTH, TONE, Param("audience", (), "general readers"))),
    WritingSkill("social_post", "Social post", "compose",
                 "Write a {platform} post about the brief below, as the person who posts it: say 'I' (我), not 'you'. "
                 "Tone: {tone}. {emoji} {hashtags} Fit the platform's usual length and style.",
                 (Param("platform", ("weibo", "wechat_moments", "xiaohongshu", "douyin", "x", "linkedin",
                                     "instagram"), "wechat_moments"),
                  TONE, Param("emoji", ("yes", "no"), "yes"), Param("hashtags", ("yes", "no"), "yes")),
                 temperature=0.8),
    WritingSkill("summary", "Summary", "transform",
                 "Summarise the text below {style}. Keep names, numbers and decisions; add nothing.",
                 (Param("style", ("one_line", "short", "bullets", "detailed"), "short"),), temperature=0.2),
    WritingSkill("polish", "Polish", "transform",
                 "Polish the text below: fix grammar, spelling and punctuation and make it read smoothly. "
                 "Keep its meaning, facts, structure and roughly its length. Tone: {tone}.",
                 (TONE,), temperature=0.3),
    WritingSkill("continue", "Continue", "transform",
                 "Continue the text below in the same voice and style for about {words} more words. "
                 "Write only the continuation.",
                 (LENGTH,), temperature=0.8),
    WritingSkill("expand", "Expand", "transform",
                 "Expand the text below to about {words} words with relevant detail and examples, "
                 "keeping its meaning, order and voice.",
                 (LENGTH,)),
    WritingSkill("shorten", "Shorten", "transform",
                 "Shorten the text below to about {percent}% of its length. Keep the key points, names "
                 "and numbers.",
                 (Param("percent", ("25", "50", "75"), "50"),), temperature=0.3),
    WritingSkill("tone", "Change tone", "transform",
                 "Rewrite the text below in a {tone} tone. Keep its meaning and facts.",
                 (Param("tone", _TONES[1:], "formal"),), temperature=0.5),
)}

_SUMMARY_STYLES = {"one_line": "in one sentence", "short": "in a short paragraph",
                   "bullets": "as 3–7 bullet points", "detailed": "in a few paragraphs covering every section"}
_EMOJI = {"yes": "Use one to three fitting emoji inside the text.", "no": "No emoji."}
_PLATFORMS = {"weibo": "Weibo (微博)", "wechat_moments": "WeChat Moments (朋友圈)",
              "xiaohongshu": "Xiaohongshu (小红书)", "douyin": "Douyin (抖音) video caption", "x": "X (Twitter)",
              "linkedin": "LinkedIn", "instagram": "Instagram"}
_HASHTAGS = {"yes": "End with 2–4 hashtags.", "no": "No hashtags."}


def list_skills() -> list[dict[str, Any]]:
    return [s.describe() for s in SKILLS.values()]


def resolve_params(skill: WritingSkill, params: dict[str, Any] | None) -> dict[str, str]:
    """Defaults filled in; unknown names and values outside the choices refused."""
    params = {k: str(v) for k, v in (params or {}).items() if v not in (None, "")}
    known = {p.name: p for p in skill.params + COMMON}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise InvalidInput(f"{skill.name}: unknown parameter(s) {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(known))}")
    out = {}
    for name, p in known.items():
        value = params.get(name, p.default)
        if p.choices and value not in p.choices:
            raise InvalidInput(f"{skill.name}: {name} must be one of {', '.join(p.choices)}")
        if len(value) > 200:
            raise InvalidInput(f"{skill.name}: {name} is too long")
        out[name] = value
    return out


def build_messages(skill: WritingSkill, text: str, params: dict[str, str]) -> list[Message]:
    lang = params.get("language") or detect_language(text)
    values = dict(params)
    values["words"] = str(LENGTH_WORDS.get(params.get("length", "medium"), 300))
    values["style"] = _SUMMARY_STYLES.get(params.get("style", ""), "")
    values["emoji"] = _EMOJI.get(params.get("emoji", ""), "")
    values["hashtags"] = _HASHTAGS.get(params.get("hashtags", ""), "")
    values["type"] = params.get("type", "")
    values["platform"] = _PLATFORMS.get(params.get("platform", ""), "")
    instruction = skill.instruction.format(**values)
    system = (f"You are a skilled writer. {instruction} Write in {language_name(lang)}"
              f"{'' if lang not in NAMES else ' (' + language_name(lang, native=True) + ')'}. "
              "Reply with the text only: no preface, no notes about what you did.")
    label = "Brief" if skill.kind == "compose" else "Text"
    return [Message("system", system), Message("user", f"{label}:\n{text}")]


def _max_tokens(skill: WritingSkill, params: dict[str, str], text: str, backend: Backend) -> int:
    words = LENGTH_WORDS.get(params.get("length", "medium"), 300)
    if skill.name in ("polish", "tone"):
        return min(4096, int(backend.count_tokens(text) * 1.5) + 64)
    if skill.name == "shorten":
        return min(2048, backend.count_tokens(text) + 32)
    if skill.name == "summary":
        return {"one_line": 80, "short": 250, "bullets": 350, "detailed": 800}.get(params["style"], 300)
    return min(4096, int(words * 2.2) + 64)  # a Chinese character is about one token, a word ~1.3


def write_stream(backend: Backend, skill_name: str, text: str, params: dict[str, Any] | None = None, *,
                 cancel: threading.Event | None = None) -> Iterator[str]:
    """Stream the result of one writing skill as text pieces."""
    skill = SKILLS.get(skill_name)
    if skill is None:
        raise InvalidInput(f"unknown writing skill {skill_name!r}; known: {', '.join(SKILLS)}")
    text = (text or "").strip()
    if not text:
        raise InvalidInput("give the text (or, for composing, a brief)")
    if len(text) > MAX_INPUT_CHARS:
        raise TooLarge(f"the text is too long (over {MAX_INPUT_CHARS} characters)")
    values = resolve_params(skill, params)
    if not values.get("language"):
        values["language"] = detect_language(text)
    if skill.name == "summary" and len(text) > CHUNK_CHARS:
        text = _condense(backend, text, values["language"], cancel)

    def run(values: dict[str, str]) -> Iterator[str]:
        return _stream_text(backend, build_messages(skill, text, values),
                            max_tokens=_max_tokens(skill, values, text, backend),
                            temperature=skill.temperature, cancel=cancel)

    if values.get("emoji") != "yes":
        yield from run(values)
        return
    # a post that opens with a row of emoji and no word is one the small model rarely leaves
    # (🎉🎉🎉… to the end of its budget): it is dropped at once and written again without emoji
    stream, held = run(values), ""
    for piece in stream:
        held += piece
        if _WORD.search(held):
            yield held
            yield from stream
            return
        if sum(ord(c) >= 0x2190 for c in held) >= 3:
            stream.close()
            yield from run(values | {"emoji": "no"})
            return
    yield held


def write(backend: Backend, skill_name: str, text: str, params: dict[str, Any] | None = None, **kw: Any) -> str:
    return "".join(write_stream(backend, skill_name, text, params, **kw)).strip()


def _stream_text(backend: Backend, messages: list[Message], **kwargs: Any) -> Iterator[str]:
    sent = False
    for item in backend.stream(messages, **kwargs):
        if isinstance(item, Delta) and item.text:
            sent = True
            yield item.text
        elif isinstance(item, Completion) and not sent and item.text:
            yield item.text


def split_chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Paragraph-aligned pieces of at most ``size`` characters (a longer paragraph is cut)."""
    chunks, cur = [], ""
    for para in text.split("\n\n"):
        while len(para) > size:
            if cur:
                chunks.append(cur)
                cur = ""
            chunks.append(para[:size])
            para = para[size:]
        if len(cur) + len(para) + 2 > size and cur:
            chunks.append(cur)
            cur = ""
        cur = f"{cur}\n\n{para}" if cur else para
    if cur.strip():
        chunks.append(cur)
    return chunks


def _condense(backend: Backend, text: str, lang: str, cancel: threading.Event | None) -> str:
    """Map step of a long summary: each part to a few bullet points, repeated until it fits."""
    for _ in range(4):
        if len(text) <= CHUNK_CHARS:
            break
        notes = []
        for part in split_chunks(text):
            if cancel is not None and cancel.is_set():
                break
            msgs = build_messages(SKILLS["summary"], part, {"style": "bullets", "language": lang})
            notes.append("".join(_stream_text(backend, msgs, max_tokens=300, temperature=0.2, cancel=cancel)))
        text = "\n\n".join(n.strip() for n in notes if n.strip())
    return text[: CHUNK_CHARS * 2]
