"""Text for the keyword index: Chinese segmented with jieba, English lower-cased and stemmed
(Snowball), stop words dropped — the same tokens for documents and queries, so SQLite FTS5
and PostgreSQL full-text only ever see pre-made terms. Also: time expressions in a query
("上周", "last March", "in May 2023") turned into a date range, and whether a text says a word
as a word (``says``: 气温 is not in 语气温馨), which the dispatcher's keywords use."""

from __future__ import annotations

import calendar
import logging
import re
import threading
from datetime import datetime, timedelta
from functools import lru_cache

from banshi.numbers import zh_number

_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_lock = threading.Lock()

EN_STOP = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves s t don ll re ve d m o y also ok okay yes yeah oh hey hi
    hello really well get got""".split()
)
ZH_STOP = frozenset(
    "的 了 是 我 你 他 她 它 们 我们 你们 他们 吗 呢 吧 啊 呀 哦 嗯 在 和 与 也 就 都 而 及 着 或 一个 "
    "这 那 这个 那个 有 没有 不 很 还 又 把 被 让 给 对 从 到 说 要 会 能 可以 什么 怎么 哪 哪里 哪儿 "
    "吗 么 之 其 以 为 于 上 下 中 里 个 过 得 地 请 告诉 知道 记得 还记得".split()
)


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokens(text: str) -> list[str]:
    """Index terms of ``text``: jieba words (search mode, so 芒果干 also yields 芒果) and
    stemmed English words, without stop words."""
    out: list[str] = []
    pos = 0
    text = text.lower()
    for m in _CJK_RUN.finditer(text):
        _latin(text[pos : m.start()], out)
        for w in _jieba().cut_for_search(m.group()):
            if w.strip() and w not in ZH_STOP:
                out.append(w)
        pos = m.end()
    _latin(text[pos:], out)
    return out


def _latin(text: str, out: list[str]) -> None:
    for w in _WORD.findall(text):
        if w in EN_STOP or (len(w) == 1 and not w.isdigit()):
            continue
        out.append(_stem(w) if w.isascii() and w.isalpha() else w)


def says(text: str, phrase: str) -> bool:
    """Whether ``text`` says ``phrase`` as words, not inside other words: 气温 is not said in
    语气温馨 (jieba's words, and their parts, must start and end where it does; a single character
    may end a longer word: 川菜 says 菜), rain is not said
    in train (word boundaries; a plural or verb ending may follow: flights, reminder, shopping,
    rainy)."""
    low, phrase = text.lower(), phrase.lower()
    if phrase not in low:
        return False
    if phrase.isascii():
        ending = rf"(?:{re.escape(phrase[-1])})?(?:s|es|ed|ing|er|ers|y)?"
        return re.search(rf"\b{re.escape(phrase)}{ending}\b", low) is not None
    starts, ends = _word_edges(low)
    head = len(phrase) == 1  # one character may end a word it heads: 菜 in 川菜, 痛 in 关节痛, not 疼 in 疼爱
    return any((head or m.start() in starts) and m.end() in ends for m in re.finditer(re.escape(phrase), low))


@lru_cache(maxsize=256)
def _word_edges(text: str) -> tuple[frozenset[int], frozenset[int]]:
    """Where jieba's words (and their parts) start and end in ``text``."""
    words = list(_jieba().tokenize(text, mode="search"))
    return frozenset(w[1] for w in words), frozenset(w[2] for w in words)


_SENTENCE = re.compile(r"[^.!?。！？\n]+[.!?。！？]*")
_NOTE = re.compile(r"\[[^\]]*\]")  # "[shared a photo: …]": a note about the message, not what was said
ASKING_WORDS = 10  # a question with fewer words than this of statements around it only asks


def _words(text: str) -> int:
    cjk = sum(len(r) for r in _CJK_RUN.findall(text))
    return len(_WORD.findall(_CJK_RUN.sub(" ", text))) + cjk // 2


