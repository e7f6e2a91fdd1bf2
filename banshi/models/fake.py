"""Backends for tests, shipped in the package: scripted answers and function-driven answers.
They stream word by word, honour ``cancel`` and parse tool calls like the real ones."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from banshi.messages import Completion, Delta, Message, Usage
from banshi.models.base import Backend, StreamItem


def _pieces(text: str) -> list[str]:
    return re.findall(r"\s*\S+|\s+", text) or [text]


class FunctionBackend(Backend):
    """Answers with ``fn(messages, **kwargs)``; a ``Completion`` return passes through as is."""

    def __init__(self, fn: Callable[..., str | Completion], *, id: str = "fake", delay: float = 0.0):
        self.fn = fn
        self.id = id
        self.delay = delay
        self.calls: list[dict[str, Any]] = []

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
        self.calls.append(
            {"messages": list(messages), "tools": tools, "schema": schema, "think": think, "tool_choice": tool_choice}
        )
        if tool_choice == "none":
            tools = None
        out = self.fn(messages, tools=tools, schema=schema, think=think)
        done = out if isinstance(out, Completion) else None
        if done is None:
            text, calls = str(out), []
            if tools:
                from banshi.models.toolcalls import parse_tool_calls

                text, calls = parse_tool_calls(text)
            done = Completion(text=text, tool_calls=calls)
        emitted = []
        if done.reasoning:
            yield Delta(reasoning=done.reasoning)
        for piece in _pieces(done.text) if done.text else []:
            if cancel is not None and cancel.is_set():
                done = Completion(text="".join(emitted), reasoning=done.reasoning, finish_reason="cancelled")
                break
            if self.delay:
                time.sleep(self.delay)
            emitted.append(piece)
            yield Delta(text=piece)
        prompt = sum(self.count_tokens(m.content) for m in messages)
        done.usage = Usage(prompt_tokens=prompt, completion_tokens=self.count_tokens(done.text))
        yield done


class ScriptedBackend(FunctionBackend):
    """Answers from a queue filled with ``enqueue``; echoes the last user message when empty."""

    def __init__(self, *answers: str | Completion, id: str = "fake", delay: float = 0.0):
        self.queue: list[str | Completion] = list(answers)
        super().__init__(self._next, id=id, delay=delay)

    def enqueue(self, *answers: str | Completion) -> None:
        self.queue.extend(answers)

    def _next(self, messages: list[Message], **_: Any) -> str | Completion:
        if self.queue:
            return self.queue.pop(0)
        return _echo(messages)


def _echo(messages: list[Message]) -> str:
    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    return f"You said: {last}"


class EchoBackend(ScriptedBackend):
    """The ``fake`` backend selectable by configuration: echoes the user."""
