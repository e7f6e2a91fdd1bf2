"""Writing skills (the table, parameter checks, prompts) and translation keeping formatting."""

from __future__ import annotations

import re

import pytest

from banshi.errors import InvalidInput
from banshi.messages import Message
from banshi.models.fake import FunctionBackend
from banshi.skills import writing
from banshi.skills.lang import detect_language
from banshi.skills.translate import protect, restore, segments, translate


@pytest.mark.parametrize("text,lang", [
    ("今天天气很好，我们去公园吧。", "zh"), ("The weather is nice today, let's go to the park.", "en"),
    ("今日はいい天気ですね。", "ja"), ("오늘 날씨가 좋네요", "ko"), ("Привет, как дела?", "ru"),
    ("Le chat est sur la table et il dort.", "fr"), ("Der Hund ist nicht im Haus.", "de"),
    ("El perro está en la casa con los niños.", "es"), ("请运行 `pip install banshi` 然后启动服务", "zh"),
])
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_every_skill_in_the_table_builds_a_prompt():
    for name, skill in writing.SKILLS.items():
        params = writing.resolve_params(skill, {})
        msgs = writing.build_messages(skill, "关于下周的团队建设活动", params | {"language": "zh"})
        assert "{" not in msgs[0].content, name  # every placeholder was filled
        assert "Chinese" in msgs[0].content


def test_parameters_are_checked_against_the_table():
    with pytest.raises(InvalidInput, match="tone must be one of"):
        writing.write(FunctionBackend(lambda m, **_: "x"), "email", "brief", {"tone": "angry-shouting"})
    with pytest.raises(InvalidInput, match="unknown parameter"):
        writing.write(FunctionBackend(lambda m, **_: "x"), "polish", "text", {"colour": "red"})
    with pytest.raises(InvalidInput, match="unknown writing skill"):
        writing.write(FunctionBackend(lambda m, **_: "x"), "poem-of-doom", "text")


def test_email_prompt_carries_the_parameters_and_streams():
    backend = FunctionBackend(lambda m, **_: "Subject: Lunch\n\nHi Anna, ...")
    pieces = list(writing.write_stream(backend, "email", "invite Anna to lunch on Friday",
                                       {"tone": "friendly", "recipient": "Anna", "length": "short"}))
    assert "".join(pieces).startswith("Subject: Lunch")
    system = backend.calls[0]["messages"][0].content
    assert "friendly" in system and "Anna" in system and "120 words" in system and "English" in system


def test_long_summary_is_map_reduced():
    text = "\n\n".join(f"Paragraph {i}: " + "the project moved forward with details. " * 20 for i in range(20))
    backend = FunctionBackend(lambda m, **_: "- a point")
    out = writing.write(backend, "summary", text, {"style": "bullets"})
    assert out == "- a point"
    assert len(backend.calls) > 2  # parts first, then the whole
    assert all(len(c["messages"][1].content) < writing.CHUNK_CHARS + 200 for c in backend.calls)


def _fake_translator(messages: list[Message], **_) -> str:
    # a "model" that upper-cases prose and keeps markers — enough to see what was sent
    return messages[-1].content.upper().replace("⟦", "⟦").replace("HELLO", "你好")


def test_translation_never_sends_code_blocks_and_restores_inline_code():
    src = ("# Install\n\nRun `pip install banshi` and open https://example.com/docs.\n\n"
           "```python\nprint('hello world')  # do not translate\n```\n\n- first item\n- second item\n")
    backend = FunctionBackend(_fake_translator)
    res = translate(backend, src, target="zh", source="en")
    sent = "\n".join(c["messages"][-1].content for c in backend.calls)
    assert "print(" not in sent and "pip install" not in sent and "example.com" not in sent
    assert "```python\nprint('hello world')  # do not translate\n```" in res.text
    assert "`pip install banshi`" in res.text and "https://example.com/docs" in res.text
    assert "# INSTALL" in res.text and "- FIRST ITEM\n- SECOND ITEM" in res.text
    assert res.fallbacks == 0


def test_broken_list_structure_falls_back_to_line_by_line():
    def model(messages, **_):
        text = messages[-1].content
        return text.replace("\n", " ") if "\n" in text else f"[{text}]"  # joins lines on the first try

    res = translate(FunctionBackend(model), "1. one\n2. two\n3. three", target="zh", source="en")
    assert res.text == "1. [one]\n2. [two]\n3. [three]"
    assert res.fallbacks == 1


def test_lost_marker_keeps_the_code():
    res = translate(FunctionBackend(lambda m, **_: "运行命令"), "Run `make test` now", target="zh", source="en")
    assert "`make test`" in res.text


def test_glossary_goes_to_the_model_and_is_enforced():
    backend = FunctionBackend(lambda m, **_: "请把 Banshi 部署到服务器上。")
    res = translate(backend, "Deploy Banshi to the server.", target="zh", glossary={"Banshi": "办事", "cloud": "云"})
    assert "办事" in res.text and "Banshi" not in res.text
    assert "Banshi → 办事" in backend.calls[0]["messages"][0].content
    assert "cloud" not in backend.calls[0]["messages"][0].content  # terms not in the text stay out


def test_direction_defaults_and_same_language_refused():
    res = translate(FunctionBackend(lambda m, **_: "Hello"), "你好")
    assert (res.source, res.target) == ("zh", "en")
    with pytest.raises(InvalidInput):
        translate(FunctionBackend(lambda m, **_: "x"), "hello there my friend", target="en")


def test_protect_restore_round_trip():
    text = "See [the docs](https://x.org/a_b) and `x = 1` and $a^2$."
    masked, kept = protect(text)
    assert "https" not in masked and "x = 1" not in masked and "[the docs]" in masked
    assert restore(masked, kept) == (text, True)
    assert [t for t, _ in segments("a\n```\ncode\n```\nb")] == [True, False, True]
    assert re.search(r"⟦\d⟧", masked)


def test_a_post_that_opens_with_a_row_of_emoji_is_written_again_without_them():
    """The local model had answered 「庆祝我家猫咪三岁生日」 with 🎉 to the end of its budget. A post
    is written as its poster ("I"), on the platform named for people, not by its code."""
    POST = "今天咪咪三岁啦，我给它买了新玩具。#猫咪生日"

    def model(messages, **_):
        system = messages[0].content
        return "🎉 🎉🎉🎉🎉🎉🎉🎉🎉" if "inside the text" in system else POST

    backend = FunctionBackend(model)
    assert writing.write(backend, "social_post", "庆祝我家猫咪三岁生日") == POST
    first, second = (c["messages"][0].content for c in backend.calls)
    assert "WeChat Moments (朋友圈)" in first and "'I'" in first and "No emoji." in second
    words = FunctionBackend(lambda m, **_: "🎉 今天咪咪三岁啦 🎂")  # an emoji before the words is kept
    assert writing.write(words, "social_post", "庆祝猫咪生日") == "🎉 今天咪咪三岁啦 🎂" and len(words.calls) == 1
