from datetime import datetime

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
