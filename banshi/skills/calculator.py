"""A calculation written out in a message — 17乘以3等于多少？, what is 2.5 times (4 + 6)?, 3/4 + 1/6 =
— read into an arithmetic expression and computed exactly, at once, with no model and no
program: a sum needs neither a solver nor a check. Anything else in the message (a word, a
unit, a variable) and it is not a bare calculation: ``expression`` gives None and the homework
solver takes the message.

Reached only for a message ``route.math_problem`` accepts (so a date, 2026-11-30, or a range,
50-100, is never a subtraction). May import: nothing of the project.
"""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction

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
_EXPRESSION = re.compile(r"[\d.\s()+\-*/]+")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
MAX_EXPONENT = 100
MAX_BITS = 3000  # a result of at most ~900 digits: written out in full
MAX_CHARS = 200


def expression(text: str) -> str | None:
    """The calculation a message asks for as a Python expression (``17 * 3``), or None when the
    message holds anything but a calculation and the asking for its result."""
    if len(text) > MAX_CHARS:
        return None
    expr = _TAIL.sub("", _LEAD.sub("", text.strip()), count=1)
    for pattern, symbol in _WORDS:
        expr = re.sub(pattern, symbol, expr, flags=re.I)
    expr = " ".join(expr.split())
    if not _EXPRESSION.fullmatch(expr) or not re.search(r"\d\s*[-+*/]", expr) or value(expr) is None:
        return None
    return expr


def value(expr: str) -> Fraction | None:
    """The exact value of an arithmetic expression (numbers, + - * /, whole powers, brackets),
    or None when it is not one or has no value (division by zero, a power too large)."""
    try:
        return _eval(ast.parse(expr, mode="eval").body)
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
