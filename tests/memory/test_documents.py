"""Document chunks in memory's index, on SQLite and PostgreSQL: searched only in their scope
(never another user's), never returned by memory's own search or recall."""

from __future__ import annotations

from sqlalchemy import select

from banshi.media import docqa
from banshi.media.files import FileStore
from banshi.memory import index
from banshi.memory.tables import MemoryDoc
from banshi.store.db import session_scope
from tests.memory.conftest import drain, make_user


def _file(store_settings, uid: str, text: str) -> tuple[FileStore, str, str]:  # type: ignore[no-untyped-def]
    files = FileStore(store_settings, uid)
    fid = files.save_bytes("notes.txt", text.encode()).id
    conv = docqa.index_file(files, fid)
    docqa.embed_file(files, [conv])
    return files, fid, conv


def test_document_chunks_are_searched_only_in_scope(store, memory):
    alice, bob = make_user(store, "alice"), make_user(store, "bob")
    memory.add([{"role": "user", "content": "my locker code at the gym is 4711"}], user_id=alice)
    drain(memory)
    _, _, a_conv = _file(store, alice, "The safe code in the hotel room is 9000.")
    _, _, b_conv = _file(store, bob, "The bike lock code is 5555.")
    with session_scope(store) as db:
        # memory's own search: the chat message, never the document
        hits = index.search(db, "code", user_id=alice, limit=10)
        assert [h.role for h in hits] == ["user"] and "4711" in hits[0].content
        # a question about the file: its chunk only, not the chat nor the other user's file
        hits = index.search(db, "code", user_id=alice, limit=10, scope=[a_conv])
        assert [h.role for h in hits] == [index.DOCUMENT] and "9000" in hits[0].content
        assert index.search(db, "bike lock code", user_id=alice, limit=10, scope=[b_conv]) == []
        assert index.search(db, "bike lock code", user_id=bob, limit=10, scope=[a_conv]) == []
        # dense alone (no keyword in common) keeps to the scope as well
        hits = index.search(db, "strongbox combination", user_id=alice, limit=10, scope=[a_conv])
        assert hits and all(h.conversation_id == a_conv for h in hits)


def test_recall_never_quotes_a_document_as_said_by_the_user(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "I moved to Lisbon last spring"}], user_id=uid)
    drain(memory)
    _file(store, uid, "Our Berlin office address is Friedrichstrasse 12, where the team meets.")
    with session_scope(store) as db:
        found = memory.search(db, "Berlin office address", user_id=uid)["results"]
        assert all("Friedrichstrasse" not in str(r) for r in found)
        recalled = memory.recall(db, user_id=uid, conversation=None, query="What is the Berlin office address?")
        assert recalled is None or "Friedrichstrasse" not in recalled.text


def test_deleting_the_file_removes_its_rows(store, memory):
    uid = make_user(store, "a")
    files, fid, conv = _file(store, uid, "The warranty lasts two years.")
    files.delete(fid)
    with session_scope(store) as db:
        assert db.scalar(select(MemoryDoc.id).where(MemoryDoc.conversation_id == conv)) is None
        assert index.search(db, "warranty", user_id=uid, scope=[conv]) == []
