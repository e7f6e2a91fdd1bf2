"""Our tool-calling layer (backend ``chat(..., tools=...)`` + ``banshi.models.toolcalls``) on
BFCL files, checked by AST matching as BFCL does: the right functions, each required argument
present with an accepted value, optional ones absent or accepted, nothing unknown; parallel
calls in any order; for ``irrelevance``, no call at all. Prints JSON ``{"accuracy", "n"}``.

    python -m bench.toolcalls --data ../shared/data/toolcalls/bfcl --category simple_python [--limit N]

Categories: simple_python, multiple, parallel, parallel_multiple, irrelevance."""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path
from typing import Any

TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": None, "int": "integer", "str": "string",
         "bool": "boolean", "list": "array"}


def to_json_schema(p: Any) -> Any:
    """BFCL's Python-flavoured schema types to JSON schema."""
    if isinstance(p, dict):
        out = {}
        for k, v in p.items():
            if k == "type":
                t = TYPES.get(v, v)
                if t:
                    out["type"] = t
            else:
                out[k] = to_json_schema(v)
        return out
    if isinstance(p, list):
        return [to_json_schema(x) for x in p]
    return p


def safe_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def same(value: Any, accepted: Any) -> bool:
    if isinstance(accepted, str) and isinstance(value, str):
        norm = lambda s: re.sub(r"[\s'\".,]", "", s).lower()  # noqa: E731 - BFCL's string normalisation
        return norm(value) == norm(accepted)
    if isinstance(accepted, bool) or isinstance(value, bool):
        return value is accepted
    if isinstance(accepted, int | float) and isinstance(value, int | float):
        return float(value) == float(accepted)
    if isinstance(accepted, list) and isinstance(value, list | tuple):
        return len(value) == len(accepted) and all(same(v, a) for v, a in zip(value, accepted, strict=True))
    if isinstance(accepted, dict) and isinstance(value, dict):
        return all(k in value and any(same(value[k], a) for a in (acc if isinstance(acc, list) else [acc]))
                   for k, acc in accepted.items() if not (isinstance(acc, list) and "" in acc and k not in value))
    return value == accepted


def call_matches(name: str, args: dict[str, Any], truth: dict[str, dict[str, list]], fn: dict[str, Any]) -> bool:
    (gname, params), = truth.items()
    if name != gname:
        return False
    known = fn["parameters"].get("properties", {})
    if any(k not in known for k in args):
        return False
    for k, accepted in params.items():
        if k not in args:
            if "" not in accepted and None not in accepted:
                return False
        elif not any(same(args[k], a) for a in accepted if a != "" or args[k] == ""):
            return False
    return True


def score(calls: list[tuple[str, dict]], truth: list[dict], functions: list[dict[str, Any]], irrelevance: bool
          ) -> bool:
    if irrelevance:
        return not calls
    if len(calls) != len(truth):
        return False
    by_name = {f["name"]: f for f in functions}
    left = list(truth)
    for name, args in calls:
        match = next((t for t in left if name in by_name and call_matches(name, args, t, by_name[name])), None)
        if match is None:
            return False
        left.remove(match)
    return not left


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--category", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--backend", default="")
    args = ap.parse_args(argv)
    os.environ.setdefault("BANSHI_HOME", tempfile.mkdtemp(prefix="banshi-bfcl-"))
    if args.backend:
        os.environ["BANSHI_BACKEND"] = args.backend
    from banshi.config import get_settings
    from banshi.messages import Message
    from banshi.models.base import get_backend

    settings = get_settings()
    backend = get_backend(settings)
    data = Path(args.data)
    rows = [json.loads(line) for line in open(data / f"{args.category}.json", encoding="utf-8")]
    answers: dict[str, Any] = {}
    answer_file = data / "possible_answer" / f"{args.category}.json"
    if answer_file.exists():
        answers = {r["id"]: r["ground_truth"] for r in map(json.loads, open(answer_file, encoding="utf-8"))}
    if args.limit:
        rows = rows[: args.limit]
    irrelevance = args.category == "irrelevance"
    ok, seconds = 0, []
    for row in rows:
        functions = row["function"]
        names = {safe_name(f["name"]): f["name"] for f in functions}
        tools = [{"type": "function", "function": {"name": safe_name(f["name"]), "description": f["description"],
                                                   "parameters": to_json_schema(f["parameters"])}} for f in functions]
        messages = [Message(m["role"], m["content"]) for m in row["question"][0]]
        started = time.time()
        done = backend.chat(messages, tools=tools, temperature=0.0, max_tokens=400)
        seconds.append(time.time() - started)
        calls = [(names.get(c.name, c.name), c.arguments) for c in done.tool_calls]
        ok += score(calls, answers.get(row["id"], []), functions, irrelevance)
    n = len(rows)
    seconds.sort()
    print(json.dumps({"accuracy": round(ok / max(1, n), 3), "n": n, "category": args.category, "backend": backend.id,
                      "seconds": {"p50": round(seconds[n // 2], 1) if n else None}}))


if __name__ == "__main__":
    main()
