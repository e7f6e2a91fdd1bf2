"""``Memory``: the one interface the rest of Banshi uses — mem0's shape (``add``, ``search``,
``get``, ``update``, ``delete``) plus export/import, the per-user on/off switch, the job queue
the worker drains, and ``recall`` (what goes into the prompt, within a small token budget)."""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from banshi import days
from banshi.chat.context import Recall
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound
from banshi.memory import extract, facts, index
from banshi.memory import text as textmod
from banshi.memory.tables import MemoryDoc, MemoryFact, MemoryJob
from banshi.store.db import session_scope
from banshi.store.tables import Conversation, Message, User, utcnow

log = logging.getLogger("banshi.memory")

RECALL_TOKENS = 150  # the local model reads ~45 tokens/s: memory costs at most ~3 s
PASSAGES = 3
MAX_ATTEMPTS = 3


class _DoneElsewhere(Exception):
    """Another run finished one of the jobs first."""


_REMEMBER = re.compile(r"^(?:please\s+)?remember(?:\s+that)?\s+(.{3,200}?)[.!]*$|"
                       r"^(?:请)?(?:帮我)?记住[：:，,]?(.{2,200}?)[。！!]*$",
                       re.I)


def count_tokens(text: str) -> int:
    """The same rough count the backends use for budgeting."""
    ascii_chars = sum(1 for c in text if ord(c) < 128)
    return ascii_chars // 4 + (len(text) - ascii_chars) + 1


_NOTHING = "(nothing matched)"  # what a "forget" found to delete, when it found nothing
_LAST = "last message / 上一条消息"  # ``facts.forget``'s description of "forget that" without a fact


def is_enabled(user: User | None) -> bool:
    return bool(((user.settings if user else None) or {}).get("memory", {}).get("enabled", True))


