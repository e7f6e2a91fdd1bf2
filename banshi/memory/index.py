"""The index of every message: keyword search (BM25 on SQLite FTS5, ``ts_rank`` on PostgreSQL
full-text, both over jieba + stemmed terms) and dense search (e5 vectors kept in the database,
searched with NumPy from a per-user in-memory matrix), fused by reciprocal-rank fusion with a
time list (messages in the period the query names), a boost for messages of the person the
query names, and a small recency prior.

``add`` makes a message keyword-searchable in the transaction that stores it; its vector is
computed later, in batches, by the worker (``embed_pending``).

The chunks of the user's documents are indexed the same way, as messages with role
``DOCUMENT`` in a conversation of their own (``tables.MemoryFile``). ``search`` leaves them out
unless its ``scope`` names their conversations, and then searches only those: memory never
recalls a document as something the user said, and a question about a file sees only it."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

import numpy as np
from sqlalchemy import Row, bindparam, delete, event, func, select, text, update
from sqlalchemy.orm import Session

from banshi.memory import text as textmod
from banshi.memory.tables import MemoryDoc, MemoryVector
from banshi.store.tables import Message, utcnow

RRF_K = 10  # chosen on the five LoCoMo conversations (better than 60 on each of them)
SPEAKER_BOOST = 0.6  # a message by the person the query names scores this much more
WHEN_BOOST = 0.4  # "When did …?": a message that says when something happened scores this much more
ASKING_FACTOR = 0.6  # a message that only asks ("What kind of yoga is it?") scores this share
CANDIDATES = 50
SCORED_ROWS = 500  # keyword search scores at most the user's newest 500 matching messages
DIM = 384
FIRST_PASS_ROWS = 20_000  # from this many vectors on, dense search first scans a projection of them
FIRST_PASS_DIM = 128  # ... on this many principal axes (a third of the bytes to read)
RESCORED = 500  # ... and re-scores its best rows with the full vectors
CONTEXT_WEIGHT = 0.5  # keyword weight of the previous turn's words (an answer is found via its question)
SESSION_WEIGHT = 1.5  # dense ranking: a message's cosine + this × its session's (LoCoMo: better on all five)
DENSE_WEIGHT = 0.5  # e5-small is the weaker signal on conversational text: half a vote in the fusion
DOCUMENT = "document"  # the role of a document chunk's message (and index row)
PREVIOUS_CHARS = 300  # of the question in the previous turn, embedded with the reply to it
_QUESTION = re.compile(r"[^.!?。！？\n]*[?？]")  # a sentence that asks
# what a search reads of each candidate message
_HIT_COLUMNS = (
    MemoryDoc.message_id,
    MemoryDoc.said_at,
    Message.conversation_id,
    Message.role,
    Message.content,
    Message.seq,
    Message.meta["speaker"].as_string().label("speaker"),  # read by the database: no JSON parsed per row
    MemoryDoc.user_id,
)


@dataclass
class Hit:
    message_id: str
    conversation_id: str
    role: str
    content: str
    said_at: datetime
    score: float
    keyword_rank: int | None = None
    dense_rank: int | None = None
    dense: float = 0.0

    def as_dict(self) -> dict:
        """mem0's result shape, plus where the passage came from."""
        return {
            "id": self.message_id,
            "type": "message",
            "memory": self.content,
            "score": round(self.score, 5),
            "role": self.role,
            "conversation_id": self.conversation_id,
            "created_at": self.said_at.isoformat() + "Z",
        }


def doc_text(message: Message) -> str:
    """What is indexed for a message: its content, plus a speaker name when one is given
    (messages imported from a transcript carry ``meta.speaker``)."""
    speaker = (message.meta or {}).get("speaker")
    return f"{speaker}: {message.content}" if speaker else message.content


# -- writing -------------------------------------------------------------------------------
def add(db: Session, message: Message) -> MemoryDoc | None:
    """Make ``message`` keyword-searchable now (same transaction as the caller's). A document
    chunk (role ``DOCUMENT``) carries no previous turn's words."""
    if not message.content.strip() or message.role not in ("user", "assistant", DOCUMENT):
        return None
    body = doc_text(message)
    terms = " ".join(textmod.tokens(body))
    if message.role == DOCUMENT:
        doc = MemoryDoc(
            message_id=message.id,
            user_id=message.user_id,
            conversation_id=message.conversation_id,
            role=DOCUMENT,
            said_at=message.created_at or utcnow(),
            terms=terms,
            context="",
        )
        db.add(doc)
        return doc
    last = db.info.get("memory_last_doc")  # (conversation, seq, terms): saves a query when turns come in order
    if last and last[0] == message.conversation_id and last[1] == message.seq - 1:
        prev = last[2]
    else:
        prev = (
            db.scalar(
                select(MemoryDoc.terms)
                .join(Message, Message.id == MemoryDoc.message_id)
                .where(Message.conversation_id == message.conversation_id, Message.seq < message.seq)
                .order_by(Message.seq.desc())
                .limit(1)
            )
            if message.seq and message.seq > 1
            else None
        )
    db.info["memory_last_doc"] = (message.conversation_id, message.seq, terms)
    doc = MemoryDoc(
        message_id=message.id,
        user_id=message.user_id,
        conversation_id=message.conversation_id,
        role=message.role,
        said_at=message.created_at or utcnow(),
        terms=terms,
        context=prev or "",
    )
    db.add(doc)
    return doc


