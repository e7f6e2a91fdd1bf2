"""One turn of a stored conversation: save the user's message, build the prompt, stream the
answer, save it — also when the user stops it (finish_reason ``cancelled``)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from banshi.chat import context
from banshi.chat.hooks import TurnHook, prompt_text
from banshi.config import Settings
from banshi.errors import BanshiError, InvalidInput, ModelError, NotFound, TooLarge
from banshi.messages import Completion, Delta
from banshi.messages import Message as Msg
from banshi.models.base import Backend
from banshi.skills import route
from banshi.store.db import session_scope
from banshi.store.tables import Conversation, Message, utcnow

log = logging.getLogger("banshi.chat")
Event = dict[str, Any]
Mode = Literal["send", "regenerate", "edit"]


def message_dict(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "role": m.role,
        "content": m.content,
        "reasoning": m.reasoning,
        "finish_reason": m.finish_reason,
        "meta": m.meta or {},
        "created_at": m.created_at.isoformat() + "Z",
    }


def conversation_dict(c: Conversation) -> dict[str, Any]:
    return {
        "id": c.id,
        "title": c.title,
        "incognito": c.incognito,
        "created_at": c.created_at.isoformat() + "Z",
        "updated_at": c.updated_at.isoformat() + "Z",
    }


def check_content(content: str, settings: Settings) -> str:
    if not isinstance(content, str) or not content.strip():
        raise InvalidInput("the message is empty")
    if len(content) > settings.max_message_chars:
        raise TooLarge(f"the message is longer than {settings.max_message_chars} characters")
    return content


def get_conversation(db: Session, user_id: str, conversation_id: str) -> Conversation:
    """The user's conversation, or NotFound — also for another user's id."""
    conv = db.get(Conversation, conversation_id)
    if conv is None or conv.user_id != user_id:
        raise NotFound("no such conversation")
    return conv


class ChatEngine:
    def __init__(self, settings: Settings, backend: Backend, hooks: list[TurnHook] | None = None,
                 dispatcher: Any = None):
        self.settings = settings
        self.backend = backend
        self.hooks = hooks or []
        # banshi.agents.dispatcher.Dispatcher: tool calls and actions before the answer (None: chat only)
        self.dispatcher = dispatcher

    # -- storage -------------------------------------------------------------------------
    def _store(self, db: Session, conv: Conversation, role: str, content: str, **fields: Any) -> Message:
        seq = db.scalar(select(func.coalesce(func.max(Message.seq), 0)).where(Message.conversation_id == conv.id))
        msg = Message(user_id=conv.user_id, conversation_id=conv.id, seq=(seq or 0) + 1, role=role,
                      content=content, **fields)
        db.add(msg)
        conv.updated_at = utcnow()
        db.flush()
        if not conv.incognito:
            for hook in self.hooks:
                hook.on_message(db, msg)
        return msg

    def _prepare(self, db: Session, conv: Conversation, mode: Mode, content: str | None,
                 message_id: str | None, attachments: list[str] | None = None) -> Message | None:
        """Apply the user's action to the stored conversation; return the new user message."""
        if mode == "send":
            meta = {"attachments": self._attachments(conv.user_id, attachments)} if attachments else {}
            msg = self._store(db, conv, "user", check_content(content or "", self.settings), meta=meta)
            if not conv.title:
                conv.title = " ".join(msg.content.split())[:60]
            return msg
        rows = list(db.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)))
        if mode == "regenerate":
            last_user = next((m for m in reversed(rows) if m.role == "user"), None)
            if last_user is None:
                raise InvalidInput("nothing to regenerate")
            cut = last_user.seq
        else:
            target = next((m for m in rows if m.id == message_id and m.role == "user"), None)
            if target is None:
                raise NotFound("no such user message in this conversation")
            target.content = check_content(content or "", self.settings)
            cut = target.seq
        db.execute(delete(Message).where(Message.conversation_id == conv.id, Message.seq > cut))
        conv.summary_upto = min(conv.summary_upto, cut)
        if conv.summary_upto < cut and conv.summary and mode == "edit":
            conv.summary, conv.summary_upto = "", 0  # the edited turn may be in the summary
        return None

    # -- files -------------------------------------------------------------------------
    def _attachments(self, user_id: str, file_ids: list[str]) -> list[dict[str, str]]:
        """The user's files a message asks about, as stored in its meta (NotFound for an id that
        is not theirs)."""
        from banshi.media.files import FileStore

        store = FileStore(self.settings, user_id)
        return [{"id": f.id, "filename": f.filename, "kind": f.kind}
                for f in (store.get(fid) for fid in dict.fromkeys(file_ids))]

    def _file_question(self, question: str, file_ids: list[str], user_id: str) -> Any:
        """A question about attached files: its excerpts-and-question prompt
        (``banshi.media.docqa.Prepared``)."""
        from banshi.media import docqa
        from banshi.media.files import FileStore

        return docqa.for_files(question, file_ids, FileStore(self.settings, user_id), self.settings, self.backend)

    def _file_skill(self, user_id: str, text: str, file_ids: list[str]) -> Callable[[threading.Event], Iterator] | None:
        """The skill that answers a message sent with one file, as a function of the cancel
        event giving its stream: a photo sent to be solved (拍照讲题: the homework skill reads and
        solves it), a recording (transcribed, then its minutes); else None (a question about
        the files)."""
        from banshi.media.files import FileStore

        if len(file_ids) != 1:
            return None
        store = FileStore(self.settings, user_id)
        kind = store.get(file_ids[0]).kind
        if kind == "audio":
            return lambda cancel: route.recording_answer(self.backend, store, file_ids[0], settings=self.settings)
        if kind == "image" and route.solves_photo(text):
            photo = store.path(file_ids[0])
            return lambda cancel: route.photo_answer(self.backend, photo.read_bytes(), cancel=cancel,
                                                     settings=self.settings)
        return None

    # -- prompt --------------------------------------------------------------------------
    def build_prompt(self, db: Session, conv: Conversation) -> tuple[list[Msg], context.Recall | None]:
        rows = list(db.scalars(
            select(Message).where(Message.conversation_id == conv.id, Message.seq > conv.summary_upto)
            .order_by(Message.seq)
        ))
        rows = [m for m in rows if m.role in ("user", "assistant")]
        history = [Msg(m.role, prompt_text(m)) for m in rows]  # type: ignore[arg-type]
        query = history[-1].content if history else ""
        recall: context.Recall | None = None
        if not conv.incognito:
            for hook in self.hooks:
                recall = hook.recall(db, user_id=conv.user_id, conversation=conv, query=query) or recall
        budget = self.settings.context_tokens - self.backend.count_tokens(recall.text if recall else "")
        fitted = context.fit_history(self.backend, history, budget, conv.summary)
        if fitted.folded:
            conv.summary = context.fold_into_summary(self.backend, conv.summary, fitted.folded)
            conv.summary_upto = rows[len(fitted.folded) - 1].seq
        messages = fitted.messages
        if recall is not None and recall.about_user:
            told = {s.get("message_id") for s in recall.sources if s.get("type") == "fact"}
            messages = context.without_told(messages, [r.id for r in rows[len(rows) - len(messages) :]], told)
        prompt = context.assemble(context.system_prompt(query), recall, conv.summary, messages)
        return prompt, recall

    # -- a turn --------------------------------------------------------------------------
    def stream_turn(
        self,
        user_id: str,
        conversation_id: str,
        *,
        mode: Mode = "send",
        content: str | None = None,
        message_id: str | None = None,
        think: bool = False,
        cancel: threading.Event | None = None,
        attachments: list[str] | None = None,
    ) -> Iterator[Event]:
        """Validate and store the user's side at once (errors raise before anything streams),
        then return the event stream of the answer. A message with ``attachments`` (file ids)
        is a question about those files, answered from their excerpts with citations."""
        if attachments and not self._file_skill(user_id, content or "", attachments):
            # parse, OCR and embed them now, not inside the transaction that stores the turn
            from banshi.media import docqa
            from banshi.media.files import FileStore

            docqa.load(attachments, FileStore(self.settings, user_id))
        with session_scope(self.settings) as db:
            conv = get_conversation(db, user_id, conversation_id)
            user_msg = self._prepare(db, conv, mode, content, message_id, attachments)
            last = db.scalar(select(Message).where(Message.conversation_id == conv.id, Message.role == "user")
                             .order_by(Message.seq.desc()).limit(1))
            refs = [r["id"] for r in (last.meta or {}).get("attachments", [])] if last is not None else []
            skill = self._file_skill(user_id, last.content, refs) if refs else None
            files = self._file_question(last.content, refs, user_id) if refs and skill is None else None
            prompt, recall = (files.messages, None) if files is not None else self.build_prompt(db, conv)
            user_event = message_dict(user_msg) if user_msg else None
        return self._answer(user_id, conversation_id, prompt, recall, user_event, think,
                            cancel or threading.Event(), files, skill)

    def _answer(self, user_id: str, conversation_id: str, prompt: list[Msg], recall: context.Recall | None,
                user_event: dict | None, think: bool, cancel: threading.Event, files: Any = None,
                file_skill: Callable[[threading.Event], Iterator] | None = None) -> Iterator[Event]:
        sources = recall.sources if recall else []
        if user_event:
            yield {"type": "user", "message": user_event}
        if sources:
            yield {"type": "sources", "sources": sources}
        text: list[str] = []
        reasoning: list[str] = []
        finish = "cancelled"
        error: BanshiError | None = None
        dispatched = None
        skill: Event | None = None
        said = recall.reply if recall else ""  # memory settled it (see context.Recall.reply)
        # services and actions: banshi.agents.dispatcher
        if self.dispatcher is not None and files is None and file_skill is None and not said:
            from banshi.agents.dispatcher import Dispatch, dispatch_stream

            # a question for memory about the user is no follow-up of the previous turn's errand
            follow_up = not (recall and recall.about_user)
            for item in dispatch_stream(self.dispatcher, user_id, conversation_id, prompt, cancel, follow_up):
                if isinstance(item, Dispatch):
                    dispatched = item
                else:
                    yield item  # {"type": "tool" | "action", ...} as each step happens
            assert dispatched is not None
            prompt = dispatched.prompt(prompt)
        try:
            # the dispatcher answered (a question, a result), or the files have nothing to read
            reply = said or (dispatched.reply if dispatched is not None else
                             files.empty_reply if files is not None else None)
            if reply:
                text.append(reply)
                yield {"type": "text", "text": reply}
                finish = "stop"
                stream: Iterator = iter(())
            else:
                def model() -> Iterator:
                    # (a thinking answer begins with its reasoning)
                    begun, start = context.begin_answer(self.backend, prompt, None if think else recall)
                    return context.begun(start, self.backend.stream(
                        begun, think=think, cancel=cancel, max_tokens=self.settings.max_tokens,
                        temperature=self.settings.temperature))

                errand = dispatched is not None and dispatched.handled
                # a skill when the message asks for one (banshi.skills.route): a math problem, typed or
                # a photo, to the checked homework solver, a recording to its minutes, a request for a
                # picture to the image skill, a text to translate to the translation skill
                stream = (file_skill(cancel) if file_skill is not None else model() if files is not None or errand else
                          route.answer(self.backend, prompt[-1].content, model, cancel=cancel, settings=self.settings,
                                       user_id=user_id, earlier=route.earlier_question(prompt),
                                       facts=[s["text"] for s in recall.sources if s.get("type") == "fact"]
                                       if recall else ()))
            for item in stream:
                if isinstance(item, dict):  # a skill's progress, then its result
                    skill = item if "result" in item else skill
                    yield item
                    continue
                if isinstance(item, Delta):
                    if item.reasoning:
                        reasoning.append(item.reasoning)
                        yield {"type": "reasoning", "text": item.reasoning}
                    if item.text:
                        text.append(item.text)
                        yield {"type": "text", "text": item.text}
                elif isinstance(item, Completion):
                    finish = item.finish_reason
        except BanshiError as e:
            error, finish = e, "error"
        except Exception as e:  # the model failed mid-answer: keep the turn, tell the user
            log.exception("generation failed")
            error, finish = ModelError(f"the model failed: {type(e).__name__}: {e}"), "error"
        finally:
            # also runs when the client goes away (generator closed): keep what was said
            cancel.set()
            with session_scope(self.settings) as db:
                conv = get_conversation(db, user_id, conversation_id)
                meta = {"sources": sources} if sources else {}
                if error:
                    meta["error"] = {"code": error.code, "message": error.message}
                if dispatched is not None and dispatched.handled:
                    meta["dispatch"] = dispatched.meta()
                if skill is not None:
                    meta["skill"] = {"name": skill["skill"], **skill["result"]}
                said = "".join(text)
                if files is not None:  # the excerpts shown, and those the answer's statements come from
                    said, meta["citations"] = files.ground(said)
                    meta["excerpts"] = files.sources
                msg = self._store(db, conv, "assistant", said, reasoning="".join(reasoning),
                                  finish_reason=finish, meta=meta)
                done = message_dict(msg)
        if error:
            yield {"type": "error", "error": {"code": error.code, "message": error.message}, "message": done}
        else:
            yield {"type": "done", "message": done}
