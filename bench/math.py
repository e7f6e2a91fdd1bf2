"""Homework-solving accuracy on GSM8K, CMATH or Math23K through the homework skill.

    python -m bench.math --data ../shared/data/math/cmath/dev.jsonl --limit 30 [--images]

Prints JSON ``{"accuracy", "n", "verified_rate", "s_per_problem", ...}``. The format of the file
is detected from its records. ``--limit`` takes an evenly spaced sample over the whole file (so
every grade of CMATH is represented), not the first N. ``--images`` renders each problem to a
photo-like PNG (Noto CJK, slight rotation, uneven light, noise, blur) and solves it from the
photo through OCR. Never asserts anything.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

from banshi.config import get_settings
from banshi.models.base import get_backend
from banshi.skills import answers
from banshi.skills.homework import DEFAULT_BUDGET_S, DEFAULT_SAMPLES, solve

FONT_PATHS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
]


def load(path: Path) -> tuple[str, list[dict[str, str]]]:
    """``(format, [{"question", "answer"}])`` for GSM8K / CMATH (JSONL) or Math23K (JSON)."""
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    records: list[dict[str, Any]]
    if stripped.startswith("["):
        records = json.loads(stripped)
    else:
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
    if not records:
        return "empty", []
    first = records[0]
    if "original_text" in first and "ans" in first:
        return "math23k", [{"question": r["original_text"], "answer": str(r["ans"])} for r in records]
    if "input" in first and "golden" in first:
        return "cmath", [{"question": r["input"], "answer": str(r["golden"])} for r in records]
    if "question" in first and "answer" in first:
        return "gsm8k", [{"question": r["question"], "answer": str(r["answer"]).split("####")[-1].strip()}
                         for r in records]
    raise SystemExit(f"unknown format in {path}: keys {sorted(first)}")


def sample(items: list[Any], limit: int | None, offset: int = 0) -> list[Any]:
    if not limit or limit >= len(items):
        return items
    step = len(items) / limit
    return [items[(int(i * step) + offset) % len(items)] for i in range(limit)]


def render_photo(text: str, seed: int = 0) -> bytes:
    """A photo-like PNG of ``text``: dark ink on off-white paper, wrapped, slightly rotated, with
    uneven light, sensor noise and a little blur."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    font_path = next((p for p in FONT_PATHS if Path(p).exists()), None)
    if font_path is None:
        raise SystemExit("install the Debian package fonts-noto-cjk for --images")
    font = ImageFont.truetype(font_path, 30)
    width = 900
    lines, line = [], ""
    draw = ImageDraw.Draw(Image.new("L", (10, 10)))
    for ch in text:
        if draw.textlength(line + ch, font=font) > width - 80:
            # keep latin words whole
            cut = line.rfind(" ") if ch != " " and line and line[-1].isascii() and ch.isascii() else -1
            if cut > 0:
                lines.append(line[:cut])
                line = line[cut + 1:] + ch
            else:
                lines.append(line)
                line = ch.lstrip()
        else:
            line += ch
    lines.append(line)
    height = 80 + 46 * len(lines)
    paper = rng.randint(225, 245)
    img = Image.new("L", (width, height), paper)
    d = ImageDraw.Draw(img)
    for i, ln in enumerate(lines):
        d.text((40 + rng.randint(-2, 2), 40 + 46 * i), ln, fill=rng.randint(20, 60), font=font)
    img = img.rotate(rng.uniform(-3, 3), resample=Image.BICUBIC, expand=True, fillcolor=paper)
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape
    gradient = np.linspace(rng.uniform(0.85, 1.0), rng.uniform(0.9, 1.05), w)[None, :]
    nrng = np.random.default_rng(seed)
    arr = arr * gradient + nrng.normal(0, 8, arr.shape)
    img = Image.fromarray(np.clip(arr, 0, 255).astype("uint8")).filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    img.convert("RGB").save(out, "PNG")
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--offset", type=int, default=0, help="shift the evenly spaced sample")
    ap.add_argument("--images", action="store_true", help="solve from rendered photos through OCR")
    ap.add_argument("--samples", type=int, default=DEFAULT_SAMPLES,
                    help="most solutions per problem (stops when one answer has 2 and a majority)")
    ap.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S,
                    help="seconds after which no new solution starts (0: none; use 0 on a loaded machine)")
    ap.add_argument("--details", type=Path, default=None, help="write one JSON line per problem here")
    args = ap.parse_args(argv)

    fmt, items = load(args.data)
    items = sample(items, args.limit, args.offset)
    settings = get_settings()
    backend = get_backend(settings)
    correct = verified = verified_correct = ocr_exact = tried = 0
    seconds = 0.0
    details = args.details.open("w", encoding="utf-8") if args.details else None
    for i, item in enumerate(items):
        start = time.monotonic()
        kwargs: dict[str, Any] = {"explain": False, "samples": args.samples, "budget_s": args.budget or None}
        if args.images:
            kwargs["image"] = render_photo(item["question"], seed=i)
            res = solve(backend, None, **kwargs)
        else:
            res = solve(backend, item["question"], **kwargs)
        took = time.monotonic() - start
        seconds += took
        ok = answers.same_answer(res.answer, item["answer"])
        correct += ok
        verified += res.verified
        verified_correct += ok and res.verified
        tried += len(res.attempts)
        if args.images:
            ocr_exact += _squash(res.problem) == _squash(item["question"])
        row = {"i": i, "question": item["question"], "gold": item["answer"], "answer": res.answer,
               "correct": ok, "verified": res.verified, "seconds": round(took, 1),
               "values": [a.value for a in res.attempts], "errors": [a.error for a in res.attempts if a.error],
               "styles": [a.style for a in res.attempts], "repaired": sum(a.repaired for a in res.attempts),
               "programs": [a.program for a in res.attempts]}
        if args.images:
            row["ocr_text"] = res.problem
        if details:
            details.write(json.dumps(row, ensure_ascii=False) + "\n")
            details.flush()
        print(f"[{i + 1}/{len(items)}] {'✓' if ok else '✗'}{'v' if res.verified else ' '} "
              f"{took:5.1f}s gold={item['answer']} got={res.answer}", file=sys.stderr)
    n = len(items)
    out = {
        "dataset": fmt, "file": str(args.data), "n": n,
        "accuracy": round(correct / n, 4) if n else 0.0,
        "verified_rate": round(verified / n, 4) if n else 0.0,
        "accuracy_when_verified": round(verified_correct / verified, 4) if verified else None,
        "s_per_problem": round(seconds / n, 2) if n else 0.0,
        "solutions_per_problem": round(tried / n, 2) if n else 0.0,
        "images": args.images, "backend": settings.backend,
        "model": settings.local_model if settings.backend == "local" else backend.id,
    }
    if args.images:
        out["ocr_exact_rate"] = round(ocr_exact / n, 4) if n else 0.0
    print(json.dumps(out, ensure_ascii=False))


def _squash(s: str) -> str:
    return "".join(ch for ch in s if ch.isalnum())


if __name__ == "__main__":
    main()
