"""Questions about documents, answered with citations, and summaries of documents of any
length within the context budget (map-reduce).

Retrieval goes through one small interface, ``Retriever.search(query, chunks, limit=, key=)``.
Document chunks are not put into the memory index (``banshi.memory.index``): its ``add`` indexes
only ``user``/``assistant`` messages, and its ``search`` cannot restrict hits to documents nor keep
them out of memory's recall, which would then quote document text as things the user said.
``HybridRetriever`` ranks a document's chunks with the memory layer's own pieces instead — its
tokenizer (jieba + Snowball, ``banshi.memory.text``), the shared e5 embedder and its weighted
reciprocal-rank fusion (``RRF_K``, ``DENSE_WEIGHT``) — per document; the chunks' vectors are kept
on disk beside the file (``FileStore.vectors_path``), so each file is embedded once."""

from __future__ import annotations

import math
import os
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from banshi.errors import InvalidInput
from banshi.media.documents import Chunk, Document
from banshi.memory.index import DENSE_WEIGHT, RRF_K
from banshi.messages import Message

if TYPE_CHECKING:
    from banshi.config import Settings
    from banshi.media.files import FileStore
    from banshi.models.base import Backend

_CJK = re.compile(r"[\u3400-\u9fff]")
#: a summary stage never makes more calls than this: longer documents are sampled evenly
MAX_MAP_CALLS = 24


def is_chinese(text: str) -> bool:
    try:
        from banshi.memory.text import is_chinese as memory_is_chinese

        return memory_is_chinese(text)
    except ImportError:  # pragma: no cover - memory is part of the package
        return len(_CJK.findall(text)) >= 2


class Retriever(Protocol):
    def search(self, query: str, chunks: Sequence[Chunk], *, limit: int, key: str = "") -> list[tuple[Chunk, float]]:
        """The chunks most relevant to ``query``, best first, with a score. ``key`` names the
        chunk set (a file id) so an implementation can cache what it computed for it."""
        ...


def _tokens(text: str) -> list[str]:
    from banshi.memory.text import tokens

    return tokens(text)


Embed = Callable[[list[str], str], np.ndarray]


