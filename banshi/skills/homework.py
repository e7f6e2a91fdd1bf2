"""拍照讲题 — homework help: a photo or a typed problem → the problem text → program-of-thought
(the model writes Python, the sandbox runs it) → a checked answer → a step-by-step explanation
at the student's level, in the student's language.

Checking is self-consistency between *independent* solutions: two prompts that differ in their
worked example and style each write a program; when their results agree the answer counts as
verified. When they disagree, more solutions follow (``_PLAN``: a third program style, a prose
chain of thought, then sampled programs) until one answer is backed by two and by more than any
other, or the plan or the time budget ends; without such a majority the answer is unverified, and
the student is told so plainly. Facts of school arithmetic (discounts, trees at both ends, stairs
between floors, percent more/less...) are added to the request when the problem's words call
for them (``knowledge``).

Each program is checked against what the question asks for (``asked``): a count must be a whole
number, nothing is negative unless the problem speaks of negatives, the program must use the
problem's numbers (a small model sometimes hands back its worked example). A program that fails,
returns no number or breaks one of these is shown its problem once and fixed (``write_and_run``).
When the question's words say which way a count is made whole (至少要几辆车, how many are
needed: up, 进一法; 最多能买几个, how many can she buy: down, 去尾法), the request carries that
rule and a fractional count is rounded so before the vote, with no repair.

A small model copies the shape of the example it is shown: the direct and steps styles show the
worked example of the problem's kind when its words name one (``worked_examples``: 相遇, 圆锥,
打八折 …), their own fixed example otherwise.

May import: errors, messages, models, skills.sandbox/answers/lang/school_facts/worked_examples,
media.ocr (lazily).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from banshi.config import Settings, get_settings
from banshi.errors import InvalidInput
from banshi.messages import Completion, Delta, Message
from banshi.models.base import Backend
from banshi.skills import answers
from banshi.skills.lang import detect_language, language_name
from banshi.skills.sandbox import Limits, run_python
from banshi.skills.school_facts import COUNT_WORDS, EN_COUNT, EN_MEASURE, facts_for, read_quantities, rounding
from banshi.skills.worked_examples import nearest

MAX_PROBLEM_CHARS = 4000

_SYSTEM = (
    "You solve math problems by writing Python. Reply with one short ```python block (at most 15 "
    "lines) that defines solution() and returns the final answer as a number, in the unit the question "
    "asks for. Start with comments saying what is asked and what is known. Use Fraction for exact "
    "division. Use sympy only to solve an equation. No input(), no print(), no prose."
)

# Each style is an independent way to write the program: its own worked example (in the problem's
# language) and its own instruction. Agreement between styles is the check. The styles marked
# "like" show instead the example of the problem's kind (``worked_examples``) when the problem's
# words name a kind; the equation style keeps its own, so the first two programs never share one.
_STYLES: dict[str, dict[str, Any]] = {
    "direct": {
        "hint": "",
        "like": True,
        "zh": (
            "一块长方形菜地长50米，宽20米，它的面积是多少公顷？",
            "def solution():\n    # 求：菜地面积是多少公顷（答案单位：公顷）\n"
            "    # 已知：长50米，宽20米；1公顷 = 10000平方米\n    area_m2 = 50 * 20\n"
            "    return Fraction(area_m2, 10000)",
        ),
        "en": (
            "A rope is 3 m long. Tom cuts off 40 cm twice. How many centimetres of rope are left?",
            "def solution():\n    # Asked: centimetres of rope left (answer unit: cm)\n"
            "    # Known: rope 3 m = 300 cm; two cuts of 40 cm\n    rope_cm = 3 * 100\n"
            "    return rope_cm - 2 * 40",
        ),
    },
    "equation": {
        "hint": "Name the unknown, write the equation the problem states, and solve it with sympy.",
        "zh": (
            "鸡兔同笼，共有10个头，28只脚。兔有几只？",
            "def solution():\n    x = sp.symbols('x')  # 兔的只数\n    # 兔4只脚，鸡2只脚\n"
            "    eq = sp.Eq(4*x + 2*(10 - x), 28)\n    return sp.solve(eq, x)[0]",
        ),
        "en": (
            "A number plus three times the number is 48. What is the number?",
            "def solution():\n    x = sp.symbols('x')  # the number\n    eq = sp.Eq(x + 3*x, 48)\n"
            "    return sp.solve(eq, x)[0]",
        ),
    },
    "steps": {
        "hint": "Give each quantity a name and compute it in its own line, step by step.",
        "like": True,
        "zh": (
            "一件衣服打八折后卖240元，比原价便宜了多少元？",
            "def solution():\n    # 求：比原价便宜了多少元（答案单位：元）\n"
            "    # 已知：现价240元；打八折：现价 = 原价 × 0.8\n    now = 240\n"
            "    before = Fraction(now) / Fraction(8, 10)  # 原价\n    return before - now",
        ),
        "en": (
            "A shop sold 120 shirts in May. In June it sold 25% more than in May. How many shirts did it "
            "sell in the two months altogether?",
            "def solution():\n    # Asked: shirts sold in May and June together\n"
            "    # Known: May 120; June is 25% more than May\n    may = 120\n"
            "    june = may * (1 + Fraction(25, 100))\n    return may + june",
        ),
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


# What the question asks for, read from its words: a count of things (a whole number), a
# percentage, a fraction, or an amount in a named unit. It becomes a hint in the request and a
# check of the program's result (a count of 27/4 notebooks is sent back to be fixed).
_ZH_COUNT = re.compile(r"(?:几|多少)(?:" + COUNT_WORDS + r")")
_ZH_PERCENT = re.compile(r"百分之几|百分率|百分比|百分数|率(?:是|为)?(?:多少|几)")
_ZH_FRACTION = re.compile(r"几分之几")
_ZH_UNITS = (
    "平方千米",
    "平方公里",
    "平方米",
    "平方分米",
    "平方厘米",
    "立方米",
    "立方分米",
    "立方厘米",
    "公顷",
    "千米",
    "公里",
    "分米",
    "厘米",
    "毫米",
    "米",
    "吨",
    "千克",
    "公斤",
    "克",
    "毫升",
    "升",
    "元",
    "小时",
    "分钟",
    "秒",
    "天",
    "周",
    "年",
    "岁",
)
_ZH_UNIT = re.compile(r"(?:多少|几)(" + "|".join(_ZH_UNITS) + r")")
_EN_PERCENT = re.compile(r"\bwhat (?:percent|percentage)\b|\bhow many percent\b|\bpercentage of\b", re.I)
_EN_UNIT = re.compile(r"\bhow (?:many|much)(?: more| fewer| less| total)? (" + EN_MEASURE + r")\b", re.I)


@dataclass
class Asked:
    count: bool = False  # a number of things: a whole number, not negative
    percent: bool = False
    fraction: bool = False
    unit: str = ""
    fractions_given: bool = False  # the problem itself writes fractions (3/4, 四分之三)
    negative_ok: bool = False  # the problem speaks of negative numbers (−5, 零下, below zero)
    rounding: str = ""  # a whole count rounded "up" (至少要几辆车) or "down" (最多能买几个); "" = no direction


def asked(problem: str) -> Asked:
    """What the question asks for (see above); the last sentence with a question word decides."""
    zh = _ZH_UNIT.findall(problem)
    en = _EN_UNIT.findall(problem)
    unit = zh[-1] if zh else (en[-1].lower() if en else "")
    percent = bool(_ZH_PERCENT.search(problem) or _EN_PERCENT.search(problem))
    fraction = bool(_ZH_FRACTION.search(problem))
    count = bool(_ZH_COUNT.search(problem) or EN_COUNT.search(problem)) and not (percent or fraction or unit)
    given = bool(re.search(r"\d\s*/\s*\d|分之", problem))
    negative_ok = bool(re.search(r"[-−]\s*\d|负|零下|below zero|negative|minus|debt|loss|lost money", problem, re.I))
    way = "" if percent or fraction else rounding(problem, "zh" if re.search(r"[\u4e00-\u9fff]", problem) else "en")
    return Asked(
        count=count or bool(way),
        percent=percent,
        fraction=fraction,
        unit=unit,
        fractions_given=given,
        negative_ok=negative_ok,
        rounding=way,
    )


def knowledge(problem: str, lang: str) -> list[str]:
    """The school-arithmetic facts (``school_facts``) the problem's words call for, in its language."""
    return facts_for(problem, lang)