def remove(db: Session, user_id: str, message_ids: list[str]) -> int:
    """Take messages out of the index (they stay in their conversation)."""
    if not message_ids:
        return 0
    # the turn after a removed one carries its words as context and in its vector: clear that too
    renew_next(db, user_id, message_ids, context="")
    n = db.execute(delete(MemoryDoc).where(MemoryDoc.user_id == user_id, MemoryDoc.message_id.in_(message_ids)))
    db.execute(delete(MemoryVector).where(MemoryVector.user_id == user_id, MemoryVector.message_id.in_(message_ids)))
    VECTORS.forget(user_id)
    return n.rowcount or 0  # type: ignore[attr-defined]


def reindex(db: Session, message: Message) -> None:
    """After a message's text changed (an edited turn): new terms, vector to be recomputed."""
    doc = db.scalar(select(MemoryDoc).where(MemoryDoc.message_id == message.id))
    if doc is None:
        return
    doc.terms = " ".join(textmod.tokens(doc_text(message)))
    db.execute(delete(MemoryVector).where(MemoryVector.message_id == message.id))
    VECTORS.forget(message.user_id)
    renew_next(db, message.user_id, [message.id], context=doc.terms)


def renew_next(db: Session, user_id: str, message_ids: list[str], *, context: str | None = None) -> list[str]:
    """The turns right after ``message_ids`` (removed, edited or redacted) were indexed with
    their words: set their keyword ``context`` (if given) and drop their vectors, queueing
    them to be embedded again (a forgotten message's text must not live on in its neighbour's
    vector). Returns the ids of those turns."""
    from banshi.memory.tables import MemoryJob

    if not message_ids:
        return []
    nxt: list[str] = []
    for conv_id, seq in db.execute(
        select(Message.conversation_id, Message.seq).where(
            Message.user_id == user_id, Message.id.in_(message_ids), Message.role != DOCUMENT
        )
    ).all():
        nxt.extend(
            db.scalars(
                select(MemoryDoc.message_id)
                .join(Message, Message.id == MemoryDoc.message_id)
                .where(Message.conversation_id == conv_id, Message.seq == seq + 1, MemoryDoc.user_id == user_id)
            )
        )
    nxt = [m for m in dict.fromkeys(nxt) if m not in set(message_ids)]
    if not nxt:
        return []
    if context is not None:
        db.execute(update(MemoryDoc).where(MemoryDoc.message_id.in_(nxt)).values(context=context))
    if db.execute(delete(MemoryVector).where(MemoryVector.message_id.in_(nxt))).rowcount:  # type: ignore[attr-defined]
        VECTORS.forget(user_id)
    for mid in nxt:
        db.add(MemoryJob(user_id=user_id, message_id=mid, kind="embed"))
    return nxt


def to_blob(vec: np.ndarray) -> bytes:
    return np.asarray(vec, dtype=np.float16).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float16).astype(np.float32)


def passages(db: Session, messages: list[Message]) -> list[str]:
    """What is embedded for each message: a reply together with the question it answers
    ("question\nmessage": "What did you paint?" / "A sunset over the lake"), else the message
    alone. The question is the last one the other side asked in the turn just before; more of
    that turn is left out, so a new statement after an unrelated answer is not embedded with
    it. The previous turn counts only while it is indexed and nothing of it was forgotten
    (``renew_next`` embeds the turn again when that changes). Document chunks: alone."""
    want = {(m.conversation_id, m.seq - 1) for m in messages if m.role != DOCUMENT and m.seq and m.seq > 1}
    asked: dict[tuple[str, int], tuple[str, str]] = {}  # (conversation, seq) -> (role, its last question)
    if want:
        rows = db.execute(
            select(Message)
            .join(MemoryDoc, MemoryDoc.message_id == Message.id)
            .where(Message.conversation_id.in_({c for c, _ in want}), Message.seq.in_({s for _, s in want}))
        ).scalars()
        for p in rows:
            meta = p.meta if isinstance(p.meta, dict) else {}
            if (p.conversation_id, p.seq) in want and not meta.get("redacted") and not meta.get("redacted_all"):
                found = _QUESTION.findall(p.content)
                if found:
                    speaker = meta.get("speaker")
                    question = found[-1].strip()[-PREVIOUS_CHARS:]
                    asked[(p.conversation_id, p.seq)] = (p.role, f"{speaker}: {question}" if speaker else question)
    out = []
    for m in messages:
        text = doc_text(m)[:1500]
        before = asked.get((m.conversation_id, m.seq - 1)) if m.role != DOCUMENT and m.seq else None
        out.append(f"{before[1]}\n{text}" if before is not None and before[0] != m.role else text)
    return out


