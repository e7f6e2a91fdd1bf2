"""Questions about a long document through memory's index: what the steps before the model
cost, and whether the right chunk is found.

    python -m bench.docqa [--paragraphs 400] [--questions 50] [--seed 0]

The document is generated (paragraphs of office vocabulary, each ending with a priced item),
so the figures depend only on its size; the questions ask for an item's price ("How much does
item 17 cost?"), and a question is found when the chunk holding that item is among the first
1 or 6 ranked. It is stored in a fresh SQLite home (as an upload is), indexed (parse + keyword
rows), embedded (e5, as the memory worker or the first question does) and searched with
``index.search`` in the file's scope. Prints ``{"chunks", "chars", "parse_s", "index_s",
"embed_s", "read_vectors_s", "question_search_s", "question_search_cpu_s" (this process's CPU
time, less swayed by a busy machine than the wall clock), "n", "hit_at_1", "hit_at_6"}``."""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from banshi.config import Settings
from banshi.media import docqa, documents
from banshi.media.files import FileStore
from banshi.memory import index
from banshi.memory.text import tokens
from banshi.store.db import dispose_engines, session_scope
from banshi.store.tables import User

WORDS = ("hotel budget warranty invoice meeting schedule train ticket refund policy contract rent deposit "
         "office parking cafeteria report quarter revenue growth").split()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--paragraphs", type=int, default=400)
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    paras = [" ".join(rng.choice(WORDS) for _ in range(60)) + f" Item {i} costs {rng.randint(10, 9999)} yuan."
             for i in range(args.paragraphs)]
    items = random.Random(args.seed + 1).sample(range(args.paragraphs), min(args.questions, args.paragraphs))
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        settings = Settings(home=d / "home", database_url="", backend="fake")
        text = "\n\n".join(paras)
        src = d / "long.txt"
        src.write_text(text, encoding="utf-8")
        t = time.perf_counter()
        doc = documents.parse(src, settings, name="long.txt")
        parse = time.perf_counter() - t
        with session_scope(settings) as db:
            user = User(username="bench")
            db.add(user)
            db.flush()
            store = FileStore(settings, user.id)
        fid = store.save_bytes("long.txt", text.encode()).id
        tokens("warm-up")  # jieba's dictionary loads at its first use, not at each upload
        t = time.perf_counter()
        conv = docqa.index_file(store, fid)
        indexed = time.perf_counter() - t
        t = time.perf_counter()
        docqa.embed_file(store, [conv])
        embed = time.perf_counter() - t
        t = time.perf_counter()
        with session_scope(settings) as db:
            index.scoped_vectors(db, store.user_id, [conv])
        read = time.perf_counter() - t
        files = docqa.load([fid], store)
        docqa.search("warm-up", files, store)  # the query embedder loaded outside the timings
        found1 = found6 = 0
        spent = cpu = 0.0
        for i in items:
            t, c = time.perf_counter(), time.process_time()
            hits = docqa.search(f"How much does item {i} cost?", files, store, limit=6)
            spent += time.perf_counter() - t
            cpu += time.process_time() - c
            right = [f"Item {i} costs" in chunk.text for _, chunk, _ in hits]
            found1 += bool(right and right[0])
            found6 += any(right)
        dispose_engines()
    n = len(items)
    print(json.dumps({"chunks": len(doc.chunks), "chars": len(doc.text), "parse_s": round(parse, 3),
                      "index_s": round(indexed, 3), "embed_s": round(embed, 2), "read_vectors_s": round(read, 4),
                      "question_search_s": round(spent / max(n, 1), 3),
                      "question_search_cpu_s": round(cpu / max(n, 1), 3), "n": n,
                      "hit_at_1": round(found1 / max(n, 1), 3), "hit_at_6": round(found6 / max(n, 1), 3)}))


if __name__ == "__main__":
    main()
