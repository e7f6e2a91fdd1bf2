"""Reading and comparing answers: numbers, fractions (``3/4``, ``((3)/(4))``), mixed numbers
(``857((1)/(7))``, ``2又1/3``), percentages, thousands separators, "约"/"about" and a unit after
the number (``12元``, ``3.5 km``). Never ``eval``s anything: the
text may come from a model."""

from __future__ import annotations

import math
import re
from fractions import Fraction

_NUM = r"-?\d+(?:\.\d+)?"
_FRAC_PARENS = re.compile(r"\(\((" + _NUM + r")\)/\((" + _NUM + r")\)\)")
_MIXED = re.compile(r"^(-?\d+)\s*(?:又|and|\s)\s*(\d+)\s*/\s*(\d+)$")
_SIMPLE = re.compile(r"^(" + _NUM + r")(?:\s*/\s*(" + _NUM + r"))?$")


def _to_number(s: str) -> float | None:
    m = _SIMPLE.match(s)
    if m:
        num = Fraction(m.group(1))
        if m.group(2) is not None:
            den = Fraction(m.group(2))
            if den == 0:
                return None
            num /= den
        return float(num)
    m = _MIXED.match(s)
    if m:
        whole, n, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if d == 0:
            return None
        frac = Fraction(n, d)
        return float(whole - frac if whole < 0 else whole + frac)
    return None


def parse_number(text: str | None) -> tuple[float | None, bool]:
    """``(value, is_percent)`` of an answer written alone, or ``(None, False)``."""
    if text is None:
        return None, False
    s = str(text).strip().replace(",", "").replace("，", "").replace("−", "-").replace("＄", "")
    s = s.strip("$¥￥€£ ").rstrip("。").removesuffix(".")
    # "约3.5", "≈ 3.5", "about 3.5"; a unit written after the number ("12 元", "3.5 km", "25 %")
    s = re.sub(r"^(?:大约|约|≈|~|about|approximately)\s*", "", s, flags=re.I)
    m = re.fullmatch(r"(.*?\d\)?)\s*([\u4e00-\u9fff]{1,4}|[A-Za-z]{1,12}\.?)", s)
    if m:
        s = m.group(1)
    s = re.sub(r"\s+([%％])$", r"\1", s)
    # "((8)/(5))" and "857((1)/(7))"
    m = re.fullmatch(r"(-?\d+)?" + _FRAC_PARENS.pattern, s)
    if m:
        whole = int(m.group(1)) if m.group(1) else 0
        den = Fraction(m.group(3))
        if den == 0:
            return None, False
        frac = Fraction(m.group(2)) / den
        return float(whole + frac), False
    percent = s.endswith(("%", "％"))
    if percent:
        s = s[:-1].strip()
    # a one-element list/tuple/set as a program may return it
    if len(s) > 2 and s[0] in "[({" and s[-1] in "])}":
        inner = s[1:-1].strip().rstrip(",")
        if "," not in inner:
            s = inner.split(":", 1)[1].strip() if inner.count(":") == 1 else inner
    value = _to_number(s)
    return value, percent and value is not None


def last_number(text: str) -> float | None:
    """The last number written in free text (a model's prose answer)."""
    found = re.findall(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?", text or "")
    for raw in reversed(found):
        value, _ = parse_number(raw)
        if value is not None:
            return value
    return None


def close(a: float, b: float) -> bool:
    if math.isclose(a, b, rel_tol=1e-4, abs_tol=1e-6):
        return True
    # a rounded answer (2 decimal places) against an exact one
    return abs(a - b) <= 0.005 + 1e-9 and (round(a, 2) == round(b, 2))


def candidates(text: str | None) -> list[float]:
    """The values an answer may mean: ``25%`` is 25 or 0.25."""
    value, percent = parse_number(text)
    if value is None:
        return []
    return [value, value / 100] if percent else [value]


def same_answer(a: str | None, b: str | None) -> bool:
    """Do two answers agree? Numbers with a tolerance, else normalised text."""
    ca, cb = candidates(a), candidates(b)
    if ca and cb:
        return any(close(x, y) for x in ca for y in cb)
    if a is None or b is None or ca or cb:
        return False
    norm = lambda s: re.sub(r"\s+", "", s).lower()  # noqa: E731
    return norm(a) == norm(b) and bool(norm(a))


def display(value: str | None) -> str | None:
    """A readable form of a program's result: ``2.0`` → ``2``, ``0.333…`` → ``0.3333``,
    ``1/3`` stays ``1/3``."""
    if value is None:
        return None
    s = value.strip()
    number, percent = parse_number(s)
    if number is None or percent or "/" in s:
        return s
    if abs(number - round(number)) < 1e-9:
        return str(int(round(number)))
    if re.fullmatch(r"-?\d+\.\d{5,}", s):
        return f"{number:.4f}".rstrip("0").rstrip(".")
    return s


def to_whole(value: str | None, way: str) -> str | None:
    """A count the situation asks whole, rounded ``"up"`` (进一法: 7.44 trucks → 8) or ``"down"``
    (去尾法: 10/3 hours → 3). A whole number (also ``7.0000001``, float noise), a percentage,
    anything not a number, or no direction: unchanged."""
    number, percent = parse_number(value)
    if value is None or number is None or percent or way not in ("up", "down"):
        return value
    if math.isclose(number, round(number), rel_tol=1e-9, abs_tol=1e-6):
        return value
    return str(math.ceil(number) if way == "up" else math.floor(number))