def embed_messages(db: Session, messages: list[Message], embed=None) -> int:  # type: ignore[no-untyped-def]
    """Compute and store the vectors of indexed ``messages`` (one batch)."""
    if not messages:
        return 0
    if embed is None:
        from banshi.memory import load_embedder

        embed = load_embedder().embed
    indexed = set(db.scalars(select(MemoryDoc.message_id).where(MemoryDoc.message_id.in_([m.id for m in messages]))))
    have = set(db.scalars(select(MemoryVector.message_id).where(MemoryVector.message_id.in_([m.id for m in messages]))))
    todo = [m for m in messages if m.id in indexed and m.id not in have]
    if not todo:
        return 0
    vecs = embed(passages(db, todo), "passage")
    # a question about a file embeds its chunks while the worker may be at the same ones
    have = set(db.scalars(select(MemoryVector.message_id).where(MemoryVector.message_id.in_([m.id for m in todo]))))
    vecs = [v for m, v in zip(todo, vecs, strict=True) if m.id not in have]
    todo = [m for m in todo if m.id not in have]
    for m, v in zip(todo, vecs, strict=True):
        db.add(MemoryVector(message_id=m.id, user_id=m.user_id, vector=to_blob(v)))
    db.flush()
    users = {m.user_id for m in todo}
    event.listen(db, "after_commit", lambda _s: VECTORS.touch(users), once=True)
    return len(todo)


# -- the per-user vector matrix ------------------------------------------------------------
@dataclass(frozen=True)
class _Projection:
    """A large matrix's rows, centred and projected on its first ``FIRST_PASS_DIM`` principal
    axes: a dense scan reads a third of the bytes (the scan of 100,000 × 384 float32 is bound by
    memory), and the best ``RESCORED`` rows of that pass are re-scored with the full vectors.
    Centring keeps the order: q·x = q·(x − mean) + q·mean, and q·mean is the same for all rows."""

    mean: np.ndarray
    basis: np.ndarray  # (DIM, FIRST_PASS_DIM)
    reduced: np.ndarray  # (rows, FIRST_PASS_DIM)
    fitted: int  # rows when the axes were computed

    @classmethod
    def fit(cls, matrix: np.ndarray) -> _Projection:
        sample = matrix[:: max(1, len(matrix) // FIRST_PASS_ROWS)]  # the axes need no more rows
        mean = sample.mean(axis=0)
        centred = sample - mean
        _, axes = np.linalg.eigh(centred.T @ centred)  # ascending eigenvalues
        basis = np.ascontiguousarray(axes[:, ::-1][:, :FIRST_PASS_DIM], dtype=np.float32)
        return cls(mean, basis, (matrix - mean) @ basis, len(matrix))

    @classmethod
    def follow(cls, proj: _Projection | None, matrix: np.ndarray) -> _Projection | None:
        """The projection of ``matrix``: none while it is small, new axes when it has doubled
        since they were computed, else the old ones with the new rows projected on them."""
        if len(matrix) < FIRST_PASS_ROWS:
            return None
        if proj is None or len(matrix) >= 2 * proj.fitted:
            return cls.fit(matrix)
        if len(proj.reduced) < len(matrix):
            new = (matrix[len(proj.reduced) :] - proj.mean) @ proj.basis
            return replace(proj, reduced=np.concatenate([proj.reduced, new]))
        return proj


def nearest(
    matrix: np.ndarray, q: np.ndarray, limit: int, proj: _Projection | None = None, bonus: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the ``limit`` rows of ``matrix`` with the highest dot product with ``q``
    (plus ``bonus``, one number per row, if given), best first, and their dot products; through
    the first pass of ``proj`` when there is one."""
    pool = None
    if proj is not None and len(proj.reduced) == len(matrix) > RESCORED:
        rough = proj.reduced @ (proj.basis.T @ q)
        if bonus is not None:
            rough += bonus
        pool = np.argpartition(-rough, RESCORED - 1)[:RESCORED]
        scores = matrix[pool] @ q
        ranked = scores + bonus[pool] if bonus is not None else scores
    else:
        scores = matrix @ q
        ranked = scores + bonus if bonus is not None else scores
    k = min(limit, len(scores))
    top = np.argpartition(-ranked, k - 1)[:k] if k < len(ranked) else np.arange(len(ranked))
    top = top[np.argsort(-ranked[top])]
    return (pool[top] if pool is not None else top), scores[top]


@dataclass(frozen=True)
class Sessions:
    """Which conversation (session) each row of a user's matrix belongs to, and each
    conversation's direction: the normalised sum of its messages' vectors. A message in a
    session about the query ranks higher in dense search (``SESSION_WEIGHT``): the evidence of
    a question asked across turns is spread over a session, and one short turn alone ("Yup, we
    did it yesterday!") says little."""

    rows: np.ndarray  # (rows,) int32: the session of each matrix row
    keys: dict[str, int]  # conversation id -> session number
    sums: np.ndarray  # (sessions, DIM) float32, not normalised
    unit: np.ndarray  # (sessions, DIM) float32, normalised

    @classmethod
    def follow(cls, old: Sessions | None, conversations: list[str], block: np.ndarray) -> Sessions:
        keys = dict(old.keys) if old is not None else {}
        rows = np.array([keys.setdefault(c, len(keys)) for c in conversations], dtype=np.int32)
        sums = np.zeros((len(keys), DIM), np.float32)
        if old is not None:
            sums[: len(old.sums)] = old.sums
        # a session's rows mostly come one after another: sum each run (np.add.at over
        # 100,000 rows took 2 s)
        cut = np.flatnonzero(np.diff(rows)) + 1
        for a, b in zip(np.r_[0, cut], np.r_[cut, len(rows)], strict=True):
            sums[rows[a]] += block[a:b].sum(axis=0)
        unit = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-6)
        return cls(np.concatenate([old.rows, rows]) if old is not None else rows, keys, sums, unit)

    def bonus(self, q: np.ndarray) -> np.ndarray:
        return SESSION_WEIGHT * (self.unit @ q)[self.rows]


@dataclass
class _UserVectors:
    last_id: int = 0
    ids: list[str] = field(default_factory=list)
    chunks: list[np.ndarray] = field(default_factory=list)
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, DIM), np.float32))
    projection: _Projection | None = None  # for the first pass, once the matrix is large
    sessions: Sessions | None = None
    known: set[str] = field(default_factory=set)  # message ids with a row
    checked: float = 0.0
    count: int = 0  # the user's vector rows at the last check, document chunks' too
    fresh: bool = False  # no new vector committed by this process since the last load


