"""The default backend: llama.cpp in-process through ``xllamacpp``, on the packaged Qwen weights
(or any GGUF file the owner names).

The model loads lazily, once, on first use. Each request runs llama.cpp's own chat-completions
handler in a worker thread whose stream callback feeds a queue; returning True from that
callback is how llama.cpp is told to stop, so Stop and ``close()`` end generation at the next
token (or the next prompt-progress step while a long prompt is read). llama.cpp keeps the single
slot's KV cache between requests (``cache_prompt``) and a RAM cache of earlier prompts, so a
conversation's shared prefix is not processed again: prompts are built so that additions (tools,
the reasoning instruction) sit in the system message and stay identical from turn to turn.

Tools are described to the model in Qwen's own system block and the reply is decoded under an
llguidance grammar (``toolcalls.call_grammar``): either text, or calls (in the tags, a fenced
JSON block or bare, as the default model writes them) whose names and arguments follow the
tools' schemas; ``toolcalls`` parses the result. A grammar llama.cpp cannot compile is dropped
by llama.cpp, and the reply is then parsed as free text. A JSON schema, or a required tool
choice, becomes a JSON-schema grammar. ``think=True`` on a model that
does not reason natively runs a reason-then-answer prompt: the reply is prefilled with
``<think>`` and the stream is split on ``</think>`` into reasoning and answer.
May import: config, errors, messages, models.base, models.weights, models.toolcalls.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from banshi.errors import BanshiError, InvalidInput, MissingDependency, ModelError, TooLarge
from banshi.messages import Completion, Delta, Message, ToolCall, Usage
from banshi.models.base import Backend, StreamItem
from banshi.models.toolcalls import (
    ToolCallStream,
    call_grammar,
    check_calls,
    described_call,
    new_call_id,
    parse_tool_calls,
    text_grammar,
)

if TYPE_CHECKING:
    from banshi.config import Settings

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"

THINK_INSTRUCTION = (
    "Before answering, think the problem through step by step inside <think> and </think>; "
    "then, after </think>, write the final answer for the user, in the language of the user's "
    "question."
)

TOOLS_HEADER = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>\n'
    # Measured on the 1.5B default, greedy, zh/en prompts: with a softer "call a function only
    # when needed" it described 4 of 8 needed calls in prose instead of making them; "reply with
    # only the <tool_call> block" alone made it call an invented reverse_string() when asked for
    # code; this wording got 9 of 9 right (5 calls made, 4 direct answers).
    "To call a function, reply with only the <tool_call> block and nothing else; never describe a "
    "call in words. Only the functions listed in <tools> exist: when none of them fits the "
    "request, answer directly in plain text, without JSON.\n"
    # the default model otherwise makes the first of several calls a request needs and stops,
    # or merges the values into one call ("Taylor Swift and Maroon 5")
    "When the request asks for several things, or for the same thing with several values, write "
    "one <tool_call> block for each, one after another.\n"
    # without this line the default repeats its call instead of using the result
    "When you are given a <tool_response>, use it to answer the user's question in plain words."
)
DEFAULT_SYSTEM = "You are a helpful assistant."

# Qwen2.5's recommended sampling (generation_config.json of the instruct models)
_SAMPLING = {"top_p": 0.8, "top_k": 20, "repeat_penalty": 1.05, "min_p": 0.0}

_DONE = object()


def tools_system_block(tools: list[dict[str, Any]]) -> str:
    """Qwen's tool description block (the same text its chat template writes)."""
    lines = [
        json.dumps(t if "function" in t else {"type": "function", "function": t}, ensure_ascii=False) for t in tools
    ]
    return TOOLS_HEADER + "".join("\n" + line for line in lines) + TOOLS_FOOTER


def tool_names(tools: list[dict[str, Any]] | None) -> list[str]:
    return [(t.get("function") or t).get("name", "") for t in tools or []]


def tool_call_schema(tools: list[dict[str, Any]], only: str | None = None) -> dict[str, Any]:
    """A JSON schema that admits exactly one call of one of ``tools`` (for grammar decoding)."""
    options = []
    for t in tools:
        fn = t.get("function") or t
        if only and fn.get("name") != only:
            continue
        params = fn.get("parameters") or {"type": "object"}
        options.append(
            {
                "type": "object",
                "properties": {"name": {"const": fn["name"]}, "arguments": params},
                "required": ["name", "arguments"],
            }
        )
    if not options:
        raise InvalidInput(f"tool_choice names {only!r}, which is not among the tools given")
    return options[0] if len(options) == 1 else {"anyOf": options}


