"""Speed of the local backend as Banshi uses it (``LocalBackend.stream``): model load time,
prompt processing and generation tokens per second, time to first token with a cold cache and
for a follow-up turn whose prefix llama.cpp has cached, and how long Stop takes.

    python -m bench.local_model [--model qwen2.5-coder-1.5b] [--max-tokens 128] [--threads 0]

Prints JSON. Rates come from llama.cpp's own timings; times are wall clock around the stream.
The machine is shared: the load average at the start and end is printed with the figures."""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid

from banshi.config import Settings
from banshi.messages import Completion, Delta, Message
from banshi.models.local import LocalBackend

# ~300 tokens of context, made unique per run so that no cache helps the cold measurement
CONTEXT = (
    "Notes for run {tag}. The Grand Canal of China links Beijing and Hangzhou; work on it began "
    "in the 5th century BC and its sections were joined under the Sui dynasty. It carried grain "
    "from the south to the capitals for more than a thousand years, and towns such as Yangzhou, "
    "Suzhou and Wuxi grew along it. 大运河北起北京，南到杭州，全长约1797公里，是世界上里程最长、"
    "工程最大的古代运河，2014年被列入世界遗产名录。"
)


def timed(stream) -> tuple[float | None, Completion, int]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    first, done, n = None, None, 0
    for item in stream:
        if isinstance(item, Delta) and (item.text or item.reasoning):
            first = first if first is not None else time.perf_counter() - t0
            n += 1
        elif isinstance(item, Completion):
            done = item
    assert done is not None
    return first, done, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-1.5b")
    ap.add_argument("--max-tokens", type=int, default=128)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    load_before = os.getloadavg()[0]
    backend = LocalBackend(Settings(local_model=args.model, n_threads=args.threads, temperature=0.0))
    t0 = time.perf_counter()
    backend.load()
    load_s = time.perf_counter() - t0

    context = " ".join(CONTEXT.format(tag=uuid.uuid4().hex[:8]) for _ in range(2))
    turn1 = [
        Message("system", "You are a helpful assistant."),
        Message("user", context + "\n\nWrite a detailed essay about the Grand Canal."),
    ]
    ttft_cold, done1, _ = timed(backend.stream(turn1, max_tokens=args.max_tokens))
    cold = dict(backend.last_timings)

    turn2 = [*turn1, Message("assistant", done1.text), Message("user", "Now summarise it in one sentence.")]
    ttft_warm, _, _ = timed(backend.stream(turn2, max_tokens=16))
    warm = dict(backend.last_timings)

    cancel = threading.Event()
    stop_ms = None
    t_set = 0.0
    n = 0
    for item in backend.stream([Message("user", "Count from 1 to 500.")], max_tokens=400, cancel=cancel):
        if isinstance(item, Delta):
            n += 1
            if n == 5:
                cancel.set()
                t_set = time.perf_counter()
        else:
            stop_ms = (time.perf_counter() - t_set) * 1000

    # Stop while llama.cpp is still reading a long prompt: how soon is the model free again?
    long_prompt = " ".join(CONTEXT.format(tag=uuid.uuid4().hex[:8]) for _ in range(6))
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    timed(backend.stream([Message("user", long_prompt + "\nSummarise.")], max_tokens=8, cancel=cancel))
    t_next = time.perf_counter()
    timed(backend.stream([Message("user", "Say OK.")], max_tokens=2))
    free_after_prompt_stop_ms = (time.perf_counter() - t_next) * 1000
    backend.close()

    print(
        json.dumps(
            {
                "model": backend.model_name,
                "threads": args.threads or os.cpu_count(),
                "load_s": round(load_s, 2),
                "prompt_tokens_cold": cold.get("prompt_n"),
                "prompt_tokens_per_s": round(cold.get("prompt_per_second", 0.0), 1),
                "generated_tokens": cold.get("predicted_n"),
                "generation_tokens_per_s": round(cold.get("predicted_per_second", 0.0), 1),
                "ttft_cold_ms": round((ttft_cold or 0) * 1000),
                "ttft_followup_ms": round((ttft_warm or 0) * 1000),
                "followup_cached_tokens": warm.get("cache_n"),
                "followup_new_prompt_tokens": warm.get("prompt_n"),
                "stop_latency_ms": round(stop_ms or 0),
                "next_reply_after_stop_in_prompt_ms": round(free_after_prompt_stop_ms),
                "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            }
        )
    )


if __name__ == "__main__":
    main()
