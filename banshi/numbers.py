"""Numbers said in words, read into values: Chinese numerals (十七, 两百零五, 三万五千, 三亿) and
English number words (twenty-five, three hundred and four). One table of each, for every part
that reads numbers: the calculator computes with them, the router counts them as quantities, the
homework solver writes them in digits, the tool-call grounding looks for them.

May import: nothing from banshi.
"""

from __future__ import annotations

ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_SECTIONS = {"万": 10**4, "亿": 10**8}

EN_SMALL = dict(zip(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split(), range(20), strict=True))
EN_TENS = dict(zip("twenty thirty forty fifty sixty seventy eighty ninety".split(), range(20, 100, 10), strict=True))
EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
#: every English number word and its value
EN_WORDS = EN_SMALL | EN_TENS | EN_SCALES


def zh_number(text: str) -> int | None:
    """The value of a Chinese numeral (三, 十二, 两百零五, 一千二百, 三万五千, 三亿五千万), or None
    when the characters do not make one (三五, 万, 五七十)."""
    if not text or any(ch not in ZH_DIGITS and ch not in ZH_UNITS and ch not in ZH_SECTIONS for ch in text):
        return None
    total, section, digit = 0, 0, None  # section: the part below the next 万 or 亿
    for ch in text:
        if ch in ZH_DIGITS:
            if digit is not None and not (digit == 0 or ZH_DIGITS[ch] == 0):
                return None  # 三五 is not a numeral
            digit = ZH_DIGITS[ch]
        elif ch in ZH_UNITS:
            section += (1 if digit is None else digit) * ZH_UNITS[ch]
            digit = None
        else:
            part = section + (digit or 0)
            if not part and not total:
                return None  # 万 alone
            total = (total + part) * ZH_SECTIONS[ch] if total < ZH_SECTIONS[ch] else total + part * ZH_SECTIONS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def english_number(words: list[str]) -> int | None:
    """twenty five → 25, three hundred four → 304, two thousand twenty → 2020 (the words in lower
    case, "and" left out); None when the words do not make one number (two three)."""
    total, part, last = 0, 0, None  # last: the kind of the previous word, for "two three"
    for word in words:
        if word in EN_SCALES:
            scale = EN_SCALES[word]
            if scale == 100:
                part, last = (part or 1) * 100, "hundred"
            else:
                total, part, last = total + (part or 1) * scale, 0, "scale"
        elif word in EN_TENS:
            if last in ("small", "tens"):
                return None
            part, last = part + EN_TENS[word], "tens"
        elif word in EN_SMALL:
            if last == "small" or (last == "tens" and EN_SMALL[word] >= 10):
                return None
            part, last = part + EN_SMALL[word], "small"
        else:
            return None
    return total + part