class Memory:
    """Memory for one database. ``llm`` (a Backend) extracts facts the rules miss; None: rules
    only. ``embed`` replaces the e5 embedder (tests of ranking logic only)."""

    def __init__(self, settings: Settings, *, llm: Any = None, embed: Any = None):
        self.settings = settings
        self.llm = llm
        self._embed = embed
        self._turns = 0  # turns whose answer is being generated: the model is busy
        self._last_turn = 0.0
        self._busy_lock = threading.Lock()
        # conversations whose next answer confirms a "forget": not indexed, and the forgotten
        # values hidden from later prompts should the answer repeat them
        self._quiet: dict[str, list[str]] = {}

    @property
    def embed(self):  # type: ignore[no-untyped-def]
        if self._embed is None:
            from banshi.memory import load_embedder

            self._embed = load_embedder().embed
        return self._embed

    # -- the switch ------------------------------------------------------------------------
    def enabled(self, db: Session, user_id: str) -> bool:
        return is_enabled(db.get(User, user_id))

    def set_enabled(self, db: Session, user_id: str, on: bool) -> None:
        user = db.get(User, user_id)
        if user is None:
            raise NotFound("no such user")
        settings = dict(user.settings or {})
        settings["memory"] = {**settings.get("memory", {}), "enabled": bool(on)}
        user.settings = settings  # a new dict, so the JSON column is written

    # -- writing ---------------------------------------------------------------------------
    def on_message(self, db: Session, message: Message) -> None:
        """A message was stored (never called for incognito conversations): index it now,
        queue its embedding and fact extraction, and carry out "forget …" at once."""
        if message.role == "assistant":
            self._turn_done()
            if message.conversation_id in self._quiet:
                spans = self._quiet.pop(message.conversation_id)
                if spans:
                    facts.redact(db, message.user_id, spans)
                return  # "OK, I forgot your address at …" must not become a memory itself
        if not self.enabled(db, message.user_id):
            return
        if message.role == "user":
            command = extract.parse_forget(message.content)
            if command is not None:
                gone = facts.forget(db, message.user_id, command, conversation_id=message.conversation_id)
                db.info.setdefault("memory_forgot", []).extend(gone or [_NOTHING])
                self._quiet[message.conversation_id] = list(db.info.pop("memory_redacted", []))
                return  # the command itself is not a memory
        if index.add(db, message) is None:
            return
        db.add(MemoryJob(user_id=message.user_id, message_id=message.id, kind="embed"))
        if message.role == "user":
            db.add(MemoryJob(user_id=message.user_id, message_id=message.id, kind="extract"))
        _wake_after_commit(db, self.settings)

    def add(self, messages: list[dict], *, user_id: str, conversation_id: str | None = None,
            db: Session | None = None) -> str:
        """Store ``messages`` (``{"role", "content", "created_at"?, "speaker"?}``) as a
        conversation of the user, indexed like any chat; returns the conversation id."""
        if db is None:
            with session_scope(self.settings) as s:
                return self.add(messages, user_id=user_id, conversation_id=conversation_id, db=s)
        conv = db.get(Conversation, conversation_id) if conversation_id else None
        if conversation_id and (conv is None or conv.user_id != user_id):
            raise NotFound("no such conversation")
        if conv is None:
            first = next((m.get("content", "") for m in messages if m.get("content")), "")
            conv = Conversation(user_id=user_id, title=" ".join(str(first).split())[:60])
            db.add(conv)
            db.flush()
        seq = db.scalar(select(Message.seq).where(Message.conversation_id == conv.id)
                        .order_by(Message.seq.desc()).limit(1)) or 0
        for m in messages:
            role = m.get("role", "user")
            if role not in ("user", "assistant"):
                raise InvalidInput("role must be user or assistant")
            seq += 1
            when = m.get("created_at") or utcnow()
            if isinstance(when, str):
                when = datetime.fromisoformat(when.rstrip("Z"))
            row = Message(user_id=user_id, conversation_id=conv.id, seq=seq, role=role,
                          content=str(m.get("content", "")), created_at=when,
                          meta={"speaker": m["speaker"]} if m.get("speaker") else {})
            db.add(row)
            db.flush()
            if not conv.incognito:
                self.on_message(db, row)
        conv.updated_at = utcnow()
        return conv.id

    # -- the queue -------------------------------------------------------------------------
    def pending(self, db: Session) -> int:
        return len(db.scalars(select(MemoryJob.id).where(MemoryJob.status.in_(("pending", "running")))).all())

    def recover(self) -> None:
        """After a crash: jobs left ``running`` go back to ``pending``."""
        with session_scope(self.settings) as db:
            db.execute(update(MemoryJob).where(MemoryJob.status == "running").values(status="pending"))

    def process_pending(self, limit: int = 64, *, model: bool | None = None) -> int:
        """Do up to ``limit`` queued jobs; returns how many were done. Model jobs (the slow
        extractor) run only when ``model`` is true, or by default when no answer is being
        generated, so they never delay a reply."""
        use_model = self.llm is not None and (model if model is not None else not self.busy())
        with session_scope(self.settings) as db:
            stmt = select(MemoryJob.id).where(MemoryJob.status == "pending")
            if not use_model:
                stmt = stmt.where(MemoryJob.kind != "model")
            ids = list(db.scalars(stmt.order_by(MemoryJob.id).limit(limit)))
            claimed = [i for i in ids if db.execute(update(MemoryJob).where(
                MemoryJob.id == i, MemoryJob.status == "pending").values(status="running")).rowcount]
        if not claimed:
            return 0
        with session_scope(self.settings) as db:
            jobs = list(db.scalars(select(MemoryJob).where(MemoryJob.id.in_(claimed)).order_by(MemoryJob.id)))
        embeds = [j.message_id for j in jobs if j.kind == "embed"]
        if embeds:
            self._run([j for j in jobs if j.kind == "embed"], lambda db: index.embed_messages(
                db, list(db.scalars(select(Message).where(Message.id.in_(embeds)))), self.embed))
        for job in jobs:
            if job.kind in ("extract", "model"):
                self._run([job], lambda db, job=job: self._extract(db, job))
        return len(claimed)

    def _run(self, jobs: list[MemoryJob], work) -> None:  # type: ignore[no-untyped-def]
        """Do ``work`` and take its jobs off the queue in one transaction. A job can be run twice
        at once (another server on the same database recovered it as left by a crash): the run
        that finds a job already gone undoes its own work, and puts back the jobs still to do."""
        ids = [j.id for j in jobs]
        try:
            with session_scope(self.settings) as db:
                work(db)
                if db.execute(delete(MemoryJob).where(MemoryJob.id.in_(ids))).rowcount != len(ids):
                    raise _DoneElsewhere
        except _DoneElsewhere:
            with session_scope(self.settings) as db:
                db.execute(update(MemoryJob).where(MemoryJob.id.in_(ids), MemoryJob.status == "running")
                           .values(status="pending"))
        except Exception as e:  # keep the job, retry a few times, then leave it marked failed
            log.exception("memory job failed")
            with session_scope(self.settings) as db:
                for job in db.scalars(select(MemoryJob).where(MemoryJob.id.in_(ids))):
                    job.attempts += 1
                    job.error = f"{type(e).__name__}: {e}"[:500]
                    job.status = "failed" if job.attempts >= MAX_ATTEMPTS else "pending"
                    job.updated_at = utcnow()

    def _extract(self, db: Session, job: MemoryJob) -> None:
        msg = db.get(Message, job.message_id)
        if msg is None or db.scalar(select(MemoryDoc.id).where(MemoryDoc.message_id == msg.id)) is None:
            return  # deleted or forgotten before we got to it
        if not self.enabled(db, msg.user_id):
            return
        if job.kind == "model":  # waits for the turn's answer (``_turn_done``), so it can see it
            found = [] if _errand(db, msg) else extract.model_facts(self.backend(), msg.content)
            origin = "model"
        else:
            origin = "rule"
            found = extract.rule_facts(msg.content, facts.known_people(db, msg.user_id), _local_day(msg.created_at))
            m = _REMEMBER.match(msg.content.strip()) if not found else None
            if m:
                note = (m.group(1) or m.group(2)).strip()
                found = [extract.Fact("user", "note", note, textmod.is_chinese(note))]
            if not found and self.llm is not None and _worth_asking(msg.content):
                db.add(MemoryJob(user_id=msg.user_id, message_id=msg.id, kind="model"))
        for fact in found:
            facts.remember(db, msg.user_id, fact, origin=origin, message=msg, when=msg.created_at)

    def backend(self):  # type: ignore[no-untyped-def]
        """The model for extraction (``llm`` may be a factory, so it is built on first use)."""
        return self.llm if hasattr(self.llm, "chat") else self.llm()

    # -- busy tracking: model extraction waits until no answer is being generated ------------
    def _turn_started(self) -> None:
        with self._busy_lock:
            self._turns += 1
            self._last_turn = time.monotonic()

    def _turn_done(self) -> None:
        with self._busy_lock:
            self._turns = max(0, self._turns - 1)
            self._last_turn = time.monotonic()

    def busy(self) -> bool:
        with self._busy_lock:
            recent = time.monotonic() - self._last_turn
            return (self._turns > 0 and recent < 300) or recent < 2.0

    # -- reading ---------------------------------------------------------------------------
    def search(self, db: Session, query: str, *, user_id: str, limit: int = 10,
               now: datetime | None = None) -> dict:
        """``{"results": [...]}``: matching facts first, then messages (hybrid search)."""
        if not query.strip():
            raise InvalidInput("the query is empty")
        limit = max(1, min(limit, 100))
        found = facts.search(db, query, user_id=user_id, limit=limit)
        hits = index.search(db, query, user_id=user_id, limit=limit, now=now, embed=self.embed)
        return {"results": (found + [h.as_dict() for h in hits])[:limit + len(found)]}

    def recall(self, db: Session, *, user_id: str, conversation: Conversation | None, query: str,
               now: datetime | None = None) -> Recall | None:
        """What the prompt gets for ``query``: relevant facts, then passages from earlier
        conversations (not the turns already in the prompt), within ``RECALL_TOKENS``."""
        self._turn_started()
        forgot = db.info.pop("memory_forgot", None)
        if forgot is not None:
            zh = textmod.is_chinese(query)
            done = "；".join(forgot) if zh else "; ".join(forgot)
            note = (f"用户要求忘记的内容已从记忆中删除（{done}）。请简短确认，不要复述被删除的内容。" if zh else
                    f"Deleted from memory as the user asked ({done}). Confirm briefly; do not repeat it.")
            return Recall(note, [{"type": "forgotten", "text": done}], reply=_confirmation(forgot, zh))
        if not query.strip() or not self.enabled(db, user_id):
            return None
        if conversation is not None:
            self._refresh_edited(db, conversation)
        zh = textmod.is_chinese(query)
        told = extract.told_facts(query, tuple(facts.known_people(db, user_id)))
        if told:  # the user tells memory something and asks nothing: the answer says what it keeps
            return _keeping(told, zh)
        unknown_birthday, whose = _birthday_unknown(db, user_id, query, zh)
        if unknown_birthday and not _said_here(db, conversation, {"birthday"}, whose, query):
            # 「提醒我老婆生日前一天买花」: said by memory, rather than a reminder at a guessed time
            if conversation is not None:
                self._quiet.setdefault(conversation.id, [])
            return Recall(unknown_birthday, [], reply=unknown_birthday)
        unknown = _UNKNOWN_ZH if zh else _UNKNOWN_EN
        personal = _personal_question(query)
        # told again ("我住在杭州。"), not asked: no "you had me forget it", memory learns it anew
        gone, forgot_reply = _forgotten(db, user_id, query, zh) if _asks(query) else ("", "")
        if forgot_reply and conversation is not None:  # an answer about what was forgotten is no memory
            self._quiet.setdefault(conversation.id, [])
        elsewhere = select(MemoryDoc.id).where(MemoryDoc.user_id == user_id, MemoryDoc.role != index.DOCUMENT)
        if conversation is not None:
            elsewhere = elsewhere.where(MemoryDoc.conversation_id != conversation.id)
        if db.scalar(select(MemoryFact.id).where(MemoryFact.user_id == user_id, MemoryFact.status == "active")
                     .limit(1)) is None and db.scalar(elsewhere.limit(1)) is None:
            # nothing remembered beyond this conversation: skip embedding the query
            return Recall(gone or unknown, reply=forgot_reply) if personal or gone else None
        qvec = self.embed([query], "query")[0]
        lines: list[str] = []
        sources: list[dict] = []
        head = _HEAD_ZH if zh else _HEAD_EN
        used = count_tokens("Memory:\n")  # the budget is for what is recalled
        seen_sources: set[str] = set()
        today = _local_day(now or utcnow())
        chosen = facts.relevant(db, user_id, query, qvec, today, embed=self.embed, floor=facts.floor(qvec, self.embed))
        for group in _grouped(chosen):
            f, score = group[0]
            text = f.text if len(group) == 1 else extract.render(
                f.subject, f.attribute, _joined([g.value for g, _ in group], textmod.is_chinese(f.text)),
                textmod.is_chinese(f.text))
            line = f"- {text}"
            cost = count_tokens(line)
            if used + cost > RECALL_TOKENS * 0.6 and lines:
                break
            lines.append(line)
            used += cost
            for g, g_score in group:
                seen_sources.add(g.source_message_id or "")
                sources.append({"type": "fact", "id": g.id, "text": g.text, "score": round(g_score, 3),
                                "title": f"{_label(g.created_at, zh)}: {g.text}",
                                "message_id": g.source_message_id, "conversation_id": g.conversation_id,
                                "date": g.created_at.date().isoformat(),
                                "label": _label(g.created_at, zh)})
        said = {g.value.lower() for g, _ in chosen if len(g.value) >= 2}
        exclude_seq = conversation.summary_upto if conversation is not None else None
        hits = index.search(db, query, user_id=user_id, limit=8, now=now, qvec=qvec,
                            exclude_conversation=conversation.id if conversation is not None else None,
                            exclude_after_seq=exclude_seq)
        # passages that state a value since replaced ("I live in Berlin" after "I moved to Lisbon")
        # would contradict the current fact: the fact's history is shown on the Memory page instead
        old = db.execute(select(MemoryFact.id, MemoryFact.source_message_id, MemoryFact.value, MemoryFact.subject,
                                MemoryFact.attribute).where(
            MemoryFact.user_id == user_id, MemoryFact.status == "superseded")).all()
        active_now = facts.current(db, user_id, today)
        current = {f.value.lower() for f in active_now} | {f.subject.lower() for f in active_now}
        stale_ids = {r.source_message_id for r in old if r.source_message_id}
        stale_facts = {r.id for r in old}
        # a replaced relation ("my wife is Maria" → "… Elena") makes the old person's name stale
        stale_values = {(r.subject if r.attribute == "relation" else r.value).lower() for r in old}
        stale_values = {v for v in stale_values if len(v) >= 2 and v not in current}
        taken = 0
        query_terms = set(textmod.query_terms(query))
        passage_floor = facts.floor(qvec, self.embed, _EMPTY_MESSAGES)
        best = max((h.dense for h in hits), default=0.0)
        for h in hits:
            if taken >= PASSAGES or h.message_id in seen_sources or not _relevant(h, passage_floor, best):
                continue
            if h.message_id in stale_ids or any(v in h.content.lower() for v in stale_values):
                continue
            if h.role == "assistant":
                meta, asked = _answer_of(db, h.message_id)
                if stale_facts and any(s.get("id") in stale_facts for s in meta.get("sources", [])
                                       if isinstance(s, dict)):
                    continue  # an answer given from a replaced fact
                if _live_data(meta):
                    continue  # a service's data then (weather, prices, an order's status) is stale now
                if asked is not None and _same_request(asked, query_terms):
                    continue  # the answer to this very question, given before: it is being answered anew
            if h.role == "user" and (h.content.rstrip().endswith(("?", "？")) or _same_request(h.content, query_terms)):
                continue  # the user's own questions tell nothing, nor does asking the same again
            if any(v in h.content.lower() for v in said):
                continue  # a fact above already says it
            who = ("用户" if zh else "user") if h.role == "user" else ("助手" if zh else "assistant")
            snippet = _snippet(h.content, query, 160 if zh else 260)
            line = f"- [{textmod.format_day(h.said_at, zh)}] {who}: {snippet}"
            cost = count_tokens(line)
            if used + cost > RECALL_TOKENS:
                continue
            lines.append(line)
            used += cost
            taken += 1
            sources.append({"type": "message", "id": h.message_id, "text": snippet, "score": round(h.score, 4),
                            "title": f"{_label(h.said_at, zh)}: {snippet}",
                            "message_id": h.message_id, "conversation_id": h.conversation_id,
                            "date": h.said_at.date().isoformat(), "label": _label(h.said_at, zh)})
        known = any(s["type"] == "fact" for s in sources)
        # a question about someone the user told of (朵朵哪天过生日？) is theirs as much as one about
        # themself: the local model, asked it after the turn that told it, had echoed the question
        named = _people_named(query, active_now) if _asks(query) else []
        # 「我老婆哪天过生日？」 with nothing told of her is about her, not the user
        whom = set(named) or ({extract.relation_named(query) or "user"} if personal else set())
        asked, held = _asked_and_held(query, [g for g, _ in chosen], whom)
        if known and asked and not held:
            known = False  # 「朵朵哪天过生日？」 with her liking recalled: the model had guessed a date
        personal = personal or bool(named)
        if gone:  # the user had it forgotten: say so rather than guess
            lines.append(gone)
        elif personal and not known:
            lines.append(unknown)
        if not lines:
            return None
        reply = "" if known else forgot_reply
        if personal and not known and not gone and asked and _WH.search(query) \
                and not _said_here(db, conversation, asked, whom, query):
            # nothing told of it, here or before: said by memory, not the model, which had answered
            # 「我老婆哪天过生日？」 with an earlier turn's question (「需要您告诉我：城市」)
            reply = _NOT_TOLD_ZH if zh else _NOT_TOLD_EN
            if conversation is not None:  # and no memory itself
                self._quiet.setdefault(conversation.id, [])
        if known and facts.asks_about_me(query):  # what memory holds, as it holds it: the model had
            # answered 「你都记得我什么？」 with 「我记得你叫张伟」 (the user's friend)
            # (each in the language it was told in: 「Anna是你的wife」 had mixed them)
            told = [extract.render(f.subject, f.attribute, f.value, textmod.is_chinese(f.text), you=True)
                    for f in active_now][:20]
            intro = "我记得这些（可在记忆页查看和修改）：" if zh else "What I remember (the Memory page edits it):"
            reply = "\n".join([intro, *(f"- {t}" for t in told)])
        return Recall(
            head + "\n" + "\n".join(lines), sources, reply=reply, about_user=personal and known,
            answer_start=_answer_start(query, chosen, whom, asked, named) if zh and personal and known else "",
        )

    def _refresh_edited(self, db: Session, conversation: Conversation) -> None:
        """An edited turn keeps its row: when the last user message's words no longer match
        what is indexed, index it again (and embed and read it again)."""
        last = db.scalar(select(Message).where(Message.conversation_id == conversation.id, Message.role == "user")
                         .order_by(Message.seq.desc()).limit(1))
        doc = db.scalar(select(MemoryDoc).where(MemoryDoc.message_id == last.id)) if last is not None else None
        if last is None or doc is None or doc.terms == " ".join(textmod.tokens(index.doc_text(last))):
            return
        index.reindex(db, last)
        db.add(MemoryJob(user_id=last.user_id, message_id=last.id, kind="embed"))
        db.add(MemoryJob(user_id=last.user_id, message_id=last.id, kind="extract"))
        _wake_after_commit(db, self.settings)

    # -- facts: the control surface ----------------------------------------------------------
    def list_facts(self, db: Session, *, user_id: str, include_history: bool = False) -> list[dict]:
        stmt = select(MemoryFact).where(MemoryFact.user_id == user_id)
        if not include_history:
            stmt = stmt.where(MemoryFact.status == "active")
        return [facts.fact_dict(f) for f in db.scalars(stmt.order_by(MemoryFact.updated_at.desc()))]

    def get(self, db: Session, fact_id: str, *, user_id: str) -> dict:
        f = db.get(MemoryFact, fact_id)
        if f is None or f.user_id != user_id:
            raise NotFound("no such memory")
        return {**facts.fact_dict(f), "history": [facts.fact_dict(h) for h in facts.history(db, user_id, f.id)[1:]]}

    def create(self, db: Session, *, user_id: str, text: str, subject: str = "user",
               attribute: str | None = None, value: str | None = None) -> dict:
        """A fact the user adds by hand: structured, or a sentence the extractors read."""
        text = (text or "").strip()
        if attribute and value:
            fact = extract.Fact(subject or "user", attribute, value, textmod.is_chinese(text or value))
            row = facts.remember(db, user_id, fact, origin="user")
            if text:
                row.text = text
            return facts.fact_dict(row)
        if not text:
            raise InvalidInput("give text, or attribute and value")
        found = extract.rule_facts(text, facts.known_people(db, user_id), _local_day(utcnow()))
        rows = [facts.remember(db, user_id, f, origin="user") for f in found] or [
            facts.remember(db, user_id, extract.Fact("user", "note", text, textmod.is_chinese(text)), origin="user")]
        return facts.fact_dict(rows[0])

    def update(self, db: Session, fact_id: str, *, user_id: str, value: str | None = None,
               text: str | None = None) -> dict:
        f = facts.update(db, user_id, fact_id, value=value, text=text)
        if f is None:
            raise NotFound("no such memory")
        return facts.fact_dict(f)

    def delete(self, db: Session, fact_id: str, *, user_id: str) -> None:
        f = db.get(MemoryFact, fact_id)
        if f is None or f.user_id != user_id:
            raise NotFound("no such memory")
        facts.delete_facts(db, user_id, [f])

    def delete_all(self, db: Session, *, user_id: str) -> None:
        """Every fact and the whole recall index of the user (conversations stay)."""
        facts.forget(db, user_id, extract.Forget(everything=True))

    def forget_message(self, db: Session, message_id: str, *, user_id: str) -> None:
        """Take one message out of recall (it stays in its conversation)."""
        if not index.remove(db, user_id, [message_id]):
            raise NotFound("no such remembered message")

    def export(self, db: Session, *, user_id: str) -> dict:
        rows = db.scalars(select(MemoryFact).where(MemoryFact.user_id == user_id).order_by(MemoryFact.created_at))
        indexed = db.scalar(select(MemoryDoc.id).where(MemoryDoc.user_id == user_id, MemoryDoc.role != index.DOCUMENT)
                            .limit(1)) is not None
        return {"format": "banshi-memory", "version": 1, "exported_at": utcnow().isoformat() + "Z",
                "enabled": self.enabled(db, user_id), "facts": [facts.fact_dict(f) for f in rows],
                "messages_indexed": indexed}

    def import_(self, db: Session, data: dict, *, user_id: str) -> dict:
        """Facts from an export (or ``{"facts": [{"subject", "attribute", "value"} | {"text"}]}``).
        Known facts are not duplicated; superseded ones come back as history."""
        items = data.get("facts") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise InvalidInput("expected {\"facts\": [...]}")
        added = 0
        for item in sorted((i for i in items if isinstance(i, dict)),
                           key=lambda i: (i.get("status") != "superseded", str(i.get("created_at", "")))):
            value, attribute = str(item.get("value") or "").strip(), str(item.get("attribute") or "").strip()
            text = str(item.get("memory") or item.get("text") or "").strip()
            if not (value and attribute) and not text:
                continue
            when = None
            if item.get("created_at"):
                try:
                    when = datetime.fromisoformat(str(item["created_at"]).rstrip("Z"))
                except ValueError:
                    when = None
            if value and attribute:
                fact = extract.Fact(str(item.get("subject") or "user")[:100], attribute[:100], value,
                                    textmod.is_chinese(text or value))
                known = set(db.scalars(select(MemoryFact.id).where(MemoryFact.user_id == user_id)))
                row = facts.remember(db, user_id, fact, origin="import", when=when)
                if row.id in known:
                    continue
                if text:
                    row.text = text
                if item.get("status") == "superseded":  # history comes back as history
                    row.status = "superseded"
                added += 1
            else:
                self.create(db, user_id=user_id, text=text)
                added += 1
        return {"imported": added}


