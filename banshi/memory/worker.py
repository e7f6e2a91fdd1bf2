"""The memory worker: a thread in the server that drains the job queue kept in the database
(embeddings in batches, fact extraction after the reply). Started with the app, woken when a
transaction that queued jobs commits, and it resumes whatever a crash or restart left."""

from __future__ import annotations

import logging
import threading

from banshi.config import Settings
from banshi.store.db import normalise_url

log = logging.getLogger("banshi.memory")
_lock = threading.Lock()
_workers: dict[str, Worker] = {}


class Worker(threading.Thread):
    IDLE_SECONDS = 5.0  # also re-checks now and then for model jobs that waited for a free model

    def __init__(self, settings: Settings):
        super().__init__(name="banshi-memory", daemon=True)
        from banshi.memory import get_memory

        self.memory = get_memory(settings)
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        self.memory.recover()
        while not self.stopping.is_set():
            try:
                done = self.memory.process_pending()
            except Exception:  # the database went away for a moment: try again later
                log.exception("memory worker")
                done = 0
            if not done:
                self.wake.wait(self.IDLE_SECONDS)
                self.wake.clear()


def start(settings: Settings) -> Worker:
    key = normalise_url(settings.db_url)
    with _lock:
        w = _workers.get(key)
        if w is None or not w.is_alive():
            w = _workers[key] = Worker(settings)
            w.start()
        return w


def stop(settings: Settings, timeout: float = 10.0) -> None:
    with _lock:
        w = _workers.pop(normalise_url(settings.db_url), None)
    if w is not None:
        w.stopping.set()
        w.wake.set()
        w.join(timeout)


def notify(settings: Settings) -> None:
    """New jobs were committed: wake the worker of that database, if one runs."""
    w = _workers.get(normalise_url(settings.db_url))
    if w is not None:
        w.wake.set()
