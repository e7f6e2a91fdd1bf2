"""The OpenAI-compatible API: ``POST /v1/chat/completions`` (SSE streaming or not) and
``GET /v1/models``. Model ``banshi`` is the full assistant (system prompt, memory hooks);
the backend's own id passes the messages straight through."""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from banshi.api.deps import current_user, get_db, get_engine, settings_dep
from banshi.api.sse import HEADERS, sse
from banshi.chat import context
from banshi.chat.engine import ChatEngine
from banshi.config import Settings
from banshi.errors import InvalidInput, NotFound, TooLarge
from banshi.media.files import image_data_url
from banshi.memory import threads
from banshi.messages import Completion, Delta, Message, ToolCall
from banshi.skills import route
from banshi.store.tables import User

router = APIRouter(prefix="/v1", tags=["openai"])
ASSISTANT = "banshi"


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[dict[str, Any]] | None = None
    tool_calls: list[dict[str, Any]] | None = None
    tool_call_id: str | None = None
    name: str | None = None


class ChatRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(..., min_length=1)
    stream: bool = False
    max_tokens: int | None = Field(None, ge=1, le=32768)
    max_completion_tokens: int | None = Field(None, ge=1, le=32768)
    temperature: float | None = Field(None, ge=0, le=2)
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    response_format: dict[str, Any] | None = None
    enable_thinking: bool = False  # Qwen3's switch, as DashScope takes it
    user: str | None = None
    memory: bool = True  # model "banshi": false = this request neither reads nor writes memory
    store: bool | None = None  # OpenAI's flag; false also keeps the request out of memory


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    return "\n".join(p.get("text", "") for p in content if p.get("type") in ("text", "input_text"))


_DATA_URL = re.compile(r"data:image/[\w.+-]+;base64,([A-Za-z0-9+/=\s]*)", re.S)


def _images(content: str | list[dict[str, Any]] | None, settings: Settings) -> list[bytes]:
    """The photos of a message's content parts (``image_url`` / ``input_image``), which must come
    inline as data: URLs: a link is not fetched."""
    if not isinstance(content, list):
        return []
    out = []
    for part in content:
        if part.get("type") not in ("image_url", "input_image"):
            continue
        url = part.get("image_url")
        url = url.get("url", "") if isinstance(url, dict) else url or ""
        m = _DATA_URL.fullmatch(url.strip())
        if m is None:
            raise InvalidInput("an image must be sent inline as a data: URL (data:image/png;base64,...); "
                               "links to images are not fetched", code="image_url_not_inline")
        if len(m.group(1)) * 3 // 4 > settings.max_image_mb << 20:
            raise TooLarge(f"an image is over the limit of {settings.max_image_mb} MB (BANSHI_MAX_IMAGE_MB)",
                           code="image_too_large")
        try:
            out.append(base64.b64decode(m.group(1), validate=False))
        except binascii.Error:
            raise InvalidInput("an image's data: URL is not valid base64") from None
    return out


def to_messages(req: ChatRequest, settings: Settings, sees_images: bool = False) -> list[Message]:
    """The request's messages; a photo among a message's parts is read (OCR) into its text, and
    also sent itself to a backend that sees images."""
    from banshi.media import ocr

    out = []
    for m in req.messages:
        calls = [ToolCall(c["function"]["name"], _args(c["function"].get("arguments")), c.get("id", ""))
                 for c in (m.tool_calls or [])]
        role = "system" if m.role == "developer" else m.role
        photos = _images(m.content, settings)
        read = [ocr.photo_to_text(p, settings, name="the image") for p in photos]  # a resent photo is not read again
        text = "\n\n".join([_text(m.content), *read]).strip()
        seen = [image_data_url(p, settings) for p in photos] if sees_images else []
        out.append(Message(role, text, tool_calls=calls, tool_call_id=m.tool_call_id or "", images=seen))
    if sum(len(m.content) for m in out) > settings.max_message_chars * 8:
        raise TooLarge("the conversation is too long")
    return out