def _errand(db: Session, msg: Message) -> bool:
    """Whether the assistant carried the turn out as an errand (a service's data or a skill):
    its words are the errand's values, not facts about the user. The model had kept "destination:
    上海" from 「帮我查一下明天从北京到上海的火车」 and "plans: 挂个号" from 「我想挂个号」."""
    reply = db.scalar(
        select(Message).where(Message.conversation_id == msg.conversation_id, Message.seq == msg.seq + 1)
    )
    return reply is not None and reply.role == "assistant" and bool({"dispatch", "skill"} & set(reply.meta or {}))


def _local_day(utc: datetime) -> date:
    """The user's day at a stored (UTC) time: a day said relative to it is read against it."""
    return utc.replace(tzinfo=UTC).astimezone().date()


def _worth_asking(text: str) -> bool:
    """Only first-person statements of some length go to the (slow) model."""
    t = text.strip()
    return 8 <= len(t) <= 1500 and bool(re.search(r"\b(?:i|my|i'm|i've|we|our)\b|我", t, re.I)) \
        and not t.endswith(("?", "？"))


def _keeping(told: tuple[extract.Fact, ...], zh: bool) -> Recall:
    """The note for a turn that tells facts: memory keeps them (the worker extracts them after the
    reply), and the answer confirms them to the user in the second person. Without it the local
    model echoed the statement back ("你对花生过敏。"), and after a few such turns echoed
    questions too."""
    # (an age told with the birthday that brings it, "turns 7 on March 14", is kept as 6 until
    # then: the confirmation says the birthday, the model had "confirmed" 7)
    born = {f.subject for f in told if f.attribute == "birthday"}
    said = [extract.render(f.subject, f.attribute, f.value, zh, you=True) for f in told
            if not (f.attribute == "age" and f.subject in born)]
    if zh:
        text = "；".join(said)
        note = f"用户刚说的会记进记忆：{text}。用一句话确认，如\"好的，记住了：{text}。\""
    else:
        text = "; ".join(said)
        note = (f"Memory is keeping what the user just said: {text}. Confirm it in one sentence, e.g. "
                f"\"Got it, I'll remember that {text}.\"")
    return Recall(note, [{"type": "remembered", "text": text}])


