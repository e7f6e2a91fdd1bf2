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
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TYPES = {"dict": "object", "float": "number", "tuple": "array", "any": None, "int": "integer", "str": "string",
         "bool": "boolean", "list": "array"}


def to_json_schema(p: Any) -> Any:
    """BFCL's Python-flavoured schema types (dict, float, tuple, any) to JSON schema."""
    if not isinstance(p, dict):
        return p
    out: dict[str, Any] = {}
    for k, v in p.items():
        if k == "type" and isinstance(v, str):
            t = TYPES.get(v, v)
            if t:
                out["type"] = t
        elif k == "properties" and isinstance(v, dict):  # its keys are parameter names, "type" among them
            out[k] = {name: to_json_schema(sub) for name, sub in v.items()}
        elif k in ("items", "additionalProperties"):
            out[k] = to_json_schema(v)
        elif k in ("anyOf", "oneOf", "allOf") and isinstance(v, list):
            out[k] = [to_json_schema(sub) for sub in v]
        else:
            out[k] = v
    return out


def safe_name(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)


def standardize(s: str) -> str:
    """BFCL's string normalisation: no spaces or , . / - _ * ^, lower case, ' as "."""
    return re.sub(r"[ ,./\-_*^]", "", s).lower().replace("'", '"')


# what BFCL's Python checker accepts for each declared type (int passes for float)
PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "integer": (int,), "float": (int, float), "number": (int, float), "boolean": (bool,),
    "array": (list,), "tuple": (list,), "dict": (dict,), "object": (dict,),
}


