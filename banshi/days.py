"""Days said in words, read into dates: 明天, 周五, 下周三, 下个月8号, 12月8日, "next Friday",
"June 3", "the 8th of next month". One reading for every part that hears a day said: the service
tools book on it, memory keeps a birthday or a plan as the date it was (「下个月8号」 said on 30
November is 8 December, whenever it is read again).

May import: banshi.numbers.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from banshi.numbers import zh_number

_RELATIVE = {
    "大后天": 3,
    "今天": 0,
    "今晚": 0,
    "今早": 0,
    "today": 0,
    "tonight": 0,
    "明天": 1,
    "明晚": 1,
    "明早": 1,
    "tomorrow": 1,
    "后天": 2,
}
_WEEKDAY = re.compile(
    r"(下下|下个?|这个?|本)?(?:周|星期|礼拜)([一二三四五六日天1-7])"
    r"|\b(next |this )?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.I,
)
_ZH_NUM = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_MONTHS_EN = {m.lower(): i for i, m in enumerate(calendar.month_name) if m} | {
    m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTH_EN = "(?:" + "|".join(sorted(_MONTHS_EN, key=len, reverse=True)) + r")\.?"
_ORDINAL = r"\d{1,2}(?:st|nd|rd|th)?"
#: 12月8日, 2026年12月8号, 十二月八号; 下个月8号, 这个月20号
_ZH_DATE = re.compile(r"(?:(\d{4})年)?(" + _ZH_NUM + r")月(" + _ZH_NUM + r")[日号]"
                      r"|(下个?月|这个?月|本月)(" + _ZH_NUM + r")[日号]")
#: June 3, June 3rd, 2027; 3 June; the 8th of next month, next month on the 8th
_EN_DATE = re.compile(
    r"\b(" + _MONTH_EN + r")\s+(" + _ORDINAL + r")\b(?:,?\s*(\d{4})\b)?"
    r"|\b(" + _ORDINAL + r")\s+(?:of\s+)?(" + _MONTH_EN + r")(?![a-z])(?:,?\s*(\d{4})\b)?"
    r"|\b(?:the\s+)?(" + _ORDINAL + r")\s+of\s+(next|this)\s+month\b"
    r"|\b(next|this)\s+month\s+on\s+the\s+(" + _ORDINAL + r")",
    re.I,
)
#: a calendar date, as said (12月8日, 下个月8号, June 3)
DATE = re.compile(_ZH_DATE.pattern + "|" + _EN_DATE.pattern, re.I)
_DAY_WORDS = (
    r"\d{4}-\d{2}-\d{2}|" + _ZH_DATE.pattern + "|" + _EN_DATE.pattern
    + r"|大后天|今天|今晚|明天|明晚|后天|tomorrow|tonight|today"
    r"|(?:这个?|本)?周末|(?:this |the )?weekend|" + _WEEKDAY.pattern
)
#: the words that say a day (spoken_day reads them)
DAY = re.compile(_DAY_WORDS, re.I)
#: a day said by someone's birthday (its day is memory's to know): 「朵朵生日前一天」, 「我生日那天」
#: (days before), "the day before Emma's birthday", "on my wife's birthday" (days before, whose)
BY_BIRTHDAY_ZH = re.compile(r"的?生日(?:的)?(?:前([一两二三1-3])天|当天|那天)")
BY_BIRTHDAY_EN = re.compile(r"(?:(?:the day|(two|three|\d) days) before|\bon) (my(?: \w+'s)?|[A-Z][a-z]+'s) birthday",
                            re.I)
_WEEKDAYS_ZH = {c: i for i, c in enumerate("一二三四五六日")} | {"天": 6} | {str(i + 1): i for i in range(7)}
_WEEKDAYS_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def spoken_day(text: str, today: date) -> date | None:
    """The day ``text`` says: a date (2026-12-01, 12月8日, June 3: the coming one when no year is
    said), a day of this or next month (下个月8号, "the 8th of next month"), 今天 / 明天 / 后天 /
    大后天 / tomorrow, or a weekday: 周五 / on Friday is the coming Friday (today's when it is
    Friday), 这周五 / this Friday the one of this week, 下周三 the one of the week after (weeks
    begin on Monday), "next Wednesday" the coming one after today; 周末 / the weekend its
    Saturday. None when it says no day."""
    low = text.lower()
    if m := re.search(r"\d{4}-\d{2}-\d{2}", low):
        try:
            return date.fromisoformat(m.group(0))
        except ValueError:
            return None
    if (calendar_day := _calendar_day(low, today)) is not False:
        return calendar_day
    if m := _WEEKDAY.search(low):
        if m.group(2):
            target, week = _WEEKDAYS_ZH[m.group(2)], m.group(1) or ""
        else:
            target, week = _WEEKDAYS_EN.index(m.group(4)), (m.group(3) or "").strip()
        monday = today - timedelta(days=today.weekday())
        if week.startswith("下下"):
            return monday + timedelta(days=14 + target)
        if week.startswith("下"):
            return monday + timedelta(days=7 + target)
        if week == "next":  # "next Friday": the coming one, never today
            return today + timedelta(days=(target - today.weekday() - 1) % 7 + 1)
        if week.startswith(("这", "本", "this")):
            return monday + timedelta(days=target)
        return today + timedelta(days=(target - today.weekday()) % 7)
    if re.search(r"周末|weekend", low):  # its Saturday (today, when it is Sunday)
        return today if today.weekday() == 6 else today + timedelta(days=5 - today.weekday())
    return next((today + timedelta(days=d) for w, d in _RELATIVE.items() if w in low), None)


def _number(said: str) -> int:
    digits = re.match(r"\d+", said)
    return int(digits.group(0)) if digits else zh_number(said) or 0


def _calendar_day(low: str, today: date) -> date | None | bool:
    """The day a calendar date in ``low`` names; None when it names an impossible one (2月30日),
    False when there is none."""
    year, month, month_shift = 0, 0, None
    if m := _ZH_DATE.search(low):
        if m.group(4):
            month_shift, day = (1 if m.group(4).startswith("下") else 0), _number(m.group(5))
        else:
            year, month, day = int(m.group(1) or 0), _number(m.group(2)), _number(m.group(3))
    elif m := _EN_DATE.search(low):
        if m.group(1):
            month, day, year = _MONTHS_EN[m.group(1).rstrip(".")], _number(m.group(2)), int(m.group(3) or 0)
        elif m.group(4):
            day, month, year = _number(m.group(4)), _MONTHS_EN[m.group(5).rstrip(".")], int(m.group(6) or 0)
        else:
            which, day = (m.group(8), m.group(7)) if m.group(7) else (m.group(9), m.group(10))
            month_shift, day = (1 if which == "next" else 0), _number(day)
    else:
        return False
    try:
        if month_shift is not None:
            month = today.month + month_shift
            return date(today.year + (month > 12), (month - 1) % 12 + 1, day)
        if year:
            return date(year, month, day)
        found = date(today.year, month, day)
        return found if found >= today else date(today.year + 1, month, day)  # the coming one
    except ValueError:
        return None


def dated(text: str, today: date, chinese: bool) -> str:
    """``text`` with a day said relative to ``today`` (下个月8号, 周五, next Tuesday) written as
    the date it is (12月8日, December 8), so that it stays true when read later; a calendar date
    (12月8日, June 3) is left as said."""
    m = DAY.search(text)
    if m is None or _absolute(m.group(0)):
        return text
    day = spoken_day(m.group(0), today)
    if day is None:
        return text
    if chinese:
        said = f"{day.month}月{day.day}日"
    else:
        said = f"{calendar.month_name[day.month]} {day.day}"
        before = text[:m.start()]
        said = said if not before.strip() or re.search(r"\bon\s*$", before, re.I) else "on " + said
    return text[:m.start()] + said + text[m.end():]


def _absolute(said: str) -> bool:
    """Whether a day's words name it without ``today`` (2026-12-08, 12月8日, June 3)."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", said):
        return True
    zh, en = _ZH_DATE.fullmatch(said), _EN_DATE.fullmatch(said)
    return bool(zh and zh.group(2) or en and (en.group(1) or en.group(4)))