class ThinkSplitter:
    """Splits a streamed reply into reasoning (inside ``<think>``…``</think>``) and answer.

    ``in_reasoning`` says whether the stream starts inside the block (the reply was prefilled
    with ``<think>``). A tag cut across two pieces is held back until it is complete."""

    def __init__(self, in_reasoning: bool):
        self.in_reasoning = in_reasoning
        self.seen_close = False
        self._buf = ""
        self.reasoning = ""
        self.text = ""

    def feed(self, piece: str) -> tuple[str, str]:
        self._buf += piece
        reasoning_out, text_out = "", ""
        while self._buf:
            tag = THINK_CLOSE if self.in_reasoning else THINK_OPEN
            i = self._buf.find(tag)
            if self.in_reasoning and not self.reasoning and not reasoning_out:
                # the model may repeat the prefilled opening tag
                stripped = self._buf.lstrip()
                if stripped.startswith(THINK_OPEN):
                    self._buf = stripped[len(THINK_OPEN) :]
                    continue
                if THINK_OPEN.startswith(stripped):
                    break
            if i >= 0:
                before, self._buf = self._buf[:i], self._buf[i + len(tag) :]
                if self.in_reasoning:
                    reasoning_out += before
                    self.seen_close = True
                    self._buf = self._buf.lstrip("\n")
                else:
                    text_out += before
                self.in_reasoning = not self.in_reasoning
                continue
            keep = _partial_suffix(self._buf, tag)
            emit, self._buf = self._buf[: len(self._buf) - keep], self._buf[len(self._buf) - keep :]
            if self.in_reasoning:
                reasoning_out += emit
            else:
                text_out += emit
            break
        self.reasoning += reasoning_out
        self.text += text_out
        return reasoning_out, text_out

    def flush(self) -> tuple[str, str]:
        rest, self._buf = self._buf, ""
        if self.in_reasoning:
            self.reasoning += rest
            return rest, ""
        self.text += rest
        return "", rest


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest end of ``text`` that is a proper start of ``tag``."""
    for k in range(min(len(text), len(tag) - 1), 0, -1):
        if tag.startswith(text[-k:]):
            return k
    return 0


class LocalBackend(Backend):
    """Qwen (or any GGUF chat model) in-process with llama.cpp."""

    id = "local"
    continues_answer = True  # llama.cpp's server prefills a trailing assistant message
    #: decode replies to a request with tools under ``toolcalls.call_grammar`` (text, or calls
    #: that follow the tools' schemas); off, the reply is free text parsed afterwards
    tool_grammar = True
    #: under the grammar, check calls against the conversation (``toolcalls.check_calls``):
    #: percentages as fractions where a rate is asked, no call that needs a value the
    #: conversation does not hold, no second tool the request never names; off, every call the
    #: grammar admits is returned as the model wrote it
    check_calls = True

    def __init__(self, settings: Settings, *, model_path: Path | None = None):
        self.settings = settings
        self._model_path = model_path
        self._server: Any = None
        self._base_url = ""
        self._key = secrets.token_urlsafe(24)
        self._lock = threading.Lock()
        #: True when the loaded model reasons by itself (its chat template knows ``<think>``, as
        #: Qwen3's does); known once the model is loaded
        self.native_reasoning = False
        self.model_name = settings.local_model
        self.chat_template = ""
        #: llama.cpp's timings of the last finished request (prompt_per_second, predicted_per_second, …)
        self.last_timings: dict[str, Any] = {}
        #: the tools of the calls ``_checked_calls`` dropped from the last reply (informational)
        self.last_dropped: list[str] = []
        self._count = lru_cache(maxsize=8192)(self._count_uncached)

    # -- loading --------------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def load(self) -> None:
        """Load the model now (it otherwise loads on first use)."""
        self._ensure()

    def _ensure(self) -> Any:
        if self._server is not None:
            return self._server
        with self._lock:
            if self._server is None:
                self._server = self._start()
        return self._server

    def _start(self) -> Any:
        from banshi.models.weights import resolve_model_path

        path = self._model_path or resolve_model_path(self.settings)
        # ggml's OpenMP workers otherwise spin while waiting; on a machine whose cores are shared
        # that turns ~12 tokens/s into ~1. Must be set before libgomp is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import xllamacpp
        except ImportError as e:  # pragma: no cover - a main dependency
            raise MissingDependency("xllamacpp", "local") from e

        threads = self.settings.n_threads or _usable_cores()
        p = xllamacpp.CommonParams()
        p.model.path = str(path)
        p.n_ctx = self.settings.n_ctx
        p.n_parallel = 1  # one slot: its KV cache carries a conversation's prefix to the next turn
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        # prompt-progress chunks come once per batch: smaller batches let Stop interrupt a long
        # prompt within a few seconds at ~45 tokens/s
        p.n_batch = 128
        p.n_ubatch = 128
        p.cache_prompt = True
        p.cache_ram_mib = 1024
        p.verbosity = -1  # quiet
        p.warmup = False
        p.ctx_shift = False
        # the in-process server also listens on a random loopback port; a random key closes it
        p.hostnames = ["127.0.0.1"]
        p.port = 0
        p.api_keys = [self._key]
        p.ui = False
        p.endpoint_metrics = False
        try:
            server = xllamacpp.Server(p)
        except Exception as e:
            raise ModelError(f"llama.cpp could not load {path}: {e}", code="model_load_failed") from e
        self._base_url = server.listening_address
        self.model_name = path.name
        try:
            props = self._http("GET", "/props", server_base=self._base_url)
            self.chat_template = props.get("chat_template", "") or ""
        except Exception:  # noqa: BLE001 - only informational
            self.chat_template = ""
        self.native_reasoning = "<think>" in self.chat_template or "enable_thinking" in self.chat_template
        return server

    def _http(
        self, method: str, route: str, body: dict[str, Any] | None = None, *, server_base: str | None = None
    ) -> Any:
        import httpx

        base = server_base or self._base_url
        r = httpx.request(method, base + route, json=body, timeout=30, headers={"Authorization": f"Bearer {self._key}"})
        r.raise_for_status()
        return r.json()

    def openai_endpoint(self) -> tuple[str, str]:
        """(base URL, API key) of the OpenAI-compatible HTTP server that llama.cpp runs beside the
        in-process one, on a random loopback port; for tools and tests that speak HTTP."""
        self._ensure()
        return self._base_url + "/v1", self._key

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            del server  # the C++ destructor stops llama.cpp's loop and frees the model

    # -- tokens ---------------------------------------------------------------------------------

    def count_tokens(self, text: str) -> int:
        """Exact count with the model's tokenizer (loads the model on first use)."""
        return self._count(text)

    def _count_uncached(self, text: str) -> int:
        if not text:
            return 0
        self._ensure()
        try:
            return len(self._http("POST", "/tokenize", {"content": text})["tokens"])
        except Exception:  # noqa: BLE001 - budgeting must not fail on a tokenizer hiccup
            return super().count_tokens(text)

    # -- requests -------------------------------------------------------------------------------

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
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The llama.cpp request body and how to read its reply (``mode``)."""
        native = self.native_reasoning
        choice, only = _tool_choice(tool_choice)
        use_tools = bool(tools) and choice != "none" and schema is None
        grammar_schema = schema
        if use_tools and choice == "required":
            grammar_schema = tool_call_schema(tools or [], only)
        think_prompt = think and not native and grammar_schema is None

        extra_system = []
        if think_prompt:
            extra_system.append(THINK_INSTRUCTION)
        if use_tools and grammar_schema is None:
            extra_system.append(tools_system_block(tools or []))
        msgs = _openai_messages(messages, extra_system)
        if think_prompt:
            msgs.append({"role": "assistant", "content": THINK_OPEN + "\n"})

        body: dict[str, Any] = {
            "messages": msgs,
            "stream": True,
            "stream_options": {"include_usage": True},
            "return_progress": True,
            "cache_prompt": True,
            "max_tokens": max_tokens or self.settings.max_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
            **_SAMPLING,
        }
        if native:
            body["chat_template_kwargs"] = {"enable_thinking": bool(think) and grammar_schema is None}
        else:
            body["reasoning_format"] = "none"  # we split <think> ourselves
        if use_tools and grammar_schema is None and self.tool_grammar and not (native and think):
            # (a natively reasoning model writes its <think> block first, which the grammar forbids;
            # the reason-then-answer prompt drops the grammar for its reasoning request)
            body["grammar"] = call_grammar(tools or [])
        if grammar_schema is not None:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": grammar_schema},
            }
        mode = {
            "think_prompt": think_prompt,
            "tools": use_tools,
            "forced_call": use_tools and grammar_schema is not None,
            "names": tool_names(tools) if use_tools else None,
        }
        return body, mode

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
        """Stream a reply. ``tool_choice`` (extra to the Backend interface): ``"auto"`` (default),
        ``"none"``, ``"required"`` or ``{"type": "function", "function": {"name": ...}}``; a
        required call is decoded under a grammar.

        With ``think`` on a model that does not reason natively, the reply runs in two requests
        that share the prompt cache: the reasoning, prefilled with ``<think>`` and stopped at
        ``</think>`` (or at three quarters of ``max_tokens``), then the answer, prefilled with the
        closed reasoning block. A small model that forgets to close its reasoning still gets an
        answer apart from it."""
        server = self._ensure()
        self.last_dropped = []
        body, mode = self.build_request(
            messages,
            tools=tools,
            schema=schema,
            max_tokens=max_tokens,
            temperature=temperature,
            think=think,
            tool_choice=tool_choice,
        )
        acc = _Accumulator()
        calls_filter = ToolCallStream(mode["names"]) if mode["tools"] and not mode["forced_call"] else None
        answer: list[str] = []
        reasoning: list[str] = []

        def emit_text(piece: str) -> Iterator[Delta]:
            answer.append(piece)
            if calls_filter is not None:
                piece = calls_filter.feed(piece)
            elif mode["forced_call"]:
                piece = ""  # the call itself: parsed at the end, never shown
            if piece:
                yield Delta(text=piece)

        described = None  # a tool the reply tells the user to call
        budget = body["max_tokens"]
        if mode["think_prompt"]:
            head = {k: v for k, v in body.items() if k != "grammar"}
            head.update(max_tokens=max(16, budget * 3 // 4), stop=[THINK_CLOSE])
            splitter = ThinkSplitter(in_reasoning=True)
            for kind, piece in self._pieces(server, head, cancel, acc):
                r_out, t_out = splitter.feed(piece) if kind == "text" else (piece, "")
                if r_out:
                    reasoning.append(r_out)
                    yield Delta(reasoning=r_out)
                if t_out:
                    yield from emit_text(t_out)
            r_out, t_out = splitter.flush()
            if r_out:
                reasoning.append(r_out)
                yield Delta(reasoning=r_out)
            if acc.finish != "cancelled":
                thought = "".join(reasoning).strip()
                prefill = f"{THINK_OPEN}\n{thought}\n{THINK_CLOSE}\n\n" + "".join(answer) + t_out
                msgs = body["messages"][:-1] + [{"role": "assistant", "content": prefill}]
                tail = dict(body, messages=msgs, max_tokens=max(16, budget - acc.completion_tokens))
                if t_out:
                    yield from emit_text(t_out)
                acc.next_phase()
                for kind, piece in self._pieces(server, tail, cancel, acc):
                    if kind == "text":
                        yield from emit_text(piece)
        else:
            pieces = self._pieces(server, body, cancel, acc)
            try:
                for kind, piece in pieces:
                    if kind == "reasoning":
                        reasoning.append(piece)
                        yield Delta(reasoning=piece)
                        continue
                    yield from emit_text(piece)
                    if "grammar" in body and calls_filter is not None and not calls_filter.holding:
                        described = described_call("".join(answer), mode["names"] or [])
                        if described:
                            break  # stop the prose: the call itself comes next
            finally:
                pieces.close()

        text = "".join(answer)
        calls: list[ToolCall] = []
        if mode["forced_call"]:
            text, calls = _forced_calls(text)
        elif calls_filter is not None:
            if described and acc.finish != "cancelled":
                # the model told the user to call a tool instead of calling it: make that call
                forced = dict(body, grammar=call_grammar(tools or [], allow_text=False, only=described))
                acc.next_phase()
                out = "".join(p for kind, p in self._pieces(server, forced, cancel, acc) if kind == "text")
                calls = parse_tool_calls(out, mode["names"])[1]
            shown = calls_filter.released
            text, found, rest = calls_filter.finish()
            calls = calls or found
            made = bool(calls)
            if calls and "grammar" in body and self.check_calls:
                calls = self._checked_calls(messages, tools or [], calls)
            if not calls and "grammar" in body and not shown.strip() and (made or parse_tool_calls(text)[1]):
                # it only called functions that do not exist, or tools with values nobody gave:
                # nothing fits, so plain chat answers
                acc.next_phase()
                plain, _ = self.build_request(messages, max_tokens=max_tokens, temperature=temperature)
                plain["grammar"] = text_grammar()
                parts = []
                for kind, piece in self._pieces(server, plain, cancel, acc):
                    if kind == "text":
                        parts.append(piece)
                        yield Delta(text=piece)
                text = "".join(parts).strip()
            elif rest:
                yield Delta(text=rest)
        elif mode["think_prompt"]:
            text = text.strip()
        finish = acc.finish
        if calls and finish == "stop":
            finish = "tool_calls"
        yield Completion(
            text=text, reasoning="".join(reasoning).strip(), tool_calls=calls, finish_reason=finish, usage=acc.usage()
        )

    def _checked_calls(
        self, messages: list[Message], tools: list[dict[str, Any]], calls: list[ToolCall]
    ) -> list[ToolCall]:
        """The calls checked against the conversation (``toolcalls.check_calls``): percentages as
        the fractions a rate takes; no call that needs a value nobody gave, nor one that only
        repeats another's values with a tool the request never names. The dropped tools' names
        are kept in ``last_dropped``."""
        kept, dropped = check_calls("\n".join(m.content for m in messages if m.content), tools, calls)
        self.last_dropped.extend(c.name for c in dropped)
        return kept

    def _pieces(
        self, server: Any, body: dict[str, Any], cancel: threading.Event | None, acc: _Accumulator
    ) -> Iterator[tuple[str, str]]:
        """("reasoning" | "text", piece) for one llama.cpp request, recording usage and finish. A
        reply caught in a loop (:func:`looping`) is cut there, as one that ran out of tokens."""
        chunks = self._chunks(server, body, cancel)
        tails = {"reasoning": "", "text": ""}
        try:
            for data in chunks:
                acc.add(data)
                if data.get("timings"):
                    self.last_timings = data["timings"]
                for choice in data.get("choices") or []:
                    delta = choice.get("delta") or {}
                    for kind, key in (("reasoning", "reasoning_content"), ("text", "content")):
                        piece = delta.get(key)
                        if not piece:
                            continue
                        acc.pieces += kind == "text"
                        yield kind, piece
                        tails[kind] = (tails[kind] + piece)[-_LOOP_SPAN:]
                        if looping(tails[kind]):
                            acc.finish = "length"
                            return
        finally:
            chunks.close()
        if cancel is not None and cancel.is_set():
            acc.finish = "cancelled"

    def _chunks(self, server: Any, body: dict[str, Any], cancel: threading.Event | None) -> Iterator[dict[str, Any]]:
        """The decoded stream chunks of one request. llama.cpp runs it in a worker thread; it is
        told to stop (its callback returns True) once ``cancel`` is set or this generator closes."""
        stop = threading.Event()
        chunks: queue.Queue[Any] = queue.Queue()

        def on_chunk(data: str) -> bool:
            chunks.put(data)
            return stop.is_set() or (cancel is not None and cancel.is_set())

        def work() -> None:
            try:
                server.handle_chat_completions(json.dumps(body, ensure_ascii=False), on_chunk)
            except BaseException as e:  # noqa: BLE001 - handed to the consumer
                chunks.put(e)
            finally:
                chunks.put(_DONE)
                _live.pop(threading.current_thread(), None)

        worker = threading.Thread(target=work, name="banshi-llama", daemon=True)
        _live[worker] = stop
        worker.start()
        try:
            while not (cancel is not None and cancel.is_set()):
                try:
                    item = chunks.get(timeout=0.02)
                except queue.Empty:
                    continue
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise ModelError(f"llama.cpp failed: {item}", code="model_request_failed") from item
                data = json.loads(item)
                err = _error_of(data)
                if err is not None:
                    raise err
                yield data
        finally:
            stop.set()
            # llama.cpp notices at its next token; do not hold the caller up longer than that
            worker.join(timeout=0.5)


_LOOP_PERIOD = 40  # the longest stretch (characters) whose repeats count as a loop
_LOOP_SPAN = 8 * _LOOP_PERIOD


def looping(text: str) -> bool:
    """Whether ``text`` ends in a loop: one stretch of at most 40 characters repeated over the last
    max(120, 8 × its length) characters (🎉🎉🎉…, the same line again and again). A small model
    that starts one rarely leaves it, and would spend the whole token budget (minutes) on it;
    a rule line or a refrain is shorter than that."""
    for period in range(1, _LOOP_PERIOD + 1):
        span = max(120, 8 * period)
        if len(text) < span:
            return False
        end = text[-span:]
        if end[period:] == end[:-period]:
            return True
    return False


class _Accumulator:
    """Usage and finish reason over the one or two requests of a reply."""

    def __init__(self) -> None:
        self.finish = "stop"
        self.prompt_tokens = 0
        self.completion_tokens = 0  # of finished phases
        self._phase_completion = 0
        self._phase_prompt_total = 0
        self.pieces = 0
        self._first_phase = True

    def add(self, data: dict[str, Any]) -> None:
        if "prompt_progress" in data:
            self._phase_prompt_total = data["prompt_progress"].get("total", 0)
        if data.get("usage"):
            self._phase_completion = data["usage"].get("completion_tokens", 0)
            if self._first_phase:
                self.prompt_tokens = data["usage"].get("prompt_tokens", 0)
        for choice in data.get("choices") or []:
            if choice.get("finish_reason"):
                self.finish = choice["finish_reason"]

    def next_phase(self) -> None:
        self.completion_tokens += self._phase_completion or self.pieces
        if self._first_phase and not self.prompt_tokens:
            self.prompt_tokens = self._phase_prompt_total
        self._phase_completion, self.pieces, self._first_phase = 0, 0, False

    def usage(self) -> Usage:
        completion = self.completion_tokens + (self._phase_completion or self.pieces)
        prompt = self.prompt_tokens or (self._phase_prompt_total if self._first_phase else 0)
        return Usage(prompt_tokens=prompt, completion_tokens=completion)


#: requests running in llama.cpp, with the event that stops each
_live: dict[threading.Thread, threading.Event] = {}


@atexit.register
def _stop_workers() -> None:
    # a worker still inside llama.cpp when the interpreter exits aborts the process
    for worker, stop in list(_live.items()):
        stop.set()
        worker.join(timeout=10)


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _tool_choice(tool_choice: str | dict[str, Any] | None) -> tuple[str, str | None]:
    if tool_choice is None:
        return "auto", None
    if isinstance(tool_choice, dict):
        name = (tool_choice.get("function") or {}).get("name")
        return "required", name
    if tool_choice not in ("auto", "none", "required"):
        raise InvalidInput(f"tool_choice must be auto, none, required or a function, not {tool_choice!r}")
    return tool_choice, None


def _forced_calls(text: str) -> tuple[str, list[Any]]:
    content, calls = parse_tool_calls(text)
    if calls:
        return content, calls
    try:  # grammar-constrained: one {"name", "arguments"} object
        obj = json.loads(text)
    except ValueError:
        return text, []
    if isinstance(obj, dict) and isinstance(obj.get("name"), str):
        return "", [ToolCall(name=obj["name"], arguments=obj.get("arguments") or {}, id=new_call_id())]
    return text, []


def _openai_messages(messages: list[Message], extra_system: list[str]) -> list[dict[str, Any]]:
    out = [m.to_openai() for m in messages]
    for m in out:
        if m["role"] == "assistant" and m.get("tool_calls") and not m.get("content"):
            m["content"] = ""
    if extra_system:
        addition = "\n\n".join(extra_system)
        if out and out[0]["role"] == "system":
            out[0] = {**out[0], "content": (out[0]["content"] + "\n\n" + addition).strip()}
        else:
            out.insert(0, {"role": "system", "content": DEFAULT_SYSTEM + "\n\n" + addition})
    return out


def _error_of(data: dict[str, Any]) -> BanshiError | None:
    """The domain error for an error payload from llama.cpp, or None for a normal chunk."""
    err = data.get("error")
    if err is None and "code" in data and "message" in data and "choices" not in data:
        err = data
    if err is None:
        return None
    if not isinstance(err, dict):
        return ModelError(f"llama.cpp: {err}", code="model_request_failed")
    message = str(err.get("message") or err)
    if err.get("type") == "exceed_context_size_error" or "exceeds the available context size" in message:
        return TooLarge(f"the conversation is too long for the model's context window: {message}")
    if err.get("code") == 400:
        return InvalidInput(f"llama.cpp rejected the request: {message}")
    return ModelError(f"llama.cpp: {message}", code="model_request_failed")
