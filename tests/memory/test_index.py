from datetime import datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import event, select

from banshi.memory import index
from banshi.store.db import session_scope
from banshi.store.tables import Message
from tests.memory.conftest import drain, make_user

NOW = datetime(2026, 11, 29, 12, 0)


def test_keyword_search_sees_a_message_at_once(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "我的车停在B2层的37号车位"}], user_id=uid)
    with session_scope(store) as db:  # no embeddings yet: keyword search alone finds it
        hits = index.search(db, "车位在哪", user_id=uid, limit=3)
        assert hits and "37号" in hits[0].content


def test_hybrid_search_finds_by_meaning_after_embedding(store, memory):
    uid = make_user(store, "a")
    memory.add(
        [
            {"role": "user", "content": "I adopted a small grey cat called Pixel"},
            {"role": "user", "content": "The quarterly report is due on Friday"},
        ],
        user_id=uid,
    )
    drain(memory)
    with session_scope(store) as db:
        hits = index.search(db, "kitten pet", user_id=uid, limit=2)
        assert "Pixel" in hits[0].content and hits[0].keyword_rank is None and hits[0].dense_rank == 0


def test_time_words_prefer_messages_of_that_period(store, memory):
    uid = make_user(store, "a")
    memory.add(
        [
            {"role": "user", "content": "We had dinner at the noodle place", "created_at": NOW - timedelta(days=200)},
            {"role": "user", "content": "We had dinner at the pizza place", "created_at": NOW - timedelta(days=8)},
        ],
        user_id=uid,
    )
    drain(memory)
    with session_scope(store) as db:
        hits = index.search(db, "where did we have dinner last week", user_id=uid, limit=2, now=NOW)
        assert "pizza" in hits[0].content
        hits = index.search(db, "上周吃了什么", user_id=uid, limit=2, now=NOW)  # no shared word: the period alone
        assert hits and "pizza" in hits[0].content


def test_search_never_crosses_users(store, memory):
    alice, bob = make_user(store, "alice"), make_user(store, "bob")
    memory.add([{"role": "user", "content": "my locker code is 4711"}], user_id=alice)
    memory.add([{"role": "user", "content": "my bike lock code is 9000"}], user_id=bob)
    drain(memory)
    with session_scope(store) as db:
        for query in ("locker code", "code", "4711"):
            assert all("9000" not in h.content for h in index.search(db, query, user_id=alice, limit=10))
            assert all("4711" not in h.content for h in index.search(db, query, user_id=bob, limit=10))


def test_removed_messages_are_not_found_even_from_the_vector_cache(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "my passport number is X1234567"}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        hit = index.search(db, "passport number", user_id=uid, limit=1)[0]
        index.remove(db, uid, [hit.message_id])
    with session_scope(store) as db:
        assert index.search(db, "passport number", user_id=uid, limit=5) == []


def test_an_old_message_with_a_rare_word_is_found_beyond_the_scored_cap(store, memory, monkeypatch):
    uid = make_user(store, "a")
    start = NOW - timedelta(days=400)
    msgs = [{"role": "user", "content": "coffee with the durian seller at the night market", "created_at": start}]
    msgs += [
        {"role": "user", "content": f"coffee number {i} this morning", "created_at": start + timedelta(days=i + 1)}
        for i in range(12)
    ]
    memory.add(msgs, user_id=uid)
    monkeypatch.setattr(index, "SCORED_ROWS", 12)  # only the 12 newest of 13 "coffee" rows get scored
    with session_scope(store) as db:
        found = index.keyword_search(db, uid, ["coffe", "durian"], limit=3)
        assert found, "the capped query found nothing"
        content = dict(db.execute(select(Message.id, Message.content).where(Message.id.in_(found))).all())
        assert "durian" in content[found[0]]


def test_the_vector_matrix_is_not_reread_while_nothing_new_was_embedded(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "my bike is a green Brompton"}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        index.search(db, "bike", user_id=uid, limit=3)  # loads the user's vectors
        seen: list[str] = []
        listen = lambda *a: seen.append(a[2])  # noqa: E731  (conn, cursor, statement, …)
        event.listen(db.get_bind(), "before_cursor_execute", listen)
        try:
            index.search(db, "bike", user_id=uid, limit=3)
        finally:
            event.remove(db.get_bind(), "before_cursor_execute", listen)
        assert seen and not [s for s in seen if "memory_vectors" in s]
    memory.add([{"role": "user", "content": "the Brompton's tyres are new"}], user_id=uid)
    drain(memory)  # a commit of new vectors: the next search reads them
    with session_scope(store) as db:
        ids, _ = index.VECTORS.get(db, uid)
        assert len(ids) == 2


def test_messages_of_the_person_the_question_names_come_first(store, memory):
    uid = make_user(store, "a")
    memory.add(
        [
            {"role": "user", "content": "I started learning the cello", "speaker": "Nadia"},
            {"role": "assistant", "content": "I started learning the cello too", "speaker": "Tomas"},
        ],
        user_id=uid,
    )
    drain(memory)
    with session_scope(store) as db:
        for who in ("Nadia", "Tomas"):
            hits = index.search(db, f"What instrument did {who} start learning?", user_id=uid, limit=2, now=NOW)
            assert [h.role for h in hits][0] == ("user" if who == "Nadia" else "assistant")


def _stored_vector(settings, message_id: str):  # type: ignore[no-untyped-def]
    from banshi.memory.tables import MemoryVector

    with session_scope(settings) as db:
        blob = db.scalar(select(MemoryVector.vector).where(MemoryVector.message_id == message_id))
        return None if blob is None else index.from_blob(blob)