# a small model reads "what is my job?" as a question about itself: the heading says whose. In
# Chinese it also copied the facts' 用户 into its answer ("用户最喜欢的食物是火锅") or answered as
# the user ("我是老师"): the heading asks for 你, with an example (16 questions × 2, local model:
# 9 of 64 answers in the wrong person against 18 before)
_HEAD_EN = ("Memory (what the user told you before; use it when relevant; \"I\"/\"my\" in their questions "
            "means the user):")
_HEAD_ZH = ("记忆（用户之前告诉你的，相关时使用。用户说的\"我\"是用户本人；"
            "回答时称用户为\"你\"，例：问\"我女儿几岁？\"答\"你女儿……岁\"）：")
_UNKNOWN_EN = ("Memory has nothing that answers this. If it asks about the user's own life (or people they know) "
               "and the conversation above does not say it either, reply that you don't know. Do not guess.")
_UNKNOWN_ZH = ("记忆里没有能回答这个问题的内容。如果问的是用户自己（或其亲友）的信息，"
               "而上面的对话里也没有，就回答你不知道。不要猜。")
_PERSONAL_EN = re.compile(r"\b(?:my|am i|was i|do i (?:live|work|like|have|love|hate)|where i)\b|"
                          r"(?-i:\b(?!(?:What|Who|Where|When|How|That|There|Here|It|He|She|Let)'s)[A-Z][a-z]+'s\b)",
                          re.I)
