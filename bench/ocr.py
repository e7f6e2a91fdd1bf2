"""OCR alone on homework photos: how exactly the photo path hands a problem's text to the solver.

    python -m bench.ocr --data ../shared/data/math/cmath/dev.jsonl --limit 50 [--offset K] [--details F]

Each problem is rendered with ``bench.math.render_photo`` (Noto CJK, slight rotation, uneven
light, noise, blur — the same photos as ``bench.math --images``, same seeds) and read back
through ``banshi.skills.homework.read_photo`` (the text the solver gets). The text is compared
with the original after a normalisation that ignores what does not change a problem's meaning:
full-width vs half-width forms (NFKC), Chinese vs ASCII punctuation (。 vs .), and whitespace
except one space between two Latin letters or digits. Reports the character error rate (edit
distance / reference length, over all problems), the share of problems read exactly, the share
handed to the solver character for character as typed (``identical_rate``: then the photo path
and the text path solve the same string), and the OCR's mean confidence. No language model is
involved. Prints JSON; never asserts.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from pathlib import Path

from banshi.config import get_settings
from bench.asr import edit_distance
from bench.math import load, render_photo, sample

# CJK punctuation that NFKC leaves alone, written as the ASCII a reader takes it for
_PUNCT = str.maketrans({"。": ".", "、": ",", "“": '"', "”": '"', "‘": "'", "’": "'", "【": "[", "】": "]",
                        "《": "<", "》": ">", "〈": "<", "〉": ">", "—": "-", "－": "-", "…": "...",
                        "·": ".", "•": ".", "∕": "/"})


def normalise(text: str) -> str:
    """Width and punctuation style folded; whitespace kept only as one space between two
    Latin letters/digits (where it separates words)."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCT)
    out: list[str] = []
    pending_space = False
    for ch in text:
        if ch.isspace():
            pending_space = bool(out)
            continue
        if pending_space and out[-1].isascii() and out[-1].isalnum() and ch.isascii() and ch.isalnum():
            out.append(" ")
        pending_space = False
        out.append(ch)
    return "".join(out)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--offset", type=int, default=0, help="shift the evenly spaced sample")
    ap.add_argument("--details", type=Path, default=None, help="write one JSON line per problem here")
    args = ap.parse_args(argv)

    from banshi.skills.homework import read_photo

    fmt, items = load(args.data)
    items = sample(items, args.limit, args.offset)
    settings = get_settings()
    errors = chars = exact = identical = 0
    confidence = seconds = 0.0
    details = args.details.open("w", encoding="utf-8") if args.details else None
    for i, item in enumerate(items):
        image = render_photo(item["question"], seed=i)  # the seeds bench.math --images uses
        start = time.monotonic()
        text, conf = read_photo(image, settings)
        took = time.monotonic() - start
        ref, got = normalise(item["question"]), normalise(text)
        dist = edit_distance(list(ref), list(got))
        errors += dist
        chars += len(ref)
        exact += dist == 0
        identical += text == item["question"].strip()
        confidence += conf
        seconds += took
        if details:
            details.write(json.dumps({"i": i, "question": item["question"], "ocr_text": text, "distance": dist,
                                      "confidence": round(conf, 4)}, ensure_ascii=False) + "\n")
            details.flush()
        if dist:
            print(f"[{i + 1}/{len(items)}] {dist} error(s)\n  ref: {ref}\n  got: {got}", file=sys.stderr)
    n = len(items)
    print(json.dumps({
        "dataset": fmt, "file": str(args.data), "n": n, "offset": args.offset,
        "cer": round(errors / chars, 4) if chars else 0.0,
        "exact_rate": round(exact / n, 4) if n else 0.0,
        "identical_rate": round(identical / n, 4) if n else 0.0,
        "mean_confidence": round(confidence / n, 4) if n else 0.0,
        "s_per_image": round(seconds / n, 2) if n else 0.0,
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