class VectorCache:
    """Each user's vectors as one float32 matrix, loaded once and topped up with new rows
    (rows only ever get larger ids). The database is asked for new rows only after this
    process committed vectors of the user (``touch``) or every ``RECHECK_SECONDS`` (rows
    written by another process), not on every search. A deletion drops the user's matrix; the
    periodic check also compares the row count, so deletions made elsewhere are seen. Only
    conversation messages are kept: document chunks' rows are skipped as they are read."""

    RECHECK_SECONDS = 5.0

    def __init__(self) -> None:
        self._users: dict[tuple[str, str], _UserVectors] = {}
        self._lock = threading.Lock()

    def forget(self, user_id: str) -> None:
        with self._lock:
            for key in [k for k in self._users if k[1] == user_id]:
                del self._users[key]

    def touch(self, user_ids: set[str]) -> None:
        with self._lock:
            for key, uv in self._users.items():
                if key[1] in user_ids:
                    uv.fresh = False

    def clear(self) -> None:
        with self._lock:
            self._users.clear()

    def get(self, db: Session, user_id: str) -> tuple[list[str], np.ndarray]:
        ids, matrix, _ = self.get_projected(db, user_id)
        return ids, matrix

    def get_projected(self, db: Session, user_id: str) -> tuple[list[str], np.ndarray, _Projection | None]:
        uv = self.user(db, user_id)
        return uv.ids, uv.matrix, uv.projection

    def user(self, db: Session, user_id: str) -> _UserVectors:
        """The user's vectors, up to date (see the class docstring). The caller only reads."""
        for _ in range(2):
            uv = self._load(db, user_id)
            if uv is not None:
                return uv
        return self._load(db, user_id) or _UserVectors()

    def _load(self, db: Session, user_id: str) -> _UserVectors | None:
        """None when a message's vector was replaced since the rows were read (its turn before
        was forgotten or edited elsewhere): the caller loads again, from scratch."""
        key = (str(db.get_bind().url), user_id)
        with self._lock:
            uv = self._users.setdefault(key, _UserVectors())
            now = time.monotonic()
            if now - uv.checked > self.RECHECK_SECONDS:
                count = (
                    db.scalar(select(func.count()).select_from(MemoryVector).where(MemoryVector.user_id == user_id))
                    or 0
                )
                if count < uv.count:  # rows were deleted: reload from scratch
                    uv = self._users[key] = _UserVectors()
                uv.checked, uv.fresh, uv.count = now, False, count
            if uv.fresh:
                return uv
            uv.fresh = True
            rows = db.execute(
                select(
                    MemoryVector.id,
                    MemoryVector.message_id,
                    MemoryVector.vector,
                    MemoryDoc.role,
                    MemoryDoc.conversation_id,
                )
                .join(MemoryDoc, MemoryDoc.message_id == MemoryVector.message_id)
                .where(MemoryVector.user_id == user_id, MemoryVector.id > uv.last_id)
                .order_by(MemoryVector.id)
            ).all()
            if rows:
                uv.last_id = rows[-1][0]
                rows = [r for r in rows if r[3] != DOCUMENT]
            if rows and uv.known.intersection(r[1] for r in rows):
                del self._users[key]  # a row replaced by another process (``renew_next``)
                return None
            if rows:
                block = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float16)
                block = block.reshape(len(rows), DIM).astype(np.float32)
                uv.chunks.append(block)
                uv.ids.extend(r[1] for r in rows)
                uv.known.update(r[1] for r in rows)
                uv.matrix = np.concatenate(uv.chunks) if len(uv.chunks) > 1 else uv.chunks[0]
                uv.chunks = [uv.matrix]
                uv.projection = _Projection.follow(uv.projection, uv.matrix)
                uv.sessions = Sessions.follow(uv.sessions, [r[4] for r in rows], block)
            return uv


