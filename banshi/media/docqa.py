"""Questions about documents, answered with citations, and summaries of documents of any
length within the context budget (map-reduce).

A file's chunks are searched with memory's own hybrid search (``banshi.memory.index``: FTS5 or
PostgreSQL full-text + e5 vectors, fused by reciprocal rank), not a second one. Each indexed file
has a conversation of its own (``MemoryFile``) whose messages, role ``document``, are its chunks
with their location in ``meta``; ``index.search(scope=...)`` searches only the files asked
about, and memory's recall never sees them. A document is indexed right after its upload (a small
one also embedded then, a long one by the memory worker); a question first embeds whatever is
still missing, so it is answered with both signals. Deleting the file deletes its chunks."""

from __future__ import annotations

import logging
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from banshi.errors import BanshiError, InvalidInput
from banshi.media.documents import DOCUMENT_KINDS, Chunk, Document
from banshi.memory import index
from banshi.memory.tables import MemoryDoc, MemoryFile, MemoryJob, MemoryVector
from banshi.memory.text import tokens
from banshi.messages import Message
from banshi.store.db import session_scope
from banshi.store.tables import Conversation
from banshi.store.tables import Message as Row

if TYPE_CHECKING:
    from banshi.config import Settings
    from banshi.media.files import FileStore
    from banshi.models.base import Backend

log = logging.getLogger("banshi.media")
_CJK = re.compile(r"[\u3400-\u9fff]")
#: a summary stage never makes more calls than this: longer documents are sampled evenly
MAX_MAP_CALLS = 24
#: a document of at most this many chunks is embedded right after its upload (seconds at most),
#: so the question that usually follows at once finds it by meaning too; a longer one is left to
#: the memory worker (and to the first question, which embeds what the worker has not reached)
EMBED_AT_UPLOAD = 32
EMBED_BATCH = 32


def is_chinese(text: str) -> bool:
    try:
        from banshi.memory.text import is_chinese as memory_is_chinese

        return memory_is_chinese(text)
    except ImportError:  # pragma: no cover - memory is part of the package
        return len(_CJK.findall(text)) >= 2


# -- the files in memory's index ---------------------------------------------------------------

_LOCKS = [threading.Lock() for _ in range(32)]  # one file is indexed once, also by racing requests


def _lock(user_id: str, file_id: str) -> threading.Lock:
    return _LOCKS[zlib.crc32(f"{user_id}/{file_id}".encode()) % len(_LOCKS)]


def _indexed(store: FileStore, file_ids: Sequence[str]) -> dict[str, str]:
    """file id → the conversation of its chunks, for those of ``file_ids`` already indexed."""
    with session_scope(store.settings) as db:
        return dict(db.execute(select(MemoryFile.file_id, MemoryFile.conversation_id).where(
            MemoryFile.user_id == store.user_id, MemoryFile.file_id.in_(list(file_ids)))).all())


def index_file(store: FileStore, file_id: str) -> str:
    """The conversation holding the file's chunks in memory's index, made now when the file was
    not indexed yet (parsing it first, with OCR of a photo or of scanned pages). The chunks are
    keyword-searchable at once; their vectors come from ``embed_file`` or the memory worker."""
    with _lock(store.user_id, file_id):
        done = _indexed(store, [file_id])
        if done:
            return done[file_id]
        doc = store.document(file_id)  # the slow part, outside any transaction
        try:
            with session_scope(store.settings) as db:
                conv = Conversation(user_id=store.user_id, title=doc.name[:200])
                db.add(conv)
                db.flush()
                rows = [Row(user_id=store.user_id, conversation_id=conv.id, seq=i, role=index.DOCUMENT,
                            content=c.text, meta={"file_id": file_id, "location": c.location, "source": c.source,
                                                  "index": c.index})
                        for i, c in enumerate(doc.chunks, 1)]
                db.add_all(rows)
                db.flush()
                for row in rows:
                    index.add(db, row)
                db.add(MemoryFile(user_id=store.user_id, file_id=file_id, conversation_id=conv.id,
                                  chunks=len(rows)))
                return conv.id
        except IntegrityError:  # another process indexed it meanwhile
            return _indexed(store, [file_id])[file_id]