def _hint(want: Asked, lang: str) -> str:
    zh = lang == "zh"
    if want.percent:
        return (
            "（问的是百分之几：返回比值，例如 Fraction(3, 25) 表示 12%）"
            if zh
            else "(A percentage is asked: return the ratio, e.g. Fraction(3, 25) for 12%.)"
        )
    if want.fraction:
        return "（问的是几分之几：返回一个 Fraction）" if zh else ""
    if want.unit:
        return f"（答案的单位：{want.unit}，先把已知量换算成同一单位）" if zh else f"(Answer in {want.unit}.)"
    if want.count:
        return "（答案是整数）" if zh else "(The answer is a whole number.)"
    return ""


def _request_hint(problem: str, want: Asked, lang: str) -> str:
    """The lines added after the problem: the facts that apply, then what the answer should be."""
    facts = knowledge(problem, lang)
    lines = [("提示：" if lang == "zh" else "Note: ") + " ".join(facts)] if facts else []
    asked_hint = _hint(want, lang)
    return "\n".join(lines + ([asked_hint] if asked_hint else []))


_FIX = {
    "zh": {
        "error": "程序运行出错：{}",
        "empty": "sp.solve 没有找到解，方程列错了：只设一个未知数，把同一个量（总数、路程……）用两种方法表示，"
        "让两个式子相等，列一个方程。",
        "none": "solution() 没有返回答案。",
        "nan": "solution() 返回的不是一个数：{}",
        "whole": "题目问的是个数，答案应该是整数，程序却算出 {}。想一想余数应该舍去还是进一。",
        "negative": "题目里没有负数，答案却是负数 {}：检查减法的先后。",
        "copy": "这个程序没有用到这道题的数，是例题的程序。请为这道题写程序。",
        "tail": "请重新读题，改正程序。只回复一个 ```python 代码块。",
    },
    "en": {
        "error": "The program failed: {}",
        "empty": "sp.solve found no solution: the equation is wrong. Use one unknown and write the same "
        "quantity (a total, a distance...) in two ways set equal: one equation.",
        "none": "solution() returned nothing.",
        "nan": "solution() did not return a number: {}",
        "whole": "The question asks for a number of things, a whole number, but the program gave {}. "
        "Think whether a remainder is dropped or needs one more.",
        "negative": "The answer {} is negative though the problem has no negative numbers: check the order "
        "of the subtractions.",
        "copy": "That program does not use this problem's numbers: it is the worked example's. Write one for "
        "this problem.",
        "tail": "Read the problem again and fix the program. Reply with one ```python block only.",
    },
}


