"""Photos go to a vision model as images: the files API against a real OpenAI-compatible HTTP
server on 127.0.0.1 that records each request — a Qwen-VL model gets the photo as an
``image_url`` data-URL part beside its OCR text; a text-only model gets the OCR text alone."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from banshi.config import Settings
from banshi.models.openai_compat import sees_images
from tests.models.test_openai_compat import chunk, serve

from .makers import png, text_image

REPLY = "The total is 128.00 [1]."


@pytest.fixture(scope="module")
def endpoint() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    requests: list[dict[str, Any]] = []
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> StreamingResponse:
        requests.append(await request.json())

        async def events() -> Any:
            yield chunk({"content": REPLY})
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    for url in serve(app):
        yield url, requests


def _use(limits, url: str, model: str, vision: str = "auto") -> None:  # type: ignore[no-untyped-def]
    limits(backend="openai", openai_base_url=url, openai_model=model, vision=vision)


def _ask(client, name: str, data: bytes, question: str) -> dict:  # type: ignore[no-untyped-def]
    f = client.post("/v1/files", files={"file": (name, data)}).json()
    r = client.post(f"/v1/files/{f['id']}/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


def _last_user(requests: list[dict[str, Any]]) -> Any:
    return [m for m in requests[-1]["messages"] if m["role"] == "user"][-1]["content"]


@pytest.fixture(scope="module")
def receipt() -> bytes:
    return png(text_image(["合计 ¥128.00", "Thank you"], size=40, width=1500))


def test_a_vision_model_gets_the_photo_beside_its_ocr_text(client, limits, endpoint, receipt):
    url, requests = endpoint
    _use(limits, url, "qwen2.5-vl-7b-instruct")
    answer = _ask(client, "receipt.png", receipt, "How much is the total?")
    assert answer["answer"] == REPLY and answer["citations"][0]["source"] == "receipt.png"
    parts = _last_user(requests)
    assert isinstance(parts, list) and [p["type"] for p in parts] == ["text", "image_url"]
    assert "128.00" in parts[0]["text"] and "How much is the total?" in parts[0]["text"]
    url_ = parts[1]["image_url"]["url"]
    assert url_.startswith("data:image/jpeg;base64,")
    from PIL import Image

    img = Image.open(io.BytesIO(base64.b64decode(url_.split(",", 1)[1])))
    assert img.format == "JPEG" and max(img.size) <= 1280  # downscaled from 1500 px wide
    assert "photo itself" in requests[-1]["messages"][0]["content"]


def test_a_text_model_gets_the_ocr_text_only(client, limits, endpoint, receipt):
    url, requests = endpoint
    _use(limits, url, "qwen3-8b")
    _ask(client, "receipt.png", receipt, "How much is the total?")
    content = _last_user(requests)
    assert isinstance(content, str) and "128.00" in content
    assert "image_url" not in json.dumps(requests[-1])


def test_the_setting_overrides_the_model_name(client, limits, endpoint, receipt):
    url, requests = endpoint
    _use(limits, url, "my-endpoint-model", vision="true")
    _ask(client, "receipt.png", receipt, "How much is the total?")
    assert [p["type"] for p in _last_user(requests)] == ["text", "image_url"]
    _use(limits, url, "qwen2.5-vl-7b-instruct", vision="false")
    _ask(client, "receipt.png", receipt, "How much is the total?")
    assert isinstance(_last_user(requests), str)


def test_documents_are_sent_as_text_even_to_a_vision_model(client, limits, endpoint):
    url, requests = endpoint
    _use(limits, url, "qwen-vl-max")
    _ask(client, "notes.txt", b"The warranty lasts two years.", "How long is the warranty?")
    content = _last_user(requests)
    assert isinstance(content, str) and "two years" in content


@pytest.mark.parametrize("model, sees", [
    ("qwen2.5-vl-7b-instruct", True), ("Qwen2-VL-7B", True), ("qwen-vl-max", True), ("qwen3-vl-plus", True),
    ("qvq-max", True), ("qwen-omni-turbo", True), ("qwen3", False), ("qwen2.5-7b-instruct", False),
    ("devlin-7b", False),
])
def test_vision_is_known_from_the_model_name(model, sees):
    assert sees_images(Settings(openai_model=model)) is sees


def test_a_photo_in_a_conversation_turn_reaches_the_vision_model(client, limits, endpoint, receipt):
    url, requests = endpoint
    _use(limits, url, "qwen2.5-vl-7b-instruct")
    from tests.api.test_conversations import new, send

    fid = client.post("/v1/files", files={"file": ("receipt.png", receipt)}).json()["id"]
    cid = new(client)
    evs = send(client, cid, "How much is the total?", attachments=[fid])
    assert evs[-1]["message"]["content"] == REPLY and evs[-1]["message"]["meta"]["citations"]
    assert [p["type"] for p in _last_user(requests)] == ["text", "image_url"]