def embed_file(store: FileStore, conversation_ids: Sequence[str], embed: Any = None) -> int:
    """Embed, now, the chunks of these files that have no vector yet, with the function the
    memory worker uses, a batch per short transaction; the file's queued worker jobs are
    dropped. A file being embedded by another request is waited for, not embedded twice."""
    done = 0
    for conv in dict.fromkeys(conversation_ids):
        with _lock(store.user_id, conv):
            done += _embed_chunks(store, conv, embed)
    return done


def _embed_chunks(store: FileStore, conversation_id: str, embed: Any) -> int:
    chunks = select(MemoryDoc.message_id).where(MemoryDoc.user_id == store.user_id,
                                                MemoryDoc.conversation_id == conversation_id)
    done = 0
    for _ in range(10_000):  # bounded: every round embeds a batch or ends
        try:
            with session_scope(store.settings) as db:
                todo = list(db.scalars(
                    select(Row).where(Row.id.in_(chunks))
                    .outerjoin(MemoryVector, MemoryVector.message_id == Row.id).where(MemoryVector.id.is_(None))
                    .order_by(Row.seq).limit(EMBED_BATCH)))
                if not todo:
                    return done
                if not done:
                    db.execute(delete(MemoryJob).where(MemoryJob.message_id.in_(chunks),
                                                       MemoryJob.status == "pending"))
                done += index.embed_messages(db, todo, embed)
        except IntegrityError:  # the worker stored some of the same vectors first: the rest next round
            continue
    return done


def queue_embeddings(store: FileStore, conversation_id: str) -> None:
    """Leave the chunks' vectors to the memory worker (jobs kept in the database) and wake it."""
    from banshi.memory.worker import notify

    with session_scope(store.settings) as db:
        ids = db.scalars(select(MemoryDoc.message_id).where(MemoryDoc.user_id == store.user_id,
                                                            MemoryDoc.conversation_id == conversation_id))
        db.add_all(MemoryJob(user_id=store.user_id, message_id=i, kind="embed") for i in ids)
    notify(store.settings)


def index_upload(store: FileStore, file_id: str) -> None:
    """Right after an upload (a background task): a document's chunks go into the index, and
    are embedded now when the document is short, else by the memory worker. A file that cannot
    be parsed is left alone: the question about it reports why. Photos are read (OCR) at their
    first question."""
    if store.get(file_id).kind not in DOCUMENT_KINDS:
        return
    try:
        conv = index_file(store, file_id)
    except BanshiError as e:
        log.info("%s not indexed at upload: %s", file_id, e)
        return
    with session_scope(store.settings) as db:
        chunks = db.scalar(select(MemoryFile.chunks).where(MemoryFile.conversation_id == conv)) or 0
    if chunks <= EMBED_AT_UPLOAD:
        embed_file(store, [conv])
    else:
        queue_embeddings(store, conv)


def unindex(settings: Settings, user_id: str, file_ids: Sequence[str] | None = None) -> None:
    """Take files (None: all of the user's) out of the index: their chunks, vectors and jobs."""
    with session_scope(settings) as db:
        stmt = select(MemoryFile.conversation_id).where(MemoryFile.user_id == user_id)
        if file_ids is not None:
            stmt = stmt.where(MemoryFile.file_id.in_(list(file_ids)))
        for conv_id in list(db.scalars(stmt)):
            index.remove(db, user_id, list(db.scalars(select(Row.id).where(Row.conversation_id == conv_id))))
            # the conversation's messages, the jobs and the MemoryFile row go with it (cascades)
            db.execute(delete(Conversation).where(Conversation.id == conv_id, Conversation.user_id == user_id))