def _problem_with_result(value: str | None, error: str, code: str, want: Asked, lang: str) -> str:
    """What is wrong with a program's run, said to the model so that it can fix it ("" when nothing)."""
    fix = _FIX[lang]
    if error:
        if "IndexError" in error and "solve" in code:
            return fix["empty"]
        return fix["error"].format(error)
    number, _ = answers.parse_number(value)
    if value is None:
        return fix["none"]
    if value.strip() in ("[]", "{}"):  # sp.solve of equations that contradict each other
        return fix["empty"]
    if number is None:
        return fix["nan"].format(value[:80])
    if want.count and abs(number - round(number)) > 1e-6:
        return fix["whole"].format(answers.display(value))
    if number < 0 and not want.negative_ok:
        return fix["negative"].format(answers.display(value))
    return ""


def _numbers(text: str) -> set[str]:
    """The significant digits of the numbers written: 12, 0.12 and 1200 all give "12" (a program may
    write 12% as 0.12, or 3 km as 3000)."""
    digits = (n.replace(".", "").strip("0") for n in re.findall(r"\d+(?:\.\d+)?", text))
    return {d for d in digits if d}


def _code_only(code: str) -> str:
    """The code without comments, imports and white space (for comparing two programs)."""
    code = re.sub(r"^\s*(?:from\s+\S+\s+)?import\s[^\n]*", "", code, flags=re.M)
    return re.sub(r"\s+", "", re.sub(r"#[^\n]*", "", code))


