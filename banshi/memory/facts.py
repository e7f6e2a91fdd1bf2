"""Profile facts: remember (deduplicated; a new value of a one-value attribute supersedes the old
one, which is kept as history), list, edit, delete, forget. Deleting a fact also takes the
messages that stated it out of the recall index, so a deleted fact never comes back."""

from __future__ import annotations

import re
from datetime import date, datetime

import numpy as np
from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from banshi import days
from banshi.memory import index
from banshi.memory import text as textmod
from banshi.memory.extract import MULTI, Fact, Forget, asked_attributes, render
from banshi.memory.tables import MemoryDoc, MemoryFact
from banshi.store.tables import Conversation, Message, User, utcnow

_OPPOSITE = {"likes": "dislikes", "dislikes": "likes"}
#: relations only one person holds at a time: a new wife's name replaces the old one
UNIQUE_RELATIONS = {"wife", "husband", "partner", "girlfriend", "boyfriend", "mother", "mom", "mum", "father", "dad",
                    "老婆", "妻子", "爱人", "老公", "丈夫", "妈妈", "母亲", "爸爸", "父亲", "男朋友", "女朋友"}


def fact_dict(f: MemoryFact) -> dict:
    return {"id": f.id, "type": "fact", "memory": f.text, "subject": f.subject, "attribute": f.attribute,
            "value": f.value, "status": f.status, "superseded_by": f.superseded_by, "origin": f.origin,
            "source_message_id": f.source_message_id, "conversation_id": f.conversation_id,
            "created_at": f.created_at.isoformat() + "Z", "updated_at": f.updated_at.isoformat() + "Z",
            "past": _past(f, date.today())}  # a plan whose day has gone by (see ``current``)


def _norm(value: str) -> str:
    return re.sub(r"\s+", " ", value.strip().lower())


def active(db: Session, user_id: str) -> list[MemoryFact]:
    return list(db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.status == "active")
                           .order_by(MemoryFact.updated_at.desc())))


def current(db: Session, user_id: str, today: date) -> list[MemoryFact]:
    """The active facts that still hold on ``today``: a plan whose day has passed (「12月11日要去
    北京出差」 on 12 Dec) is history, which the Memory page still lists, not a plan to recall."""
    return [f for f in active(db, user_id) if not _past(f, today)]


def _past(f: MemoryFact, today: date) -> bool:
    day = days.spoken_day(f.value, f.created_at.date()) if f.attribute == "plan" else None
    return day is not None and day < today


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
    redact(db, user_id, [f.subject if f.attribute == "relation" else f.value for f in doomed.values()],
           cited=list(doomed))
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


def _tombstones(db: Session, user_id: str, keys: list[tuple[str, str]]) -> None:
    """Remember *that* the user had these forgotten (whose, which attribute: never the value),
    so a later question gets "you asked me to forget that" instead of a guess."""
    user = db.get(User, user_id)
    keys = [k for k in keys if k[1] not in ("note", "relation")]
    if user is None or not keys:
        return
    settings = dict(user.settings or {})
    mem = dict(settings.get("memory", {}))
    mem["forgotten"] = sorted({tuple(k) for k in mem.get("forgotten", [])} | set(keys))
    settings["memory"] = mem
    user.settings = settings  # a new dict, so the JSON column is written


