"""A question about attached files is a normal conversation turn: the user's message keeps the
attachment references, the answer is streamed and stored with its citations, both are there
after a reload and in the export, and regenerate answers from the files again."""

from __future__ import annotations

import io
import json
import wave

from banshi.models.fake import ScriptedBackend
from tests.api.test_conversations import new, send
from tests.media.makers import text_pdf


def _upload(client, name: str, data: bytes) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/v1/files", files={"file": (name, data)})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _report(client) -> str:  # type: ignore[no-untyped-def]
    return _upload(client, "report.pdf", text_pdf(["Intro page", "The hotel costs 4800 yuan in total."]))


def test_the_question_and_the_cited_answer_are_stored(client, fake: ScriptedBackend):
    fid = _report(client)
    cid = new(client)
    fake.enqueue("The hotel costs 4800 yuan [1].")
    evs = send(client, cid, "How much is the hotel?", attachments=[fid])
    assert evs[0]["type"] == "user"
    assert evs[0]["message"]["meta"]["attachments"] == [{"id": fid, "filename": "report.pdf", "kind": "pdf"}]
    assert "".join(e["text"] for e in evs if e["type"] == "text") == "The hotel costs 4800 yuan [1]."
    done = evs[-1]["message"]
    assert evs[-1]["type"] == "done" and done["meta"]["citations"][0]["location"] == "page 2"
    prompt = fake.calls[-1]["messages"]
    assert "[1] (report.pdf, page 2)" in prompt[-1].content and "How much is the hotel?" in prompt[-1].content

    conv = client.get(f"/api/conversations/{cid}").json()  # after a reload
    user, answer = conv["messages"]
    assert (user["content"], user["meta"]["attachments"][0]["filename"]) == ("How much is the hotel?", "report.pdf")
    assert answer["content"] == "The hotel costs 4800 yuan [1]."
    assert "4800" in answer["meta"]["citations"][0]["quote"] and answer["meta"]["excerpts"]
    exported = json.loads(client.get(f"/api/conversations/{cid}/export?format=json").text)
    assert exported["messages"][1]["meta"]["citations"] == answer["meta"]["citations"]
    md = client.get(f"/api/conversations/{cid}/export?format=md").text
    assert "**user** (" in md and "— report.pdf:" in md and "> [1] report.pdf, page 2: The hotel costs 4800" in md
    assert conv["title"] == "How much is the hotel?"


def test_regenerate_answers_from_the_files_again_and_a_follow_up_is_plain_chat(client, fake: ScriptedBackend):
    fid = _report(client)
    cid = new(client)
    fake.enqueue("4800 yuan [1].")
    send(client, cid, "How much is the hotel?", attachments=[fid])
    fake.enqueue("It costs 4800 yuan [1].")
    with client.stream("POST", f"/api/conversations/{cid}/regenerate", json={}) as r:
        assert r.status_code == 200
        r.read()
    assert "[1] (report.pdf, page 2)" in fake.calls[-1]["messages"][-1].content
    msgs = client.get(f"/api/conversations/{cid}").json()["messages"]
    assert [m["content"] for m in msgs] == ["How much is the hotel?", "It costs 4800 yuan [1]."]
    assert msgs[1]["meta"]["citations"]

    fake.enqueue("You're welcome.")
    send(client, cid, "Thanks!")
    prompt = fake.calls[-1]["messages"]
    assert not any("Excerpts:" in m.content for m in prompt)  # a normal turn, with the history
    assert [m.content for m in prompt[-3:]] == ["How much is the hotel?", "It costs 4800 yuan [1].", "Thanks!"]


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 1600)
    return out.getvalue()


def test_bad_attachments_are_refused_before_anything_is_stored(client, fake: ScriptedBackend):
    cid = new(client)
    r = client.post(f"/api/conversations/{cid}/messages",
                    json={"content": "what?", "attachments": ["file-0123456789abcdef01234567"]})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # a recording alone gets its minutes (tests/chat/test_skills_in_chat.py); beside another file it
    # is refused: it holds no text to quote
    audio, notes = _upload(client, "meeting.wav", _wav()), _upload(client, "notes.txt", b"Agenda: the launch.")
    r = client.post(f"/api/conversations/{cid}/messages", json={"content": "what?", "attachments": [audio, notes]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "wrong_kind"
    assert "on its own" in r.json()["error"]["message"]
    assert client.get(f"/api/conversations/{cid}").json()["messages"] == []
    assert fake.calls == []


def test_a_file_with_no_text_gets_a_plain_answer_not_a_model_call(client, fake: ScriptedBackend):
    fid = _upload(client, "blank.txt", b"   \n\n  ")
    cid = new(client)
    evs = send(client, cid, "What does it say?", attachments=[fid])
    assert evs[-1]["message"]["content"] == "The document has no text to answer from."
    assert fake.calls == []
