"""Memory benchmarks. Print JSON, never assert.

    python -m bench.memory locomo --data DIR --k 5 10   # evidence recall on LoCoMo
    python -m bench.memory scale --n 10000 100000       # search latency / ingest rate vs size
    python -m bench.memory suite                        # never-forget conversations, real model

``locomo`` ingests each conversation as one user's history through the server's own path
(``ChatEngine._store`` → the memory hook → the job queue, drained by the worker's code), with
the session dates as message times, then retrieves the top k messages for every question of
categories 1–4 and scores the share of its ``evidence`` turns among them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any


def _settings(home: Path, database_url: str = "", backend: str = "fake"):  # type: ignore[no-untyped-def]
    os.environ["BANSHI_HOME"] = str(home)
    os.environ["BANSHI_BACKEND"] = backend
    if database_url:
        os.environ["BANSHI_DATABASE_URL"] = database_url
    from banshi.config import get_settings

    get_settings.cache_clear()
    return get_settings()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# -- LoCoMo --------------------------------------------------------------------------------
def _session_time(raw: str) -> datetime:
    """"1:56 pm on 8 May, 2023" → datetime."""
    return datetime.strptime(raw.strip(), "%I:%M %p on %d %B, %Y")


def ingest_locomo(settings: Any, sample: dict, username: str) -> tuple[str, dict[str, str], datetime]:
    """One LoCoMo conversation as one user's history; returns (user id, message id → dia_id,
    the time of the last session)."""
    from banshi.chat.engine import ChatEngine
    from banshi.chat.hooks import default_hooks
    from banshi.models.base import get_backend
    from banshi.store.db import session_scope
    from banshi.store.tables import Conversation, User

    engine = ChatEngine(settings, get_backend(settings), default_hooks(settings))
    conv_data = sample["conversation"] if "conversation" in sample else sample
    speaker_a = conv_data["speaker_a"]
    dia: dict[str, str] = {}
    last = datetime(2000, 1, 1)
    with session_scope(settings) as db:
        user = User(username=username)
        db.add(user)
        db.flush()
        user_id = user.id
        n = 1
        while f"session_{n}" in conv_data:
            turns = conv_data[f"session_{n}"]
            start = _session_time(conv_data[f"session_{n}_date_time"])
            conv = Conversation(user_id=user_id, title=f"session {n}", created_at=start, updated_at=start)
            db.add(conv)
            db.flush()
            for i, turn in enumerate(turns):
                text = turn.get("text", "")
                if turn.get("blip_caption"):
                    text += f" [shared a photo: {turn['blip_caption']}]"
                role = "user" if turn["speaker"] == speaker_a else "assistant"
                when = start + timedelta(seconds=30 * i)
                msg = engine._store(db, conv, role, text, created_at=when, meta={"speaker": turn["speaker"]})
                dia[msg.id] = turn["dia_id"]
                last = max(last, when)
            n += 1
    return user_id, dia, last


def drain(settings: Any) -> None:
    from banshi.memory import get_memory

    memory = get_memory(settings)
    while memory.process_pending(256, model=False):
        pass


def locomo(args: argparse.Namespace) -> dict:
    from banshi.memory import index
    from banshi.memory import load_embedder
    from banshi.store.db import session_scope

    files = sorted(Path(args.data).glob("*.json"))
    if args.limit:
        files = files[: args.limit]
    if not files:
        return {"error": f"no LoCoMo files in {args.data}"}
    ks = sorted(set(args.k))
    per: dict[int, dict[str, list[float]]] = {k: {} for k in ks}
    any_hit: dict[int, list[float]] = {k: [] for k in ks}
    times: list[float] = []
    embed_times: list[float] = []
    ingest_s = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp), args.database_url)
        embed = load_embedder().embed
        embed(["warm up"], "query")
        questions = 0
        for f in files:
            sample = json.loads(f.read_text())
            t0 = time.perf_counter()
            user_id, dia, last = ingest_locomo(settings, sample, f"locomo-{f.stem}")
            drain(settings)
            ingest_s += time.perf_counter() - t0
            known = set(dia.values())
            by_id = dia
            now = last + timedelta(days=1)
            for qa in sample["qa"]:
                cat = str(qa.get("category"))
                if cat not in ("1", "2", "3", "4"):
                    continue
                evidence = {e.strip() for ev in qa.get("evidence", []) for e in re.split(r"[;,\s]+", ev) if e.strip()}
                evidence &= known
                if not evidence:
                    continue
                questions += 1
                with session_scope(settings) as db:
                    t = time.perf_counter()
                    qvec = embed([str(qa["question"])], "query")[0]
                    t_embed = time.perf_counter()
                    hits = index.search(db, str(qa["question"]), user_id=user_id, limit=max(ks), now=now, qvec=qvec)
                    times.append((time.perf_counter() - t) * 1000)
                    embed_times.append((t_embed - t) * 1000)
                got = [by_id.get(h.message_id) for h in hits]
                for k in ks:
                    top = set(got[:k])
                    per[k].setdefault(cat, []).append(len(evidence & top) / len(evidence))
                    any_hit[k].append(float(bool(evidence & top)))
    out: dict[str, Any] = {}
    for k in ks:
        cats = per[k]
        allv = [v for c in cats.values() for v in c]
        out[f"recall@{k}"] = {"overall": round(statistics.mean(allv), 4),
                              **{c: round(statistics.mean(cats[c]), 4) for c in sorted(cats)}}
        out[f"recall_any@{k}"] = round(statistics.mean(any_hit[k]), 4)
    out["search_ms"] = {"p50": round(_pct(times, 50), 2), "p95": round(_pct(times, 95), 2)}
    # of which embedding the query (e5-small, one thread); the rest is the index itself
    out["query_embed_ms"] = {"p50": round(_pct(embed_times, 50), 2), "p95": round(_pct(embed_times, 95), 2)}
    out["load_average"] = [round(x, 1) for x in os.getloadavg()]
    out["questions"] = questions
    out["conversations"] = len(files)
    out["ingest_s"] = round(ingest_s, 1)
    out["database"] = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.memory")
    sub = p.add_subparsers(dest="cmd", required=True)
    lo = sub.add_parser("locomo", help="evidence recall on LoCoMo")
    lo.add_argument("--data", default=str(Path(__file__).resolve().parents[1].parent / "shared/data/memory/locomo"))
    lo.add_argument("--k", type=int, nargs="+", default=[5, 10])
    lo.add_argument("--limit", type=int, default=0, help="only the first N conversations")
    lo.add_argument("--database-url", default="", help="e.g. postgresql://… (default: a temporary SQLite)")
    args = p.parse_args(argv)
    result = {"locomo": locomo}[args.cmd](args)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    print()


if __name__ == "__main__":
    main()