def _off_problem(code: str, problem: str, shot_code: str) -> bool:
    """A small model sometimes answers with the worked example's program: the same code, or a
    program using none of the problem's numbers although the problem writes two or more. Its
    comments count: the model sometimes works the numbers out there and returns the result (a
    right ``return 4`` after "16 ÷ 4 = 4" was refused as a copy), and a copy's comments carry the
    example's numbers, not the problem's."""
    if _code_only(code) == _code_only(shot_code):
        return True
    given = _numbers(problem)
    return len(given) >= 2 and not (given & _numbers(code))


def _normalise(value: str, want: Asked) -> str:
    """The result in the form the question asks for: ``0.12`` → ``12%`` when a percentage is
    asked, ``0.75`` → ``3/4`` when a fraction is, ``-31`` → ``31`` when nothing can be negative."""
    number, percent = answers.parse_number(value)
    if number is not None and number < 0 and not want.negative_ok and value.lstrip().startswith("-"):
        # still negative after the fix though the problem has no negatives: a subtraction the wrong
        # way round (总数 − (甲 + 乙) for 甲 + 乙 − 总数), whose size is the answer
        value, number = value.lstrip()[1:], -number
    if number is None or percent:
        return value
    if want.percent:
        pct = number * 100 if abs(number) <= 1 else number
        return f"{answers.display(repr(round(pct, 6)))}%"
    if want.fraction and "/" not in value:
        frac = Fraction(number).limit_denominator(1000)
        if frac.denominator > 1 and abs(float(frac) - number) < 1e-6:
            return f"{frac.numerator}/{frac.denominator}"
    if "/" in value and not (want.fraction or want.fractions_given):
        # 143/50 tons reads better as 2.86 when the problem is in decimals
        frac = Fraction(number).limit_denominator(10**6)
        den = frac.denominator
        while den % 2 == 0:
            den //= 2
        while den % 5 == 0:
            den //= 5
        if den == 1 and frac.denominator <= 10_000:
            return f"{number:.4f}".rstrip("0").rstrip(".")
    return value


@dataclass
class Attempt:
    style: str
    program: str
    value: str | None
    ok: bool
    error: str = ""
    seconds: float = 0.0
    repaired: bool = False  # the program was fixed once after the model was shown what went wrong


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
    return _as_function(code.strip())


def _as_function(code: str) -> str:
    """A script that ends in a top-level ``return`` (the model sometimes leaves out ``def
    solution():``) becomes the body of ``solution()``; anything else is kept as written."""
    if re.search(r"^def solution", code, re.M) or not re.search(r"^return\b", code, re.M):
        return code
    return "def solution():\n" + "\n".join(f"    {line}" if line.strip() else "" for line in code.splitlines())


# Fraction(4.36, 100), Fraction(0.1) and Fraction(a sympy Float) are common in model code: a float
# becomes the decimal it was written as (Fraction(0.1) == 1/10), not its binary expansion or a TypeError.
_FRACTION = """from fractions import Fraction as _Fraction
import decimal as _decimal, numbers as _numbers
def _exact(x):
    if isinstance(x, (str, _numbers.Rational, _decimal.Decimal)) or not hasattr(x, "__float__"):
        return x
    return _Fraction(repr(float(x)))  # a float, a numpy or sympy Float
class Fraction(_Fraction):
    def __new__(cls, numerator=0, denominator=None):
        numerator, denominator = _exact(numerator), _exact(denominator)
        if denominator is None:
            return super().__new__(cls, numerator)
        return super().__new__(cls, _Fraction(numerator) / _Fraction(denominator))"""