def _args(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        raise InvalidInput("tool call arguments must be a JSON object") from None
    return value if isinstance(value, dict) else {}


def _schema(req: ChatRequest) -> dict[str, Any] | None:
    fmt = req.response_format or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema") or {"type": "object"}
    if fmt.get("type") == "json_object":
        return {"type": "object"}
    return None


def assistant_prompt(engine: ChatEngine, db: Session, user: User, messages: list[Message], *,
                     memory: bool = True, conversation: Any = None) -> tuple[list[Message], context.Recall | None]:
    """The full assistant's prompt for a stateless request: our system prompt (kept apart from
    the caller's), memory recall (unless ``memory`` is off; ``conversation`` is the stored
    thread, whose turns are in the request already), history within the budget; and what memory
    recalled (its ``reply``: the answer memory settles alone, if any)."""
    caller_system = "\n".join(m.content for m in messages if m.role == "system")
    history = [m for m in messages if m.role != "system"]
    query = next((m.content for m in reversed(history) if m.role == "user"), "")
    recall = None
    for hook in engine.hooks if memory else []:
        recall = hook.recall(db, user_id=user.id, conversation=conversation, query=query) or recall
    fitted = context.fit_history(engine.backend, history, engine.settings.context_tokens)
    system = context.system_prompt(query) + (f"\n\n{caller_system}" if caller_system else "")
    return context.assemble(system, recall, "", fitted.messages), recall


@router.get("/models")
def models(settings: Settings = Depends(settings_dep), engine: ChatEngine = Depends(get_engine)) -> dict:
    ids = [ASSISTANT, engine.backend.id]
    return {"object": "list", "data": [{"id": i, "object": "model", "created": 0, "owned_by": "banshi"} for i in ids]}


@router.post("/chat/completions")
def chat_completions(req: ChatRequest, request: Request, user: User = Depends(current_user),
                     db: Session = Depends(get_db), engine: ChatEngine = Depends(get_engine),
                     settings: Settings = Depends(settings_dep)):  # type: ignore[no-untyped-def]
    if req.model not in (ASSISTANT, engine.backend.id):
        raise NotFound(f"model {req.model!r} does not exist; GET /v1/models lists them", code="model_not_found")
    messages = to_messages(req, settings, getattr(engine.backend, "sees_images", False))
    thread, recall = None, None
    reply, errand, stored = "", False, {}
    if req.model == ASSISTANT:
        use_memory = req.memory and req.store is not False and request.headers.get("x-banshi-memory") != "off"
        thread = threads.record_request(engine, db, user, messages) if use_memory else None
        messages, recall = assistant_prompt(engine, db, user, messages, memory=use_memory, conversation=thread)
        reply = recall.reply if recall else ""
        db.commit()  # the answer is stored from another session: hold no lock while it streams
    cancel = threading.Event()
    if thread is not None and not req.tools and engine.dispatcher is not None and not reply:
        # the service agents, as in a web conversation: reads answer from their data, writes
        # wait as pending actions (/api/actions) for the user's confirmation
        from banshi.agents.dispatcher import dispatch_turn

        dispatched = dispatch_turn(engine.dispatcher, user.id, thread.id, messages, cancel=cancel,
                                   follow_up=not (recall and recall.about_user))
        messages, reply, errand = dispatched.prompt(messages), dispatched.reply, dispatched.handled
        stored = {"dispatch": dispatched.meta()} if errand else {}  # kept with the answer, as in the web UI
    kwargs = dict(tools=req.tools or None, schema=_schema(req), cancel=cancel, think=req.enable_thinking,
                  max_tokens=req.max_completion_tokens or req.max_tokens or settings.max_tokens,
                  temperature=settings.temperature if req.temperature is None else req.temperature)
    cid, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())

    def model() -> Iterator[Delta | Completion]:
        if req.tools or _schema(req):
            return engine.backend.stream(messages, **kwargs)
        begun, start = context.begin_answer(engine.backend, messages, None if req.enable_thinking else recall)
        return context.begun(start, engine.backend.stream(begun, **kwargs))

    if reply:
        items: Iterator[Delta | Completion] = iter([Delta(text=reply), Completion(text=reply)])
    elif req.model == ASSISTANT and not errand and not req.tools and not _schema(req):
        # as in a web conversation, a math problem (typed, or a photo sent to be solved) goes to
        # the checked homework solver, a picture asked for is drawn and kept among the caller's files
        asked = next((m.content for m in reversed(req.messages) if m.role == "user"), None)
        query, photos = _text(asked), _images(asked, settings)
        steps = (route.photo_answer(engine.backend, photos[0], cancel=cancel, settings=settings)
                 if len(photos) == 1 and route.solves_photo(query) else
                 route.answer(engine.backend, query, model, cancel=cancel, settings=settings, user_id=user.id,
                              earlier=route.earlier_question(messages)))
        items = (i for i in steps if not isinstance(i, dict))
    else:
        items = model()
    if req.stream:
        if thread is not None:
            items = threads.tee_reply(items, settings, engine, thread.id, stored)
        chunks = _chunks(items, cid, created, req.model)
        return StreamingResponse(sse(chunks, cancel, done="[DONE]"), media_type="text/event-stream", headers=HEADERS)
    done = next(i for i in items if isinstance(i, Completion))
    if thread is not None:
        threads.record_reply(settings, engine, thread.id, done.text, stored)
    message: dict[str, Any] = Message("assistant", done.text, tool_calls=done.tool_calls).to_openai()
    if done.reasoning:
        message["reasoning_content"] = done.reasoning
    return {
        "id": cid, "object": "chat.completion", "created": created, "model": req.model,
        "choices": [{"index": 0, "message": message, "finish_reason": _finish(done)}],
        "usage": _usage(done),
    }


def _finish(done: Completion) -> str:
    return "tool_calls" if done.tool_calls else ("length" if done.finish_reason == "length" else "stop")


def _usage(done: Completion) -> dict[str, int]:
    u = done.usage
    return {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
            "total_tokens": u.prompt_tokens + u.completion_tokens}


def _chunks(items: Iterator[Delta | Completion], cid: str, created: int, model: str) -> Iterator[dict]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict:
        return {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    yield chunk({"role": "assistant", "content": ""})
    for item in items:
        if isinstance(item, Delta):
            if item.reasoning:
                yield chunk({"reasoning_content": item.reasoning})
            if item.text:
                yield chunk({"content": item.text})
        else:
            if item.tool_calls:
                calls = Message("assistant", tool_calls=item.tool_calls).to_openai()["tool_calls"]
                yield chunk({"tool_calls": [{"index": i, **c} for i, c in enumerate(calls)]})
            yield {**chunk({}, _finish(item)), "usage": _usage(item)}
