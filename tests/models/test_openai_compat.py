"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1: a small FastAPI app
run by uvicorn that speaks the chat-completions SSE protocol the way DashScope, vLLM and
llama-server do (reasoning_content, tool_calls in pieces, usage in the last chunk, errors)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from banshi.config import Settings
from banshi.errors import ModelError
from banshi.messages import Completion, Delta, Message, ToolCall
from banshi.models.openai_compat import OpenAICompatBackend


def chunk(delta: dict[str, Any] | None = None, finish: str | None = None, **extra: Any) -> str:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return "data: " + json.dumps({"id": "x", "object": "chat.completion.chunk", "choices": choices, **extra}) + "\n\n"


USAGE = {"usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}


def make_app(state: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": "qwen3-8b"}, {"id": "plain"}]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        state["requests"].append({"body": body, "auth": request.headers.get("authorization")})
        model = body["model"]
        if model == "needs-key" and request.headers.get("authorization") != "Bearer sk-good":
            return JSONResponse({"error": {"message": "Invalid API key", "type": "auth"}}, status_code=401)
        if model == "broken":
            return JSONResponse({"error": {"message": "CUDA out of memory"}}, status_code=500)

        async def events() -> Any:
            if model == "slow":
                for i in range(400):
                    state["sent"] = i + 1
                    yield chunk({"content": f"w{i} "})
                    await asyncio.sleep(0.02)
            elif model.startswith("qwen3"):
                for piece in ["Let me ", "think."]:
                    yield chunk({"reasoning_content": piece, "content": None})
                for piece in ["你好", "！"]:
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
            elif model == "native-tools":
                yield chunk({"role": "assistant", "content": None})
                yield chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": "call_a",
                                "type": "function",
                                "function": {"name": "get_weather", "arguments": ""},
                            }
                        ]
                    }
                )
                yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]})
                yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": '"杭州"}'}}]})
                yield chunk(
                    {
                        "tool_calls": [
                            {
                                "index": 1,
                                "id": "call_b",
                                "type": "function",
                                "function": {"name": "search_restaurants", "arguments": '{"location": "西湖"}'},
                            }
                        ]
                    }
                )
                yield chunk({}, "tool_calls")
            elif model == "text-tools":
                for piece in [
                    "I'll check.\n",
                    '```json\n{"name": "get_weather", ',
                    '"arguments": {"city": "Paris"}}\n```',
                ]:
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
            elif model == "think-tags":
                for piece in ["<thi", "nk>\nstep one", "</think>\n\n", "42"]:
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
            elif model == "midstream-error":
                yield chunk({"content": "par"})
                yield "data: " + json.dumps({"error": {"message": "upstream overloaded"}}) + "\n\n"
            else:
                for piece in ["Hello", " world"]:
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
            yield chunk(None, **USAGE)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on a free local port; yields its ``/v1`` base URL."""
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)
    assert srv.started
    yield f"http://127.0.0.1:{port}/v1"
    srv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {"requests": []}
    for url in serve(make_app(state)):
        yield url, state


def backend(url: str, model: str, key: str = "") -> OpenAICompatBackend:
    return OpenAICompatBackend(Settings(openai_base_url=url, openai_model=model, openai_api_key=key))


def run(b: OpenAICompatBackend, **kwargs: Any) -> tuple[list[Delta], Completion]:
    deltas, done = [], None
    for item in b.stream([Message("user", "hi")], **kwargs):
        if isinstance(item, Delta):
            deltas.append(item)
        else:
            done = item
    assert done is not None
    return deltas, done


def test_plain_stream_and_usage(server) -> None:
    url, state = server
    deltas, done = run(backend(url, "plain", key="sk-1"), max_tokens=50, temperature=0.1)
    assert [d.text for d in deltas] == ["Hello", " world"]
    assert done.text == "Hello world" and done.finish_reason == "stop"
    assert (done.usage.prompt_tokens, done.usage.completion_tokens) == (11, 7)
    req = state["requests"][-1]
    assert req["auth"] == "Bearer sk-1"
    assert req["body"]["stream"] is True and req["body"]["max_tokens"] == 50 and req["body"]["temperature"] == 0.1
    assert "enable_thinking" not in req["body"]  # only Qwen models get Qwen's switch
    assert backend(url, "plain").models() == ["qwen3-8b", "plain"]


def test_reasoning_content_and_enable_thinking(server) -> None:
    url, state = server
    b = backend(url, "qwen3-8b")
    assert b.native_reasoning
    deltas, done = run(b, think=True)
    assert "".join(d.reasoning for d in deltas) == "Let me think."
    assert "".join(d.text for d in deltas) == "你好！"
    assert done.reasoning == "Let me think." and done.text == "你好！"
    body = state["requests"][-1]["body"]
    assert body["enable_thinking"] is True and body["chat_template_kwargs"] == {"enable_thinking": True}
    run(b, think=False)
    assert state["requests"][-1]["body"]["enable_thinking"] is False


def test_native_tool_calls_assembled_from_pieces(server) -> None:
    url, state = server
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    deltas, done = run(backend(url, "native-tools"), tools=tools, tool_choice="auto")
    assert deltas == []
    assert done.finish_reason == "tool_calls"
    assert done.tool_calls == [
        ToolCall(name="get_weather", arguments={"city": "杭州"}, id="call_a"),
        ToolCall(name="search_restaurants", arguments={"location": "西湖"}, id="call_b"),
    ]
    body = state["requests"][-1]["body"]
    assert body["tools"] == tools and body["tool_choice"] == "auto"


def test_tool_call_in_text_is_parsed(server) -> None:
    url, _ = server
    tools = [{"name": "get_weather", "parameters": {"type": "object"}}]  # bare function schema
    deltas, done = run(backend(url, "text-tools"), tools=tools)
    assert "".join(d.text for d in deltas).strip() == "I'll check."  # the JSON never shows
    assert done.text == "I'll check." and done.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in done.tool_calls] == [("get_weather", {"city": "Paris"})]


def test_think_tags_in_content_become_reasoning(server) -> None:
    url, _ = server
    deltas, done = run(backend(url, "think-tags"))
    assert done.reasoning == "step one" and done.text == "42"
    assert "".join(d.text for d in deltas).strip() == "42"


def test_schema_becomes_response_format(server) -> None:
    url, state = server
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    run(backend(url, "plain"), schema=schema)
    rf = state["requests"][-1]["body"]["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["schema"] == schema


def test_history_with_tool_results_is_sent_in_openai_shape(server) -> None:
    url, state = server
    msgs = [
        Message("user", "weather?"),
        Message("assistant", "", tool_calls=[ToolCall(name="get_weather", arguments={"city": "Paris"}, id="c1")]),
        Message("tool", '{"t": 18}', tool_call_id="c1"),
    ]
    list(backend(url, "plain").stream(msgs))
    sent = state["requests"][-1]["body"]["messages"]
    assert sent[1]["content"] is None
    assert sent[1]["tool_calls"][0]["function"] == {"name": "get_weather", "arguments": '{"city": "Paris"}'}
    assert sent[2] == {"role": "tool", "content": '{"t": 18}', "tool_call_id": "c1"}


def test_cancel_stops_the_stream_and_the_server(server) -> None:
    url, state = server
    cancel = threading.Event()
    pieces = []
    t0 = time.monotonic()
    for item in backend(url, "slow").stream([Message("user", "go")], cancel=cancel):
        if isinstance(item, Delta):
            pieces.append(item.text)
            if len(pieces) == 5:
                cancel.set()
        else:
            done = item
    assert done.finish_reason == "cancelled"
    assert 5 <= len(pieces) < 10 and time.monotonic() - t0 < 2
    time.sleep(0.3)
    sent = state["sent"]
    time.sleep(0.3)
    assert state["sent"] == sent < 60  # the server noticed the closed connection and stopped


def test_closing_the_generator_stops_the_server(server) -> None:
    url, state = server
    gen = backend(url, "slow").stream([Message("user", "go")])
    for _ in range(3):
        next(gen)
    gen.close()
    time.sleep(0.3)
    sent = state["sent"]
    time.sleep(0.3)
    assert state["sent"] == sent < 60


def test_errors_are_clear(server) -> None:
    url, _ = server
    with pytest.raises(ModelError, match="refused the API key.*HTTP 401.*Invalid API key"):
        run(backend(url, "needs-key", key="sk-bad"))
    _, done = run(backend(url, "needs-key", key="sk-good"))
    assert done.text == "Hello world"
    with pytest.raises(ModelError, match="HTTP 500.*CUDA out of memory"):
        run(backend(url, "broken"))
    with pytest.raises(ModelError, match="upstream overloaded"):
        run(backend(url, "midstream-error"))


def test_connection_refused() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    with pytest.raises(ModelError, match="cannot connect") as e:
        run(backend(url, "plain"))
    assert e.value.status == 503