@pytest.mark.parametrize("how", ["forget_message", "forget_in_chat", "edit"])
def test_an_answer_is_embedded_with_its_question_and_again_when_that_is_forgotten_or_edited(store, memory, how):
    embedded: list[str] = []
    real = memory.embed

    def recording(texts, kind="passage"):  # type: ignore[no-untyped-def]
        embedded.extend(texts)
        return real(texts, kind)

    memory._embed = recording
    uid = make_user(store, "a")
    cid = memory.add(
        [
            {
                "role": "user",
                "content": "My address is 12 Baker Street, London. Which pharmacy is closest to 12 Baker Street?",
            },
            {"role": "assistant", "content": "The closest one is Boots on Marylebone Road."},
        ],
        user_id=uid,
    )
    drain(memory)
    with session_scope(store) as db:
        said, answer = db.scalars(select(Message).where(Message.conversation_id == cid).order_by(Message.seq)).all()
        said_id, answer_id = said.id, answer.id
    # the answer with the question it answers, not with the rest of that turn
    assert "Which pharmacy is closest to 12 Baker Street?\nThe closest one is Boots on Marylebone Road." in embedded
    before = _stored_vector(store, answer_id)
    embedded.clear()
    if how == "forget_message":
        with session_scope(store) as db:
            memory.forget_message(db, said_id, user_id=uid)
    elif how == "forget_in_chat":
        memory.add([{"role": "user", "content": "Forget my address."}], user_id=uid)
    else:  # the user edited the message: the answer's vector follows the new words
        with session_scope(store) as db:
            msg = db.get(Message, said_id)
            msg.content = "My address is 7 Elm Road, Leeds. Which pharmacy is closest to 7 Elm Road?"
            index.reindex(db, msg)
    drain(memory)
    after = _stored_vector(store, answer_id)
    assert after is not None and not np.allclose(after, before, atol=1e-3)
    assert not any("Baker" in t for t in embedded), embedded
    if how == "edit":
        assert any("Elm Road" in t and "Boots" in t for t in embedded)
    else:
        alone = real(["The closest one is Boots on Marylebone Road."], "passage")[0]
        assert np.allclose(after, alone, atol=2e-3)  # the answer alone now: nothing of the forgotten turn


def test_a_statement_is_embedded_alone_after_an_answer_that_asked_nothing(store, memory):
    embedded: list[str] = []
    real = memory.embed
    memory._embed = lambda texts, kind="passage": (embedded.extend(texts), real(texts, kind))[1]
    uid = make_user(store, "a")
    memory.add(
        [
            {"role": "user", "content": "My favourite fruit is mango."},
            {"role": "assistant", "content": "Noted: mango. Anything else?"},
            {"role": "user", "content": "I live in Berlin."},
            {"role": "assistant", "content": "Berlin is lovely."},
            {"role": "user", "content": "I work as a radiologist."},
        ],
        user_id=uid,
    )
    drain(memory)
    assert "Anything else?\nI live in Berlin." in embedded  # the question it answers, nothing more
    assert "I work as a radiologist." in embedded and not any("mango" in t and "Berlin" in t for t in embedded)


def test_when_question_prefers_the_message_that_says_when(store, memory, monkeypatch):
    uid = make_user(store, "a")
    memory.add(
        [
            {"role": "user", "content": "I started pottery last Saturday", "created_at": NOW - timedelta(days=9)},
            {
                "role": "user",
                "content": "Pottery is so calming, I love my pottery teacher",
                "created_at": NOW - timedelta(days=2),
            },
        ],
        user_id=uid,
    )
    with session_scope(store) as db:  # keyword search alone (no vectors yet): the order is the boosts'
        hits = index.search(db, "When did I do pottery?", user_id=uid, limit=2, now=NOW)
        assert "last Saturday" in hits[0].content
        # a question that does not ask when keeps the plain keyword order
        hits = index.search(db, "What do I love about pottery?", user_id=uid, limit=2, now=NOW)
        assert "teacher" in hits[0].content


def test_a_named_day_finds_what_was_told_that_week(store, memory):
    uid = make_user(store, "a")
    day = datetime(2022, 3, 16, 18, 0)
    memory.add(
        [
            {"role": "user", "content": "Bowling tonight with the team", "created_at": day - timedelta(days=60)},
            {
                "role": "user",
                "content": "Yesterday I went bowling and got 2 strikes",
                "created_at": day + timedelta(days=1),
            },
            {"role": "user", "content": "Bowling again, no strikes", "created_at": day + timedelta(days=30)},
        ],
        user_id=uid,
    )
    with session_scope(store) as db:
        hits = index.search(db, "What was I doing on March 16, 2022?", user_id=uid, limit=3, now=NOW)
        assert hits and "2 strikes" in hits[0].content  # no shared word: the week around the day alone
        hits = index.search(db, "Did I go bowling on 16 March 2022?", user_id=uid, limit=3, now=NOW)
        assert "2 strikes" in hits[0].content


def test_a_message_that_only_asks_ranks_below_one_that_tells(store, memory):
    uid = make_user(store, "a")
    told = {"role": "user", "content": "I do aerial yoga at the studio on Main Street"}
    memory.add([told, {"role": "assistant", "content": "Nice! What kind of yoga is it? Aerial yoga?"}], user_id=uid)
    with session_scope(store) as db:
        hits = index.search(db, "What kind of yoga do I do?", user_id=uid, limit=2, now=NOW)
        assert "Main Street" in hits[0].content
