"""Any OpenAI-compatible chat endpoint: Qwen3 on DashScope's compatible mode, vLLM, SGLang,
Ollama, llama-server. Base URL, key and model come from settings (``openai_base_url``,
``openai_api_key``, ``openai_model``).

Streams over SSE with httpx. ``reasoning_content`` (Qwen3, DeepSeek) streams as reasoning;
``think`` maps to Qwen3's ``enable_thinking``; native ``tool_calls`` become ``ToolCall``s, and a
server without a tool parser still gets its calls read from the text by ``toolcalls``; a schema
becomes ``response_format: json_schema``. Failures become ``ModelError`` with a message that says
what to check.
May import: config, errors, messages, models.base, models.toolcalls, models.local (ThinkSplitter).
"""

from __future__ import annotations

import json
import queue
import re
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx

from banshi.errors import ModelError
from banshi.messages import Completion, Delta, Message, ToolCall, Usage
from banshi.models.base import Backend, StreamItem
from banshi.models.local import THINK_OPEN, ThinkSplitter, tool_names
from banshi.models.toolcalls import ToolCallStream, new_call_id

if TYPE_CHECKING:
    from banshi.config import Settings

_DONE = object()


def _thinking_knob(model: str) -> bool:
    """Whether the model takes Qwen's ``enable_thinking`` switch (other providers reject
    unknown parameters, so it is only sent to Qwen models)."""
    m = model.lower()
    return "qwen" in m or "qwq" in m


_SEES = re.compile(r"(?:^|[-_./:\d])vl(?:$|[-_.:])|vision|qvq|omni|llava")


def sees_images(settings: Settings) -> bool:
    """Whether photos go to the model as images: ``BANSHI_VISION``, or with ``auto`` when the
    model's name says it is a vision-language model (``qwen2.5-vl-7b-instruct``, ``qwen-vl-max``,
    ``qvq-max``, ``qwen-omni-turbo``)."""
    if settings.vision != "auto":
        return settings.vision == "true"
    return bool(_SEES.search(settings.openai_model.lower()))