_QUESTION_EN = re.compile(r"\?\s*$|^\s*(?:what|which|who|whom|where|when|how|do|does|did|am|is|are|can)\b", re.I)
_PERSONAL_ZH = re.compile(r"(?<![帮给让替请和跟为])我"
                          r"(?:的|叫|姓|住|在|对|是|老|家|最|喜欢|朋友|妈|爸|哥|姐|弟|妹|生日|电话)")
_QUESTION_ZH = re.compile(r"什么|哪|谁|几|多少")


def _confirmation(forgot: list[str], zh: bool) -> str:
    """The answer to "forget …", said by memory itself (the 1.5B model, asked to confirm, once
    answered 「忘掉我住在哪」 with a made-up city): what was deleted, never its value."""
    if forgot == [_NOTHING]:
        return "记忆里没有找到要忘记的内容。" if zh else "I found nothing in my memory to forget."
    if forgot == ["everything"]:
        return "好的，关于你的记忆已全部清空。" if zh else "Done: everything I remembered about you is deleted."
    items = [f.split(" / ")[1 if zh else 0] if f == _LAST else f for f in forgot]
    return f"好的，已从记忆中删除：{'；'.join(items)}。" if zh else f"Done, deleted from memory: {'; '.join(items)}."


def _forgotten(db: Session, user_id: str, query: str, zh: bool) -> tuple[str, str]:
    """For a question about something the user had forgotten (and not told again since): the
    note for the prompt, and the answer to give when memory holds nothing else asked for."""
    gone = facts.forgotten_asked(db, user_id, query, {(f.subject, f.attribute) for f in facts.active(db, user_id)})
    if not gone:
        return "", ""
    what = ("；" if zh else "; ").join(extract.render(s, a, "…", zh) for s, a in gone)
    if zh:
        return (f"用户已要求你忘记这件事（{what}）。你不再知道它：告诉用户你已按要求忘记了，不要猜。",
                f"你之前让我忘掉这条记忆（{what}），我已经删除了，现在不知道了。需要的话可以再告诉我一次。")
    return (f"The user asked you to forget this ({what}). You no longer know it: say you forgot it as asked. "
            "Do not guess.",
            f"You asked me to forget this ({what}), so I deleted it and no longer know it. "
            "Tell me again if you want me to remember it.")


