"""Benchmark of the fast router (``banshi.agents.router``) on labelled intent data.

    python -m bench.router --train FILE --test FILE [--label-field intent] [--limit N]

FILEs are JSONL ``{text, label}``; label ``oos`` marks out-of-scope requests. The router is
trained (and its out-of-scope threshold tuned) on the train file only; every test request is
routed (``predict_many``, the same computation as ``predict``) for the figures, and a sample
of ``--latency-n`` of them is timed one ``predict`` call at a time, embedding included, as in
serving. Prints JSON ``{"accuracy", "in_scope_accuracy", "oos_recall", "ms": {"p50", "p95"},
"n", ...}``; ``cpu_ms`` and ``load_avg`` tell how much of ``ms`` was waiting for a busy CPU, and
``embed_ms`` / ``router_ms`` split ``ms`` into the query embedding and the router's own work.

Embeddings for training and for the figures go through a disk cache keyed by text hash
(``--cache``, default under the temp dir, never in the tree), so repeated runs are fast; the
timed calls always embed live.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from banshi.agents.router import GRID, OOS, Router
from banshi.config import get_settings
from banshi.models.embeddings import Embedder, Kind, get_embedder


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir()
    return Path(base) / "banshi-bench" / "embeddings"


def _key(text: str, kind: str) -> str:
    return hashlib.sha1(f"{kind}\0{text}".encode()).hexdigest()


class CachedEmbedder:
    """A disk cache in front of the embedder. Vectors live in ``<dir>/<chunk>.npz`` files holding
    ``keys`` (sha1 of kind + text) and ``vecs``; new ones go to a new chunk, so concurrent runs
    never rewrite a file."""

    dim = Embedder.dim

    def __init__(self, cache_dir: Path | None = None, inner: Embedder | None = None, batch: int = 256):
        self.dir = cache_dir or default_cache_dir()
        self.dir.mkdir(parents=True, exist_ok=True)
        self._inner = inner
        self.batch = batch
        self._mem: dict[str, np.ndarray] = {}
        for f in sorted(self.dir.glob("*.npz")):
            try:
                with np.load(f) as z:
                    for k, v in zip(z["keys"].tolist(), z["vecs"], strict=True):
                        self._mem[k] = v
            except (OSError, ValueError, KeyError):
                continue  # a chunk another run is still writing

    @property
    def inner(self) -> Embedder:
        if self._inner is None:
            self._inner = get_embedder()
        return self._inner

    def embed(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        keys = [_key(t, kind) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._mem}.items())
        for i in range(0, len(missing), self.batch):
            part = missing[i : i + self.batch]
            vecs = self.inner.embed([t for _, t in part], kind)
            for (k, _), v in zip(part, vecs, strict=True):
                self._mem[k] = v
            tmp = self.dir / f".{uuid.uuid4().hex}.tmp.npz"
            np.savez(tmp, keys=np.array([k for k, _ in part]), vecs=vecs)
            tmp.rename(self.dir / f"{uuid.uuid4().hex}.npz")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = self._mem[k]
        return out


class TimedEmbedder:
    """The live embedder, adding the wall time of its calls to ``wall`` (seconds)."""

    def __init__(self, inner: Embedder):
        self.inner = inner
        self.wall = 0.0

    def embed(self, texts: list[str], kind: Kind = "passage") -> np.ndarray:
        t = time.perf_counter()
        try:
            return self.inner.embed(texts, kind)
        finally:
            self.wall += time.perf_counter() - t


def _pcts(values: list[float]) -> dict[str, float]:
    return {"p50": round(float(np.percentile(values, 50)), 2), "p95": round(float(np.percentile(values, 95)), 2)}


def read_jsonl(path: Path, label_field: str = "label") -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                texts.append(row["text"])
                labels.append(str(row[label_field]))
    return texts, labels


def subsample(texts: list[str], labels: list[str], limit: int | None, seed: int) -> tuple[list[str], list[str]]:
    if limit is None or limit >= len(texts):
        return texts, labels
    idx = sorted(random.Random(seed).sample(range(len(texts)), limit))
    return [texts[i] for i in idx], [labels[i] for i in idx]


def run(
    train: Path,
    test: Path,
    *,
    label_field: str = "label",
    limit: int | None = None,
    cache: Path | None = None,
    reject_rate: float | None = None,
    novel_rate: float | None = None,
    latency_n: int = 200,
    seed: int = 0,
    grid: bool = False,
) -> dict[str, Any]:
    tr_texts, tr_labels = read_jsonl(train, label_field)
    te_texts, te_labels = read_jsonl(test, label_field)
    te_texts, te_labels = subsample(te_texts, te_labels, limit, seed)
    cached = CachedEmbedder(cache)
    rates = {k: v for k, v in (("reject_rate", reject_rate), ("novel_rate", novel_rate)) if v is not None}
    router = Router(cached, seed=seed, grid=GRID if grid else None, **rates)
    t0 = time.perf_counter()
    router.fit(tr_texts, tr_labels)
    fit_s = time.perf_counter() - t0
    # figures: every test request through predict_many (the same computation as predict)
    preds = router.predict_many(te_texts, k=3)
    best = np.array([r[0][0] for r in router.rank_many(te_texts, k=1)])  # no out-of-scope cut
    # latency: one live predict call per request, embedding included, as in serving
    timed = TimedEmbedder(get_embedder())
    router._embedder = timed
    router.predict("warm up")
    ms, cpu_ms, embed_ms = [], [], []
    for text in subsample(te_texts, te_labels, latency_n, seed + 1)[0]:
        timed.wall = 0.0
        t, c = time.perf_counter(), time.process_time()
        router.predict(text, k=3)
        ms.append((time.perf_counter() - t) * 1000)
        cpu_ms.append((time.process_time() - c) * 1000)
        embed_ms.append(timed.wall * 1000)
    top1 = np.array([p[0][0] if p else OOS for p in preds])
    gold = np.array(te_labels)
    inside = gold != OOS
    top3 = np.array([g in [lb for lb, _ in p] for g, p in zip(gold, preds, strict=True)])
    known = set(router.labels)
    return {
        "accuracy": round(float((top1 == gold).mean()), 4),
        "in_scope_accuracy": round(float((top1[inside] == gold[inside]).mean()), 4) if inside.any() else None,
        "oos_recall": round(float((top1[~inside] == OOS).mean()), 4) if (~inside).any() else None,
        # the best label with no out-of-scope cut: what a closed-set classifier would score
        "closed_set_accuracy": round(float((best[inside] == gold[inside]).mean()), 4) if inside.any() else None,
        "in_scope_top3": round(float(top3[inside].mean()), 4) if inside.any() else None,
        "in_scope_rejected": round(float((top1[inside] == OOS).mean()), 4) if inside.any() else None,
        "unseen_labels": int(sum(1 for g in gold[inside] if g not in known)),
        "ms": {**_pcts(ms), "n": len(ms)},
        # wall time depends on what else runs: CPU time (all threads) and the load say how much
        "cpu_ms": _pcts(cpu_ms),
        # the query embedding's share of ``ms`` (wall); the rest is the router's own work
        "embed_ms": _pcts(embed_ms),
        "router_ms": _pcts([a - b for a, b in zip(ms, embed_ms, strict=True)]),
        "load_avg": round(os.getloadavg()[0], 1),
        "n": len(gold),
        "n_train": len(tr_texts),
        "labels": len(known),
        "threshold": round(router.threshold, 4),
        # the novelty gate (train files without oos): standardised margin + similarity below cut
        "gate": None if router.gate is None else {k: round(v, 4) for k, v in asdict(router.gate).items()},
        "threshold_tuned": router.tuned,
        # the hyper-parameters fit() chose on held-out folds of the train file, and every
        # candidate's held-out closed-set accuracy
        "embed_weight": router.embed_weight,
        "class_weight": router.class_weight,
        "selection": router.selection,
        "fit_s": round(fit_s, 1),
    }


def main(argv: list[str] | None = None) -> None:
    default = get_settings().data_dir / "intents" / "clinc150"
    p = argparse.ArgumentParser(prog="python -m bench.router", description=__doc__.splitlines()[0])
    p.add_argument("--train", type=Path, default=default / "train.jsonl")
    p.add_argument("--test", type=Path, default=default / "val.jsonl")
    p.add_argument("--label-field", default="label", help="the field to route to (SMP2019: label = domain, or intent)")
    p.add_argument("--limit", type=int, default=None, help="route only a random sample of N test requests")
    p.add_argument(
        "--reject-rate",
        type=float,
        default=None,
        help="share of correctly routed held-out requests the out-of-scope threshold may reject (train with oos)",
    )
    p.add_argument("--novel-rate", type=float, default=None, help="the same budget when the train file has no oos")
    p.add_argument("--latency-n", type=int, default=200, help="live single-request predict calls to time")
    p.add_argument("--cache", type=Path, default=None, help=f"embedding cache (default {default_cache_dir()})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--grid",
        action="store_true",
        help="choose the e5 weight and class weighting on held-out folds of the train file",
    )
    a = p.parse_args(argv)
    for f in (a.train, a.test):
        if not f.exists():
            sys.exit(f"no such file: {f}")
    print(
        json.dumps(
            run(
                a.train,
                a.test,
                label_field=a.label_field,
                limit=a.limit,
                cache=a.cache,
                reject_rate=a.reject_rate,
                novel_rate=a.novel_rate,
                latency_n=a.latency_n,
                seed=a.seed,
                grid=a.grid,
            ),
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
