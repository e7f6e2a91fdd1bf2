"""The tool-call parser on real replies of the packaged models (recorded by
``record_toolcall_fixtures.py``) and on the formats other Qwen models and servers use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from banshi.models.toolcalls import ToolCallStream, parse_tool_calls

FIXTURES = Path(__file__).parent / "fixtures"
TOOL_NAMES = {"get_weather", "search_restaurants"}


def _load(name: str) -> dict[str, str]:
    data = json.loads((FIXTURES / name).read_text())
    return {o["id"]: o["raw"] for o in data["outputs"]}


W = "get_weather"
R = "search_restaurants"

# what a careful reader finds in each recorded reply of Qwen2.5-Coder-1.5B-Instruct
EXPECTED_15B = {
    "en-weather-t0.0": [(W, {"city": "Paris", "unit": "celsius"})],  # fenced ```json
    "zh-weather-t0.0": [(W, {"city": "北京", "unit": "celsius"})],  # bare object
    "en-restaurants-t0.0": [(R, {"location": "Wudaokou", "cuisine": "Sichuan", "max_results": 3})],
    "zh-restaurants-t0.0": [(R, {"location": "西湖", "cuisine": "杭帮菜", "max_results": 5})],
    "en-both-t0.0": [],  # describes the calls in prose: no call
    "zh-both-t0.0": [(W, {"city": "成都", "unit": "celsius"})],
    "en-none-t0.0": [],  # a ```python block
    "zh-none-t0.0": [],
    "en-weather-t0.7": [],  # prose with an arguments object inline: not a call
    "zh-weather-t0.7": [(W, {"city": "北京", "unit": "celsius"})],
    "en-restaurants-t0.7": [(R, {"location": "Wudaokou", "cuisine": "Sichuan", "max_results": 3})],
    "zh-restaurants-t0.7": [],
    "en-both-t0.7": [(W, {"city": "Shanghai", "unit": "celsius"})],
    "zh-both-t0.7": [(W, {"city": "成都", "unit": "celsius"})],
    "en-none-t0.7": [],
    "zh-none-t0.7": [],
    "en-weather-answer": [],  # second turn: answers from the tool result
    "zh-weather-answer": [],
}

# the 0.5B model: bare objects, comma-separated parallel calls, a call to a tool that does not
# exist, and a loop of repeated calls cut off by max_tokens
EXPECTED_05B = {
    "en-weather-t0.0": [(W, {"city": "Paris", "unit": "celsius"})],
    "zh-weather-t0.0": [],
    "zh-both-t0.0": [
        (W, {"city": "成都", "unit": "celsius"}),
        (R, {"location": "成都", "cuisine": "火锅", "max_results": 5}),
    ],
    "en-none-t0.0": [],  # ```json calling "reverse_string", which is not a tool: stays text
    "zh-restaurants-t0.7": [(R, {"location": "西湖", "cuisine": "杭帮菜馆", "max_results": 5})],
    "en-weather-answer": [
        (W, {"city": "Paris"}),
        (W, {"city": "Paris", "unit": "fahrenheit"}),
        (W, {"city": "Paris", "unit": "celsius"}),
    ],
}


# the same prompts with the tool prompt LocalBackend uses now: every needed call is made (fenced
# or bare JSON), the coding and chat requests are answered directly
_WP = (W, {"city": "Paris", "unit": "celsius"})
_WB = (W, {"city": "北京", "unit": "celsius"})
_RW = (R, {"location": "Wudaokou", "cuisine": "Sichuan", "max_results": 3})
_RX = (R, {"location": "西湖", "cuisine": "杭帮菜", "max_results": 5})
_WS = (W, {"city": "Shanghai", "unit": "celsius"})
_WC = (W, {"city": "成都", "unit": "celsius"})
EXPECTED_FINAL = {
    **{
        f"{k}-t{t}": v
        for t in ("0.0", "0.7")
        for k, v in [
            ("en-weather", [_WP]),
            ("zh-weather", [_WB]),
            ("en-restaurants", [_RW]),
            ("zh-restaurants", [_RX]),
            ("en-both", [_WS]),
            ("zh-both", [_WC]),
            ("en-none", []),
            ("zh-none", []),
        ]
    },
    "en-weather-answer": [],
    "zh-weather-answer": [],
}


def _calls(raw: str) -> tuple[str, list[tuple[str, dict]]]:
    content, calls = parse_tool_calls(raw, TOOL_NAMES)
    return content, [(c.name, c.arguments) for c in calls]


@pytest.mark.parametrize("key", sorted(EXPECTED_15B))
def test_recorded_15b(key: str) -> None:
    raw = _load("toolcall_outputs.json")[key]
    content, calls = _calls(raw)
    assert calls == EXPECTED_15B[key]
    if calls:
        assert content == ""  # these replies hold nothing but the call
    else:
        assert content == raw.strip()  # a reply without a call is left exactly as written


@pytest.mark.parametrize("key", sorted(EXPECTED_05B))
def test_recorded_05b(key: str) -> None:
    raw = _load("toolcall_outputs_0.5b.json")[key]
    content, calls = _calls(raw)
    assert calls == EXPECTED_05B[key]


@pytest.mark.parametrize("key", sorted(EXPECTED_FINAL))
def test_recorded_15b_final_prompt(key: str) -> None:
    raw = _load("toolcall_outputs_final_prompt.json")[key]
    content, calls = _calls(raw)
    assert calls == EXPECTED_FINAL[key]
    assert content == ("" if calls else raw.strip())


def test_recorded_fixtures_cover_every_key() -> None:
    assert set(_load("toolcall_outputs.json")) == set(EXPECTED_15B)
    assert set(_load("toolcall_outputs_final_prompt.json")) == set(EXPECTED_FINAL)


def test_truncated_call_stays_text() -> None:
    raw = _load("toolcall_outputs_0.5b.json")["en-weather-answer"]
    content, _ = _calls(raw)
    assert content == '{"name": "get_weather'


def test_qwen_tags_with_text_around() -> None:
    text = (
        "Let me check both.\n<tool_call>\n"
        '{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n<tool_call>\n'
        '{"name": "search_restaurants", "arguments": {"location": "Paris", "cuisine": "crêpes"}}\n'
        "</tool_call>"
    )
    content, calls = parse_tool_calls(text)
    assert content == "Let me check both."
    assert [c.name for c in calls] == [W, R]
    assert calls[1].arguments == {"location": "Paris", "cuisine": "crêpes"}
    assert calls[0].id != calls[1].id and calls[0].id.startswith("call_")


def test_unclosed_tag_at_the_end() -> None:
    content, calls = parse_tool_calls('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}')
    assert content == "" and calls[0].arguments == {"city": "Rome"}


def test_arguments_as_json_string_and_parameters_key() -> None:
    text = '{"name": "get_weather", "arguments": "{\\"city\\": \\"Oslo\\"}"} and {"name": "x", "parameters": {"a": 1}}'
    content, calls = parse_tool_calls(text)
    assert [(c.name, c.arguments) for c in calls] == [("get_weather", {"city": "Oslo"}), ("x", {"a": 1})]
    assert content == "and"


def test_openai_shape_and_list() -> None:
    text = json.dumps(
        [
            {"id": "abc", "type": "function", "function": {"name": "f", "arguments": '{"q": "北京"}'}},
            {"name": "g", "arguments": {}},
        ],
        ensure_ascii=False,
    )
    _, calls = parse_tool_calls(text)
    assert [(c.id, c.name, c.arguments) for c in calls][0] == ("abc", "f", {"q": "北京"})
    assert calls[1].name == "g"


def test_invalid_json_is_left_as_text() -> None:
    text = '<tool_call>{"name": "get_weather", "arguments": {city: Paris}}</tool_call>'
    assert parse_tool_calls(text) == (text, [])
    bad_args = '{"name": "get_weather", "arguments": "not json"}'
    assert parse_tool_calls(bad_args) == (bad_args, [])


def test_plain_json_data_is_not_a_call() -> None:
    for text in ['{"name": "Li Lei", "age": 30}', "[1, 2, 3]", '```json\n{"a": {"name": "x"}}\n```']:
        assert parse_tool_calls(text) == (text, [])


def test_unknown_names_are_not_calls_when_names_given() -> None:
    text = '{"name": "delete_everything", "arguments": {}}'
    assert parse_tool_calls(text, {"get_weather"}) == (text, [])
    assert parse_tool_calls(text)[1][0].name == "delete_everything"


def test_stream_releases_text_and_holds_calls() -> None:
    raw = _load("toolcall_outputs.json")["en-weather-t0.0"]
    s = ToolCallStream(TOOL_NAMES)
    shown = "".join(s.feed(raw[i : i + 3]) for i in range(0, len(raw), 3))
    content, calls, rest = s.finish()
    assert shown == "" and rest == "" and content == "" and calls[0].name == W


def test_stream_text_then_call_and_plain_code_block() -> None:
    s = ToolCallStream(TOOL_NAMES)
    shown = "".join(
        s.feed(p) for p in ["Sure, ", "checking <tool", '_call>{"name": "get_weather", ', '"arguments": {}}']
    )
    content, calls, rest = s.finish()
    assert shown == "Sure, checking " and calls[0].name == W and content == "Sure, checking" and rest == ""

    raw = _load("toolcall_outputs.json")["en-none-t0.7"]
    s = ToolCallStream(TOOL_NAMES)
    shown = "".join(s.feed(raw[i : i + 5]) for i in range(0, len(raw), 5))
    content, calls, rest = s.finish()
    assert calls == [] and shown + rest == raw.strip() == content


def test_stream_keeps_streaming_past_inline_brackets() -> None:
    s = ToolCallStream(TOOL_NAMES)
    pieces = ["Lists like [1, 2]", " and sets {a} are ", "built in.\nNext line ", "too."]
    shown = [s.feed(p) for p in pieces]
    assert "".join(shown) == "".join(pieces) and all(shown)  # nothing held back
    content, calls, rest = s.finish()
    assert calls == [] and rest == "" and content == "".join(pieces)


def test_stream_holds_a_fence_split_across_pieces() -> None:
    s = ToolCallStream(TOOL_NAMES)
    shown = "".join(s.feed(p) for p in ["Calling.\n`", "`", '`json\n{"name": "get_weather", "arguments": {}}\n```'])
    content, calls, rest = s.finish()
    assert shown == "Calling.\n" and content == "Calling." and calls[0].name == W and rest == ""


def test_braces_inside_other_code_blocks_are_code() -> None:
    text = 'Example:\n```python\ncall = {"name": "get_weather", "arguments": {"city": "Oslo"}}\n```'
    assert parse_tool_calls(text, TOOL_NAMES) == (text, [])