@lru_cache(maxsize=50_000)  # asked of the same candidate messages search after search
def only_asks(text: str) -> bool:
    """Whether ``text`` asks rather than tells: it ends with a question and says little else
    ("Wow, that looks great! What kind of yoga is it?"). Such a turn rarely holds the fact a
    later question looks for, though it shares its words."""
    sentences = [s.strip() for s in _SENTENCE.findall(_NOTE.sub(" ", text)) if s.strip()]
    if not sentences or not sentences[-1].endswith(("?", "？")):
        return False
    return sum(_words(s) for s in sentences if not s.endswith(("?", "？"))) < ASKING_WORDS


def is_chinese(text: str) -> bool:
    """Mostly Chinese: enough CJK characters to answer in Chinese."""
    cjk = sum(len(r) for r in _CJK_RUN.findall(text))
    return cjk >= 2 and cjk * 3 >= len(re.sub(r"\s", "", text)) * 0.5


def query_terms(text: str) -> list[str]:
    """Distinct terms of a query, in order."""
    return list(dict.fromkeys(tokens(text)))


# -- time expressions ----------------------------------------------------------------------
MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_EN_MONTH = re.compile(
    r"\b(last|this|in|since)?\s*(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b\.?\s*(\d{4})?", re.I
)
_ZH_MONTH = re.compile(r"(去年|今年|(\d{4})年)?\s*(\d{1,2}|[一二三四五六七八九十]{1,2})月")
_YEAR = re.compile(r"\b(?:in|during)\s+(\d{4})\b|(\d{4})年")
_MONTH_NAME = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_EN_DAY = re.compile(
    r"\b" + _MONTH_NAME + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s*(\d{4})\b)?"  # March 16, 2022
    r"|\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH_NAME + r"\b(?:,?\s*(\d{4})\b)?",
    re.I,
)
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_ZH_DAY = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]")
NAMED_DAY_SLACK = 7  # days either side of a named day: told later ("yesterday I went bowling"), misremembered


def _month_range(year: int, month: int) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return start, end


def time_range(query: str, now: datetime) -> tuple[datetime, datetime] | None:
    """The period a query points at, if it names one; ``None`` otherwise."""
    q = query.lower()
    named = _named_day(query, now)
    if named is not None:
        return named - timedelta(days=NAMED_DAY_SLACK), named + timedelta(days=1 + NAMED_DAY_SLACK)
    day = datetime(now.year, now.month, now.day)
    week = day - timedelta(days=day.weekday())
    simple = [
        (("yesterday", "昨天"), day - timedelta(days=1), day),
        (("前天",), day - timedelta(days=2), day - timedelta(days=1)),
        (("today", "今天"), day, day + timedelta(days=1)),
        (("last week", "上周", "上星期", "上个星期", "上礼拜"), week - timedelta(days=7), week),
        (("this week", "这周", "本周", "这个星期"), week, week + timedelta(days=7)),
        (("few days ago", "couple of days ago", "前几天", "最近几天"), day - timedelta(days=5), day),
    ]
    for words, start, end in simple:
        if any(w in q for w in words):
            return start, end
    month_start = datetime(now.year, now.month, 1)
    if any(w in q for w in ("last month", "上个月", "上月")):
        prev = month_start - timedelta(days=1)
        return _month_range(prev.year, prev.month)
    if any(w in q for w in ("this month", "这个月", "本月")):
        return _month_range(now.year, now.month)
    if any(w in q for w in ("last year", "去年")) and not _ZH_MONTH.search(q):
        return datetime(now.year - 1, 1, 1), datetime(now.year, 1, 1)
    if any(w in q for w in ("this year", "今年")) and not _ZH_MONTH.search(q):
        return datetime(now.year, 1, 1), datetime(now.year + 1, 1, 1)
    m = _ZH_MONTH.search(query)
    if m:
        month = int(m.group(3)) if m.group(3).isdigit() else zh_number(m.group(3)) or 0
        if 1 <= month <= 12:
            year = int(m.group(2)) if m.group(2) else now.year - (m.group(1) == "去年")
            if not m.group(1) and month > now.month:
                year -= 1  # "3月" said in January means last March
            return _month_range(year, month)
    m = _EN_MONTH.search(query)
    if m and (m.group(1) or m.group(3)) and m.group(2).lower() != "may" or (m and m.group(3)):
        month = MONTHS[m.group(2).lower().rstrip(".")]
        if m.group(3):
            year = int(m.group(3))
        else:
            year = now.year if month <= now.month and (m.group(1) or "").lower() != "last" else now.year - 1
            if (m.group(1) or "").lower() == "last" and month < now.month:
                year = now.year
        return _month_range(year, month)
    m = _YEAR.search(query)
    if m:
        year = int(m.group(1) or m.group(2))
        if 1900 < year < 2200:
            return datetime(year, 1, 1), datetime(year + 1, 1, 1)
    return None


