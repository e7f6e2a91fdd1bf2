"""The files API: upload, list, delete, per-user isolation, questions with citations, map-reduce
summaries and minutes of a recording — the model is the scripted fake backend."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from banshi.config import get_settings
from banshi.media import docqa, documents, recordings

from .makers import docx_file, png, text_image, text_pdf


def _upload(client: TestClient, name: str, data: bytes) -> dict:
    r = client.post("/v1/files", files={"file": (name, data)}, data={"purpose": "assistants"})
    assert r.status_code == 200, r.text
    return r.json()


def test_upload_list_download_delete(client, settings):
    pdf = text_pdf(["The warranty lasts two years."])
    f = _upload(client, "warranty.pdf", pdf)
    assert f["object"] == "file" and f["kind"] == "pdf" and f["bytes"] == len(pdf) and f["id"].startswith("file-")
    assert [x["id"] for x in client.get("/v1/files").json()["data"]] == [f["id"]]
    assert client.get(f"/v1/files/{f['id']}/content").content == pdf
    text = client.get(f"/v1/files/{f['id']}/text").json()
    assert text["chunks"][0]["location"] == "page 1" and "two years" in text["chunks"][0]["text"]
    assert client.delete(f"/v1/files/{f['id']}").json()["deleted"] is True
    assert client.get(f"/v1/files/{f['id']}").status_code == 404
    assert client.get("/v1/files").json()["data"] == []
    assert list((settings.home / "files").rglob("file-*")) == []


def test_bad_ids_and_sizes(client, limits, settings):
    assert client.get("/v1/files/../../banshi.db").status_code == 404
    assert client.get("/v1/files/file-0123").status_code == 404
    assert client.post("/v1/files", files={"file": ("empty.txt", b"")}).json()["error"]["code"] == "empty_file"
    limits(max_upload_mb=1)
    r = client.post("/v1/files", files={"file": ("big.bin", b"\0" * (2 << 20))})
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    limits(max_upload_mb=5, max_user_files_mb=3)
    _upload(client, "a.bin", b"\1" * (2 << 20))
    r = client.post("/v1/files", files={"file": ("b.bin", b"\1" * (2 << 20))})
    assert r.status_code == 413 and r.json()["error"]["code"] == "quota_exceeded"
    assert len(client.get("/v1/files").json()["data"]) == 1
    assert not list((settings.home / "files").rglob(".upload.*"))


def test_bad_documents_give_clear_errors_and_nothing_else_breaks(client, limits, tmp_path):
    limits(max_unpacked_mb=2)
    from .makers import zip_bomb_docx

    bomb = _upload(client, "bomb.docx", zip_bomb_docx(tmp_path / "b.docx", 10).read_bytes())
    r = client.get(f"/v1/files/{bomb['id']}/text")
    assert r.status_code == 413 and "zip bomb" in r.json()["error"]["message"]
    junk = _upload(client, "junk.pdf", b"%PDF-1.7\n garbage")
    r = client.post(f"/v1/files/{junk['id']}/ask", json={"question": "what?"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_document"
    photo = _upload(client, "big.jpg", b"\xff\xd8\xff\xe0" + b"\0" * (41 << 20))
    r = client.get(f"/v1/files/{photo['id']}/text")
    assert r.status_code == 413 and r.json()["error"]["code"] == "image_too_large"
    ok = _upload(client, "ok.txt", b"All good here.")
    assert client.get(f"/v1/files/{ok['id']}/text").status_code == 200


def test_photos_are_read_by_ocr(client):
    f = _upload(client, "receipt.png", png(text_image(["合计 ¥128.00", "Thank you"])))
    assert f["kind"] == "image"
    body = client.get(f"/v1/files/{f['id']}/text").json()
    assert any("128.00" in line["text"] for line in body["ocr"]["lines"])
    assert body["ocr"]["lines"][0]["box"] and "Thank you" in body["model_text"]


def test_each_user_sees_only_their_own_files(settings, monkeypatch):
    monkeypatch.setenv("BANSHI_MULTI_USER", "true")
    get_settings.cache_clear()
    from banshi.api.app import create_app

    app = create_app()

    def signed_in(name: str) -> TestClient:
        c = TestClient(app)
        assert c.post("/api/auth/register", json={"username": name, "password": "correct horse"}).status_code == 201
        assert c.post("/api/auth/login", json={"username": name, "password": "correct horse"}).status_code == 200
        return c

    ana, bo = signed_in("ana"), signed_in("bo")
    f = _upload(ana, "secret.txt", b"my PIN is 4321")
    assert bo.get("/v1/files").json()["data"] == []
    for method, path in [("get", f"/v1/files/{f['id']}"), ("get", f"/v1/files/{f['id']}/content"),
                         ("get", f"/v1/files/{f['id']}/text"), ("delete", f"/v1/files/{f['id']}")]:
        assert getattr(bo, method)(path).status_code == 404, path
    assert bo.post(f"/v1/files/{f['id']}/ask", json={"question": "PIN?"}).status_code == 404
    assert bo.post("/v1/files/ask", json={"file_ids": [f["id"]], "question": "PIN?"}).status_code == 404
    assert ana.get(f"/v1/files/{f['id']}/content").content == b"my PIN is 4321"
    assert TestClient(app).get("/v1/files").status_code == 401


def test_questions_are_answered_with_citations(client, fake, tmp_path):
    plan = _upload(client, "plan.docx", docx_file(tmp_path / "plan.docx").read_bytes())
    deck = _upload(client, "report.pdf", text_pdf(["Intro page", "The hotel costs 4800 yuan in total."]))
    fake.enqueue("The hotel costs 4800 yuan [1].")
    r = client.post("/v1/files/ask", json={"file_ids": [plan["id"], deck["id"]],
                                           "question": "How much is the hotel?"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["answer"] == "The hotel costs 4800 yuan [1]."
    assert len(body["citations"]) == 1 and "4800" in body["citations"][0]["quote"]
    assert body["citations"][0]["source"] in ("plan.docx", "report.pdf")
    prompt = fake.calls[-1]["messages"][-1].content
    assert "[1] (" in prompt and "How much is the hotel?" in prompt
    fake.enqueue("五月三日出发 [1]。")
    r = client.post(f"/v1/files/{plan['id']}/ask", json={"question": "我们哪天出发？"}).json()
    assert r["citations"] and r["citations"][0]["location"].startswith("§ 时间安排, paragraphs")
    assert "中文" in fake.calls[-1]["messages"][0].content


def test_long_documents_are_summarised_by_map_reduce_within_budget(client, fake, limits):
    s = limits(context_tokens=900)
    text = "\n\n".join(f"Section {i}. " + f"The committee reviewed item {i} in detail. " * 12 for i in range(30))
    f = _upload(client, "minutes.txt", text.encode())
    fake.queue.extend([f"part {i}" for i in range(40)])
    r = client.post(f"/v1/files/{f['id']}/summary", json={}).json()
    assert r["calls"] > 2 and not r["partial"]
    budget = s.context_tokens
    for call in fake.calls:
        assert sum(fake.count_tokens(m.content) for m in call["messages"]) <= budget
    assert "Combine them" in fake.calls[-1]["messages"][0].content


def test_summary_of_a_very_long_document_is_bounded(settings, fake, limits):
    s = limits(context_tokens=300)
    doc = documents.Document("huge.txt", "txt", [documents.Chunk("word " * 200, f"lines {i}", "huge.txt", i)
                                                 for i in range(200)])
    fake.queue.extend(["note"] * 200)
    out = docqa.summarise(doc, s, fake)
    assert out.partial and out.calls <= docqa.MAX_MAP_CALLS + 4


def test_recording_to_minutes(client, fake, clips, monkeypatch):
    f = _upload(client, "meeting.wav", clips["en"].read_bytes())
    assert f["kind"] == "audio"
    with client.stream("POST", f"/v1/files/{f['id']}/transcript", json={"language": "en", "stream": True}) as r:
        assert r.status_code == 200
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert events[0]["type"] == "transcript.progress" and events[-2]["fraction"] == 1.0
    assert events[-1]["type"] == "transcript.done" and "table" in events[-1]["text"].lower()
    from banshi.media import asr

    monkeypatch.setattr(asr, "get_transcriber", lambda _: pytest.fail("the kept transcript was not used"))
    fake.enqueue(json.dumps({"summary": "Booking dinner.", "decisions": ["Dinner for two at seven"],
                             "action_items": [{"task": "Book the table", "owner": "Ana", "due": "tonight"}]}))
    r = client.post(f"/v1/files/{f['id']}/minutes", json={"language": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["decisions"] == ["Dinner for two at seven"]
    assert body["action_items"] == [{"task": "Book the table", "owner": "Ana", "due": "tonight"}]
    assert body["transcript"]["segments"] and "table" in body["transcript"]["text"].lower()
    call = fake.calls[-1]
    assert call["schema"] == recordings.MINUTES_SCHEMA
    assert "[00:00:00]" in call["messages"][-1].content
    # the transcript was kept from the streamed run; bad JSON from the model is a clear error
    fake.enqueue("sorry, I cannot")
    r = client.post(f"/v1/files/{f['id']}/minutes", json={"language": "en"})
    assert r.status_code == 503 and r.json()["error"]["code"] == "bad_model_output"
    r = client.post(f"/v1/files/{f['id']}/ask", json={"question": "x"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "wrong_kind"


@pytest.mark.parametrize("reply", ['```json\n{"summary": "s", "decisions": [], "action_items": ["call Bo"]}\n```',
                                   'Here: {"summary": "s", "decisions": ["d"], "action_items": []}'])
def test_minutes_json_is_parsed_leniently(reply):
    m = recordings.parse_minutes(reply)
    assert m.summary == "s"


def test_long_recordings_are_condensed_before_the_minutes(settings, limits):
    from banshi.media.asr import Segment, Transcript
    from banshi.models.fake import FunctionBackend

    s = limits(context_tokens=800)
    segs = [Segment(i, i * 10.0, i * 10.0 + 9, f"Point number {i}: we agreed on item {i} and more words here.")
            for i in range(120)]
    t = Transcript(" ".join(x.text for x in segs), "en", 1200.0, segs)
    minutes_json = json.dumps({"summary": "ok", "decisions": [], "action_items": []})
    model = FunctionBackend(lambda messages, schema=None, **_: minutes_json if schema else "[00:00:10] notes")
    m = recordings.minutes(t, s, model)
    assert m.calls > 2 and m.summary == "ok"
    assert [c["schema"] is not None for c in model.calls] == [False] * (m.calls - 1) + [True]
    for call in model.calls:
        assert sum(model.count_tokens(x.content) for x in call["messages"]) <= s.context_tokens
