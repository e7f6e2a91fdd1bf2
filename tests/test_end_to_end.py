"""End to end on the real default model (Qwen2.5-Coder-1.5B, packaged): what a new user meets
first — the web API streams a Chinese answer to a Chinese question and keeps it, a fact told
earlier in the conversation is used, and any OpenAI client gets an answer from model ``banshi``."""

import json
import re

import openai
import pytest

from banshi.config import get_settings

pytestmark = pytest.mark.model


@pytest.fixture
def local(settings, monkeypatch):
    monkeypatch.setenv("BANSHI_BACKEND", "local")
    monkeypatch.setenv("BANSHI_MAX_TOKENS", "48")
    get_settings.cache_clear()
    return get_settings()


def turn(client, cid: str, text: str) -> list[dict]:
    with client.stream("POST", f"/api/conversations/{cid}/messages", json={"content": text}) as r:
        assert r.status_code == 200
        return [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]


def test_chinese_question_streams_a_chinese_answer_that_is_kept(local, client):
    cid = client.post("/api/conversations", json={}).json()["id"]
    events = turn(client, cid, "用一句话介绍一下长城。")
    pieces = [e["text"] for e in events if e["type"] == "text"]
    assert len(pieces) > 3, "the answer streams in pieces"
    answer = "".join(pieces)
    assert len(re.findall(r"[\u4e00-\u9fff]", answer)) > 5, answer
    stored = client.get(f"/api/conversations/{cid}").json()["messages"]
    assert stored[1]["content"] == answer and events[-1]["type"] == "done"


def test_a_fact_from_two_turns_ago_is_used(local, client):
    cid = client.post("/api/conversations", json={}).json()["id"]
    turn(client, cid, "My sister's name is Ingrid. Just say OK.")
    turn(client, cid, "What is 12 plus 30?")
    answer = "".join(e["text"] for e in turn(client, cid, "What is my sister's name?") if e["type"] == "text")
    assert "Ingrid" in answer


def test_openai_client_gets_an_answer_from_the_assistant(local, live_server):
    client = openai.OpenAI(base_url=f"{live_server}/v1", api_key="local")
    r = client.chat.completions.create(model="banshi", max_tokens=24,
                                       messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert "Paris" in r.choices[0].message.content
