"""banshi.days: the day a phrase says, for the service tools and for memory."""

from datetime import date

import pytest

from banshi.days import DAY, dated, spoken_day

MONDAY = date(2026, 11, 30)


@pytest.mark.parametrize(("said", "day"), [
    ("下个月8号", date(2026, 12, 8)), ("12月8日", date(2026, 12, 8)), ("十二月八号", date(2026, 12, 8)),
    ("2027年1月3号", date(2027, 1, 3)), ("3月5日", date(2027, 3, 5)),  # a day gone this year: the coming one
    ("June 3", date(2027, 6, 3)), ("3rd of June", date(2027, 6, 3)), ("Dec 8th, 2026", date(2026, 12, 8)),
    ("the 8th of next month", date(2026, 12, 8)), ("next month on the 8th", date(2026, 12, 8)),
    ("12月8号晚上7点订位", date(2026, 12, 8)),
])
def test_calendar_days(said: str, day: date) -> None:
    assert spoken_day(said, MONDAY) == day
    assert DAY.search(said)


def test_what_is_no_day() -> None:
    assert spoken_day("2月30日", MONDAY) is None  # no such day
    for said in ("3号线怎么走", "may I ask", "8号楼", "人均100以内"):
        assert spoken_day(said, MONDAY) is None and not DAY.search(said)


def test_dated_writes_a_relative_day_as_the_date() -> None:
    assert dated("下周五去北京出差", MONDAY, True) == "12月11日去北京出差"
    assert dated("下个月8号", MONDAY, True) == "12月8日"
    assert dated("flying to Tokyo next Tuesday", MONDAY, False) == "flying to Tokyo on December 1"  # the coming Tuesday
    assert dated("next Friday", MONDAY, False) == "December 4"
    assert dated("12月8号", MONDAY, True) == "12月8号"  # a calendar date stays as said
    assert dated("June 3", MONDAY, False) == "June 3"
    assert dated("春节", MONDAY, True) == "春节"