class HybridRetriever:
    """BM25 over the memory tokenizer's terms + dense e5 similarity, fused by reciprocal rank.
    Terms and vectors of a chunk set are computed once per ``key`` and kept in memory (LRU)."""

    def __init__(self, embed: Embed | None = None, *, dense: bool = True, cache_sets: int = 16):
        self._embed = embed
        self.dense = dense
        self._cache: OrderedDict[tuple[str, str, int], Any] = OrderedDict()
        self._cache_sets = cache_sets
        self._lock = threading.Lock()

    def embed(self, texts: list[str], kind: str) -> np.ndarray:
        if self._embed is None:
            from banshi.models.embeddings import get_embedder

            self._embed = get_embedder().embed  # type: ignore[assignment]
        assert self._embed is not None
        return self._embed(texts, kind)

    def _cached(self, kind: str, key: str, chunks: Sequence[Chunk], make: Callable[[], Any]) -> Any:
        """What ``make`` computes for a chunk set, kept per ``key`` (LRU) so that the next question
        about the same file neither re-tokenises nor re-embeds it."""
        if not key:
            return make()
        cache_key = (kind, key, len(chunks))
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key]
        value = make()
        with self._lock:
            self._cache[cache_key] = value
            while len(self._cache) > self._cache_sets * 2:
                self._cache.popitem(last=False)
        return value

    def _bm25(self, query: str, chunks: Sequence[Chunk], key: str = "") -> list[int]:
        q = set(_tokens(query))
        if not q:
            return []
        docs = self._cached("terms", key, chunks, lambda: [Counter(_tokens(c.text)) for c in chunks])
        n = len(docs)
        avg = sum(sum(d.values()) for d in docs) / max(n, 1) or 1.0
        df = Counter(t for d in docs for t in q if t in d)
        scores = []
        for i, d in enumerate(docs):
            length = sum(d.values())
            s = 0.0
            for t in q:
                if t in d:
                    idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                    s += idf * d[t] * 2.2 / (d[t] + 1.2 * (0.25 + 0.75 * length / avg))
            if s > 0:
                scores.append((s, i))
        return [i for _, i in sorted(scores, reverse=True)]

    def vectors(self, key: str, chunks: Sequence[Chunk], path: Path | None = None) -> np.ndarray:
        """The passage vectors of a chunk set: kept in memory per ``key`` and, with ``path``, on
        disk (float16) so that they are computed once per file, not once per process."""

        def make() -> np.ndarray:
            if path is not None and path.is_file():
                try:
                    saved = np.load(path)
                    if saved.shape[0] == len(chunks):
                        return saved.astype(np.float32)
                except (OSError, ValueError):
                    pass  # unreadable (a crash mid-write): computed again below
            matrix = self.embed([c.text for c in chunks], "passage")
            if path is not None:
                tmp = path.with_suffix(".tmp.npy")
                np.save(tmp, matrix.astype(np.float16))
                os.replace(tmp, path)
            return matrix

        return self._cached("vectors", key, chunks, make)

    def _dense(self, query: str, chunks: Sequence[Chunk], key: str) -> list[int]:
        matrix = self.vectors(key, chunks)
        qvec = self.embed([query], "query")[0]
        scores = matrix @ qvec
        return [int(i) for i in np.argsort(-scores)]

    def search(self, query: str, chunks: Sequence[Chunk], *, limit: int, key: str = "") -> list[tuple[Chunk, float]]:
        if not chunks:
            return []
        fused: dict[int, float] = {}
        rankings = [(1.0, self._bm25(query, chunks, key))]
        if self.dense:
            rankings.append((DENSE_WEIGHT, self._dense(query, chunks, key)[:50]))
        for weight, ranking in rankings:  # memory's fusion: weighted reciprocal rank
            for rank, i in enumerate(ranking):
                fused[i] = fused.get(i, 0.0) + weight / (RRF_K + rank + 1)
        best = sorted(fused.items(), key=lambda kv: -kv[1])[:limit]
        return [(chunks[i], score) for i, score in best]


_default: HybridRetriever | None = None


def default_retriever() -> HybridRetriever:
    global _default
    if _default is None:
        _default = HybridRetriever()
    return _default


# -- answering ---------------------------------------------------------------------------------

@dataclass
class Answer:
    answer: str
    citations: list[dict[str, Any]]  # the excerpts the answer cites: n, source, location, quote
    sources: list[dict[str, Any]]  # every excerpt the model was shown

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.answer, "citations": self.citations, "sources": self.sources}


ASK_SYSTEM = {
    "en": "You answer questions about the user's documents using only the numbered excerpts given. "
          "After each statement, cite the excerpts it comes from as [1], [2]. If the excerpts do not "
          "contain the answer, say that the document does not say. Answer in English, briefly.",
    "zh": "你根据用户文档的编号摘录回答问题，只能使用这些摘录。每句话后用 [1]、[2] 标注出处。"
          "如果摘录中没有答案，就说明文档里没有提到。用中文简洁回答。",
}


def _budget(settings: Settings, backend: Backend, reserve: int = 600) -> int:
    return max(256, settings.context_tokens - reserve)


@dataclass
class Prepared:
    """A question about files, ready for the model: the messages to send (the numbered excerpts,
    and the photos themselves when the backend sees images) and every excerpt shown."""

    messages: list[Message]
    sources: list[dict[str, Any]]
    lang: str

    @property
    def empty_reply(self) -> str | None:
        """The answer when there is nothing to show the model (no text, no photo)."""
        if self.sources or self.messages[-1].images:
            return None
        return "文档里没有可用的文字。" if self.lang == "zh" else "The document has no text to answer from."

    def cite(self, text: str) -> list[dict[str, Any]]:
        """The excerpts an answer cites with [n] (numbers outside the excerpts are ignored)."""
        cited = sorted({int(n) for n in re.findall(r"\[(\d+)\]", text) if 1 <= int(n) <= len(self.sources)})
        return [self.sources[n - 1] for n in cited]


