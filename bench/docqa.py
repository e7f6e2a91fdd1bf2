"""What a question about a long document costs before the model is called: parsing, embedding
the chunks (the first question about a file), loading the vectors kept beside the file (every
later question, also after a restart) and ranking the chunks for one question.

    python -m bench.docqa [--paragraphs 400] [--seed 0]

The document is generated (paragraphs of office vocabulary, each with a priced item), so the
figure depends only on its size. Prints ``{"chunks", "chars", "parse_s", "embed_first_s",
"load_saved_s", "question_search_s"}``."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from banshi.config import Settings
from banshi.media import docqa, documents

WORDS = ("hotel budget warranty invoice meeting schedule train ticket refund policy contract rent deposit "
         "office parking cafeteria report quarter revenue growth").split()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    paras = [" ".join(rng.choice(WORDS) for _ in range(60)) + f" Item {i} costs {rng.randint(10, 9999)} yuan."
             for i in range(args.paragraphs)]
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        src = d / "long.txt"
        src.write_text("\n\n".join(paras), encoding="utf-8")
        t = time.perf_counter()
        doc = documents.parse(src, Settings(home=d / "home"), name="long.txt")
        parse = time.perf_counter() - t
        saved = d / "long.vec.npy"
        t = time.perf_counter()
        docqa.HybridRetriever().vectors("first", doc.chunks, saved)
        first = time.perf_counter() - t
        fresh = docqa.HybridRetriever()  # as in a new process: nothing in memory
        t = time.perf_counter()
        fresh.vectors("later", doc.chunks, saved)
        load = time.perf_counter() - t
        t = time.perf_counter()
        fresh.search("how much is the parking deposit", doc.chunks, limit=6, key="later")
        search = time.perf_counter() - t
    print(json.dumps({"chunks": len(doc.chunks), "chars": len(doc.text), "parse_s": round(parse, 3),
                      "embed_first_s": round(first, 2), "load_saved_s": round(load, 4),
                      "question_search_s": round(search, 3)}))


if __name__ == "__main__":
    main()
