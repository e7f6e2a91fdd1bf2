"""Questions about files go through memory's index: chunks indexed at upload (a short file
embedded then, a long one by the memory worker or the first question), searched only in the
files asked about, never shown by memory, and gone when the file is deleted."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from banshi.api.auth import local_user
from banshi.media import docqa
from banshi.media.files import FileStore
from banshi.memory import index
from banshi.memory.tables import MemoryDoc, MemoryFile, MemoryJob, MemoryVector
from banshi.store.db import session_scope
from banshi.store.tables import Conversation, Message

from .makers import text_pdf

PAGES = ["The cafeteria opens at eight in the morning.",
         "Parking permits are issued by the facilities office on the second floor.",
         "公司年会定于十二月二十日在北京举行。",
         "I adopted a small grey cat called Pixel."]


def _upload(client: TestClient, name: str, data: bytes) -> str:
    r = client.post("/v1/files", files={"file": (name, data)})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def _store(settings) -> FileStore:  # type: ignore[no-untyped-def]
    with session_scope(settings) as db:
        return FileStore(settings, local_user(db).id)


def _counts(settings, file_id: str) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    """(index rows, vectors, pending embed jobs) of the file's chunks."""
    with session_scope(settings) as db:
        conv = db.scalar(select(MemoryFile.conversation_id).where(MemoryFile.file_id == file_id))
        ids = select(MemoryDoc.message_id).where(MemoryDoc.conversation_id == conv)
        return (db.scalar(select(func.count()).select_from(MemoryDoc).where(MemoryDoc.conversation_id == conv)),
                db.scalar(select(func.count()).select_from(MemoryVector).where(MemoryVector.message_id.in_(ids))),
                db.scalar(select(func.count()).select_from(MemoryJob).where(MemoryJob.message_id.in_(ids))))


def test_a_short_file_is_indexed_and_embedded_at_upload_and_searched_by_memorys_index(client, settings):
    fid = _upload(client, "handbook.pdf", text_pdf(PAGES))
    assert _counts(settings, fid) == (4, 4, 0)  # before any question
    store = _store(settings)
    files = docqa.load([fid], store)
    for question, page in [("where do I get a parking permit", "page 2"), ("年会在哪里举行", "page 3"),
                           ("kitten pet", "page 4")]:  # the last shares no word: found by meaning
        hits = docqa.search(question, files, store, limit=2)
        assert hits[0][0] == fid and hits[0][1].location == page, question
        assert hits[0][1].source == "handbook.pdf"


def test_a_long_file_is_embedded_by_the_worker_or_by_the_first_question(client, settings, fake, monkeypatch):
    monkeypatch.setattr(docqa, "EMBED_AT_UPLOAD", 2)  # this 4-page file counts as long
    from banshi.memory import worker

    worker.stop(settings)  # the test drains the queue itself
    fid = _upload(client, "handbook.pdf", text_pdf(PAGES))
    assert _counts(settings, fid) == (4, 0, 4)  # keyword-searchable at once, vectors queued
    from banshi.memory import get_memory

    assert get_memory(settings).process_pending(model=False) == 4  # the worker's own path
    assert _counts(settings, fid) == (4, 4, 0)

    other = _upload(client, "second.pdf", text_pdf(PAGES))
    assert _counts(settings, other) == (4, 0, 4)
    fake.enqueue("Pixel [1].")  # asked at once: the question embeds what the worker has not reached
    r = client.post(f"/v1/files/{other}/ask", json={"question": "kitten pet", "limit": 1}).json()
    assert r["citations"][0]["location"] == "page 4"
    assert _counts(settings, other) == (4, 4, 0)


def test_vectors_are_computed_once(client, settings, fake, monkeypatch):
    fid = _upload(client, "report.pdf", text_pdf(["Intro page", "The hotel costs 4800 yuan in total."]))
    fake.enqueue("4800 yuan [1].")
    assert client.post(f"/v1/files/{fid}/ask", json={"question": "How much is the hotel?"}).status_code == 200
    monkeypatch.setattr(index, "embed_messages", lambda *a, **k: pytest.fail("the chunks were embedded again"))
    fake.enqueue("4800 yuan [1].")
    body = client.post(f"/v1/files/{fid}/ask", json={"question": "How much is the hotel?"}).json()
    assert body["citations"][0]["location"] == "page 2" and "4800" in body["citations"][0]["quote"]