_REQUEST_EN = re.compile(r"\?\s*$|^\s*(?:what|what's|which|who|whom|whose|where|when|how|why|is|are|am|do|does|did|"
                         r"can|could|will|would|should|tell|show|check|find|look|search|give|get|list|please)\b",
                         re.I)
_REQUEST_ZH = re.compile(r"[?？]\s*$|什么|哪|谁|几|多少|怎么|怎样|如何|[吗呢么][。！!.]?\s*$|"
                         r"^\s*(?:请|帮我|给我|查|告诉我)")


def _same_request(text: str, query_terms: set[str]) -> bool:
    """Whether ``text`` asks what the query asks: a question or request whose words are all the
    query's (one more allowed when it ends with a question mark: "Will it rain in Berlin
    tomorrow?" asks about the weather too). A statement that answers the query has a word more
    ("When I was young I lived in Paris"), so it never counts, even when it starts like a
    question."""
    words = set(textmod.query_terms(text))
    if not words or not query_terms:
        return False
    pattern = _REQUEST_ZH if textmod.is_chinese(text) else _REQUEST_EN
    if not pattern.search(text):
        return False
    extra = 1 if text.rstrip().endswith(("?", "？")) else 0
    return len(words - query_terms) <= extra and 3 * len(words & query_terms) >= 2 * len(query_terms)


def _answer_of(db: Session, message_id: str) -> tuple[dict, str | None]:
    """An assistant message's meta, and the user turn it answered (None if there is none)."""
    row = db.execute(select(Message.meta, Message.conversation_id, Message.seq).where(Message.id == message_id)).first()
    if row is None:
        return {}, None
    asked = db.scalar(select(Message.content).where(
        Message.conversation_id == row.conversation_id, Message.seq == row.seq - 1, Message.role == "user"))
    return (row.meta if isinstance(row.meta, dict) else {}), asked


