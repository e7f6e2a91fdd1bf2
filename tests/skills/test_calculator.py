"""A bare calculation in a message is read and computed exactly; anything more is not one."""

from __future__ import annotations

from fractions import Fraction

import pytest

from banshi.skills.calculator import expression, shown, value
from banshi.skills.route import answer


@pytest.mark.parametrize(
    ("text", "result"),
    [
        ("17乘以3等于多少？", "51"),
        ("What is 17 times 3?", "51"),
        ("what is 2.5 times (4 + 6)?", "25"),
        ("100除以4是多少", "25"),
        ("2的平方加3的立方等于几", "31"),
        ("计算 (3+5)×2", "16"),
        ("3/4 + 1/6 =", "11/12 (≈ 0.9167)"),  # exact, not 0.91666…
        ("0.1 + 0.2 = ?", "0.3"),  # no binary float noise
        ("10减去12等于多少", "-2"),
        ("What is 15% of 240?", "36"),
        ("240的15%是多少？", "36"),
        ("百分之十五乘二百四十", "36"),
        ("what is 20 percent of 50 plus 3", "13"),
        # numbers in words, as speech is often transcribed
        ("十七乘以三等于多少？", "51"),
        ("三点五乘二", "7"),
        ("what is twelve times seven?", "84"),
        ("twenty-five plus one hundred and five", "130"),
        ("what is five and three", "8"),
        ("what is sixteen times two", "32"),  # not six; a longer word is read whole
        ("seventy plus eighteen", "88"),
        ("三亿五千万除以五万", "7000"),
        ("What's 3/4 of 120?", "90"),  # a fraction of a number
        ("100的四分之三是多少", "75"),
        ("120除以四分之三", "160"),  # divided by the whole fraction
    ],
)
def test_a_calculation_is_computed_exactly(text, result):
    expr = expression(text)
    assert expr is not None and shown(value(expr)) == result


@pytest.mark.parametrize(
    "text",
    [
        "解方程 2x+3=7",  # an unknown: the solver's
        "How many legs do 3 cats have?",
        "1/0 = ?",  # no value
        "9**99**99",  # too large to write out
        "__import__('os').system('ls') + 1",  # only numbers and operators are read
        "3 + 4 apples",
        "1 + 2" * 100,
        "一些乘以三",  # 一些 is "some"
        "two three times four",  # no one number
        "I have two cats and three dogs",
        "5% 3",
        "what is 5 of 10",  # "of" multiplies only after a percentage or a fraction
    ],
)
def test_anything_else_is_not_a_calculation(text):
    assert expression(text) is None


def test_value_reads_arithmetic_only():
    assert value("(1 + 2) * 3 ** 2") == Fraction(27)
    assert value("2 ** 0.5") is None and value("abs(-1)") is None and value("[1, 2]") is None


def test_the_chat_answer_is_the_calculation_and_its_result_with_no_model():
    items = list(answer(None, "what is -2 * (3 - 5)?", model=lambda: pytest.fail("the model was asked")))  # type: ignore[arg-type]
    assert items[0].text == "-2 × (3 - 5) = 4"
    result = items[1]["result"]
    assert items[1]["skill"] == "calculator" and result["verified"] and result["answer"] == "4"


def test_a_percentage_is_answered_as_written_with_no_model():
    items = list(answer(None, "What is 15% of 240?", model=lambda: pytest.fail("the model was asked")))  # type: ignore[arg-type]
    assert items[0].text == "15% × 240 = 36"
