"""Profile facts: remember (deduplicated; a new value of a one-value attribute supersedes the old
one, which is kept as history), list, edit, delete, forget. Deleting a fact also takes the
messages that stated it out of the recall index, so a deleted fact never comes back."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from banshi.memory import index
from banshi.memory import text as textmod
from banshi.memory.extract import MULTI, Fact, Forget, render
from banshi.memory.tables import MemoryDoc, MemoryFact
from banshi.store.tables import Message, utcnow

_OPPOSITE = {"likes": "dislikes", "dislikes": "likes"}
#: relations only one person holds at a time: a new wife's name replaces the old one
UNIQUE_RELATIONS = {"wife", "husband", "partner", "girlfriend", "boyfriend", "mother", "mom", "mum", "father", "dad",
                    "老婆", "妻子", "爱人", "老公", "丈夫", "妈妈", "母亲", "爸爸", "父亲", "男朋友", "女朋友"}


def fact_dict(f: MemoryFact) -> dict:
    return {"id": f.id, "type": "fact", "memory": f.text, "subject": f.subject, "attribute": f.attribute,
            "value": f.value, "status": f.status, "superseded_by": f.superseded_by, "origin": f.origin,
            "source_message_id": f.source_message_id, "conversation_id": f.conversation_id,
            "created_at": f.created_at.isoformat() + "Z", "updated_at": f.updated_at.isoformat() + "Z"}


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


def active(db: Session, user_id: str) -> list[MemoryFact]:
    return list(db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.status == "active")
                           .order_by(MemoryFact.updated_at.desc())))


def known_people(db: Session, user_id: str) -> list[str]:
    return list(db.scalars(select(MemoryFact.subject).distinct().where(
        MemoryFact.user_id == user_id, MemoryFact.status == "active", MemoryFact.subject != "user")))


def remember(db: Session, user_id: str, fact: Fact, *, origin: str = "rule", message: Message | None = None,
             when: datetime | None = None) -> MemoryFact:
    """Store ``fact``; returns the active row (an existing one when it was already known)."""
    now = when or utcnow()
    subject = "user" if fact.subject.lower() == "user" else fact.subject.strip()
    same_key = list(db.scalars(select(MemoryFact).where(
        MemoryFact.user_id == user_id, MemoryFact.status == "active",
        MemoryFact.subject == subject, MemoryFact.attribute.in_([fact.attribute, _OPPOSITE.get(fact.attribute, "")]))))
    for old in same_key:
        if old.attribute == fact.attribute and _norm(old.value) == _norm(fact.value):
            old.updated_at = now  # said again: nothing new
            return old
    new = MemoryFact(user_id=user_id, subject=subject, attribute=fact.attribute, value=fact.value.strip(),
                     text=fact.sentence(), origin=origin, created_at=now, updated_at=now,
                     source_message_id=message.id if message else None,
                     conversation_id=message.conversation_id if message else None)
    db.add(new)
    db.flush()
    if fact.attribute == "relation" and _norm(fact.value) in UNIQUE_RELATIONS:
        same_key += [f for f in db.scalars(select(MemoryFact).where(
            MemoryFact.user_id == user_id, MemoryFact.status == "active", MemoryFact.attribute == "relation",
            MemoryFact.subject != subject)) if _norm(f.value) == _norm(fact.value)]
    for old in same_key:
        changed_mind = old.attribute != fact.attribute and _norm(old.value) == _norm(fact.value)
        if old.attribute == "relation" and old.subject != subject:
            old.status, old.superseded_by, old.updated_at = "superseded", new.id, now
            continue
        if (old.attribute == fact.attribute and fact.attribute not in MULTI) or changed_mind:
            old.status, old.superseded_by, old.updated_at = "superseded", new.id, now
    return new


def history(db: Session, user_id: str, fact_id: str) -> list[MemoryFact]:
    """The fact and the versions it replaced, newest first."""
    rows = {f.id: f for f in db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id))}
    chain, current = [], rows.get(fact_id)
    while current is not None:
        chain.append(current)
        current = next((f for f in rows.values() if f.superseded_by == current.id), None)
    return chain


def update(db: Session, user_id: str, fact_id: str, *, value: str | None = None, text: str | None = None
           ) -> MemoryFact | None:
    """The user corrects a fact. The old wording is dropped from the index like a deletion:
    what the user corrected must not come back from an old message."""
    f = db.get(MemoryFact, fact_id)
    if f is None or f.user_id != user_id:
        return None
    if value is not None and value.strip() and _norm(value) != _norm(f.value):
        _unindex_sources(db, user_id, [f])
        f.value = value.strip()
        f.text = render(f.subject, f.attribute, f.value, textmod.is_chinese(f.text))
    if text is not None and text.strip():
        f.text = text.strip()
    f.origin, f.updated_at, f.vector = "user", utcnow(), None
    return f


def delete_facts(db: Session, user_id: str, facts: list[MemoryFact]) -> int:
    """Delete facts with their history, and unindex the messages that stated them."""
    if not facts:
        return 0
    doomed = {f.id: f for f in facts}
    for f in facts:
        for old in history(db, user_id, f.id):
            doomed[old.id] = old
    _unindex_sources(db, user_id, list(doomed.values()))
    db.execute(delete(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.id.in_(list(doomed))))
    return len(facts)


def _unindex_sources(db: Session, user_id: str, facts: list[MemoryFact]) -> None:
    """Take out of the index every message of the user that states one of these values."""
    ids = {f.source_message_id for f in facts if f.source_message_id}
    # answers that were given from these facts (their ids are in the answer's sources),
    # however they worded it ("July 14th" for "14 July")
    for f in facts:
        ids.update(db.scalars(select(Message.id).where(
            Message.user_id == user_id, Message.role == "assistant",
            cast(Message.meta, String).contains(f.id))))
    for f in facts:
        value = f.value.strip()
        if len(value) < 2:
            continue
        terms = textmod.query_terms(value)
        if not terms:
            continue
        hits = index.keyword_search(db, user_id, terms, limit=500)
        if not hits:
            continue
        rows = db.execute(select(Message.id, Message.content).where(Message.id.in_(hits))).all()
        wanted = set(terms)
        # the value as said, or all its words (an answer "Papaya." to "what is my favourite fruit?")
        ids.update(mid for mid, content in rows
                   if value.lower() in content.lower() or wanted <= set(textmod.tokens(content)))
    index.remove(db, user_id, [i for i in ids if i])


def forget(db: Session, user_id: str, command: Forget, *, conversation_id: str | None = None) -> list[str]:
    """Carry out a "forget …" said in chat; returns the sentences of the facts deleted."""
    if command.everything:
        gone = [f.text for f in active(db, user_id)]
        db.execute(delete(MemoryFact).where(MemoryFact.user_id == user_id))
        ids = list(db.scalars(select(MemoryDoc.message_id).where(MemoryDoc.user_id == user_id)))
        index.remove(db, user_id, ids)
        return gone or ["everything"]
    facts = active(db, user_id)
    chosen: list[MemoryFact] = []
    if command.last:
        # the last thing the user said in this conversation, and the facts learnt from it
        last = db.execute(select(MemoryDoc.message_id, MemoryDoc.id).where(
            MemoryDoc.user_id == user_id, MemoryDoc.conversation_id == conversation_id, MemoryDoc.role == "user")
            .order_by(MemoryDoc.id.desc()).limit(1)).first() if conversation_id else None
        if last is not None:
            chosen = [f for f in facts if f.source_message_id == last[0]]
            # that message and the answer to it
            ids = list(db.scalars(select(MemoryDoc.message_id).where(
                MemoryDoc.user_id == user_id, MemoryDoc.conversation_id == conversation_id,
                MemoryDoc.id >= last[1])))
            index.remove(db, user_id, ids)
            texts = [f.text for f in chosen] or ["last message / 上一条消息"]
            delete_facts(db, user_id, chosen)
            return texts
        pool = facts
        if pool:
            newest = max(pool, key=lambda f: f.created_at)
            chosen = [f for f in pool if f.source_message_id and f.source_message_id == newest.source_message_id] \
                or [newest]
    else:
        if command.attributes:
            chosen = [f for f in facts if f.attribute in command.attributes and f.subject == "user"]
        if not chosen and command.words:
            words = set(textmod.query_terms(command.words))
            chosen = [f for f in facts if _norm(f.value) in _norm(command.words)
                      or words & set(textmod.query_terms(f.value))
                      or (f.subject != "user" and _norm(f.subject) in _norm(command.words))]
    texts = [f.text for f in chosen]
    delete_facts(db, user_id, chosen)
    if command.words and not chosen:
        # nothing stored as a fact: still drop the passages that say it
        terms = textmod.query_terms(command.words)
        hits = index.keyword_search(db, user_id, terms, limit=200) if terms else []
        rows = db.execute(select(Message.id, Message.content).where(Message.id.in_(hits))).all()
        needle = _norm(command.words)
        gone = [mid for mid, content in rows if needle and needle in _norm(content)]
        index.remove(db, user_id, gone)
        if gone:
            texts.append(command.words)
    return texts


def relevant(db: Session, user_id: str, query: str, qvec: np.ndarray | None, *, limit: int = 6,
             embed=None) -> list[tuple[MemoryFact, float]]:  # type: ignore[no-untyped-def]
    """Active facts for the prompt, most relevant first: all of them when there are few,
    else those sharing a word with the query or close to it in meaning."""
    facts = active(db, user_id)
    if not facts:
        return []
    missing = [f for f in facts if f.vector is None]
    if missing:
        if embed is None:
            from banshi.memory import load_embedder

            embed = load_embedder().embed
        for f, v in zip(missing, embed([f.text for f in missing], "passage"), strict=True):
            f.vector = index.to_blob(v)
    terms = set(textmod.query_terms(query))
    scored = []
    for f in facts:
        overlap = len(terms & set(textmod.query_terms(f.text + " " + f.attribute.replace(":", " "))))
        cos = float(index.from_blob(f.vector) @ qvec) if qvec is not None and f.vector else 0.0
        scored.append((f, cos + 0.05 * overlap, overlap))
    scored.sort(key=lambda x: -x[1])
    if len(facts) <= 4:
        return [(f, s) for f, s, _ in scored]
    return [(f, s) for f, s, o in scored if o or s >= 0.84][:limit]


def search(db: Session, query: str, *, user_id: str, limit: int = 10) -> list[dict]:
    """Active facts whose text or value matches the query's words (for the API's search)."""
    terms = textmod.query_terms(query)
    like = [MemoryFact.text.ilike(f"%{t}%") for t in terms] + [MemoryFact.value.ilike(f"%{query.strip()}%")]
    rows = db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.status == "active",
                                               or_(*like)).limit(200))
    scored = sorted(((sum(t in textmod.query_terms(f.text) for t in terms), f) for f in rows),
                    key=lambda x: -x[0])
    return [{**fact_dict(f), "score": float(s)} for s, f in scored[:limit]]