VECTORS = VectorCache()


def scoped_vectors(db: Session, user_id: str, scope: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """The vectors of the user's rows in the conversations ``scope`` (a few files' chunks: read
    per question, a few hundred rows, rather than cached)."""
    rows = db.execute(
        select(MemoryVector.message_id, MemoryVector.vector)
        .join(MemoryDoc, MemoryDoc.message_id == MemoryVector.message_id)
        .where(MemoryDoc.user_id == user_id, MemoryDoc.conversation_id.in_(list(scope)))
        .order_by(MemoryVector.id)
    ).all()
    if not rows:
        return [], np.zeros((0, DIM), np.float32)
    block = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float16)
    return [r[0] for r in rows], block.reshape(len(rows), DIM).astype(np.float32)


# -- searching -----------------------------------------------------------------------------
def keyword_search(
    db: Session, user_id: str, terms: list[str], limit: int = CANDIDATES, scope: Sequence[str] | None = None
) -> list[str]:
    """Message ids best matching ``terms``, best first: of the user's conversations, or with
    ``scope``, of those conversations only (a file's chunks; see ``search``).

    Only the user's newest ``SCORED_ROWS`` matching messages are scored: with a long history
    a query of common words matches a large share of all rows, and scoring every match cost
    ~300 ms at 100,000 messages. When that cap is reached, the query's rare terms (fewer than
    a quarter of the cap's matches each) are searched again over the whole history, so an old message with
    a rare word is still found; the two lists are fused by rank. The user is filtered by the
    join, not by an ``owner`` term in the MATCH: that term matches every row of a one-user
    install, and BM25 reads its whole posting list on every query."""
    terms = [t for t in dict.fromkeys(terms) if t][:32]
    if not terms:
        return []
    # the FTS table's totals are read once per search, not once per scored list and rare-term check
    db.info[_TOTALS] = None
    try:
        return _keyword_search(db, user_id, terms, limit, scope)
    finally:
        db.info.pop(_TOTALS, None)


_TOTALS = "memory_fts_totals"  # ``Session.info`` key: the FTS totals while a keyword search runs


def _keyword_search(db: Session, user_id: str, terms: list[str], limit: int, scope: Sequence[str] | None) -> list[str]:
    scored = _keyword_rows(db, user_id, terms, SCORED_ROWS, scope=scope)
    best = [m for m, _ in sorted(scored, key=lambda r: r[1])[:limit]]
    if len(scored) < SCORED_ROWS or len(terms) < 2:
        return best
    # rare: few enough matches that scoring all of them costs little
    few = SCORED_ROWS // 4
    rare = [t for t in terms if not _common(db, user_id, t, few, scope)]
    if not rare:
        return best
    old = [m for m, _ in _keyword_rows(db, user_id, rare, limit, newest=False, scope=scope)]
    # both candidate sets ranked together by the full query, as an uncapped search would
    among = list(dict.fromkeys(best + old))
    return [m for m, _ in _keyword_rows(db, user_id, terms, limit, newest=False, among=among, scope=scope)]


def _common(db: Session, user_id: str, term: str, few: int, scope: Sequence[str] | None) -> bool:
    """Whether the user has at least ``few`` messages with ``term``. On SQLite the term's
    count over all rows (kept by ``BM25``) answers without a query when it is below ``few``,
    or when every row of the index is the user's (a one-user install; document chunks count)."""
    if db.get_bind().dialect.name == "sqlite" and scope is None:
        rows = BM25.totals(db)[0]
        n = BM25.doc_freq(db, term, rows)
        if n < few or BM25.user_rows(db, user_id, rows) >= rows:
            return n >= few
    return len(_keyword_rows(db, user_id, [term], few, score=False, scope=scope)) >= few


