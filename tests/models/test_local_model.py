"""End-to-end checks with the real default model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M), loaded
once for the module. Short on purpose: every reply is capped at a few dozen tokens."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from banshi.config import Settings
from banshi.messages import Completion, Delta, Message
from banshi.models.local import LocalBackend
from banshi.models.openai_compat import OpenAICompatBackend

pytestmark = pytest.mark.model

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}


@pytest.fixture(scope="module")
def local() -> Iterator[LocalBackend]:
    b = LocalBackend(Settings(n_ctx=4096, temperature=0.0))
    b.load()
    yield b
    b.close()


def collect(items: Iterator[Any]) -> tuple[list[Delta], Completion]:
    deltas, done = [], None
    for item in items:
        if isinstance(item, Delta):
            deltas.append(item)
        else:
            assert done is None, "exactly one Completion"
            done = item
    assert done is not None
    return deltas, done


def cjk_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(1 for c in letters if "\u4e00" <= c <= "\u9fff") / max(1, len(letters))


def test_streams_deltas_then_completion_with_usage(local: LocalBackend) -> None:
    deltas, done = collect(local.stream([Message("user", "Name three primary colors.")], max_tokens=24))
    assert len(deltas) >= 3 and "".join(d.text for d in deltas) == done.text
    assert done.usage.prompt_tokens > 5 and 0 < done.usage.completion_tokens <= 24
    assert done.finish_reason in ("stop", "length")
    assert local.count_tokens("你好，世界 hello") == 4  # the model's tokenizer, not the heuristic


def test_chinese_question_gets_chinese_answer(local: LocalBackend) -> None:
    _, done = collect(local.stream([Message("user", "用一句话介绍一下长城。")], max_tokens=40))
    assert cjk_share(done.text) > 0.8, done.text


def test_json_schema_is_followed(local: LocalBackend) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    _, done = collect(local.stream([Message("user", "Invent a person.")], schema=schema, max_tokens=40))
    data = json.loads(done.text)
    assert set(data) == {"name", "age"} and isinstance(data["age"], int) and isinstance(data["name"], str)


def test_cancel_stops_generation_fast(local: LocalBackend) -> None:
    cancel = threading.Event()
    texts = []
    items = local.stream([Message("user", "Write a long story about a dragon.")], max_tokens=300, cancel=cancel)
    for item in items:
        if isinstance(item, Delta) and item.text:
            texts.append(item.text)
            if len(texts) == 3:
                cancel.set()
                t_cancel = time.monotonic()
        elif isinstance(item, Completion):
            done = item
    assert time.monotonic() - t_cancel < 1.0
    assert done.finish_reason == "cancelled" and done.usage.completion_tokens < 10
    # llama.cpp really stopped: the next request is served at once, not after 300 tokens
    t0 = time.monotonic()
    _, after = collect(local.stream([Message("user", "Say OK.")], max_tokens=3))
    assert after.text and time.monotonic() - t0 < 15


def test_prompt_cache_reuses_the_previous_turn(local: LocalBackend) -> None:
    turn1 = [Message("system", "You are terse."), Message("user", "What is the capital of France?")]
    _, a1 = collect(local.stream(turn1, max_tokens=8))
    turn2 = [*turn1, Message("assistant", a1.text), Message("user", "And of Italy?")]
    collect(local.stream(turn2, max_tokens=8))
    assert local.last_timings["cache_n"] >= a1.usage.prompt_tokens - 2  # only the new turn was read


def test_required_tool_call_under_grammar(local: LocalBackend) -> None:
    _, done = collect(
        local.stream([Message("user", "杭州现在天气如何？")], tools=[WEATHER], tool_choice="required", max_tokens=40)
    )
    assert [c.name for c in done.tool_calls] == ["get_weather"]
    assert "杭州" in done.tool_calls[0].arguments["city"] or "Hangzhou" in done.tool_calls[0].arguments["city"]
    assert done.finish_reason == "tool_calls" and done.text == ""


def test_auto_tool_call_and_answer_from_result(local: LocalBackend) -> None:
    ask = [Message("user", "What's the weather like in Paris today?")]
    deltas, done = collect(local.stream(ask, tools=[WEATHER], max_tokens=60))
    assert [c.name for c in done.tool_calls] == ["get_weather"]
    assert "{" not in "".join(d.text for d in deltas)  # the call's JSON is never streamed as text
    result = Message(
        "tool", '{"city": "Paris", "temperature": 18, "condition": "light rain"}', tool_call_id=done.tool_calls[0].id
    )
    _, answer = collect(
        local.stream(
            [*ask, Message("assistant", "", tool_calls=done.tool_calls), result], tools=[WEATHER], max_tokens=40
        )
    )
    assert answer.tool_calls == [] and "18" in answer.text


def test_think_streams_reasoning_then_answer(local: LocalBackend) -> None:
    deltas, done = collect(local.stream([Message("user", "What is 17 + 25?")], think=True, max_tokens=120))
    kinds = [("r" if d.reasoning else "t") for d in deltas]
    assert "r" in kinds and "t" in kinds and kinds.index("t") > kinds.index("r")  # reasoning first
    assert done.reasoning and "42" in done.text


def test_openai_backend_against_llama_cpp_http_server(local: LocalBackend) -> None:
    """The in-process llama.cpp also serves the OpenAI protocol over HTTP: a real server."""
    url, key = local.openai_endpoint()
    remote = OpenAICompatBackend(Settings(openai_base_url=url, openai_api_key=key, openai_model="any"))
    deltas, done = collect(remote.stream([Message("user", "Reply with one word: hello")], max_tokens=8))
    assert deltas and done.text and re.search(r"\w", done.text)
    assert done.usage.completion_tokens > 0
    remote.close()