def _prepare(code: str) -> str:
    head = [_FRACTION, "import math"]
    if re.search(r"\bsp\.|sympy", code):
        head.append("import sympy as sp")
    # sympy names used bare without their import (a NameError otherwise)
    bare = sorted(set(re.findall(r"(?<![\w.])(Rational|symbols|Symbol|Eq|solve|nsimplify)\(", code)))
    if bare:
        head.append("from sympy import " + ", ".join(bare))
    # math functions used bare (ceil(...) for "at least how many boxes") are a NameError otherwise
    bare_math = sorted(set(re.findall(r"(?<![\w.])(ceil|floor|sqrt|gcd|lcm|factorial|comb|isqrt)\(", code)))
    if bare_math:
        head.append("from math import " + ", ".join(bare_math))
    return "\n".join(head) + "\n" + code + "\n"


def _shot(problem: str, style: str, lang: str) -> tuple[str, str]:
    """The worked example a style shows for this problem: (its problem, its program)."""
    spec = _STYLES[style]
    like = nearest(problem, lang) if spec.get("like") else None
    return (like.problem, like.program) if like else spec["zh" if lang == "zh" else "en"]


def _messages(problem: str, style: str, shot: tuple[str, str], hint: str = "") -> list[Message]:
    spec = _STYLES[style]
    shot_q, shot_code = shot
    lead = spec["hint"] + "\n\n" if spec["hint"] else ""
    # the system prompt is the same for every style and problem: llama.cpp reuses its KV cache
    return [
        Message("system", _SYSTEM),
        Message("user", lead + shot_q),
        Message("assistant", f"```python\n{shot_code}\n```"),
        Message("user", lead + problem + ("\n" + hint if hint else "")),
    ]


def write_and_run(
    backend: Backend,
    problem: str,
    style: str,
    lang: str,
    *,
    temperature: float = 0.0,
    max_tokens: int = 360,
    limits: Limits | None = None,
    repair: bool = True,
    cancel: threading.Event | None = None,
) -> Attempt:
    """One program-of-thought attempt: the model writes, the sandbox runs. When the program fails,
    returns no number, or a result the question rules out (a fractional count), the model is shown
    what went wrong once and its fixed program is run instead."""
    start = time.monotonic()
    code_lang = "zh" if lang == "zh" else "en"
    want = asked(problem)
    shot = _shot(problem, style, code_lang)  # the worked example shown, once for the request and the copy check
    messages = _messages(problem, style, shot, _request_hint(problem, want, code_lang))
    code, value, error, problem_text = "", None, "", ""
    for round_ in range(2 if repair else 1):
        if round_:
            if cancel is not None and cancel.is_set():
                break
            if problem_text == _FIX[code_lang]["copy"]:  # asked afresh, without the example it copied
                messages = [messages[0], Message("user", messages[-1].content)]
            else:
                messages += [
                    Message("assistant", f"```python\n{code}\n```"),
                    Message("user", problem_text + "\n" + _FIX[code_lang]["tail"]),
                ]
        done = backend.chat(messages, max_tokens=max_tokens, temperature=temperature, cancel=cancel)
        code = _extract_code(done.text)
        if not re.search(r"def solution|\banswer\b|print\(", code):
            value, error = None, "no program in the reply"
            problem_text = _FIX[code_lang]["none"]
            continue
        if _off_problem(code, problem, shot[1]):
            value, error = None, "the program does not use the problem's numbers (a copy of the worked example?)"
            problem_text = _FIX[code_lang]["copy"]
            continue
        run = run_python(_prepare(code), limits or Limits())
        value, error = (answers.to_whole(run.value, want.rounding), "") if run.ok else (None, run.error or "failed")
        problem_text = _problem_with_result(value, error, code, want, code_lang)
        # a count that stays fractional after the fix is kept: the question may have been misread
        usable = not error and answers.parse_number(value)[0] is not None
        if not problem_text or (usable and (round_ or not repair)):
            value = _normalise(value or "", want)
            return Attempt(style, code, value, True, "", time.monotonic() - start, repaired=bool(round_))
    if not error:
        error = f"not a number: {value!r}"
    return Attempt(style, code, None, False, error, time.monotonic() - start, repaired=repair)


