"""How well the chat recognises a math problem (``banshi.skills.route.math_problem``, which
sends a message to the homework solver): the share of school math problems recognised, and the
share of other messages (requests to assistants, chat, questions about past conversations)
wrongly taken for one; and how often a message is wrongly taken for a request for a picture
(``route.drawing``) or for a text to translate (``route.translation``): none of these sets asks
for either.

    python -m bench.skill_route [--data ../shared/data]

Math problems: GSM8K (the first 3,000 of train), CMATH dev, Math23K valid, CLINC150's
``calculator`` intent. Other messages: the rest of CLINC150 val, SMP2019 and CAIS (train + val),
every user turn of CrossWOZ val, LoCoMo's questions and turns. A set that is not installed is
left out. Prints JSON ``{"recognised": {set: share}, "false_positive": {set: share}, "n": {set:
count}, "bare_calculations": {set: share}, "drawing_false_positive": {set: share},
"translation_false_positive": {set: share}, "to_services": {set: share}}``;
``bare_calculations`` is the share of the recognised problems computed at once by
``banshi.skills.calculator`` (no model); ``to_services`` the share of a set's messages the service
agents are asked about (no skill takes it first, ``route.skill_first``, and the dispatcher finds
candidate tools for it, ``Dispatcher.candidates``, by keywords: the trained router is left out so
that no embedding runs): CrossWOZ's turns are errands, the math problems and LoCoMo's chat are not.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from banshi.agents.dispatcher import Dispatcher
from banshi.agents.registry import get_registry
from banshi.config import get_settings
from banshi.models.fake import EchoBackend
from banshi.skills.calculator import expression
from banshi.skills.route import drawing, math_problem, skill_first, translation


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def _sets(data: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    math: dict[str, list[str]] = {}
    other: dict[str, list[str]] = {}

    def add(into: dict[str, list[str]], name: str, path: Path, read) -> None:  # type: ignore[no-untyped-def]
        if path.exists():
            into[name] = [t for t in read(path) if t]

    add(math, "gsm8k", data / "math/gsm8k/train.jsonl", lambda p: [r["question"] for r in _jsonl(p)][:3000])
    add(math, "cmath", data / "math/cmath/dev.jsonl", lambda p: [r["input"] for r in _jsonl(p)])
    add(
        math,
        "math23k",
        data / "math/math23k/valid.json",
        lambda p: [r["original_text"] for r in json.loads(p.read_text(encoding="utf-8"))],
    )
    clinc = data / "intents/clinc150/val.jsonl"
    add(math, "clinc150_calculator", clinc, lambda p: [r["text"] for r in _jsonl(p) if r["label"] == "calculator"])
    add(other, "clinc150_other", clinc, lambda p: [r["text"] for r in _jsonl(p) if r["label"] != "calculator"])
    for name in ("smp2019", "cais"):
        add(
            other,
            name,
            data / "intents" / name,
            lambda p: [r["text"] for f in ("train.jsonl", "val.jsonl") if (p / f).exists() for r in _jsonl(p / f)],
        )
    add(other, "crosswoz", data / "dialogue/crosswoz/val.jsonl", lambda p: sorted({r["text"] for r in _jsonl(p)}))

    def locomo(p: Path) -> list[str]:
        out = []
        for f in sorted(p.glob("*.json")):
            conv = json.loads(f.read_text(encoding="utf-8"))
            out += [q["question"] for q in conv.get("qa", [])]
            out += [t.get("text", "") for v in conv.get("conversation", {}).values() if isinstance(v, list) for t in v]
        return out

    add(other, "locomo", data / "memory/locomo", locomo)
    return math, other


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=get_settings().data_dir)
    args = ap.parse_args(argv)
    math, other = _sets(args.data)
    settings = get_settings()
    dispatcher = Dispatcher(settings, EchoBackend(), get_registry(settings))

    def to_services(text: str) -> bool:
        return not skill_first(text) and bool(dispatcher.candidates(text)[1])

    recognised = {name: [t for t in texts if math_problem(t)] for name, texts in math.items()}
    out = {
        "recognised": {name: round(len(hit) / len(math[name]), 4) for name, hit in recognised.items()},
        "false_positive": {name: round(sum(map(math_problem, texts)) / len(texts), 4) for name, texts in other.items()},
        "n": {name: len(texts) for name, texts in {**math, **other}.items()},
        "bare_calculations": {
            name: round(sum(expression(t) is not None for t in hit) / max(1, len(hit)), 4)
            for name, hit in recognised.items()
        },
        "drawing_false_positive": {
            name: round(sum(map(drawing, texts)) / len(texts), 4) for name, texts in {**math, **other}.items()
        },
        "translation_false_positive": {
            name: round(sum(translation(t) is not None for t in texts) / len(texts), 4)
            for name, texts in {**math, **other}.items()
        },
        "to_services": {
            name: round(sum(map(to_services, texts)) / len(texts), 4) for name, texts in {**math, **other}.items()
        },
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