PHOTO_NOTE = {"en": " The photo itself is attached too: read it together with its OCR text.",
              "zh": "照片本身也附上了：请结合照片和其中识别出的文字回答。"}


def prepare(question: str, docs: Sequence[tuple[str, Document]], settings: Settings, backend: Backend,
            retriever: Retriever | None = None, limit: int = 6, images: Sequence[str] = ()) -> Prepared:
    """Rank ``docs`` (``(key, document)`` pairs, key = file id) for ``question`` and number the
    excerpts that fit the context budget; ``images`` (data URLs) go beside them."""
    question = question.strip()
    if not question:
        raise InvalidInput("question: empty")
    retriever = retriever or default_retriever()
    hits: list[tuple[str, Chunk, float]] = []
    for key, doc in docs:
        hits += [(key, c, s) for c, s in retriever.search(question, doc.chunks, limit=limit, key=key)]
    hits.sort(key=lambda h: -h[2])
    budget = _budget(settings, backend)
    shown: list[tuple[str, Chunk]] = []
    used = 0
    for key, chunk, _ in hits[:limit]:
        cost = backend.count_tokens(chunk.text) + 20
        if used + cost > budget:
            continue
        shown.append((key, chunk))
        used += cost
    lang = "zh" if is_chinese(question) else "en"
    sources = [{"n": i, "file_id": key, "source": c.source, "location": c.location, "quote": c.text[:300]}
               for i, (key, c) in enumerate(shown, 1)]
    excerpts = "\n\n".join(f"[{i}] ({c.source}, {c.location})\n{c.text}" for i, (_, c) in enumerate(shown, 1))
    system = ASK_SYSTEM[lang] + (PHOTO_NOTE[lang] if images else "")
    user = Message("user", f"Excerpts:\n\n{excerpts or '(none)'}\n\nQuestion: {question}", images=list(images))
    return Prepared([Message("system", system), user], sources, lang)


def ask(question: str, docs: Sequence[tuple[str, Document]], settings: Settings, backend: Backend,
        retriever: Retriever | None = None, limit: int = 6, images: Sequence[str] = ()) -> Answer:
    """Answer ``question`` from ``docs`` with numbered citations of the excerpts used."""
    return answer(prepare(question, docs, settings, backend, retriever, limit, images), settings, backend)


def answer(prepared: Prepared, settings: Settings, backend: Backend) -> Answer:
    """The model's answer to a prepared question, with the excerpts it cites."""
    if prepared.empty_reply is not None:
        return Answer(prepared.empty_reply, [], [])
    text = backend.chat(prepared.messages, max_tokens=min(settings.max_tokens, 600)).text.strip()
    return Answer(text, prepared.cite(text), prepared.sources)


def for_files(question: str, file_ids: Sequence[str], store: FileStore, settings: Settings, backend: Backend,
              limit: int = 6) -> Prepared:
    """A question about some of the user's files: their documents (a photo: its OCR text) and,
    when the backend sees images, the photos themselves."""
    from banshi.media.files import image_data_url

    docs = load(file_ids, store)
    sees = getattr(backend, "sees_images", False)
    images = [image_data_url(store.path(fid), settings) for fid, _ in docs
              if sees and store.get(fid).kind == "image"]
    return prepare(question, docs, settings, backend, limit=limit, images=images)


def load(file_ids: Sequence[str], store: FileStore) -> list[tuple[str, Document]]:
    """The files' documents with their chunk vectors ready: the slow part of a question (parsing,
    OCR, embedding) done once per file and kept beside it. A recording is refused."""
    retriever = default_retriever()
    docs = []
    for fid in dict.fromkeys(file_ids):
        meta = store.get(fid)
        if meta.kind == "audio":
            raise InvalidInput(f"{meta.filename} is a recording: ask about its transcript via /minutes",
                               code="wrong_kind")
        doc = store.document(fid)
        if retriever.dense and doc.chunks:
            retriever.vectors(fid, doc.chunks, store.vectors_path(fid))
        docs.append((fid, doc))
    return docs


