"""Reading answers: the same number is the same answer whatever its writing, and nothing looser."""

from __future__ import annotations

import pytest

from banshi.skills import answers


@pytest.mark.parametrize(
    "a,b,same",
    [
        ("约3.5", "3.5", True),
        ("about 12", "12", True),
        ("12元", "12", True),
        ("3.5 km", "3.5", True),
        ("25 %", "0.25", True),
        ("2又1/3", "7/3", True),
        ("12元", "13", False),
        ("约3.5", "3.6", False),
        ("12 apples and 3 pears", "3", False),
        ("3 5", "35", False),
        ("1/0", "0", False),
    ],
)
def test_same_number_whatever_the_writing(a, b, same):
    assert answers.same_answer(a, b) is same


def test_unit_and_about_are_not_numbers_alone():
    assert answers.parse_number("元") == (None, False)
    assert answers.parse_number("约") == (None, False)
    assert answers.parse_number("12元")[0] == 12


@pytest.mark.parametrize(
    "value, way, whole",
    [
        ("7.44", "up", "8"),
        ("10/3", "down", "3"),
        ("6.75", "down", "6"),
        ("8", "up", "8"),
        ("7.0000000001", "up", "7.0000000001"),
        ("7.44", "", "7.44"),
        ("12.5%", "up", "12.5%"),
        ("abc", "up", "abc"),
        (None, "up", None),
    ],
)
def test_a_count_is_rounded_only_when_not_whole_and_a_way_is_given(value, way, whole):
    assert answers.to_whole(value, way) == whole
