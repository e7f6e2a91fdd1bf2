"""What Banshi's HTTP API costs on top of llama.cpp: time to first token and generation speed
for the same prompt through ``POST /v1/chat/completions`` (a real server in a subprocess) and
through ``xllamacpp`` called directly in this process, alternating runs.

    python -m bench.overhead [--runs 3] [--max-tokens 96]

Prints ``{"ttft_ms": {"banshi", "direct"}, "tokens_per_s": {"banshi", "direct"}, "ratio"}``
(medians; ratio = banshi / direct tokens per second)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import httpx

from banshi.config import get_settings
from banshi.models.local import _SAMPLING as SAMPLING  # what Banshi sends: same tokens on both sides
from banshi.models.weights import resolve_model_path

PROMPT = "Explain in a short paragraph why the sky is blue."


def _timed(chunks) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(time to first content piece, tokens per second after it, pieces) from (t, text) pairs."""
    start = time.perf_counter()
    first = last = None
    n = 0
    for t, text in chunks:
        if text:
            first = first or t
            last = t
            n += 1
    assert first is not None and last is not None, "no tokens generated"
    rate = (n - 1) / (last - first) if n > 1 and last > first else 0.0
    return (first - start) * 1000, rate, n


# -- direct: xllamacpp in this process ---------------------------------------------------------
class Direct:
    def __init__(self, model: str, threads: int, n_ctx: int):
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import xllamacpp

        p = xllamacpp.CommonParams()
        p.model.path = model
        p.n_ctx = n_ctx
        p.n_parallel = 1
        p.cpuparams.n_threads = threads
        p.cpuparams_batch.n_threads = threads
        p.cache_prompt = True
        p.verbosity = -1
        p.warmup = False
        p.hostnames = ["127.0.0.1"]
        p.port = 0
        self.server = xllamacpp.Server(p)

    def run(self, max_tokens: int) -> tuple[float, float, int]:
        import queue

        q: queue.Queue = queue.Queue()
        body = {"messages": [{"role": "user", "content": PROMPT}], "stream": True, "max_tokens": max_tokens,
                "temperature": 0, "cache_prompt": True, **SAMPLING}

        def work() -> None:
            self.server.handle_chat_completions(json.dumps(body), lambda d: q.put(d) and False)
            q.put(None)

        threading.Thread(target=work, daemon=True).start()

        def pieces():  # type: ignore[no-untyped-def]
            while (item := q.get()) is not None:
                data = json.loads(item)
                for c in data.get("choices", []) if isinstance(data, dict) else []:
                    yield time.perf_counter(), (c.get("delta") or {}).get("content")

        return _timed(pieces())


# -- banshi: the HTTP API of a real server -----------------------------------------------------
class ThroughBanshi:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.home = tempfile.mkdtemp(prefix="banshi-bench-")
        env = {**os.environ, "BANSHI_HOME": self.home, "BANSHI_BACKEND": "local"}
        self.proc = subprocess.Popen([sys.executable, "-m", "banshi.cli", "serve", "--port", str(self.port)],
                                     env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            try:
                httpx.get(self.url + "/health", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        self.model = httpx.get(self.url + "/v1/models").json()["data"][1]["id"]  # the backend's own id

    def run(self, max_tokens: int) -> tuple[float, float, int]:
        body = {"model": self.model, "messages": [{"role": "user", "content": PROMPT}], "stream": True,
                "max_tokens": max_tokens, "temperature": 0}

        def pieces():  # type: ignore[no-untyped-def]
            with httpx.stream("POST", self.url + "/v1/chat/completions", json=body, timeout=300) as r:
                for line in r.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        for c in json.loads(line[6:]).get("choices", []):
                            yield time.perf_counter(), c["delta"].get("content")

        return _timed(pieces())

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--max-tokens", type=int, default=96)
    args = ap.parse_args()
    settings = get_settings()
    model = str(resolve_model_path(settings))
    threads = settings.n_threads or os.cpu_count() or 1
    banshi = ThroughBanshi()
    direct = Direct(model, threads, settings.n_ctx)
    try:
        banshi.run(8)  # warm-up: load the model, fill the prompt cache
        direct.run(8)
        results: dict[str, list[tuple[float, float, int]]] = {"banshi": [], "direct": []}
        for _ in range(args.runs):
            results["direct"].append(direct.run(args.max_tokens))
            results["banshi"].append(banshi.run(args.max_tokens))
    finally:
        banshi.close()
    ttft = {k: round(statistics.median(r[0] for r in v), 1) for k, v in results.items()}
    tps = {k: round(statistics.median(r[1] for r in v), 2) for k, v in results.items()}
    print(json.dumps({
        "ttft_ms": ttft,
        "tokens_per_s": tps,
        "ratio": round(tps["banshi"] / tps["direct"], 3) if tps["direct"] else None,
        "ttft_overhead_ms": round(ttft["banshi"] - ttft["direct"], 1),
        "tokens": {k: [r[2] for r in v] for k, v in results.items()},
        "runs": args.runs, "model": os.path.basename(model), "threads": threads,
    }))


if __name__ == "__main__":
    main()