def type_ok(value: Any, spec: dict[str, Any]) -> bool:
    t = spec.get("type", "any")
    if t == "any" or t not in PY_TYPES:
        return True
    if isinstance(value, bool) and t != "boolean":
        return False
    if not isinstance(value, PY_TYPES[t]):
        return False
    if t in ("array", "tuple") and isinstance(spec.get("items"), dict):
        return all(type_ok(v, spec["items"]) for v in value)
    return True


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        return standardize(v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def same(value: Any, accepted: Any) -> bool:
    """``value`` equals one accepted value, as BFCL compares them: strings normalised, lists in
    order element by element, dicts key by key against their own accepted lists."""
    if isinstance(accepted, dict):
        if not isinstance(value, dict):
            return False
        if any(k not in accepted for k in value):
            return False
        for k, acc in accepted.items():
            options = acc if isinstance(acc, list) else [acc]
            if k not in value:
                if "" not in options:
                    return False
            elif not any(same(value[k], a) for a in options if a != ""):
                return False
        return True
    if isinstance(value, bool) or isinstance(accepted, bool):
        return isinstance(value, bool) and isinstance(accepted, bool) and value is accepted
    if isinstance(value, list) and isinstance(accepted, list):
        return len(value) == len(accepted) and all(same(v, a) for v, a in zip(value, accepted, strict=True))
    return _norm(value) == _norm(accepted)


def call_matches(name: str, args: dict[str, Any], truth: dict[str, dict[str, list]], fn: dict[str, Any]) -> bool:
    """BFCL's simple-function check: the name; every required parameter present; every given
    one declared, expected and of its declared type, with an accepted value; every expected one
    that is absent optional (``""`` among its accepted values)."""
    (gname, params), = truth.items()
    if name != gname:
        return False
    declared = fn["parameters"].get("properties", {})
    if any(r not in args for r in fn["parameters"].get("required", [])):
        return False
    for k, v in args.items():
        if k not in declared or k not in params or not type_ok(v, declared[k]):
            return False
        if not any(same(v, a) for a in params[k] if not (a == "" and v != "")):
            return False
    return all("" in accepted for k, accepted in params.items() if k not in args)


def score(calls: list[tuple[str, dict]], truth: list[dict], functions: list[dict[str, Any]], irrelevance: bool
          ) -> bool:
    """One item: irrelevance passes with no call; otherwise as many calls as expected, each
    matching a distinct expected call, in any order."""
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


def spread(rows: list[Any], limit: int, offset: int = 0) -> list[Any]:
    """``limit`` rows evenly spaced over the file (all of them when limit is 0 or larger), each
    moved ``offset`` rows on (wrapping round): ``--offset 3`` gives a second sample of the same
    size that shares no row with the first while the spacing is over 3."""
    if not limit or limit >= len(rows):
        return rows
    return [rows[(i * len(rows) // limit + offset) % len(rows)] for i in range(limit)]


def tools_of(row: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """An item's functions as OpenAI tools (names made safe) and the way back to BFCL's names."""
    functions = row["function"]
    names = {safe_name(f["name"]): f["name"] for f in functions}
    tools = [{"type": "function", "function": {"name": safe_name(f["name"]), "description": f["description"],
                                               "parameters": to_json_schema(f["parameters"])}} for f in functions]
    return tools, names


def rescore(log: Path, rows: dict[str, dict[str, Any]], irrelevance: bool) -> dict[str, Any]:
    """Score the calls a ``--no-check --verbose`` run logged as the local backend would return
    them with its checks on (``toolcalls.check_calls``): the checks only keep, drop or rewrite
    calls of the same greedy reply, so this equals a run with them (except the text answer
    written after a drop, which no category scores). No model is loaded."""
    from banshi.messages import ToolCall
    from banshi.models.toolcalls import check_calls

    ok = before = n = 0
    changed = []
    for line in open(log, encoding="utf-8"):
        if not line.startswith('{"id"'):
            continue
        item = json.loads(line)
        row = rows[item["id"]]
        tools, names = tools_of(row)
        text = "\n".join(m["content"] for m in row["question"][0] if m.get("content"))
        calls = [ToolCall(name=safe_name(name), arguments=a, id="") for name, a in item["calls"]]
        kept = check_calls(text, tools, calls)[0]
        passed = score([(names.get(c.name, c.name), c.arguments) for c in kept], item["truth"] or [],
                       row["function"], irrelevance)
        n, ok, before = n + 1, ok + passed, before + bool(item["ok"])
        if passed != item["ok"]:
            changed.append({"id": item["id"], "ok": passed})
    return {"accuracy": round(ok / max(1, n), 3), "n": n, "unchecked_accuracy": round(before / max(1, n), 3),
            "changed": changed}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", required=True)
    ap.add_argument("--category", required=True)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--offset", type=int, default=0, help="move each item of the --limit spread this many rows on")
    ap.add_argument("--backend", default="")
    ap.add_argument("--no-grammar", action="store_true", help="free-text tool replies, parsed afterwards (local)")
    ap.add_argument("--verbose", action="store_true", help="each item's calls and verdict on stderr")
    ap.add_argument("--max-tokens", type=int, default=400, help="per reply (a text answer runs to it)")
    ap.add_argument("--no-check", action="store_true", help="keep calls with values nobody gave (local)")
    ap.add_argument("--rescore", metavar="LOG", help="score the calls of a --no-check --verbose run's log "
                    "(its stderr) with the checks of this code, without a model")
    args = ap.parse_args(argv)
    if args.rescore:
        rows = {r["id"]: r for r in map(json.loads, open(Path(args.data) / f"{args.category}.json", encoding="utf-8"))}
        print(json.dumps({"category": args.category, **rescore(Path(args.rescore), rows,
                                                               args.category == "irrelevance")}))
        return
    os.environ.setdefault("BANSHI_HOME", tempfile.mkdtemp(prefix="banshi-bfcl-"))
    if args.backend:
        os.environ["BANSHI_BACKEND"] = args.backend
    from banshi.config import get_settings
    from banshi.messages import Message
    from banshi.models.base import get_backend

    settings = get_settings()
    backend = get_backend(settings)
    if args.no_grammar and hasattr(backend, "tool_grammar"):
        backend.tool_grammar = False
    if args.no_check and hasattr(backend, "check_calls"):
        backend.check_calls = False
    data = Path(args.data)
    rows = [json.loads(line) for line in open(data / f"{args.category}.json", encoding="utf-8")]
    answers: dict[str, Any] = {}
    answer_file = data / "possible_answer" / f"{args.category}.json"
    if answer_file.exists():
        answers = {r["id"]: r["ground_truth"] for r in map(json.loads, open(answer_file, encoding="utf-8"))}
    rows = spread(rows, args.limit, args.offset)
    irrelevance = args.category == "irrelevance"
    ok, seconds = 0, []
    for row in rows:
        functions = row["function"]
        tools, names = tools_of(row)
        messages = [Message(m["role"], m["content"]) for m in row["question"][0]]
        started = time.time()
        done = backend.chat(messages, tools=tools, temperature=0.0, max_tokens=args.max_tokens)
        seconds.append(time.time() - started)
        calls = [(names.get(c.name, c.name), c.arguments) for c in done.tool_calls]
        passed = score(calls, answers.get(row["id"], []), functions, irrelevance)
        ok += passed
        if args.verbose:
            print(json.dumps({"id": row["id"], "ok": passed, "calls": calls, "text": done.text[:200],
                              "truth": answers.get(row["id"]), "s": round(seconds[-1], 1),
                              "dropped": getattr(backend, "last_dropped", None)}, ensure_ascii=False),
                  file=sys.stderr, flush=True)
    n = len(rows)
    seconds.sort()
    print(json.dumps({"accuracy": round(ok / max(1, n), 3), "n": n, "category": args.category, "backend": backend.id,
                      "max_tokens": args.max_tokens, "limit": args.limit, "offset": args.offset,
                      "seconds": {"p50": round(seconds[n // 2], 1) if n else None}}))


if __name__ == "__main__":
    main()
