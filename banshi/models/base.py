"""The backend interface: ``stream`` yields text deltas and ends with the full ``Completion``;
``chat`` is the same without the deltas."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from banshi.messages import Completion, Delta, Message

if TYPE_CHECKING:
    from banshi.config import Settings

StreamItem = Delta | Completion


class Backend(ABC):
    """A chat model. ``tools`` are OpenAI-style function schemas; ``schema`` is a JSON schema
    the answer must follow (constrained decoding where the backend can). ``tool_choice`` is
    OpenAI's: ``"auto"`` (the default: call or answer), ``"none"``, ``"required"`` (at least one
    call) or ``{"type": "function", "function": {"name": ...}}`` (a call of that tool)."""

    id: str = "model"
    #: True when the model produces its own reasoning (Qwen3 thinking, ``reasoning_content``)
    native_reasoning: bool = False
    #: True when a prompt that ends with an assistant message gets that message continued (its
    #: words are the answer's start, not repeated), as llama.cpp's server does
    continues_answer: bool = False

    @abstractmethod
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
        """Yield ``Delta`` pieces as they are generated, then exactly one ``Completion``."""

    def chat(self, messages: list[Message], **kwargs: Any) -> Completion:
        result = None
        for item in self.stream(messages, **kwargs):
            if isinstance(item, Completion):
                result = item
        assert result is not None, "a backend stream must end with a Completion"
        return result

    def count_tokens(self, text: str) -> int:
        """Rough count for budgeting; backends with a tokenizer override it."""
        ascii_chars = sum(1 for c in text if ord(c) < 128)
        return ascii_chars // 4 + (len(text) - ascii_chars) + 1

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (weights, connections)."""


_lock = threading.Lock()
_cache: dict[tuple[str, str], Backend] = {}


def get_backend(settings: Settings, name: str | None = None) -> Backend:
    """The configured backend (``settings.backend``) or a named one, built once and reused."""
    name = name or settings.backend
    key = (name, settings.cache_key())
    with _lock:
        if key not in _cache:
            _cache[key] = _build(settings, name)
        return _cache[key]


def _build(settings: Settings, name: str) -> Backend:
    if name == "local":
        from banshi.models.local import LocalBackend

        return LocalBackend(settings)
    if name == "openai":
        from banshi.models.openai_compat import OpenAICompatBackend

        return OpenAICompatBackend(settings)
    if name == "fake":
        from banshi.models.fake import EchoBackend

        return EchoBackend()
    from banshi.errors import InvalidInput

    raise InvalidInput(f"unknown backend {name!r}: use local, openai or fake")


def reset_backends() -> None:
    with _lock:
        for b in _cache.values():
            b.close()
        _cache.clear()