def test_memory_never_shows_document_chunks(client, settings):
    fid = _upload(client, "locker.txt", b"The locker code for the gym is 4711.")
    client.post("/api/memory", json={"text": "I like green tea"})
    body = client.get("/api/memory/search", params={"q": "locker code gym"}).json()
    assert all("4711" not in str(r) for r in body["results"])
    assert client.get("/api/memory/export").json()["messages_indexed"] is False
    assert client.get("/api/conversations").json()["data"] == []  # the file's chunks are no conversation
    with session_scope(settings) as db:
        uid = local_user(db).id
        assert index.search(db, "locker code gym", user_id=uid) == []
        from banshi.memory import get_memory

        recalled = get_memory(settings).recall(db, user_id=uid, conversation=None, query="what is the locker code?")
        assert recalled is None or "4711" not in recalled.text
    assert client.delete("/api/memory").status_code == 204  # forgetting memory keeps the user's files
    store = _store(settings)
    assert "4711" in docqa.search("locker code", docqa.load([fid], store), store)[0][1].text


def test_deleting_a_file_takes_its_chunks_out_of_the_index(client, settings):
    keep = _upload(client, "keep.txt", b"The warranty lasts two years.")
    fid = _upload(client, "gone.pdf", text_pdf(PAGES))
    with session_scope(settings) as db:
        conv = db.scalar(select(MemoryFile.conversation_id).where(MemoryFile.file_id == fid))
    assert client.delete(f"/v1/files/{fid}").status_code == 200
    with session_scope(settings) as db:
        assert db.get(Conversation, conv) is None
        assert db.scalar(select(func.count()).select_from(Message).where(Message.conversation_id == conv)) == 0
        assert db.scalar(select(func.count()).select_from(MemoryDoc).where(MemoryDoc.conversation_id == conv)) == 0
        assert db.scalar(select(func.count()).select_from(MemoryFile)) == 1
        if db.get_bind().dialect.name == "sqlite":  # the keyword index itself
            assert db.execute(text("SELECT count(*) FROM memory_fts")).scalar() == 1
    assert _counts(settings, keep)[0] == 1


def test_a_bad_document_is_uploaded_and_its_question_says_why(client, settings):
    fid = _upload(client, "junk.pdf", b"%PDF-1.7\n garbage")
    with session_scope(settings) as db:
        assert db.scalar(select(MemoryFile).where(MemoryFile.file_id == fid)) is None
    r = client.post(f"/v1/files/{fid}/ask", json={"question": "what?"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_document"


def test_each_statement_is_marked_by_the_excerpt_that_holds_it():
    """The local model marked a lease's deposit [2] (the excerpt about the flat), left most answers
    unmarked, and a question the lease does not answer must cite nothing."""
    from banshi.media.docqa import Prepared
    from banshi.messages import Message

    texts = ["甲方将位于北京市朝阳区的房屋出租给乙方使用，建筑面积78平方米。",
             "月租金为人民币6800元，按季度支付。押金为两个月租金，即13600元，租赁期满无损坏时全额退还。",
             "水费、电费、燃气费由乙方承担；物业费和供暖费由甲方承担。"]
    sources = [{"n": i, "location": f"§ {i}", "quote": t} for i, t in enumerate(texts, 1)]
    prepared = Prepared([Message("user", "q")], sources, "zh", texts)
    text, cited = prepared.ground("押金为两个月租金，即13600元。[1]租赁期满无损坏时全额退还。\n物业费由甲方承担")
    assert text == "押金为两个月租金，即13600元[2]。租赁期满无损坏时全额退还[2]。\n物业费由甲方承担[3]"
    assert [c["n"] for c in cited] == [2, 3]
    assert prepared.ground("合同里没有提到能不能养宠物。[1]") == ("合同里没有提到能不能养宠物。", [])
    unsourced = "可以随时入住。\n\n（文档的摘录里找不到这个回答的出处，请核对原文。）"
    assert prepared.ground("可以随时入住。") == (unsourced, [])
    assert prepared.ground("The deposit is 13600 yuan.") == ("The deposit is 13600 yuan [2].", [sources[1]])
    prepared.question = "电费谁付？"
    assert prepared.ground("乙方。") == ("乙方[3]。", [sources[2]])  # 乙方 is in all three: the one about 电费