class OpenAICompatBackend(Backend):
    """A chat model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    id = "openai"
    native_reasoning = True

    def __init__(self, settings: Settings, *, timeout: float = 300.0):
        self.settings = settings
        self.base_url = settings.openai_base_url.rstrip("/")
        self.model = settings.openai_model
        self.sees_images = sees_images(settings)
        headers = {"Accept": "text/event-stream"}
        if settings.openai_api_key:
            headers["Authorization"] = f"Bearer {settings.openai_api_key}"
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=10.0),
        )

    def close(self) -> None:
        self._client.close()

    def models(self) -> list[str]:
        """The model ids the endpoint offers (``GET /models``)."""
        try:
            r = self._client.get("/models")
        except httpx.HTTPError as e:
            raise self._transport_error(e) from e
        if r.status_code >= 400:
            raise self._status_error(r.status_code, r.text)
        return [m.get("id", "") for m in r.json().get("data", [])]

    def build_request(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        think: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_wire(m, self.sees_images) for m in messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": max_tokens or self.settings.max_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
        }
        if tools:
            body["tools"] = [t if "function" in t else {"type": "function", "function": t} for t in tools]
            if tool_choice is not None:
                body["tool_choice"] = tool_choice
        if schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            }
        if _thinking_knob(self.model):
            # DashScope reads the top-level switch, vLLM / SGLang / llama-server the template's
            body["enable_thinking"] = bool(think)
            body["chat_template_kwargs"] = {"enable_thinking": bool(think)}
        return body

    def stream(
        self,
        messages: list[Message],
        *,
        tools: list[dict[str, Any]] | None = None,
        schema: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        cancel: threading.Event | None = None,
        think: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
    ) -> Iterator[StreamItem]:
        body = self.build_request(
            messages,
            tools=tools,
            schema=schema,
            max_tokens=max_tokens,
            temperature=temperature,
            think=think,
            tool_choice=tool_choice,
        )
        text_calls = ToolCallStream(tool_names(tools)) if tools else None
        splitter: ThinkSplitter | None = None
        started = False
        pending_text = ""  # the first characters, until we know whether they open <think>
        text: list[str] = []
        reasoning: list[str] = []
        native: dict[int, dict[str, Any]] = {}
        finish = "stop"
        usage = Usage()

        def show(piece: str) -> Iterator[Delta]:
            text.append(piece)
            if text_calls is not None:
                piece = text_calls.feed(piece)
            if piece:
                yield Delta(text=piece)

        def route(piece: str) -> Iterator[Delta]:
            # a server that leaves <think> in the content (Ollama, llama-server without a
            # reasoning parser): split it out as reasoning
            nonlocal splitter, started, pending_text
            if not started:
                pending_text += piece
                head = pending_text.lstrip()
                if len(head) < len(THINK_OPEN) and THINK_OPEN.startswith(head):
                    return
                started = True
                piece, pending_text = pending_text, ""
                if head.startswith(THINK_OPEN):
                    splitter = ThinkSplitter(in_reasoning=False)
            if splitter is None:
                yield from show(piece)
                return
            r_out, t_out = splitter.feed(piece)
            if r_out:
                reasoning.append(r_out)
                yield Delta(reasoning=r_out)
            if t_out:
                yield from show(t_out)

        for data in self._events(body, cancel):
            if data.get("usage"):
                u = data["usage"]
                usage = Usage(prompt_tokens=u.get("prompt_tokens", 0), completion_tokens=u.get("completion_tokens", 0))
            for choice in data.get("choices") or []:
                delta = choice.get("delta") or {}
                thought = delta.get("reasoning_content") or delta.get("reasoning")
                if thought:
                    reasoning.append(thought)
                    yield Delta(reasoning=thought)
                if delta.get("content"):
                    yield from route(delta["content"])
                for tc in delta.get("tool_calls") or []:
                    slot = native.setdefault(tc.get("index", len(native)), {"id": "", "name": "", "arguments": ""})
                    fn = tc.get("function") or {}
                    slot["id"] = tc.get("id") or slot["id"]
                    slot["name"] += fn.get("name") or ""
                    slot["arguments"] += fn.get("arguments") or ""
                if choice.get("finish_reason"):
                    finish = choice["finish_reason"]
        if cancel is not None and cancel.is_set():
            finish = "cancelled"
        if pending_text:
            started = True
            piece, pending_text = pending_text, ""
            yield from show(piece)
        if splitter is not None:
            r_out, t_out = splitter.flush()
            if r_out:
                reasoning.append(r_out)
                yield Delta(reasoning=r_out)
            if t_out:
                yield from show(t_out)

        content = "".join(text) if splitter is None else splitter.text
        calls = [_native_call(slot) for _, slot in sorted(native.items())]
        if text_calls is not None:
            parsed_content, parsed_calls, rest = text_calls.finish()
            if rest:
                yield Delta(text=rest)
            if not calls:
                calls = parsed_calls
            content = parsed_content
        if splitter is not None:
            content = content.strip()
        if calls and finish == "stop":
            finish = "tool_calls"
        yield Completion(
            text=content, reasoning="".join(reasoning).strip(), tool_calls=calls, finish_reason=finish, usage=usage
        )

    # -- transport --------------------------------------------------------------------------------

    def _events(self, body: dict[str, Any], cancel: threading.Event | None) -> Iterator[dict[str, Any]]:
        """Decoded SSE ``data:`` events. The response is read in a worker thread so that Stop
        returns at once; closing the response tells the server to stop generating."""
        items: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        holder: dict[str, httpx.Response] = {}

        def work() -> None:
            try:
                with self._client.stream("POST", "/chat/completions", json=body) as r:
                    holder["response"] = r
                    if r.status_code >= 400:
                        r.read()
                        items.put(self._status_error(r.status_code, r.text))
                        return
                    for line in r.iter_lines():
                        if stop.is_set():
                            return
                        if not line.startswith("data:"):
                            continue
                        payload = line[5:].strip()
                        if payload == "[DONE]":
                            return
                        items.put(payload)
            except httpx.HTTPError as e:
                if not stop.is_set():
                    items.put(self._transport_error(e))
            except Exception as e:  # noqa: BLE001 - handed to the consumer
                if not stop.is_set():
                    items.put(ModelError(f"OpenAI-compatible endpoint {self.base_url}: {e}", code="upstream_error"))
            finally:
                items.put(_DONE)

        worker = threading.Thread(target=work, name="banshi-openai", daemon=True)
        worker.start()
        try:
            while not (cancel is not None and cancel.is_set()):
                try:
                    item = items.get(timeout=0.05)
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                if isinstance(item, ModelError):
                    raise item
                try:
                    data = json.loads(item)
                except ValueError:
                    raise ModelError(
                        f"OpenAI-compatible endpoint {self.base_url} sent a malformed event: {item[:200]}",
                        code="upstream_error",
                    ) from None
                if isinstance(data, dict) and data.get("error"):
                    err = data["error"]
                    msg = err.get("message") if isinstance(err, dict) else str(err)
                    raise ModelError(f"OpenAI-compatible endpoint {self.base_url}: {msg}", code="upstream_error")
                yield data
        finally:
            stop.set()
            response = holder.get("response")
            if response is not None:
                try:
                    response.close()  # drops the connection: the server stops generating
                except Exception:  # noqa: BLE001 - closing from another thread may race; nothing to do
                    pass
            worker.join(timeout=1.0)

    def _transport_error(self, e: httpx.HTTPError) -> ModelError:
        if isinstance(e, httpx.ConnectError):
            return ModelError(
                f"cannot connect to the OpenAI-compatible endpoint {self.base_url} ({e}); is the server "
                "running and BANSHI_OPENAI_BASE_URL right?",
                code="upstream_unreachable",
            )
        if isinstance(e, httpx.TimeoutException):
            return ModelError(f"the OpenAI-compatible endpoint {self.base_url} timed out", code="upstream_timeout")
        return ModelError(f"OpenAI-compatible endpoint {self.base_url}: {e}", code="upstream_error")

    def _status_error(self, status: int, text: str) -> ModelError:
        detail = text[:500]
        try:
            err = json.loads(text).get("error")
            detail = (err.get("message") if isinstance(err, dict) else str(err)) or detail
        except (ValueError, AttributeError):
            pass
        hint = {
            401: "the endpoint refused the API key (BANSHI_OPENAI_API_KEY)",
            403: "the endpoint refused the API key (BANSHI_OPENAI_API_KEY)",
            404: f"no such model or URL (BANSHI_OPENAI_MODEL={self.model}, BANSHI_OPENAI_BASE_URL={self.base_url})",
            429: "the endpoint is rate-limiting or out of quota",
        }.get(status, "the endpoint failed" if status >= 500 else "the endpoint rejected the request")
        return ModelError(f"{hint}: HTTP {status}: {detail}", code="upstream_error")


def _wire(m: Message, images: bool = False) -> dict[str, Any]:
    out = m.to_openai()
    if images and m.images:  # OpenAI's content parts: the text, then each photo as a data URL
        out["content"] = [{"type": "text", "text": m.content},
                          *({"type": "image_url", "image_url": {"url": url}} for url in m.images)]
    if m.role == "assistant" and m.tool_calls and not m.content:
        out["content"] = None  # some servers reject "" beside tool_calls
    return out


def _native_call(slot: dict[str, Any]) -> ToolCall:
    raw = slot["arguments"].strip()
    try:
        args = json.loads(raw) if raw else {}
    except ValueError:
        args = {"_raw": raw}  # the server's own parser produced it; keep it for the model to see
    if not isinstance(args, dict):
        args = {"_value": args}
    return ToolCall(name=slot["name"], arguments=args, id=slot["id"] or new_call_id())
