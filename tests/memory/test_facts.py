from banshi.memory import extract, facts
from banshi.store.db import session_scope
from tests.memory.conftest import drain, make_user


def test_a_new_city_supersedes_the_old_one_and_keeps_history(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "我住在北京"}], user_id=uid)
    drain(memory)
    memory.add([{"role": "user", "content": "我搬到上海了"}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        cities = [f for f in memory.list_facts(db, user_id=uid, include_history=True) if f["attribute"] == "city"]
        assert {(f["value"], f["status"]) for f in cities} == {("上海", "active"), ("北京", "superseded")}
        current = next(f for f in cities if f["status"] == "active")
        assert [h["value"] for h in memory.get(db, current["id"], user_id=uid)["history"]] == ["北京"]


def test_repeated_facts_are_not_duplicated_and_likes_accumulate(store, memory):
    uid = make_user(store, "a")
    for text in ("I love hiking", "I love hiking.", "I love chess"):
        memory.add([{"role": "user", "content": text}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        likes = sorted(f["value"] for f in memory.list_facts(db, user_id=uid) if f["attribute"] == "likes")
        assert likes == ["chess", "hiking"]
        facts.remember(db, uid, extract.Fact("user", "dislikes", "chess"))  # changed their mind
        now = {(f["attribute"], f["value"]) for f in memory.list_facts(db, user_id=uid)}
        assert ("likes", "chess") not in now and ("dislikes", "chess") in now


def test_deleting_a_fact_also_drops_the_messages_that_said_it(store, memory):
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "My address is 12 Baker Street, London"},
                {"role": "assistant", "content": "Noted: 12 Baker Street, London."}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        fact = next(f for f in memory.list_facts(db, user_id=uid) if f["attribute"] == "address")
        memory.delete(db, fact["id"], user_id=uid)
    with session_scope(store) as db:
        assert memory.list_facts(db, user_id=uid, include_history=True) == []
        results = memory.search(db, "Baker Street address", user_id=uid)["results"]
        assert all("Baker" not in r["memory"] for r in results)
        recalled = memory.recall(db, user_id=uid, conversation=None, query="what is my address?")
        # nothing about it any more: the model is told it does not know (and not to guess)
        assert recalled is not None and "Baker" not in recalled.text and "don't know" in recalled.text
        assert recalled.sources == []


def test_an_errand_gives_the_model_no_facts_to_keep(store):
    """「帮我查一下明天从北京到上海的火车」 answered with trains: its cities are the errand's, not
    facts about the user (the model had kept "destination: 上海"). The same words answered as
    chat still go to the model."""
    import json

    from sqlalchemy import select

    from banshi.memory.service import Memory
    from banshi.models.fake import FunctionBackend
    from banshi.store.tables import Message

    answer = {"facts": [{"subject": "user", "attribute": "destination", "value": "上海"}]}
    backend = FunctionBackend(lambda *a, **k: json.dumps(answer))
    memory = Memory(store, llm=backend)
    uid = make_user(store, "a")
    asked = "帮我查一下明天从北京到上海的火车"
    for errand in (True, False):
        cid = memory.add([{"role": "user", "content": asked}, {"role": "assistant", "content": "G3229 …"}], user_id=uid)
        if errand:
            with session_scope(store) as db:
                reply = db.scalar(select(Message).where(Message.conversation_id == cid, Message.role == "assistant"))
                reply.meta = {"dispatch": {"services": ["tickets"], "tools": []}}
        while memory.process_pending(model=True):
            pass
        with session_scope(store) as db:
            kept = [f["value"] for f in memory.list_facts(db, user_id=uid)]
        assert kept == ([] if errand else ["上海"])
    assert len(backend.calls) == 1  # the errand was not even asked about


def test_forgetting_a_persons_attribute_keeps_the_rest_of_them(store, memory):
    """「忘掉乐乐的过敏信息」 had also deleted that 乐乐 is the user's son and his age."""
    uid = make_user(store, "a")
    memory.add([{"role": "user", "content": "我儿子叫乐乐，今年5岁，对牛奶过敏"}], user_id=uid)
    drain(memory)
    with session_scope(store) as db:
        gone = facts.forget(db, uid, extract.parse_forget("忘掉乐乐的过敏信息"))
        kept = {(f["subject"], f["attribute"]) for f in memory.list_facts(db, user_id=uid)}
    assert len(gone) == 1 and kept == {("乐乐", "relation"), ("乐乐", "age")}
