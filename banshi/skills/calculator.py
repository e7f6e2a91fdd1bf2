"""A calculation written out in a message — 17乘以3等于多少？, what is 2.5 times (4 + 6)?, 3/4 + 1/6 =,
15% of 240, 十七乘以三, twelve times seven (as speech is often transcribed) — read into an
arithmetic expression and computed exactly, at once, with no model and no program: a sum needs
neither a solver nor a check. Anything else in the message (a word, a
unit, a variable) and it is not a bare calculation: ``expression`` gives None and the homework
solver takes the message.

Reached only for a message ``route.math_problem`` accepts (so a date, 2026-11-30, or a range,
50-100, is never a subtraction). May import: banshi.numbers.
"""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction

from banshi.numbers import EN_SCALES, EN_WORDS, english_number, zh_number

# spoken operators, longest first, into the symbols of an expression
_WORDS = [
    (r"乘以|乘|\bmultiplied by\b|\btimes\b|[×xX✕·]", "*"),
    (r"除以|\bdivided by\b|\bover\b|÷", "/"),
    (r"加上|加|\bplus\b|\band\b(?=\s*[\d(])", "+"),
    (r"减去|减|\bminus\b", "-"),
    (r"的平方|\bsquared\b", "**2"),
    (r"的立方|\bcubed\b", "**3"),
    (r"\bto the power of\b|\^", "**"),
    (r"[（]", "("),
    (r"[）]", ")"),
]
# what may stand around a calculation: asking for its result
_LEAD = re.compile(
    r"^\s*(?:what(?:'s| is)|how much is|calculate|compute|evaluate|work out|(?:请|帮我|麻烦)?(?:算一下|算一算|"
    r"计算一下|计算|算算|求))\s*",
    re.I,
)
_TAIL = re.compile(r"\s*(?:=|等于|是|得)?\s*(?:多少|几|什么|\?|？)*\s*(?:呢|啊|呀)?\s*[?？。.!！]*\s*$")
_EXPRESSION = re.compile(r"[\d.\s()+\-*/%]+")
# numbers said in words: 十七, 三点五, 百分之十五; twelve, twenty-five, three hundred and four
_ZH_NUMERAL = r"[零〇一二两三四五六七八九十百千万亿]+"
_EN_WORD = "|".join(sorted(EN_WORDS, key=len, reverse=True))  # sixteen before six
_AND = "|".join(rf"(?<={scale})\s+and\s+" for scale in EN_SCALES)  # "and" only in "hundred and five"
_EN_NUMBER = re.compile(rf"\b(?:{_EN_WORD})(?:(?:{_AND}|[\s-]+)(?:{_EN_WORD}))*\b", re.I)
# a percentage or a fraction of a number: 15% of 240, 240的15%, 3/4 of 120, 15 percent; the % is kept in
# the expression as written
_PERCENT = [
    (r"\s*(?:%|％|\bper\s?cent\b)", "%"),
    (r"(\d/\d+|%)\s+of\b", r"\1 *"),  # 15% of 240, 3/4 of 120
    (r"的\s*(?=\(?[\d.]+(?:%|/\d))", " * "),  # 240的15%, 120的3/4
]
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
MAX_EXPONENT = 100
MAX_BITS = 3000  # a result of at most ~900 digits: written out in full
MAX_CHARS = 200


def expression(text: str) -> str | None:
    """The calculation a message asks for as a Python expression (``17 * 3``), or None when the
    message holds anything but a calculation and the asking for its result."""
    if len(text) > MAX_CHARS:
        return None
    expr = _TAIL.sub("", _LEAD.sub("", _in_digits(text.strip())), count=1)
    for pattern, symbol in _PERCENT + _WORDS:
        expr = re.sub(pattern, symbol, expr, flags=re.I)
    expr = " ".join(expr.split())
    if not _EXPRESSION.fullmatch(expr) or not re.search(r"\d%?\s*[-+*/]", expr) or value(expr) is None:
        return None
    return expr


def _in_digits(text: str) -> str:
    """Numbers said in words written in digits: 十七 → 17, 三点五 → 3.5, 百分之十五 → 15%, 四分之三 → (3/4),
    twenty-five → 25 (a word that is no number, 一些 or "someone", stays as it is)."""

    def zh(m: re.Match[str]) -> str:
        whole, point = zh_number(m[2]), "".join(str(zh_number(c)) for c in m[3] or "")
        if whole is None or "None" in point:
            return m[0]
        return f"{whole}{'.' + point if point else ''}{'%' if m[1] else ''}"

    def en(m: re.Match[str]) -> str:
        number = english_number(re.findall(_EN_WORD, m[0].lower()))
        return m[0] if number is None else str(number)

    text = re.sub(rf"(百分之)?({_ZH_NUMERAL})(?:点([零〇一二三四五六七八九]+))?", zh, text)
    text = re.sub(r"(\d+)分之(\d+)", r"(\2/\1)", text)  # 四分之三 → (3/4): 除以四分之三 divides by it
    return _EN_NUMBER.sub(en, text)


def value(expr: str) -> Fraction | None:
    """The exact value of an arithmetic expression (numbers, percentages, + - * /, whole powers,
    brackets), or None when it is not one or has no value (division by zero, a power too large)."""
    try:
        return _eval(ast.parse(re.sub(r"(\d+(?:\.\d+)?)%", r"(\1/100)", expr), mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _eval(node: ast.AST) -> Fraction:
    result = _step(node)
    if max(abs(result.numerator), result.denominator).bit_length() > MAX_BITS:
        raise ValueError("the number is too large to write out")
    return result


def _step(node: ast.AST) -> Fraction:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return Fraction(str(node.value))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _eval(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left), _eval(node.right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        base, exponent = _eval(node.left), _eval(node.right)
        if exponent.denominator != 1 or abs(exponent) > MAX_EXPONENT:
            raise ValueError("only small whole powers")
        return base ** int(exponent)
    raise ValueError("not arithmetic")


def shown(number: Fraction) -> str:
    """A result as a person writes it: 51, 0.75, 1/3 (≈ 0.3333)."""
    if number.denominator == 1:
        return str(number.numerator)
    denominator = number.denominator
    for p in (2, 5):
        while denominator % p == 0:
            denominator //= p
    if denominator == 1:  # a finite decimal
        return f"{float(number):.10f}".rstrip("0").rstrip(".")
    return f"{number.numerator}/{number.denominator} (≈ {float(number):.4f})"
