"""拍照讲题 — homework help: a photo or a typed problem → the problem text → program-of-thought
(the model writes Python, the sandbox runs it) → a checked answer → a step-by-step explanation
at the student's level, in the student's language.

Checking is self-consistency between *independent* programs: two prompts that differ in their
worked example and style each write a program; when their results agree the answer counts as
verified. When they disagree a third, sampled program breaks the tie, and the answer is marked
unverified unless two programs agree. The student is told plainly when an answer is unverified.

May import: errors, messages, models, skills.sandbox/answers/lang, media.ocr (lazily).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from banshi.config import Settings, get_settings
from banshi.errors import InvalidInput
from banshi.messages import Completion, Delta, Message
from banshi.models.base import Backend
from banshi.skills import answers
from banshi.skills.lang import detect_language, language_name
from banshi.skills.sandbox import Limits, run_python

MAX_PROBLEM_CHARS = 4000

_SYSTEM = ("You solve math problems by writing Python. Reply with one ```python block that defines "
           "solution() and returns the final answer as a number, in the unit the question asks for. "
           "Start with comments saying what is asked and what is known. Use Fraction for exact "
           "division. No input(), no prose.")

# Each style is an independent way to write the program: its own worked example (in the problem's
# language) and its own instruction. Agreement between styles is the check.
_STYLES: dict[str, dict[str, Any]] = {
    "direct": {
        "hint": "",
        "zh": ("一块长方形菜地长50米，宽20米，它的面积是多少公顷？",
               "def solution():\n    # 求：菜地面积是多少公顷（答案单位：公顷）\n"
               "    # 已知：长50米，宽20米；1公顷 = 10000平方米\n    area_m2 = 50 * 20\n"
               "    return Fraction(area_m2, 10000)"),
        "en": ("A rope is 3 m long. Tom cuts off 40 cm twice. How many centimetres of rope are left?",
               "def solution():\n    # Asked: centimetres of rope left (answer unit: cm)\n"
               "    # Known: rope 3 m = 300 cm; two cuts of 40 cm\n    rope_cm = 3 * 100\n"
               "    return rope_cm - 2 * 40"),
    },
    "equation": {
        "hint": "Name the unknown, write the equation the problem states, and solve it with sympy.",
        "zh": ("鸡兔同笼，共有10个头，28只脚。兔有几只？",
               "def solution():\n    x = sp.symbols('x')  # 兔的只数\n    # 兔4只脚，鸡2只脚\n"
               "    eq = sp.Eq(4*x + 2*(10 - x), 28)\n    return sp.solve(eq, x)[0]"),
        "en": ("A number plus three times the number is 48. What is the number?",
               "def solution():\n    x = sp.symbols('x')  # the number\n    eq = sp.Eq(x + 3*x, 48)\n"
               "    return sp.solve(eq, x)[0]"),
    },
}

_NOTICE = {
    "zh": "注意：这个答案没有通过验证（两种独立的解法结果不一致），请自己再检查一遍。",
    "en": "Note: I could not verify this answer (two independent solutions did not agree) — please check it.",
}
_FAILED = {
    "zh": "抱歉，我没能算出这道题的答案。",
    "en": "Sorry, I could not work out an answer to this problem.",
}
_BLURRY = {
    "zh": "照片中的文字不太清楚，请核对识别出的题目是否正确。",
    "en": "The photo was hard to read: please check that the problem text above is right.",
}
LOW_OCR_CONFIDENCE = 0.8
_LEVELS = {
    "primary": ("a primary-school pupil: short sentences, no algebra unless needed", "小学生：句子简短，尽量不用方程"),
    "middle": ("a middle-school student", "初中生"),
    "high": ("a high-school student", "高中生"),
    "adult": ("an adult learner", "成年学习者"),
}


@dataclass
class Attempt:
    style: str
    program: str
    value: str | None
    ok: bool
    error: str = ""
    seconds: float = 0.0


@dataclass
class HomeworkResult:
    problem: str
    language: str
    answer: str | None
    verified: bool
    check: str  # how the answer was checked, in one line
    notice: str  # what the student is told when unverified or failed ("" when verified)
    explanation: str = ""
    program: str = ""
    attempts: list[Attempt] = field(default_factory=list)
    source: str = "text"  # "text" | "photo"
    ocr_confidence: float | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _extract_code(text: str) -> str:
    blocks = re.findall(r"```(?:python|py)?[ \t]*\n(.*?)(?:```|\Z)", text, re.S)
    code = max(blocks, key=len) if blocks else text
    return code.strip()


def _prepare(code: str) -> str:
    head = ["from fractions import Fraction", "import math"]
    if re.search(r"\bsp\.|sympy", code):
        head.append("import sympy as sp")
    return "\n".join(head) + "\n" + code + "\n"


def _messages(problem: str, style: str, lang: str) -> list[Message]:
    spec = _STYLES[style]
    shot_q, shot_code = spec["zh" if lang == "zh" else "en"]
    hint = spec["hint"] + "\n\n" if spec["hint"] else ""
    # the system prompt is the same for every style and problem: llama.cpp reuses its KV cache
    return [
        Message("system", _SYSTEM),
        Message("user", hint + shot_q),
        Message("assistant", f"```python\n{shot_code}\n```"),
        Message("user", hint + problem),
    ]


def write_and_run(backend: Backend, problem: str, style: str, lang: str, *, temperature: float = 0.0,
                  max_tokens: int = 320, limits: Limits | None = None,
                  cancel: threading.Event | None = None) -> Attempt:
    """One program-of-thought attempt: the model writes, the sandbox runs."""
    start = time.monotonic()
    done = backend.chat(_messages(problem, style, lang), max_tokens=max_tokens, temperature=temperature,
                        cancel=cancel)
    code = _extract_code(done.text)
    if "def solution" not in code and "answer" not in code:
        return Attempt(style, code, None, False, "no program in the reply", time.monotonic() - start)
    run = run_python(_prepare(code), limits or Limits())
    value = run.value if run.ok else None
    ok = run.ok and answers.parse_number(value)[0] is not None
    error = run.error if not run.ok else ("" if ok else f"not a number: {value!r}")
    return Attempt(style, code, value, ok, error, time.monotonic() - start)


def _vote(attempts: list[Attempt]) -> tuple[Attempt | None, int]:
    """The answer most attempts agree on and how many agree."""
    best, support = None, 0
    good = [a for a in attempts if a.ok]
    for a in good:
        n = sum(1 for b in good if answers.same_answer(a.value, b.value))
        if n > support:
            best, support = a, n
    return best, support


def read_photo(image: bytes, settings: Settings | None = None) -> tuple[str, float]:
    """The problem text of a photo, through the senses' OCR (``banshi.media.ocr``), with the
    lines of one paragraph joined back (no space between CJK characters)."""
    from banshi.media import ocr

    result = ocr.recognize(image, settings or get_settings())
    text = ""
    for line in (x.text.strip() for x in result.lines):
        if not line:
            continue
        cjk_join = text and (_is_cjk(text[-1]) or _is_cjk(line[0]))
        text = line if not text else text + ("" if cjk_join else " ") + line
    return text, result.confidence


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def solve_stream(backend: Backend, problem: str | None = None, *, image: bytes | None = None,
                 language: str | None = None, level: str = "primary", explain: bool = True,
                 samples: int = 3, cancel: threading.Event | None = None,
                 limits: Limits | None = None, settings: Settings | None = None) -> Iterator[dict[str, Any]]:
    """Solve step by step, yielding events: ``{"type": "stage", "stage": ...}``,
    ``{"type": "attempt", ...}``, ``{"type": "delta", "text": ...}`` (the explanation as it is
    written) and finally ``{"type": "result", "result": {...}}``."""
    start = time.monotonic()
    source, confidence = "text", None
    if image is not None:
        yield {"type": "stage", "stage": "reading"}
        problem, confidence = read_photo(image, settings)
        source = "photo"
        if not problem:
            raise InvalidInput("no text could be read from the photo")
    problem = (problem or "").strip()
    if not problem:
        raise InvalidInput("give a problem (text) or a photo of one")
    if len(problem) > MAX_PROBLEM_CHARS:
        raise InvalidInput(f"the problem is too long (over {MAX_PROBLEM_CHARS} characters)")
    lang = language or detect_language(problem)
    code_lang = "zh" if lang == "zh" else "en"

    yield {"type": "stage", "stage": "solving"}
    attempts: list[Attempt] = []
    plan = [("direct", 0.0), ("equation", 0.0)] + [("direct", 0.7), ("equation", 0.7)] * max(0, samples - 2)
    for i, (style, temp) in enumerate(plan[: max(1, samples)]):
        if cancel is not None and cancel.is_set():
            break
        if i >= 2:
            best, support = _vote(attempts)
            if support >= 2:
                break
            yield {"type": "stage", "stage": "checking"}
        attempt = write_and_run(backend, problem, style, lang, temperature=temp, limits=limits, cancel=cancel)
        attempts.append(attempt)
        yield {"type": "attempt", "attempt": asdict(attempt)}

    best, support = _vote(attempts)
    verified = support >= 2
    answer = answers.display(best.value) if best else None
    n_ok = sum(1 for a in attempts if a.ok)
    if verified:
        check = f"{support} of {len(attempts)} independent programs agree"
        notice = ""
    elif best:
        check = f"not verified: {n_ok} program(s) ran, no two agree"
        notice = _NOTICE[code_lang]
    else:
        check = "no program produced an answer"
        notice = _FAILED[code_lang]
    if source == "photo" and confidence is not None and confidence < LOW_OCR_CONFIDENCE:
        notice = (notice + " " + _BLURRY[code_lang]).strip()
    # explain from a plain-arithmetic program when one of those reached the answer (easier to follow)
    shown = next((a for a in attempts if a.ok and a.style == "direct" and best is not None
                  and answers.same_answer(a.value, best.value)), best)
    result = HomeworkResult(problem=problem, language=lang, answer=answer, verified=verified, check=check,
                            notice=notice, program=shown.program if shown else "", attempts=attempts,
                            source=source, ocr_confidence=confidence)
    if explain and best is not None and not (cancel is not None and cancel.is_set()):
        yield {"type": "stage", "stage": "explaining"}
        parts = []
        for item in backend.stream(_explain_messages(result, level), max_tokens=400, temperature=0.2,
                                   cancel=cancel):
            if isinstance(item, Delta) and item.text:
                parts.append(item.text)
                yield {"type": "delta", "text": item.text}
            elif isinstance(item, Completion):
                parts = [item.text] if item.text else parts
        result.explanation = "".join(parts).strip()
    result.seconds = time.monotonic() - start
    yield {"type": "result", "result": result.to_dict()}


def solve(backend: Backend, problem: str | None = None, **kwargs: Any) -> HomeworkResult:
    """Solve without streaming; see ``solve_stream``."""
    final: dict[str, Any] | None = None
    for event in solve_stream(backend, problem, **kwargs):
        if event["type"] == "result":
            final = event["result"]
    assert final is not None
    final["attempts"] = [Attempt(**a) for a in final["attempts"]]
    return HomeworkResult(**final)


def _explain_messages(result: HomeworkResult, level: str) -> list[Message]:
    zh = result.language == "zh"
    who = _LEVELS.get(level, (level, level))[1 if zh else 0]
    lang = language_name(result.language)
    system = (f"You are a patient math tutor. Explain in {lang} to {who}. Give at most 6 short numbered "
              f"steps, each one calculation with its numbers and what it means, then one last line with "
              f"the answer. The answer has been computed and checked already: explain how to reach it, "
              f"do not change it, do not repeat yourself.")
    if not result.verified:
        system += " The answer is not verified: say at the start that it may be wrong."
    user = (f"Problem: {result.problem}\n\nProgram used:\n```python\n{result.program}\n```\n"
            f"Answer: {result.answer}")
    return [Message("system", system), Message("user", user)]
