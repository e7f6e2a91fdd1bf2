"""Server-sent events from a blocking generator, with cancellation when the client leaves."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
from starlette.concurrency import iterate_in_threadpool


def _close(gen: Iterator[Any]) -> None:
    close = getattr(gen, "close", None)
    for _ in range(3000):  # the worker thread may still be inside next(): wait for it
        try:
            if close:
                close()
            return
        except ValueError:
            time.sleep(0.01)


async def sse(
    events: Iterator[Any],
    cancel: threading.Event,
    encode: Callable[[Any], str] = lambda e: json.dumps(e, ensure_ascii=False),
    done: str | None = None,
) -> AsyncIterator[str]:
    try:
        async for event in iterate_in_threadpool(events):
            yield f"data: {encode(event)}\n\n"
        if done:
            yield f"data: {done}\n\n"
    finally:
        cancel.set()
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(_close, events)


HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