_WEEKDAY = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_SEASON = "spring|summer|fall|autumn|winter"
_TELLS_TIME = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|recently|just|since|ago|weekend|"
    r"(?:last|next|this|past|coming)\s+(?:night|morning|evening|week|weekend|month|year|time|"
    + _SEASON
    + "|"
    + _WEEKDAY
    + r")|"
    + _WEEKDAY
    + "|"
    + "|".join(m for m in MONTHS if len(m) > 3 and m != "sept")
    + r"|"
    r"(?:few|couple of|several|many|\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s+(?:days?|weeks?|months?|years?|decades?)|"
    r"(?:19|20)\d\d)\b"
    r"|昨天|前天|今天|明天|后天|刚才|刚刚|最近|前几天|上周|上星期|上个?月|去年|前年|下周|下个?月|明年|周末|"
    r"星期[一二三四五六日天]|周[一二三四五六日]|礼拜|\d+\s*[年月日号]|[一二三四五六七八九十几]+[天年]前|以前|那时",
    re.I,
)
_ASKS_WHEN = re.compile(
    r"^\s*(?:when|since when|how long|what (?:date|day|time|year|month)|(?:in )?which (?:year|month|day))\b"
    r"|什么时候|哪天|哪一天|几号|几月|哪年|哪一年|何时|多久|多长时间",
    re.I,
)


def asks_when(query: str) -> bool:
    """Whether ``query`` asks for a time ("When did I …", "How long …", 我什么时候…)."""
    return bool(_ASKS_WHEN.search(query))


@lru_cache(maxsize=50_000)  # asked of the same candidate messages search after search
def tells_time(text: str) -> bool:
    """Whether ``text`` says when something happened: a relative time ("yesterday", "last
    Saturday", "two weeks ago", 上周), a weekday, a month, a year or a duration."""
    return bool(_TELLS_TIME.search(text))


def _named_day(query: str, now: datetime) -> datetime | None:
    """The calendar day a query names ("on March 16, 2022", "16 March", "2022-03-16",
    "3月16日"), if any; without a year, the last such day up to ``now``."""
    year = month = day = 0
    m = _ISO_DAY.search(query)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _ZH_DAY.search(query):
        year, month, day = int(m.group(1) or 0), int(m.group(2)), int(m.group(3))
    elif m := _EN_DAY.search(query):
        if m.group(1):
            month, day, year = MONTHS[m.group(1).lower()], int(m.group(2)), int(m.group(3) or 0)
        else:
            day, month, year = int(m.group(4)), MONTHS[m.group(5).lower()], int(m.group(6) or 0)
        if m.group(1) and m.group(1).lower() == "may" and not m.group(3):
            return None  # "may 2 people come": the verb, not the month
    else:
        return None
    try:
        if year:
            return datetime(year, month, day)
        found = datetime(now.year, month, day)
        return found if found <= now else datetime(now.year - 1, month, day)
    except ValueError:  # "February 30"
        return None


def format_day(when: datetime, chinese: bool) -> str:
    """ "3 May 2026" / "2026年5月3日"."""
    return f"{when.year}年{when.month}月{when.day}日" if chinese else f"{when.day} {when:%b} {when.year}"