def _fts_match(terms: list[str]) -> str:
    return "{{terms context}} : ({})".format(" OR ".join('"' + t.replace('"', "") + '"' for t in terms))


class Bm25Stats:
    """FTS5's bm25(), computed in Python for the rows a search fetched, with the same
    statistics and formula (k1 = 1.2, b = 0.75; column weights 1, ``CONTEXT_WEIGHT``, 0).
    bm25() counts every row of each query term on every call: for the common terms of a long
    history that was most of a keyword search (~3 of 4 ms at 100,000 messages). Here the
    table's totals come from FTS5's own averages record (one row), and each term's row count
    is kept between searches, counted again once the table has grown by a tenth or after
    ``MAX_AGE`` seconds or after any deletion (a slightly old count moves a score a little,
    never a match)."""

    MAX_AGE = 600.0
    K1, B = 1.2, 0.75

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], tuple[int, int, float]] = {}  # (db, term) -> count, rows, when
        self._users: dict[tuple[str, str], tuple[int, int]] = {}  # (db, user) -> the user's rows, all rows

    def user_rows(self, db: Session, user_id: str, rows: int) -> int:
        """The user's index rows, counted again whenever the table's row count changed."""
        key = (str(db.get_bind().url), user_id)
        known = self._users.get(key)
        if known is None or known[1] != rows:
            n = db.scalar(select(func.count()).select_from(MemoryDoc).where(MemoryDoc.user_id == user_id)) or 0
            if len(self._users) > 10_000:
                self._users.clear()
            known = self._users[key] = (n, rows)
        return known[0]

    def totals(self, db: Session) -> tuple[int, int]:
        """(rows, tokens of all columns) of the whole FTS table (read once per keyword search)."""
        known = db.info.get(_TOTALS)
        if known is not None:
            return known
        blob = db.execute(text("SELECT block FROM memory_fts_data WHERE id = 1")).scalar()
        values = _varints(blob or b"")  # rows, then the tokens of each column
        found = (values[0], sum(values[1:])) if values else (0, 0)
        if _TOTALS in db.info:
            db.info[_TOTALS] = found
        return found

    def doc_freq(self, db: Session, term: str, rows: int) -> int:
        key = (str(db.get_bind().url), term)
        known = self._counts.get(key)
        now = time.monotonic()
        if known and now - known[2] < self.MAX_AGE and known[1] <= rows <= known[1] * 1.1:
            return known[0]  # (after a deletion it is counted again)
        n = (
            db.execute(
                text("SELECT count(*) FROM memory_fts WHERE memory_fts MATCH :q"), {"q": _fts_match([term])}
            ).scalar()
            or 0
        )
        if len(self._counts) > 200_000:
            self._counts.clear()
        self._counts[key] = (n, rows, now)
        return n

    def scores(self, db: Session, terms: list[str], docs: list[tuple[str, str, str]]) -> list[tuple[str, float]]:
        """(message id, -bm25) of ``docs`` = (message id, terms, context), as bm25() gives."""
        rows, tokens = self.totals(db)
        if not rows:
            return [(m, 0.0) for m, _, _ in docs]
        avgdl = tokens / rows
        idf = {}
        for t in terms:
            n = min(self.doc_freq(db, t, rows), rows)
            idf[t] = max(math.log((rows - n + 0.5) / (n + 0.5)), 1e-6)
        out = []
        for mid, words, context in docs:
            bag, length = _bag(words, context)
            norm = self.K1 * (1 - self.B + self.B * (length + 1) / avgdl)  # + 1: the owner column
            score = 0.0
            for t in idf.keys() & bag.keys():  # the few query terms the row has
                f = bag[t]
                score += idf[t] * f * (self.K1 + 1) / (f + norm)
            out.append((mid, -score))
        return out


@lru_cache(maxsize=50_000)
def _bag(words: str, context: str) -> tuple[dict[str, float], int]:
    """(weighted count of each term: its own words 1, the previous turn's ``CONTEXT_WEIGHT``;
    the number of terms of both columns) of an index row. The newest rows are scored search
    after search, and counting their words again was most of a keyword search."""
    bag: dict[str, float] = {}
    w, c = words.split(), context.split()
    for x in w:
        bag[x] = bag.get(x, 0.0) + 1.0
    for x in c:
        bag[x] = bag.get(x, 0.0) + CONTEXT_WEIGHT
    return bag, len(w) + len(c)


def _varints(blob: bytes) -> list[int]:
    """SQLite's variable-length integers (the format of FTS5's records)."""
    out, i = [], 0
    while i < len(blob):
        v = 0
        for j in range(9):
            b = blob[i]
            i += 1
            if j == 8:
                v = (v << 8) | b
                break
            v = (v << 7) | (b & 0x7F)
            if b < 0x80:
                break
        out.append(v)
    return out