_PROSE = {
    "zh": (
        "你是细心的数学老师。一步一步地解这道题：每行一步，写出算式和结果。最后单独一行写“答案：”和一个数（不带单位）。"
    ),
    "en": (
        "You are a careful math teacher. Solve the problem step by step: one short line per step with its "
        "calculation and result. End with one line 'Answer: ' and a single number (no unit)."
    ),
}
_PROSE_ANSWER = re.compile(r"(?:答案|答|Answer|answer)\s*(?:是|为|is)?\s*[:：]?\s*([^\n]*)")


def reason_in_prose(
    backend: Backend,
    problem: str,
    lang: str,
    *,
    temperature: float = 0.0,
    max_tokens: int = 420,
    cancel: threading.Event | None = None,
) -> Attempt:
    """A natural-language chain of thought, one more independent voter: it errs differently from the
    programs (no formula copied from a worked example, no code bug). Its answer passes the same
    checks as a program's result; it is never repaired."""
    start = time.monotonic()
    code_lang = "zh" if lang == "zh" else "en"
    want = asked(problem)
    hint = _request_hint(problem, want, code_lang)
    done = backend.chat(
        [Message("system", _PROSE[code_lang]), Message("user", problem + ("\n" + hint if hint else ""))],
        max_tokens=max_tokens,
        temperature=temperature,
        cancel=cancel,
    )
    text = done.text.strip()
    found = list(_PROSE_ANSWER.finditer(text))
    line = found[-1].group(1) if found else ""
    boxed = re.findall(r"\\boxed\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}", text)  # Qwen's habit from its training
    if boxed:
        line = boxed[-1].replace("\\%", "%")
        frac = re.fullmatch(r"\s*\\d?frac\{(\d+)\}\{(\d+)\}\s*", line)
        line = f"{frac.group(1)}/{frac.group(2)}" if frac else line
    if found and answers.last_number(line) is None:  # "Answer:" with the number on the next line
        line = text[found[-1].end() :].strip().split("\n", 1)[0]
    number = answers.last_number(line)
    percent = re.search(r"\d\s*[%％]", line) is not None
    if number is None:
        return Attempt("prose", text, None, False, "no answer line in the reasoning", time.monotonic() - start)
    value = f"{number:g}%" if percent else (str(int(number)) if number == int(number) else repr(number))
    value = answers.to_whole(value, want.rounding) or value
    wrong = _problem_with_result(value, "", "", want, code_lang)
    if wrong:
        return Attempt("prose", text, None, False, wrong, time.monotonic() - start)
    return Attempt("prose", text, _normalise(value, want), True, "", time.monotonic() - start)


def _tally(attempts: list[Attempt]) -> list[tuple[Attempt, int]]:
    """Each distinct answer (its first attempt) with how many *different* programs reach it, most
    first. Two styles shown the same worked example sometimes write the same program word for word:
    that is one solution, not a check (two copies of 380 × 1.6 ÷ (116 + 380) had "verified" 38/31)."""
    groups: list[tuple[Attempt, set[str]]] = []
    for a in (a for a in attempts if a.ok):
        same = next((programs for first, programs in groups if answers.same_answer(first.value, a.value)), None)
        if same is None:
            groups.append((a, {_code_only(a.program)}))
        else:
            same.add(_code_only(a.program))
    return sorted(((first, len(programs)) for first, programs in groups), key=lambda g: -g[1])


def _vote(attempts: list[Attempt]) -> tuple[Attempt | None, int, int]:
    """The answer most attempts agree on, how many agree, and how many back the runner-up."""
    groups = _tally(attempts)
    if not groups:
        return None, 0, 0
    return groups[0][0], groups[0][1], groups[1][1] if len(groups) > 1 else 0


# The order in which solutions are tried: two programs of different styles; when they disagree,
# a third style, a prose chain of thought, then sampled programs, until one answer is backed by
# two and by more than any other, or the plan or the time budget runs out.
_PLAN: list[tuple[str, float]] = [
    ("direct", 0.0),
    ("equation", 0.0),
    ("steps", 0.0),
    ("prose", 0.0),
    ("direct", 0.7),
    ("steps", 0.7),
    ("equation", 0.7),
    ("prose", 0.7),
]
DEFAULT_SAMPLES = 6
DEFAULT_BUDGET_S = 45.0  # no new attempt starts after this; a student is waiting