def load(file_ids: Sequence[str], store: FileStore) -> dict[str, str]:
    """The files ready for a question, as conversation id → file id: each indexed (parsed, OCR
    done) and all its chunks embedded. A recording is refused."""
    ids = list(dict.fromkeys(file_ids))
    for fid in ids:
        meta = store.get(fid)
        if meta.kind == "audio":
            raise InvalidInput(f"{meta.filename} is a recording: send it on its own to get its transcript and "
                               "minutes", code="wrong_kind")
    convs = {index_file(store, fid): fid for fid in ids}
    embed_file(store, list(convs))
    return convs


def search(question: str, files: dict[str, str], store: FileStore, limit: int = 6
           ) -> list[tuple[str, Chunk, float]]:
    """(file id, chunk, score) of the chunks of ``files`` (conversation id → file id, as from
    ``load``) best matching ``question``, best first: memory's hybrid search in their scope."""
    with session_scope(store.settings) as db:
        hits = index.search(db, question, user_id=store.user_id, limit=limit, scope=list(files))
        metas = dict(db.execute(select(Row.id, Row.meta).where(
            Row.id.in_([h.message_id for h in hits]), Row.user_id == store.user_id)).all())
    return [(files[h.conversation_id],
             Chunk(h.content, metas[h.message_id]["location"], metas[h.message_id]["source"],
                   metas[h.message_id].get("index", 0)), h.score)
            for h in hits if h.message_id in metas]


# -- answering ---------------------------------------------------------------------------------

@dataclass
class Answer:
    answer: str
    citations: list[dict[str, Any]]  # the excerpts the answer cites: n, source, location, quote
    sources: list[dict[str, Any]]  # every excerpt the model was shown

    def as_dict(self) -> dict[str, Any]:
        return {"answer": self.answer, "citations": self.citations, "sources": self.sources}


ASK_SYSTEM = {
    "en": "You answer questions about the user's documents from the numbered excerpts given. Use only what "
          "the excerpts state, in their own words where you can, with their exact figures, dates, currencies "
          "and conditions; after each sentence cite the excerpt it comes from as [1], [2]. If the excerpts do "
          "not say, answer that the document does not say; never guess. Answer in English.",
    "zh": "你根据用户文档的编号摘录回答问题。只用摘录里写明的内容，尽量用摘录的原话，写出其中的具体数字、日期和条件；"
          "每句话后用 [1]、[2] 标注出自哪段摘录。摘录里没有写到的，就回答「文档里没有提到」，不要猜。用中文回答。",
}
#: a model's own source marks ([2]): replaced by the excerpts that hold what it says (``Prepared.ground``)
_MARK = re.compile(r"\s*\[(\d+)\]")
#: a statement that the document does not say: it has no source
_NOT_SAID = re.compile(
    r"没有提到|未提到|未提及|没有说明|没有写明|没有相关|does not (?:say|mention|state)|doesn't (?:say|mention|state)"
    r"|not (?:mentioned|stated)",
    re.I,
)
_SENTENCE = re.compile(r".+?(?:[。！？!?；;]+|\.(?=\s|$)|\n|$)", re.S)
#: the share of a statement's words an excerpt must hold to be its source
SUPPORT = 0.5
UNSOURCED = {"zh": "（文档的摘录里找不到这个回答的出处，请核对原文。）",
             "en": "(No excerpt of the document says this: check it against the document.)"}


def _budget(settings: Settings, backend: Backend, reserve: int = 600) -> int:
    return max(256, settings.context_tokens - reserve)