BM25 = Bm25Stats()


def _keyword_rows(
    db: Session,
    user_id: str,
    terms: list[str],
    cap: int,
    *,
    score: bool = True,
    newest: bool = True,
    among: list[str] | None = None,
    scope: Sequence[str] | None = None,
) -> list[tuple[str, float]]:
    """(message id, score: lower is better) of up to ``cap`` of the user's messages matching
    any of ``terms`` (and among the ids ``among``, if given; in the conversations ``scope``, if
    given, else not document chunks): the newest ones, or (``newest=False``) the best of all
    matches, best first."""
    only = " AND d.conversation_id IN :scope" if scope is not None else f" AND d.role != '{DOCUMENT}'"
    sqlite = db.get_bind().dialect.name == "sqlite"
    if sqlite:
        # rows first, scored in Python (``BM25``); ``among`` rows are looked up by id (they
        # matched already), and the user is checked on each row, not through the user index
        cols = "d.message_id, d.terms, d.context, d.user_id"
        if among is not None:
            sql = f"SELECT {cols} FROM memory_docs d WHERE d.message_id IN :among{only}"
            params: dict = {}
        else:  # the best of all matches (``newest=False``) is asked only for rare terms: bounded
            sql = (
                f"SELECT {cols} FROM memory_fts f JOIN memory_docs d ON d.id = f.rowid "
                f"WHERE memory_fts MATCH :q AND d.user_id = :u{only} ORDER BY f.rowid DESC LIMIT :cap"
            )
            params = {"q": _fts_match(terms), "u": user_id, "cap": cap if newest else 8 * SCORED_ROWS}
    else:
        only = (" AND d.message_id IN :among" if among is not None else "") + only
        q = " | ".join(t.replace("'", "").replace("\\", "") for t in terms)
        rank = (
            f"-ts_rank_cd('{{0.1, {CONTEXT_WEIGHT}, 0.4, 1.0}}', tsv, to_tsquery('simple', :q), 1)" if score else "0.0"
        )
        order = "id DESC" if newest else "score"
        sql = (
            f"SELECT message_id, {rank} AS score FROM memory_docs d "
            f"WHERE user_id = :u AND tsv @@ to_tsquery('simple', :q){only} ORDER BY {order} LIMIT :cap"
        )
        params = {"q": q, "u": user_id, "cap": cap}
    stmt = text(sql)
    if among is not None:
        stmt = stmt.bindparams(bindparam("among", value=among, expanding=True))
    if scope is not None:
        stmt = stmt.bindparams(bindparam("scope", value=list(scope), expanding=True))
    if not sqlite:
        return [(r[0], float(r[1])) for r in db.execute(stmt, params)]
    docs = [(r[0], r[1], r[2]) for r in db.execute(stmt, params).all() if r[3] == user_id]
    if not score:
        return [(m, 0.0) for m, _, _ in docs]
    scored = BM25.scores(db, terms, docs)
    return scored if newest else sorted(scored, key=lambda r: r[1])[:cap]


def dense_search(
    db: Session, user_id: str, qvec: np.ndarray, limit: int = CANDIDATES, scope: Sequence[str] | None = None
) -> list[tuple[str, float]]:
    """(message id, cosine) of the ``limit`` nearest messages, ranked with their session's
    closeness to the query (``Sessions``; not for a file's chunks)."""
    q = qvec.astype(np.float32)
    if scope is not None:
        ids, matrix = scoped_vectors(db, user_id, scope)
        proj, bonus = None, None
    else:
        uv = VECTORS.user(db, user_id)
        ids, matrix, proj = uv.ids, uv.matrix, uv.projection
        bonus = uv.sessions.bonus(q) if uv.sessions is not None and SESSION_WEIGHT else None
    if not len(ids):
        return []
    top, scores = nearest(matrix, q, limit, proj, bonus)
    return [(ids[i], float(s)) for i, s in zip(top, scores, strict=True)]


def _hit_rows(db: Session, user_id: str, message_ids: list[str]) -> dict[str, Row]:
    """What a search reads of each candidate (``_HIT_COLUMNS``), by message id. The user is
    checked on each row, not in the WHERE: with it there SQLite walked all of the user's rows by
    the user index instead of looking up ~100 ids (60 % of a search at 100,000)."""
    if not message_ids:
        return {}
    found = db.connection().execute(  # Core: no ORM overhead per row
        select(*_HIT_COLUMNS)
        .join(Message, Message.id == MemoryDoc.message_id)
        .where(MemoryDoc.message_id.in_(message_ids))
    )
    return {r.message_id: r for r in found if r.user_id == user_id}


@lru_cache(maxsize=10_000)
def _name_terms(speaker: str) -> frozenset[str]:
    return frozenset(textmod.tokens(speaker))


_QUERY_EMBEDDING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="memory-query")


