"""Building the prompt: system text, recalled memory, rolling summary, newest turns within budget."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from banshi.messages import Completion, Delta, Message
from banshi.models.base import Backend, StreamItem

_CJK = re.compile(r"[\u3400-\u9fff]")

SYSTEM_EN = (
    "You are Banshi (办事), a helpful personal assistant running on the user's own machine. "
    "Be accurate and concise. Use Markdown; put code in fenced blocks and math in $...$."
)
SYSTEM_ZH = (
    "你是办事（Banshi），运行在用户自己设备上的智能助手。回答准确、简洁。"
    "使用 Markdown，代码放在代码块中，公式用 $...$。请用中文回答。"
)


def is_chinese(text: str) -> bool:
    """True when the text is mostly Chinese (enough CJK characters to answer in Chinese)."""
    cjk = len(_CJK.findall(text))
    return cjk >= 2 and cjk * 3 >= len(re.sub(r"\s", "", text)) * 0.5


def system_prompt(language_hint: str, now: datetime | None = None) -> str:
    now = now or datetime.now()
    base = SYSTEM_ZH if is_chinese(language_hint) else SYSTEM_EN
    return f"{base}\nToday: {now:%Y-%m-%d %A}."


@dataclass
class Recall:
    """What a context provider (memory) adds to the prompt, and the sources it came from."""

    text: str = ""
    sources: list[dict] = field(default_factory=list)
    # an answer memory settles alone (the user asks for what they had it forget): said as
    # is, with no model call, so a small model cannot guess the deleted value back
    reply: str = ""
    # the question asks about the user themself ("我最喜欢吃什么？", "What is my job?") and the
    # recalled facts answer it: a question for memory, not an errand for the service agents
    about_user: bool = False
    # how the answer begins: 「你」 for a Chinese question about the user, whom a small model
    # otherwise answers as ("我是做什么工作的？" → 「我是小学老师。」); see ``begin_answer``
    answer_start: str = ""


@dataclass
class Budgeted:
    messages: list[Message]
    folded: list[Message]  # older turns that did not fit and are not yet in the summary


def fit_history(
    backend: Backend, history: list[Message], budget: int, summary: str = ""
) -> Budgeted:
    """Keep the newest messages that fit in ``budget`` tokens. The newest message is always
    kept whole, even when it alone is over budget. Whatever does not fit is returned as
    ``folded`` so the caller can fold it into the rolling summary."""
    if not history:
        return Budgeted([], [])
    used = backend.count_tokens(summary)
    kept: list[Message] = []
    for i in range(len(history) - 1, -1, -1):
        cost = backend.count_tokens(history[i].content) + 4
        if kept and used + cost > budget:
            return Budgeted(list(reversed(kept)), history[: i + 1])
        kept.append(history[i])
        used += cost
    return Budgeted(list(reversed(kept)), [])


def without_told(messages: list[Message], ids: list[str], told: set[str]) -> list[Message]:
    """The history for a question about the user that memory answers from facts: the answers
    to the user's turns that told those facts (``told``: their ids; ``ids``: each message's)
    leave it. The user's own words stay, and the memory block states the fact; the answer to a
    statement is what a small model copies: the 1.5B model that had answered 「我是一名小学老师。」
    with its own identity repeated that answer when asked 「我是做什么工作的？」."""
    return [
        m
        for i, m in enumerate(messages)
        if not (0 < i < len(messages) - 1 and m.role == "assistant" and messages[i - 1].role == "user"
                and ids[i - 1] in told)
    ]


def begin_answer(backend: Backend, prompt: list[Message], recall: Recall | None) -> tuple[list[Message], str]:
    """The prompt with the answer's start (``Recall.answer_start``) as a last assistant message
    the model continues, and that start; unchanged, and "", for a backend that would answer such
    a message instead of continuing it."""
    start = recall.answer_start if recall is not None and backend.continues_answer else ""
    return ([*prompt, Message("assistant", start)], start) if start else (prompt, "")


def begun(start: str, items: Iterator[StreamItem]) -> Iterator[StreamItem]:
    """A model's stream after ``begin_answer``: the start said first, and in the Completion."""
    if start:
        yield Delta(text=start)
    for item in items:
        yield replace(item, text=start + item.text) if start and isinstance(item, Completion) else item


SUMMARY_PROMPT = (
    "Update the running summary of a conversation with the new turns below. Keep every fact the "
    "user stated (names, preferences, numbers, dates, decisions) and open questions. At most 150 "
    "words, same language as the conversation.\n\nCurrent summary:\n{summary}\n\nNew turns:\n{turns}"
)


def fold_into_summary(backend: Backend, summary: str, turns: list[Message]) -> str:
    """Fold older turns into the rolling summary with one model call."""
    text = "\n".join(f"{m.role}: {m.content[:1500]}" for m in turns)
    prompt = SUMMARY_PROMPT.format(summary=summary or "(none)", turns=text)
    done = backend.chat([Message("user", prompt)], max_tokens=300, temperature=0.0)
    return done.text.strip() or summary


def assemble(
    system: str, recall: Recall | None, summary: str, history: list[Message]
) -> list[Message]:
    """The prompt, most stable part first so llama.cpp's prompt cache reuses the prefix."""
    parts = [system]
    if summary:
        parts.append(f"Summary of the earlier conversation:\n{summary}")
    if recall and recall.text:
        parts.append(recall.text)
    return [Message("system", "\n\n".join(parts)), *history]