def _live_data(meta: dict) -> bool:
    """An answer the dispatcher made from a service's tools (see ``banshi.agents.dispatcher``):
    live data (a forecast, prices, an order's status) that was true when said, not a memory."""
    dispatch = meta.get("dispatch")
    return isinstance(dispatch, dict) and bool(dispatch.get("services") or dispatch.get("tools"))


def _asks(query: str) -> bool:
    """A question or a request, not a statement."""
    return bool((_REQUEST_ZH if textmod.is_chinese(query) else _REQUEST_EN).search(query.strip()))


def _personal_question(query: str) -> bool:
    """A question about the user themself ("What is my address?", 我的生日是哪天？)."""
    q = query.strip()
    if len(q) > 200:
        return False
    if textmod.is_chinese(q):
        return bool(_PERSONAL_ZH.search(q)) and bool(_QUESTION_ZH.search(q))
    return bool(_PERSONAL_EN.search(q)) and bool(_QUESTION_EN.search(q))


#: a question that asks for something (not "is it …?"): the Chinese question words, or wh-words
_WH = re.compile(_QUESTION_ZH.pattern + r"|多大|\b(?:what|which|who|whom|where|when|how)\b", re.I)
def _birthday_unknown(db: Session, user_id: str, query: str, zh: bool) -> tuple[str, set[str]]:
    """Memory's reply to a reminder on a day said by the birthday of someone whose birthday it does
    not hold (「提醒我老婆生日前一天买花」: the model had asked 「还需要您告诉我：内容」), and whose
    birthday it is; ("", …) when it holds it or nothing of the kind is asked."""
    if not (re.search(r"提醒我|\bremind me\b", query, re.I) and (days.BY_BIRTHDAY_ZH.search(query)
                                                                  or days.BY_BIRTHDAY_EN.search(query))):
        return "", set()
    active = facts.active(db, user_id)  # (only then)
    named = _people_named(query, active) or _birthday_named(query)
    relation = "" if named else extract.relation_named(query)
    who = named[0] if named else relation or "user"
    if any(f.subject == who and f.attribute == "birthday" for f in active):
        return "", {who}
    if zh:
        return f"我还不知道{named[0] if named else '你' + relation}的生日。告诉我，我会记住，再按它设提醒。", {who}
    whose = f"{named[0]}'s" if named else f"your {relation}'s" if relation else "your"
    return f"I don't know {whose} birthday yet. Tell me and I'll remember it, then set the reminder.", {who}


def _birthday_named(query: str) -> list[str]:
    """The name said before 生日 / 's birthday, when it is no relation and not the user's (朵朵 in
    「提醒我朵朵生日前一天…」 before memory knows her)."""
    m = re.search(r"\b([A-Z][a-z]+)'s birthday", query)
    if m:
        return [m.group(1)]
    at = query.find("生日")
    name = query[:at].rsplit("我", 1)[-1].rstrip("的") if at > 0 else ""
    return [name] if 2 <= len(name) <= 4 and not extract.relation_named("我" + name) else []


_NOT_TOLD_ZH = "这个我还不知道——你还没告诉过我。告诉我的话，我会记住。"
_NOT_TOLD_EN = "I don't know that yet — you haven't told me. Tell me and I'll remember it."


#: the words that tell what a question asks for, where they differ from the question's (喜欢什么 is
#: asked, 喜欢草莓蛋糕 told; a birthday is told by its day: "Emma turns 7 on March 14")
_TOLD_CUES = {"likes": r"喜欢|爱|\blikes?\b|\bloves?\b|\benjoys?\b|\badores?\b",
              "dislikes": r"不喜欢|不爱|讨厌|不吃|不喝|\bhates?\b|\bdislikes?\b|\bdoesn'?t like\b|\bdon'?t like\b",
              "birthday": extract.CUES["birthday"] + "|" + days.DATE.pattern}


def _said_here(db: Session, conversation: Conversation | None, asked: set[str], whom: set[str], query: str) -> bool:
    """Whether an earlier turn of this conversation speaks of what ``query`` asks for, of the one
    it asks about (a birthday told in words the rules did not read): then the model answers, from
    the conversation. 「她下个月8号过生日」 of 朵朵 is no word of the wife's birthday."""
    if conversation is None:
        return False
    cues = [_TOLD_CUES.get(a) or extract.CUES[a] for a in asked if a in extract.CUES]
    # and a name the question says that memory does not know yet ("When is Emma's birthday?")
    whom = whom | set(re.findall(r"(?<=\s)[A-Z][a-z]+\b", query))
    turns = db.scalars(select(Message.content).where(Message.conversation_id == conversation.id,
                                                      Message.role == "user"))
    for turn in turns:
        if turn.strip() == query.strip():
            continue
        theirs = False  # (「…朵朵的最爱，她是3月5日出生的」: 她 goes on about 朵朵)
        for clause in re.split(r"[，。,.;；!！?？\n]", turn):
            theirs = any(w in clause for w in whom - {"user"}) or theirs and bool(_PRONOUN.match(clause.strip()))
            mine = "user" in whom and not extract.relation_named(clause) and re.search(r"我|\b(?:i|my|me)\b",
                                                                                       clause, re.I)
            if (theirs or mine) and any(re.search(c, clause, re.I) for c in cues):
                return True
    return False


_PRONOUN = re.compile(r"(?:and |but )?(?:[她他它](?!们)|she\b|he\b)", re.I)