def search(
    db: Session,
    query: str,
    *,
    user_id: str,
    limit: int = 10,
    now: datetime | None = None,
    exclude_conversation: str | None = None,
    exclude_after_seq: int | None = None,
    qvec: np.ndarray | None = None,
    embed=None,  # type: ignore[no-untyped-def]
    scope: Sequence[str] | None = None,
) -> list[Hit]:
    """The user's messages most relevant to ``query``, best first.

    Keyword and dense candidates are fused by reciprocal rank; messages inside the period the
    query names ("上周", "last March") form a third ranked list; messages by a speaker the
    query names get ``SPEAKER_BOOST``; a light recency prior breaks ties.
    ``exclude_conversation``/``exclude_after_seq`` leave out turns already in the prompt.
    Document chunks are never returned, unless ``scope`` (conversation ids: the files'
    ``MemoryFile.conversation_id``) is given: then only those conversations are searched, by
    keyword and meaning alone (the time, speaker and recency signals are about chats).
    """
    now = now or utcnow()
    embedding = None
    if qvec is None and query.strip():
        if embed is None:
            from banshi.memory import load_embedder

            embed = load_embedder().embed
        # the query is embedded on another core while the keyword search runs on this one
        embedding = _QUERY_EMBEDDING.submit(embed, [query], "query")
    terms = textmod.query_terms(query)
    kw = keyword_search(db, user_id, terms, scope=scope)
    # the keyword candidates' rows are read while the query is still being embedded
    rows = _hit_rows(db, user_id, kw)
    dense: list[tuple[str, float]] = []
    if embedding is not None:
        qvec = embedding.result()[0]
    if qvec is not None:
        dense = dense_search(db, user_id, qvec, scope=scope)
    fused: dict[str, float] = {}
    for rank, mid in enumerate(kw):
        fused[mid] = fused.get(mid, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (mid, _s) in enumerate(dense):
        fused[mid] = fused.get(mid, 0.0) + DENSE_WEIGHT / (RRF_K + rank + 1)
    period = textmod.time_range(query, now) if scope is None else None
    if not fused and period is None:
        return []
    rows.update(_hit_rows(db, user_id, [m for m in fused if m not in rows]))
    # "What did Caroline research?": her own messages first (speakers of imported transcripts)
    asked = set(terms)
    when = scope is None and textmod.asks_when(query)
    for mid, r in rows.items():
        if r.speaker and scope is None and asked.intersection(_name_terms(str(r.speaker))):
            fused[mid] *= 1 + SPEAKER_BOOST
        # the answer to "when" is where the time is said ("I went there last Saturday")
        if when and textmod.tells_time(r.content):
            fused[mid] *= 1 + WHEN_BOOST
        if scope is None and textmod.only_asks(r.content):
            fused[mid] *= ASKING_FACTOR
    if period is not None:
        # messages from that period, best matching first: the third list
        in_period = [mid for mid in fused if mid in rows and period[0] <= rows[mid].said_at < period[1]]
        in_period.sort(key=lambda m: -fused[m])
        if not in_period:  # nothing matched by content: the period's messages themselves
            extra = db.execute(
                select(*_HIT_COLUMNS)
                .join(Message, Message.id == MemoryDoc.message_id)
                .where(
                    MemoryDoc.user_id == user_id,
                    MemoryDoc.said_at >= period[0],
                    MemoryDoc.said_at < period[1],
                    MemoryDoc.role == "user",
                )
                .order_by(MemoryDoc.said_at.desc())
                .limit(CANDIDATES)
            ).all()
            for r in extra:
                rows[r.message_id] = r
            in_period = [r.message_id for r in extra]
        for rank, mid in enumerate(in_period):
            fused[mid] = fused.get(mid, 0.0) + 1.0 / (RRF_K + rank + 1)
    kw_rank = {m: i for i, m in enumerate(kw)}
    dense_rank = {m: i for i, (m, _) in enumerate(dense)}
    dense_score = dict(dense)
    hits = []
    for mid, score in fused.items():
        r = rows.get(mid)
        if r is None:
            continue  # deleted or forgotten since the vector was cached
        if (
            exclude_conversation
            and r.conversation_id == exclude_conversation
            and (exclude_after_seq is None or r.seq > exclude_after_seq)
        ):
            continue
        if scope is None:
            age_days = max(0.0, (now - r.said_at).total_seconds() / 86400)
            score *= 1.0 + 0.05 * math.exp(-age_days / 30)  # recency: at most +5 %, fades over months
        hits.append(
            Hit(
                mid,
                r.conversation_id,
                r.role,
                r.content,
                r.said_at,
                score,
                kw_rank.get(mid),
                dense_rank.get(mid),
                dense_score.get(mid, 0.0),
            )
        )
    hits.sort(key=lambda h: -h.score)
    return hits[:limit]