def read_photo(image: bytes, settings: Settings | None = None) -> tuple[str, float]:
    """The problem text of a photo, through the senses' OCR (``banshi.media.ocr``), with the
    lines of one paragraph joined back (no space between CJK characters)."""
    from banshi.media import ocr

    result = ocr.recognize(image, settings or get_settings())
    return ocr.clean_text(ocr.joined_text(result)), result.confidence


def solve_stream(
    backend: Backend,
    problem: str | None = None,
    *,
    image: bytes | None = None,
    language: str | None = None,
    level: str = "primary",
    explain: bool = True,
    samples: int = DEFAULT_SAMPLES,
    budget_s: float | None = DEFAULT_BUDGET_S,
    cancel: threading.Event | None = None,
    limits: Limits | None = None,
    settings: Settings | None = None,
) -> Iterator[dict[str, Any]]:
    """Solve step by step, yielding events: ``{"type": "stage", "stage": ...}``, for a photo
    ``{"type": "read", "problem": ..., "confidence": ...}`` (the text read),
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
        yield {"type": "read", "problem": problem, "confidence": confidence}
    problem = (problem or "").strip()
    if not problem:
        raise InvalidInput("give a problem (text) or a photo of one")
    if len(problem) > MAX_PROBLEM_CHARS:
        raise InvalidInput(f"the problem is too long (over {MAX_PROBLEM_CHARS} characters)")
    lang = language or detect_language(problem)
    code_lang = "zh" if lang == "zh" else "en"
    # the model gets the quantities in digits (五楼 → 5楼, 三分之一 → 1/3), typed or read from a photo
    given = read_quantities(problem)

    yield {"type": "stage", "stage": "solving"}
    attempts: list[Attempt] = []
    for i, (style, temp) in enumerate(_PLAN[: max(1, samples)]):
        if cancel is not None and cancel.is_set():
            break
        if i >= 2:
            best, support, runner_up = _vote(attempts)
            if support >= 2 and support > runner_up:
                break
            # one tie-breaker always runs; after the budget, more only while no solution has an answer
            if i >= 3 and budget_s and time.monotonic() - start > budget_s and best is not None:
                break
            yield {"type": "stage", "stage": "checking"}
        if style == "prose":
            attempt = reason_in_prose(backend, given, lang, temperature=temp, cancel=cancel)
        else:
            attempt = write_and_run(backend, given, style, lang, temperature=temp, limits=limits, cancel=cancel)
        attempts.append(attempt)
        yield {"type": "attempt", "attempt": asdict(attempt)}

    best, support, runner_up = _vote(attempts)
    verified = support >= 2 and support > runner_up
    answer = answers.display(best.value) if best else None
    n_ok = sum(1 for a in attempts if a.ok)
    if verified:
        check = f"{support} of {len(attempts)} independent solutions agree"
        notice = ""
    elif best:
        check = f"not verified: {n_ok} solution(s) gave an answer, no answer has a majority of two or more"
        notice = _NOTICE[code_lang]
    else:
        check = "no program produced an answer"
        notice = _FAILED[code_lang]
    if source == "photo" and confidence is not None and confidence < LOW_OCR_CONFIDENCE:
        notice = (notice + " " + _BLURRY[code_lang]).strip()
    # explain from a plain-arithmetic program when one of those reached the answer (easier to follow)
    agreeing = [a for a in attempts if a.ok and best is not None and answers.same_answer(a.value, best.value)]
    shown = next((a for a in agreeing if a.style == "direct"), next((a for a in agreeing if a.style != "prose"), best))
    result = HomeworkResult(
        problem=problem,
        language=lang,
        answer=answer,
        verified=verified,
        check=check,
        notice=notice,
        program=shown.program if shown else "",
        attempts=attempts,
        source=source,
        ocr_confidence=confidence,
    )
    if explain and best is not None and not (cancel is not None and cancel.is_set()):
        yield {"type": "stage", "stage": "explaining"}
        parts = []
        for item in backend.stream(_explain_messages(result, level), max_tokens=400, temperature=0.2, cancel=cancel):
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


_ANSWER_LINE = {
    "zh": ("答案：{answer}（已验算：{n} 个独立的解法得出同一个答案）", "答案：{answer}"),
    "en": ("Answer: {answer} (checked: {n} independent solutions agree)", "Answer: {answer}"),
}
_READ = {"zh": "题目（从照片读到）：", "en": "The problem, as read from the photo: "}


def chat_stream(
    backend: Backend,
    problem: str | None,
    fallback: Callable[[], Iterator[Delta | Completion]] | None,
    *,
    image: bytes | None = None,
    cancel: threading.Event | None = None,
    settings: Settings | None = None,
) -> Iterator[Delta | Completion | dict[str, Any]]:
    """The solver as a chat answer: ``{"type": "skill", "skill": "homework", "stage": ...}``
    while it works, for a photo the problem read from it, the explanation as text, a last line
    with the answer and whether it was checked (the notice when not), ``{"type": "skill", ...,
    "result": {...}}``, then a Completion. When no solution gives an answer, the result
    (``answer`` None) and then the ``fallback`` stream (the model's own answer; without one,
    that no answer was found) follow instead."""
    parts: list[str] = []

    def say(text: str) -> Delta:
        parts.append(text)
        return Delta(text=text)

    result: dict[str, Any] | None = None
    for event in solve_stream(backend, problem, image=image, cancel=cancel, settings=settings):
        if event["type"] == "stage":
            yield {"type": "skill", "skill": "homework", "stage": event["stage"]}
        elif event["type"] == "read":
            yield say(_READ[_code_lang(event["problem"])] + event["problem"] + "\n\n")
        elif event["type"] == "delta":
            yield say(event["text"])
        elif event["type"] == "result":
            result = event["result"]
    if cancel is not None and cancel.is_set():
        yield Completion(text="".join(parts), finish_reason="cancelled")
        return
    shown = ("answer", "verified", "check", "notice", "program", "seconds")
    if result is None or result["answer"] is None:
        yield {"type": "skill", "skill": "homework", "result": {k: (result or {}).get(k) for k in shown}}
        if fallback is not None:
            yield from fallback()
            return
        yield say(_FAILED[_code_lang(problem or "".join(parts))])
    else:
        checked, plain = _ANSWER_LINE["zh" if result["language"] == "zh" else "en"]
        agree = sum(1 for a in result["attempts"] if a["ok"] and answers.same_answer(a["value"], result["answer"]))
        line = (checked.format(answer=result["answer"], n=agree) if result["verified"]
                else "\n".join((plain.format(answer=result["answer"]), result["notice"])))
        yield say(("\n\n" if result["explanation"] else "") + line)
        yield {"type": "skill", "skill": "homework", "result": {k: result[k] for k in shown}}
    yield Completion(text="".join(parts), finish_reason="stop")


def _code_lang(text: str) -> str:
    return "zh" if detect_language(text) == "zh" else "en"


def _explain_messages(result: HomeworkResult, level: str) -> list[Message]:
    zh = result.language == "zh"
    who = _LEVELS.get(level, (level, level))[1 if zh else 0]
    lang = language_name(result.language)
    system = (
        f"You are a patient math tutor. Explain in {lang} to {who}. Give at most 6 short numbered "
        f"steps, each one calculation with its numbers and what it means, then one last line with "
        f"the answer. The answer has been computed and checked already: explain how to reach it, "
        f"do not change it, do not repeat yourself."
    )
    if not result.verified:
        system += " The answer is not verified: say at the start that it may be wrong."
    prose = any(a.style == "prose" and a.program == result.program for a in result.attempts)
    shown = f"Worked solution:\n{result.program}\n" if prose else f"Program used:\n```python\n{result.program}\n```\n"
    user = f"Problem: {result.problem}\n\n{shown}Answer: {result.answer}"
    return [Message("system", system), Message("user", user)]
