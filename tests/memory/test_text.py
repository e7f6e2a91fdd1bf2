from datetime import datetime

import pytest

from banshi.memory import text


def test_chinese_is_segmented_and_english_stemmed():
    zh = text.tokens("我最喜欢的水果是芒果干")
    assert "芒果" in zh and "水果" in zh and "的" not in zh
    en = text.tokens("She was running to the meetings")
    assert en == ["run", "meet"]


def test_mixed_text_keeps_both():
    toks = text.tokens("我在Google工作, I love hiking")
    assert "googl" in toks and "工作" in toks and "hike" in toks


def test_time_expressions():
    now = datetime(2026, 11, 29, 15, 0)
    assert text.time_range("上周我们聊了什么", now) == (datetime(2026, 11, 16), datetime(2026, 11, 23))
    assert text.time_range("what did I say yesterday", now) == (datetime(2026, 11, 28), datetime(2026, 11, 29))
    assert text.time_range("what did I plan last March?", now) == (datetime(2026, 3, 1), datetime(2026, 4, 1))
    assert text.time_range("去年3月", now) == (datetime(2025, 3, 1), datetime(2025, 4, 1))
    assert text.time_range("in May 2023", now) == (datetime(2023, 5, 1), datetime(2023, 6, 1))
    assert text.time_range("what is my favourite fruit", now) is None
    assert text.time_range("you may go", now) is None


def test_a_named_day_gives_the_week_around_it():
    now = datetime(2026, 11, 29, 15, 0)
    week = (datetime(2022, 3, 9), datetime(2022, 3, 24))  # 16 March ± 7 days: told later, or misremembered
    for q in (
        "What was I doing on March 16, 2022?",
        "what did I do on 16th of March 2022",
        "2022-03-16",
        "2022年3月16日我在干嘛",
    ):
        assert text.time_range(q, now) == week, q
    # without a year: the last such day
    assert text.time_range("3月16号我干嘛了", now) == (datetime(2026, 3, 9), datetime(2026, 3, 24))
    assert text.time_range("what happened on Dec 5", now) == (datetime(2025, 11, 28), datetime(2025, 12, 13))
    assert text.time_range("you may 2 go", now) is None  # the verb
    assert text.time_range("on February 30, 2022", now) is None
    assert text.time_range("in May 2023", now) == (datetime(2023, 5, 1), datetime(2023, 6, 1))  # still the month


# (function, texts it says yes to, texts it says no to)
WHEN_CASES = [
    (
        text.asks_when,
        [
            "When did I go to Paris?",
            "How long have I been painting?",
            "what year did we meet",
            "我什么时候去的北京",
            "我学画画多久了",
        ],
        ["What did I paint?", "Where do I live?", "我住在哪"],
    ),
    (
        text.tells_time,
        [
            "I went bowling yesterday",
            "We met last Saturday",
            "Seven years now, and I still love it",
            "I moved here in 2019",
            "two weeks ago I quit",
            "我上周去了北京",
            "三天前开始学的",
        ],
        ["I love bowling", "The view from the top was amazing", "我喜欢吃火锅"],
    ),
]


@pytest.mark.parametrize(("fn", "yes", "no"), WHEN_CASES)
def test_when_questions_and_messages_that_say_when(fn, yes, no):  # type: ignore[no-untyped-def]
    assert [t for t in yes if not fn(t)] == []
    assert [t for t in no if fn(t)] == []


def test_a_message_that_only_asks():
    assert text.only_asks("Wow, that looks great! What kind of yoga is it?")
    assert text.only_asks("你去过北京吗？")
    assert text.only_asks("Nice! [shared a photo: a dog on a beach] What is his name?")
    assert not text.only_asks("I went to Paris last week with Anna and the food was great. How about you?")
    assert not text.only_asks("我上周去了北京，和朋友一起吃了烤鸭，非常好吃。你呢？")
    assert not text.only_asks("I started aerial yoga.")
