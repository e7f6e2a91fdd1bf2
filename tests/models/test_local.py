"""The local backend's request building and stream splitting, without loading a model."""

from __future__ import annotations

import pytest

from banshi.config import Settings
from banshi.errors import InvalidInput
from banshi.messages import Message
from banshi.models.local import (
    THINK_INSTRUCTION,
    LocalBackend,
    ThinkSplitter,
    tool_call_schema,
    tools_system_block,
)

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
SHOP = {"name": "buy", "parameters": {"type": "object", "properties": {"item": {"type": "string"}}}}


def split(pieces: list[str], in_reasoning: bool = True) -> tuple[str, str, ThinkSplitter]:
    s = ThinkSplitter(in_reasoning)
    r, t = "", ""
    for p in pieces:
        a, b = s.feed(p)
        r, t = r + a, t + b
    a, b = s.flush()
    return r + a, t + b, s


def test_think_splitter_tag_cut_across_pieces() -> None:
    r, t, s = split(["First, 3×7", " = 21.</th", "ink>\n\nThe answer", " is 21."])
    assert (r, t, s.seen_close) == ("First, 3×7 = 21.", "The answer is 21.", True)


def test_think_splitter_repeated_open_tag_and_plain_start() -> None:
    r, t, _ = split(["<thi", "nk>\nreason", "ing</think>ok"])
    assert (r, t) == ("\nreasoning", "ok")
    r, t, _ = split(["no tags ", "at <b>all</b>"], in_reasoning=False)
    assert (r, t) == ("", "no tags at <b>all</b>")
    r, t, s = split(["never closed <"])
    assert (r, t, s.seen_close) == ("never closed <", "", False)


def test_request_plain() -> None:
    b = LocalBackend(Settings(max_tokens=77, temperature=0.3))
    body, mode = b.build_request([Message("user", "你好")])
    assert body["messages"] == [{"role": "user", "content": "你好"}]
    assert body["stream"] and body["cache_prompt"] and body["return_progress"]
    assert body["max_tokens"] == 77 and body["temperature"] == 0.3
    assert body["reasoning_format"] == "none"
    assert not mode["think_prompt"] and not mode["tools"] and not b.loaded


def test_request_tools_go_in_the_system_message() -> None:
    b = LocalBackend(Settings())
    msgs = [Message("system", "Be brief."), Message("user", "weather in Paris?")]
    body, mode = b.build_request(msgs, tools=[WEATHER, SHOP])
    system = body["messages"][0]
    assert system["role"] == "system" and system["content"].startswith("Be brief.\n\n# Tools")
    assert '"name": "get_weather"' in system["content"] and '"name": "buy"' in system["content"]
    assert "<tool_call>" in system["content"] and "tools" not in body
    assert mode["names"] == ["get_weather", "buy"] and not mode["forced_call"]
    # the same tools give the same system text: llama.cpp's prompt cache reuses it next turn
    again, _ = b.build_request([*msgs, Message("assistant", "ok"), Message("user", "and Rome?")], tools=[WEATHER, SHOP])
    assert again["messages"][0] == system
    assert system["content"] == "Be brief.\n\n" + tools_system_block([WEATHER, SHOP])


def test_request_required_tool_uses_a_grammar() -> None:
    b = LocalBackend(Settings())
    body, mode = b.build_request([Message("user", "x")], tools=[WEATHER, SHOP], tool_choice="required")
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema == tool_call_schema([WEATHER, SHOP])
    assert [o["properties"]["name"]["const"] for o in schema["anyOf"]] == ["get_weather", "buy"]
    assert mode["forced_call"]
    body, _ = b.build_request(
        [Message("user", "x")], tools=[WEATHER, SHOP], tool_choice={"type": "function", "function": {"name": "buy"}}
    )
    assert body["response_format"]["json_schema"]["schema"]["properties"]["name"] == {"const": "buy"}
    with pytest.raises(InvalidInput):
        b.build_request([Message("user", "x")], tools=[WEATHER], tool_choice={"function": {"name": "nope"}})
    body, mode = b.build_request([Message("user", "x")], tools=[WEATHER], tool_choice="none")
    assert not mode["tools"] and body["messages"] == [{"role": "user", "content": "x"}]


def test_request_think_prefills_the_reasoning_block() -> None:
    b = LocalBackend(Settings())
    body, mode = b.build_request([Message("user", "3*7?")], think=True)
    assert body["messages"][0]["role"] == "system" and THINK_INSTRUCTION in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "assistant", "content": "<think>\n"}
    assert mode["think_prompt"]
    # a schema wins over thinking: the grammar would forbid the <think> block
    body, mode = b.build_request([Message("user", "x")], think=True, schema={"type": "object"})
    assert not mode["think_prompt"] and body["response_format"]["type"] == "json_schema"


def test_reasoning_is_not_sent_back() -> None:
    b = LocalBackend(Settings())
    body, _ = b.build_request([Message("user", "a"), Message("assistant", "b", reasoning="long thoughts")])
    assert body["messages"][1] == {"role": "assistant", "content": "b"}


def test_llama_cpp_errors_become_domain_errors() -> None:
    from banshi.errors import ModelError, TooLarge
    from banshi.models.local import _error_of

    assert _error_of({"choices": [{"delta": {"content": "x"}}]}) is None
    too_long = {
        "error": {
            "code": 400,
            "message": "request (430 tokens) exceeds the available context size (256 tokens), try increasing it",
            "type": "exceed_context_size_error",
        }
    }
    assert isinstance(_error_of(too_long), TooLarge)
    bad = _error_of({"error": {"code": 400, "message": "bad grammar", "type": "invalid_request_error"}})
    assert isinstance(bad, InvalidInput) and "bad grammar" in bad.message
    crash = _error_of({"code": 500, "message": "boom", "type": "server_error"})
    assert isinstance(crash, ModelError) and crash.status == 503


def test_a_reply_caught_in_a_loop_is_cut_and_a_refrain_is_not() -> None:
    """`banshi write social_post` had written 🎉 for 80 s, to the end of its token budget."""
    import json
    import time

    from banshi.models.local import _Accumulator, looping

    assert looping("祝它生日快乐！" + "🎉" * 120) and looping("开头\n" + "- 一起庆祝吧\n" * 30)
    assert not looping("-" * 80) and not looping("啦啦啦，" * 8 + "我们的歌。") and not looping("短" * 119)

    class Server:  # llama.cpp's in-process server: streams chunks to the callback until it returns True
        stopped = False

        def handle_chat_completions(self, body: str, on_chunk) -> None:
            for piece in ["今天是咪咪三岁生日！", *["🎉"] * 2000]:
                time.sleep(0.001)
                if on_chunk(json.dumps({"choices": [{"delta": {"content": piece}}]})):
                    Server.stopped = True
                    return

    backend, acc = LocalBackend(Settings()), _Accumulator()
    text = "".join(p for _, p in backend._pieces(Server(), {}, None, acc))
    assert text.startswith("今天是咪咪三岁生日！") and text.count("🎉") < 200 and acc.finish == "length"
    assert Server.stopped  # the model was told to stop, not left to run