# -- summarising -------------------------------------------------------------------------------

SUMMARY_PROMPTS = {
    "en": {"map": "Summarise this part of the document ({where}) in a few bullet points. Keep names, figures, "
                  "dates and decisions. Write only the bullet points.",
           "reduce": "These are summaries of consecutive parts of one document. Combine them into one summary "
                     "of the whole document: a short paragraph, then the key points as bullets.",
           "single": "Summarise this document: a short paragraph, then the key points as bullets."},
    "zh": {"map": "用几条要点总结文档的这一部分（{where}），保留人名、数字、日期和决定。只写要点。",
           "reduce": "以下是同一文档各连续部分的摘要。把它们合并成整份文档的摘要：先一小段概述，再列出要点。",
           "single": "总结这份文档：先一小段概述，再列出要点。"},
}


@dataclass
class Summary:
    summary: str
    calls: int
    partial: bool  # the document was too long: evenly spaced parts of it were read

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "calls": self.calls, "partial": self.partial}


def _batches(texts: list[str], backend: Backend, budget: int) -> list[list[int]]:
    """Consecutive indices of ``texts`` grouped so each group fits ``budget`` tokens (a text
    longer than the budget alone is cut when it is sent)."""
    groups: list[list[int]] = [[]]
    used = 0
    for i, t in enumerate(texts):
        cost = backend.count_tokens(t) + 8
        if groups[-1] and used + cost > budget:
            groups.append([])
            used = 0
        groups[-1].append(i)
        used += cost
    return [g for g in groups if g]


def _fit(text: str, backend: Backend, budget: int) -> str:
    if backend.count_tokens(text) <= budget:
        return text
    ratio = budget / backend.count_tokens(text)
    return text[: int(len(text) * ratio * 0.95)]


def summarise(doc: Document, settings: Settings, backend: Backend, instructions: str = "") -> Summary:
    """A summary of the whole document, map-reduce when it does not fit the context budget."""
    if not doc.chunks:
        raise InvalidInput(f"{doc.name}: no text to summarise", code="empty_document")
    lang = "zh" if is_chinese(doc.text[:2000]) else "en"
    prompts = SUMMARY_PROMPTS[lang]
    extra = f"\n{instructions.strip()}" if instructions.strip() else ""
    budget = _budget(settings, backend)
    out_tokens = min(settings.max_tokens, 500)
    calls = 0
    partial = False

    def call(system: str, text: str) -> str:
        nonlocal calls
        calls += 1
        reply = backend.chat([Message("system", system + extra), Message("user", _fit(text, backend, budget))],
                             max_tokens=out_tokens)
        return reply.text.strip()

    texts = [f"({c.location})\n{c.text}" for c in doc.chunks]
    groups = _batches(texts, backend, budget)
    if len(groups) == 1:
        return Summary(call(prompts["single"], "\n\n".join(texts)), calls, False)
    if len(groups) > MAX_MAP_CALLS:  # bounded cost: read evenly spaced parts
        step = len(groups) / MAX_MAP_CALLS
        groups = [groups[int(i * step)] for i in range(MAX_MAP_CALLS)]
        partial = True
    notes = []
    for g in groups:
        first, last = doc.chunks[g[0]].location, doc.chunks[g[-1]].location
        where = first if first == last else f"{first} – {last}"
        notes.append(call(prompts["map"].format(where=where), "\n\n".join(texts[i] for i in g)))
    # reduce until one call can read all the notes (each round at least halves their count)
    while True:
        groups = _batches(notes, backend, budget)
        if len(groups) == 1:
            return Summary(call(prompts["reduce"], "\n\n".join(notes)), calls, partial)
        if len(groups) >= len(notes):  # every note alone fills the budget: merge pairwise
            groups = [list(range(i, min(i + 2, len(notes)))) for i in range(0, len(notes), 2)]
        notes = [call(prompts["reduce"], "\n\n".join(notes[i] for i in g)) for g in groups]
