"""Memory: profile facts, the hybrid index of every message, recall into the prompt, and the
user's control over all of it.

- ``text``: tokens (jieba + Snowball) and time expressions; ``tables``: the rows;
- ``index``: keyword (FTS5 / PostgreSQL full-text) + dense (e5, NumPy) search, fused by RRF;
- ``extract``: deterministic zh/en fact extractors, "forget …" commands, model extraction;
- ``facts``: supersession, history, deletion; ``service``: ``Memory``, the interface;
- ``worker``: the thread draining the job queue; ``hook``: the chat engine's hook;
- ``threads``: conversations arriving through /v1; ``cli``: ``banshi memory …``.

May import models/, store/ and numbers (and chat.context for the hook's return type); nothing above."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from banshi.config import Settings
    from banshi.memory.service import Memory

_lock = threading.Lock()
_memories: dict[tuple[str, str], Memory] = {}


def get_memory(settings: Settings) -> Memory:
    """The ``Memory`` of the configured database, built once. With a real backend the model
    helps extract facts; with the ``fake`` test backend only the rules do (a scripted backend
    must not have its answers eaten by the extractor)."""
    from banshi.memory.service import Memory
    from banshi.store.db import normalise_url

    key = (normalise_url(settings.db_url), settings.cache_key())
    with _lock:
        if key not in _memories:
            llm = None
            if settings.backend != "fake":
                from banshi.models.base import get_backend

                def llm():  # type: ignore[no-untyped-def]  # built on first use
                    return get_backend(settings)

            _memories[key] = Memory(settings, llm=llm)
        return _memories[key]


def load_embedder():  # type: ignore[no-untyped-def]
    """The shared e5 embedder (loaded on first use)."""
    from banshi.models.embeddings import get_embedder

    return get_embedder()


def reset() -> None:
    with _lock:
        _memories.clear()