def forgotten_asked(db: Session, user_id: str, query: str, known: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The forgotten (subject, attribute) pairs ``query`` asks about that nothing in ``known``
    (the facts held now) answers."""
    user = db.get(User, user_id)
    stones = [tuple(k) for k in ((user.settings or {}).get("memory", {}).get("forgotten", []) if user else [])]
    if not stones:
        return []
    asked = asked_attributes(query)
    terms = set(textmod.query_terms(query))
    low = query.lower()
    askee = {s for s, _ in stones if s != "user" and s.lower() in low} or {"user"}
    return [(s, a) for s, a in stones if s in askee and (s, a) not in known and (
        a in asked or (a.startswith("favourite:") and terms & set(textmod.query_terms(a[10:]))))]


def described(f: MemoryFact) -> str:
    """The fact without its value ("User's address: …")."""
    zh = textmod.is_chinese(f.text)
    if f.attribute == "relation":
        return f"用户的{f.value}：…" if zh else f"the user's {f.value}: …"
    return render(f.subject, f.attribute, "…", zh)


def _like(span: str):  # type: ignore[no-untyped-def]
    escaped = span.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Message.content.ilike(f"%{escaped}%", escape="\\")


def redact(db: Session, user_id: str, spans: list[str], *, cited: list[str] = (),  # type: ignore[assignment]
           whole: list[str] = ()) -> None:  # type: ignore[assignment]
    """What the user had forgotten must reach no prompt again, also not through the history of
    a conversation: every message of the user that says one of ``spans`` is marked (its stored
    text stays, for the user to read; ``banshi.chat.hooks.prompt_text`` hides the spans from the
    model), answers that cite one of the ``cited`` fact ids and the messages in ``whole`` are
    hidden entirely, and the spans are cut out of the conversations' rolling summaries."""
    spans = sorted({s.strip() for s in spans if len(s.strip()) >= 2}, key=len, reverse=True)
    marks: dict[str, Message] = {}
    if spans:
        for m in db.scalars(select(Message).where(Message.user_id == user_id, or_(*[_like(s) for s in spans]))):
            said = [s for s in spans if s.lower() in m.content.lower()]
            meta = dict(m.meta or {})
            meta["redacted"] = sorted(set(meta.get("redacted", [])) | set(said), key=len, reverse=True)
            m.meta = meta
            marks[m.id] = m
        for conv in db.scalars(select(Conversation).where(Conversation.user_id == user_id, Conversation.summary != "")):
            summary = conv.summary
            for s in spans:
                summary = re.sub(re.escape(s), "…", summary, flags=re.I)
            conv.summary = summary
    hidden = set(whole)
    for fact_id in cited:
        hidden.update(mid for mid, meta in db.execute(select(Message.id, Message.meta).where(
            Message.user_id == user_id, Message.role == "assistant", cast(Message.meta, String).contains(fact_id)))
            if mid not in marks and any(isinstance(x, dict) and x.get("id") == fact_id
                                        for x in (meta or {}).get("sources", [])))
    for m in db.scalars(select(Message).where(Message.user_id == user_id, Message.id.in_(hidden))) if hidden else []:
        m.meta = {**(m.meta or {}), "redacted_all": True}
    # the turns after these were embedded with their words (``index.passages``): again, without
    index.renew_next(db, user_id, list(marks) + sorted(hidden - set(marks)))
    db.info.setdefault("memory_redacted", []).extend(spans)


def forget(db: Session, user_id: str, command: Forget, *, conversation_id: str | None = None) -> list[str]:
    """Carry out a "forget …" said in chat; returns what was deleted, described without the
    values (the confirmation's prompt must not carry them)."""
    if command.everything:
        gone = [described(f) for f in active(db, user_id)]
        db.execute(delete(MemoryFact).where(MemoryFact.user_id == user_id))
        ids = list(db.scalars(select(MemoryDoc.message_id).where(  # the user's files stay searchable
            MemoryDoc.user_id == user_id, MemoryDoc.role != index.DOCUMENT)))
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
            redact(db, user_id, [], whole=ids)
            texts = [described(f) for f in chosen] or ["last message / 上一条消息"]  # service._LAST
            delete_facts(db, user_id, chosen)
            return texts
        pool = facts
        if pool:
            newest = max(pool, key=lambda f: f.created_at)
            chosen = [f for f in pool if f.source_message_id and f.source_message_id == newest.source_message_id] \
                or [newest]
    else:
        if command.attributes:
            # 「忘掉乐乐的过敏信息」: that attribute of the person named, nothing else of theirs
            named = {f.subject for f in facts if f.subject != "user" and _norm(f.subject) in _norm(command.words)}
            chosen = [f for f in facts if f.attribute in command.attributes and f.subject in (named or {"user"})]
        if not chosen and command.words:
            words = set(textmod.query_terms(command.words))
            chosen = [f for f in facts if _norm(f.value) in _norm(command.words)
                      or words & set(textmod.query_terms(f.value))
                      or (f.subject != "user" and _norm(f.subject) in _norm(command.words))]
    texts = [described(f) for f in chosen]
    _tombstones(db, user_id, [(f.subject, f.attribute) for f in chosen])
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
            texts.append("…")
            redact(db, user_id, [command.words])
    return texts


#: a fact's similarity to the query must beat the query's similarity to a content-free fact
#: ("the user's something") by this much: e5 scores every pair 0.7-0.9, so only the margin
#: over that floor tells "about this" from "about the user"
MARGIN = 0.03
NEAR_BEST = 0.03
#: words the fact sentences are built from, shared by facts of every kind
_TEMPLATE_WORDS = frozenset(textmod.query_terms("user's favourite favorite likes dislikes 用户 最喜欢 喜欢 不喜欢"))
_ANCHORS = ("User's something: something", "用户的某事：某物")
_ABOUT_ME = re.compile(r"\b(?:what do you (?:know|remember)|about me|my (?:profile|details))\b|"
                       r"关于我|你(?:都)?(?:知道|记得)我|我的(?:信息|资料)", re.I)


def asks_about_me(query: str) -> bool:
    """A question about the user as a whole (「你都记得我什么？」, "what do you know about me")."""
    return bool(_ABOUT_ME.search(query))


def relevant(db: Session, user_id: str, query: str, qvec: np.ndarray | None, today: date, *, limit: int = 6,
             embed=None, floor: float | None = None) -> list[tuple[MemoryFact, float]]:  # type: ignore[no-untyped-def]
    """Facts holding on ``today`` (see ``current``) about ``query``, most relevant first (a
    question about the user as a whole: all of them). A fact is about the query when it shares a
    distinctive word with it (one that not most of the user's facts carry, like "favourite"), asks
    for its attribute in the words such questions use (``extract.CUES``: "Where am I from?" →
    hometown), or when its similarity clears ``floor`` (the query's similarity to a content-free
    fact; see ``MARGIN``) and is close to the best. Facts of a several-valued attribute come
    together: a second allergy is never left out."""
    facts = current(db, user_id, today)
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
    words = {f.id: set(textmod.query_terms(f.text + " " + f.attribute.replace(":", " ") + " " + f.subject))
             for f in facts}
    common = {t for t in terms if len(facts) >= 2 and sum(t in w for w in words.values()) * 2 > len(facts)}
    common |= _TEMPLATE_WORDS
    asked = asked_attributes(query)
    # whose attribute: a person the query names, by name or relation ("What is Ann's job?", 「我老婆喜欢
    # 什么」 of 小红, who is the user's 老婆), else the user ("my job")
    low = query.lower()
    named = {f.subject for f in facts if f.subject != "user" and (f.subject.lower() in low or (
        f.attribute == "relation" and len(f.value) >= 2 and re.search(r"(?:我的?|\bmy )" + re.escape(f.value.lower()),
                                                                      low)))}
    askee = named or {"user"}
    scored = []
    for f in facts:
        overlap = len((terms - common) & words[f.id]) + (f.attribute in asked and f.subject in askee)
        cos = float(index.from_blob(f.vector) @ qvec) if qvec is not None and f.vector else 0.0
        scored.append((f, cos, overlap))
    scored.sort(key=lambda x: (-x[2], -x[1]))
    if asks_about_me(query):
        return [(f, c) for f, c, _ in scored][:limit * 2]
    best = max(c for _, c, _ in scored)
    chosen = [(f, c) for f, c, o in scored
              if o or (floor is not None and c >= floor + MARGIN and c >= best - NEAR_BEST)][:limit]
    ids = {f.id for f, _ in chosen}
    keys = {(f.subject, f.attribute) for f, _ in chosen if f.attribute in MULTI and f.attribute != "note"}
    chosen += [(f, c) for f, c, _ in scored if f.id not in ids and (f.subject, f.attribute) in keys]
    return chosen


def floor(qvec: np.ndarray, embed, anchors: tuple[str, ...] = _ANCHORS) -> float:  # type: ignore[no-untyped-def]
    """The query's similarity to a text that says nothing (the highest over the languages)."""
    cached = _anchors.get(anchors)
    if cached is None or cached[0] != embed:  # bound methods of one embedder compare equal
        cached = _anchors[anchors] = (embed, np.asarray(embed(list(anchors), "passage")))
    return float((cached[1] @ qvec).max())


_anchors: dict[tuple[str, ...], tuple[object, np.ndarray]] = {}


def search(db: Session, query: str, *, user_id: str, limit: int = 10) -> list[dict]:
    """Active facts whose text or value matches the query's words (for the API's search)."""
    terms = textmod.query_terms(query)
    like = [MemoryFact.text.ilike(f"%{t}%") for t in terms] + [MemoryFact.value.ilike(f"%{query.strip()}%")]
    rows = db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id, MemoryFact.status == "active",
                                               or_(*like)).limit(200))
    scored = sorted(((sum(t in textmod.query_terms(f.text) for t in terms), f) for f in rows),
                    key=lambda x: -x[0])
    return [{**fact_dict(f), "score": float(s)} for s, f in scored[:limit]]