@dataclass
class Prepared:
    """A question about files, ready for the model: the messages to send (the numbered excerpts,
    and the photos themselves when the backend sees images) and every excerpt shown."""

    messages: list[Message]
    sources: list[dict[str, Any]]
    lang: str
    texts: list[str]  # each source's whole text
    question: str = ""

    @property
    def empty_reply(self) -> str | None:
        """The answer when there is nothing to show the model (no text, no photo)."""
        if self.sources or self.messages[-1].images:
            return None
        return "文档里没有可用的文字。" if self.lang == "zh" else "The document has no text to answer from."

    def ground(self, text: str) -> tuple[str, list[dict[str, Any]]]:
        """The answer with each statement marked [n] by the excerpt that holds most of its words
        (at least ``SUPPORT`` of them, or every figure it states: "The rent is 6800 yuan" is held by
        「月租金为人民币6800元」; on a tie, the one holding most of the question's, then the
        best-ranked), and the excerpts so cited. A small model's own marks point at the wrong
        excerpt or are left out, so they are replaced; a statement no excerpt holds, or one that
        says the document does not say, is marked with none. An answer none of whose statements
        an excerpt holds says so at its end (``UNSOURCED``): the user checks it before relying on it."""
        words = [set(tokens(t)) for t in self.texts]
        asked = set(tokens(self.question))
        out, cited, stated = [], set(), False
        for sentence in _SENTENCE.findall(_MARK.sub("", text)):
            body = sentence.rstrip()
            said = set(tokens(body))
            stated |= bool(said) and not _NOT_SAID.search(body)
            best = max(range(len(words)), key=lambda i: (len(said & words[i]), len(asked & words[i]), -i), default=-1)
            held = len(said & words[best]) if said and best >= 0 else 0
            figures = {w for w in said if w.isdigit() and len(w) > 1}  # 13600: the same in any language
            holds = held >= SUPPORT * len(said) > 0 or bool(figures) and figures <= words[best]
            source = best + 1 if holds and not _NOT_SAID.search(body) else 0
            end = len(body.rstrip("。！？!?；;.")) if source else len(body)  # the mark goes before the stop
            mark = (" " if body[:end][-1:].isascii() else "") + f"[{source}]" if source else ""
            out.append(body[:end] + mark + sentence[end:])
            cited |= {source} - {0}
        text = "".join(out)
        if stated and self.texts and not cited and not _NOT_SAID.search(text):
            text += "\n\n" + UNSOURCED[self.lang]
        return text, [self.sources[n - 1] for n in sorted(cited)]


PHOTO_NOTE = {"en": " The photo itself is attached too: read it together with its OCR text.",
              "zh": "照片本身也附上了：请结合照片和其中识别出的文字回答。"}


def _question(question: str) -> str:
    question = question.strip()
    if not question:
        raise InvalidInput("question: empty")
    return question


def prepare(question: str, hits: Sequence[tuple[str, Chunk, float]], settings: Settings, backend: Backend,
            limit: int = 6, images: Sequence[str] = ()) -> Prepared:
    """Number the best ``hits`` ((file id, chunk, score), best first, as ``search`` gives them)
    that fit the context budget, for ``question``; ``images`` (data URLs) go beside them."""
    question = _question(question)
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
    return Prepared([Message("system", system), user], sources, lang, [c.text for _, c in shown], question)


def answer(prepared: Prepared, settings: Settings, backend: Backend) -> Answer:
    """The model's answer to a prepared question, with the excerpts it cites."""
    if prepared.empty_reply is not None:
        return Answer(prepared.empty_reply, [], [])
    said = backend.chat(prepared.messages, max_tokens=min(settings.max_tokens, 600)).text.strip()
    text, cited = prepared.ground(said)
    return Answer(text, cited, prepared.sources)


def for_files(question: str, file_ids: Sequence[str], store: FileStore, settings: Settings, backend: Backend,
              limit: int = 6) -> Prepared:
    """A question about some of the user's files: the best excerpts of their documents (a
    photo: its OCR text) and, when the backend sees images, the photos themselves."""
    from banshi.media.files import image_data_url

    question = _question(question)
    files = load(file_ids, store)
    sees = getattr(backend, "sees_images", False)
    images = [image_data_url(store.path(fid), settings) for fid in files.values()
              if sees and store.get(fid).kind == "image"]
    return prepare(question, search(question, files, store, limit), settings, backend, limit, images)


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