def _people_named(query: str, active_facts: list[Any]) -> list[str]:
    """The people the user told of whom ``query`` names, by name or by relation (朵朵, 我女儿),
    first named first."""
    at = {}
    for f in active_facts:
        if f.subject != "user" and len(f.subject) >= 2:  # a one-character subject is in too many words
            said = query.find(f.subject)
            if said < 0 and f.attribute == "relation" and len(f.value) >= 2:
                said = query.find(f.value)
            if said >= 0:
                at[f.subject] = min(said, at.get(f.subject, said))
    return sorted(at, key=at.__getitem__)


_OWN_CUES = {"city": r"住|\blive|\bcity\b|\btown\b|\bbased\b", "allergy": r"过敏|\ballerg"}


def _asked_and_held(query: str, recalled: list[Any], whom: set[str]) -> tuple[set[str], bool]:
    """What a question about ``whom`` asks for (a birthday, by ``extract.CUES``), and whether the
    recalled facts of theirs hold any of it."""
    asked = extract.asked_attributes(query)
    # the city's and the allergy's cues hold errand words too (天气, 外卖): asked only in their own
    asked -= {a for a, own in _OWN_CUES.items() if not re.search(own, query, re.I)}
    if not whom or not _asks(query):
        return set(), False
    return asked, any(f.subject in whom and _answers(f, asked) for f in recalled)


def _answers(f: Any, asked: set[str]) -> bool:
    """Whether fact ``f`` holds something ``asked``: a relation holds the person's name (小雨是用户
    的女儿), a favourite is a liking (「我最喜欢的水果是芒果」 answers 「我喜欢什么？」)."""
    kind = "name" if f.attribute == "relation" else f.attribute
    return kind in asked or (kind.startswith("favourite:") and "likes" in asked)


def _answer_start(query: str, chosen: list[tuple[Any, float]], whom: set[str], asked: set[str],
                  named: list[str]) -> str:
    """How a Chinese answer about the user or someone they told of begins: with the facts it
    asks for, as memory holds them (「乐乐的生日是1月3日」, the model goes on), else with whom it is
    about (「你」, 「乐乐」). The local model had answered 「乐乐哪天过生日？」 with today's date, and
    「我是做什么工作的？」 as the user (「我是小学老师。」)."""
    held = [group for group in _grouped(chosen) if group[0][0].subject in whom and _answers(group[0][0], asked)]
    # in the order the question asks for them
    held.sort(key=lambda group: extract.asked_at(query, "name" if group[0][0].attribute == "relation"
                                                 else group[0][0].attribute))
    said = [extract.render(f.subject, f.attribute, _joined([g.value for g, _ in group], True), True, you=True)
            for group in held for f in [group[0][0]]]
    return "，".join(said) if said else named[0] if named else "你"


def _joined(values: list[str], zh: bool) -> str:
    """peanuts, eggs and shellfish / 花生、鸡蛋和海鲜"""
    head, last = values[:-1], values[-1]
    if not head:
        return last
    return ("、".join(head) + "和" + last) if zh else (", ".join(head) + " and " + last)


def _grouped(chosen: list[tuple[Any, float]]) -> list[list[tuple[Any, float]]]:
    """Facts of one several-valued attribute of one person become one line (peanuts, shellfish)."""
    groups: dict[tuple[str, str], list[tuple[Any, float]]] = {}
    out: list[list[tuple[Any, float]]] = []
    for f, score in chosen:
        key = (f.subject, f.attribute)
        if f.attribute in extract.MULTI and f.attribute != "note" and key in groups:
            groups[key].append((f, score))
            continue
        groups[key] = [(f, score)]
        out.append(groups[key])
    return out


#: e5 puts every pair at 0.7-0.9: a passage counts when its similarity clears the query's
#: similarity to a message that says nothing by this much (less with a keyword hit)
PASSAGE_MARGIN = 0.04
KEYWORD_MARGIN = 0.025
NEAR_BEST = 0.05
_EMPTY_MESSAGES = ("I said something.", "我说了一些事情。")


def _relevant(h: index.Hit, floor: float, best: float) -> bool:
    """A passage goes into the prompt only when it is clearly about the query: close in meaning
    by a margin over the floor (see ``PASSAGE_MARGIN``), a smaller one for a keyword hit, and
    not far behind the best passage."""
    if h.dense < best - NEAR_BEST:
        return False
    if h.keyword_rank is not None and h.keyword_rank < 10 and h.dense >= floor + KEYWORD_MARGIN:
        return True
    return h.dense >= floor + PASSAGE_MARGIN


def _snippet(content: str, query: str, width: int) -> str:
    content = " ".join(content.split())
    if len(content) <= width:
        return content
    terms = [t for t in textmod.query_terms(query) if len(t) > 1]
    low = content.lower()
    pos = min((low.find(t) for t in terms if low.find(t) >= 0), default=0)
    start = max(0, min(pos - width // 3, len(content) - width))
    return ("…" if start else "") + content[start:start + width] + ("…" if start + width < len(content) else "")


def _label(when: datetime, zh: bool) -> str:
    day = f"{when.month}月{when.day}日" if zh else f"{when.day} {when:%B}"
    if when.year != utcnow().year:
        day = f"{when.year}年{day}" if zh else f"{day} {when.year}"
    return f"记忆来自{day}" if zh else f"remembered from {day}"


# -- waking the worker when a transaction with new jobs commits --------------------------
def _wake_after_commit(db: Session, settings: Settings) -> None:
    if db.info.get("memory_wake"):
        return
    db.info["memory_wake"] = True
    from sqlalchemy import event

    def _after_commit(session: Session) -> None:
        session.info.pop("memory_wake", None)
        from banshi.memory.worker import notify

        notify(settings)

    event.listen(db, "after_commit", _after_commit, once=True)
