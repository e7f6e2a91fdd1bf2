"""Memory through the API, as a user meets it: chat, new conversations, control, isolation."""

import json
import threading

import pytest
from fastapi.testclient import TestClient

from banshi.config import get_settings
from banshi.memory import get_memory
from banshi.store.db import session_scope
from tests.memory.conftest import drain


def events(response) -> list[dict]:
    return [json.loads(line[5:]) for line in response.text.splitlines() if line.startswith("data:")]


def new(client, **body) -> str:
    return client.post("/api/conversations", json=body).json()["id"]


def send(client, cid: str, content: str) -> list[dict]:
    r = client.post(f"/api/conversations/{cid}/messages", json={"content": content})
    assert r.status_code == 200, r.text
    return events(r)


def system_of(fake, call: int = -1) -> str:
    return fake.calls[call]["messages"][0].content


def settle(settings) -> None:
    drain(get_memory(settings))


def test_a_fact_told_once_is_recalled_in_a_new_conversation_with_its_source(client, fake, settings):
    first = new(client)
    send(client, first, "我最喜欢的水果是芒果，我朋友小王最喜欢的水果是榴莲。")
    settle(settings)
    evs = send(client, new(client), "我朋友最喜欢什么水果？")
    prompt = system_of(fake)
    assert "芒果" in prompt and "榴莲" in prompt
    sources = next(e["sources"] for e in evs if e["type"] == "sources")
    assert any(s["type"] == "fact" and "榴莲" in s["text"] and s["label"].startswith("记忆来自") for s in sources)
    done = next(e for e in evs if e["type"] == "done")
    assert done["message"]["meta"]["sources"] == sources
    assert all(s["conversation_id"] == first for s in sources if s["type"] == "fact")


def test_recall_stays_within_its_budget(client, fake, settings):
    cid = new(client)
    for i in range(12):
        send(client, cid, f"My colleague number {i} is called Person{i} and likes project alpha {i}")
    settle(settings)
    send(client, new(client), "what do my colleagues like about project alpha?")
    prompt = system_of(fake)
    memory_part = prompt[prompt.index("Memory ("):]
    assert fake.count_tokens(memory_part) <= 160


def test_an_update_replaces_the_old_value_in_the_prompt(client, fake, settings):
    send(client, new(client), "I live in Berlin.")
    settle(settings)
    send(client, new(client), "I moved to Lisbon.")
    settle(settings)
    send(client, new(client), "Which city do I live in?")
    prompt = system_of(fake)
    assert "Lisbon" in prompt and "Berlin" not in prompt
    facts = client.get("/api/memory", params={"history": "true"}).json()["facts"]
    assert {(f["value"], f["status"]) for f in facts if f["attribute"] == "city"} == {
        ("Lisbon", "active"), ("Berlin", "superseded")}


def test_forget_from_chat_deletes_at_once_and_never_comes_back(client, fake, settings):
    cid = new(client)
    send(client, cid, "我的地址是北京市朝阳区建国路88号")
    settle(settings)
    assert any(f["attribute"] == "address" for f in client.get("/api/memory").json()["facts"])
    calls = len(fake.calls)
    said = "".join(e["text"] for e in send(client, cid, "忘掉我的地址") if e["type"] == "text")
    # memory confirms it itself, naming what went and not its value; the model is not asked
    assert said == "好的，已从记忆中删除：用户地址：…。" and len(fake.calls) == calls
    assert not any(f["attribute"] == "address" for f in client.get("/api/memory").json()["facts"])
    settle(settings)
    asked = len(fake.calls)
    said = "".join(e["text"] for e in send(client, new(client), "我的地址是什么？建国路") if e["type"] == "text")
    assert "建国路88号" not in said
    send(client, new(client), "说说建国路吧")  # no question about the user: the model is asked, memory searched
    assert len(fake.calls) > asked
    assert not any("建国路88号" in m.content for c in fake.calls[asked:] for m in c["messages"])
    hits = client.get("/api/memory/search", params={"q": "建国路 地址"}).json()["results"]
    assert all("建国路88号" not in h["memory"] for h in hits)


def test_forget_that_removes_the_last_fact(client, fake, settings):
    cid = new(client)
    send(client, cid, "My locker code is 4711. I'm allergic to peanuts.")
    settle(settings)
    send(client, cid, "Actually, forget that.")
    assert client.get("/api/memory").json()["facts"] == []


def test_incognito_neither_reads_nor_writes(client, fake, settings):
    send(client, new(client), "My favourite colour is teal.")
    settle(settings)
    secret = new(client, incognito=True)
    send(client, secret, "My favourite drink is mezcal. What is my favourite colour?")
    settle(settings)
    assert "teal" not in system_of(fake)  # not read
    assert not any("mezcal" in f["value"] for f in client.get("/api/memory").json()["facts"])  # not written
    found = client.get("/api/memory/search", params={"q": "mezcal"}).json()["results"]
    assert all("mezcal" not in r["memory"] for r in found)
    send(client, new(client), "What is my favourite drink?")
    assert "mezcal" not in system_of(fake)


def test_the_switch_turns_memory_off_and_on(client, fake, settings):
    send(client, new(client), "My favourite colour is teal.")
    settle(settings)
    assert client.put("/api/memory/settings", json={"enabled": False}).json() == {"enabled": False}
    send(client, new(client), "My favourite animal is the otter. What is my favourite colour?")
    settle(settings)
    assert "teal" not in system_of(fake)
    assert client.get("/api/memory/settings").json() == {"enabled": False}
    client.put("/api/memory/settings", json={"enabled": True})
    send(client, new(client), "What is my favourite colour or animal?")
    assert "teal" in system_of(fake) and "otter" not in system_of(fake)


def test_list_edit_delete_export_import(client, settings):
    created = client.post("/api/memory", json={"text": "My dentist is Dr Wu and I'm allergic to penicillin"})
    assert created.status_code == 201
    tea = {"subject": "user", "attribute": "favourite:tea", "value": "oolong"}
    fid = client.post("/api/memory", json=tea).json()["id"]
    assert client.patch(f"/api/memory/{fid}", json={"value": "pu-erh"}).json()["value"] == "pu-erh"
    exported = client.get("/api/memory/export")
    assert exported.headers["content-disposition"].startswith("attachment")
    data = exported.json()
    assert data["format"] == "banshi-memory" and {f["value"] for f in data["facts"]} >= {"pu-erh", "penicillin"}
    client.delete(f"/api/memory/{fid}")
    assert client.get(f"/api/memory/{fid}").status_code == 404
    client.delete("/api/memory")
    assert client.get("/api/memory").json()["facts"] == []
    assert client.post("/api/memory/import", json=data).json()["imported"] >= 2
    again = client.post("/api/memory/import", json=data).json()
    assert again["imported"] == 0  # nothing duplicated
    assert {f["value"] for f in client.get("/api/memory").json()["facts"]} >= {"pu-erh", "penicillin"}
    assert client.post("/api/memory/import", json={"nope": 1}).status_code == 400
    assert client.get("/api/memory/search", params={"q": " "}).status_code == 400


def test_v1_learns_once_from_a_client_that_resends_history(client, fake, settings):
    history = [{"role": "user", "content": "My sister Ann lives in Rome."}]
    r = client.post("/v1/chat/completions", json={"model": "banshi", "messages": history})
    history.append(r.json()["choices"][0]["message"])
    history.append({"role": "user", "content": "Nice weather today."})
    r = client.post("/v1/chat/completions", json={"model": "banshi", "messages": history})
    history.append(r.json()["choices"][0]["message"])
    convs = client.get("/api/conversations").json()["data"]
    assert len(convs) == 1
    messages = client.get(f"/api/conversations/{convs[0]['id']}").json()["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]
    settle(settings)
    # a fresh client, another day: the fact comes back
    client.post("/v1/chat/completions", json={"model": "banshi", "stream": True,
                                               "messages": [{"role": "user", "content": "Where does Ann live?"}]})
    assert "Rome" in system_of(fake)
    assert len(client.get("/api/conversations").json()["data"]) == 2
    messages = client.get(f"/api/conversations/{client.get('/api/conversations').json()['data'][0]['id']}").json()
    assert [m["role"] for m in messages["messages"]] == ["user", "assistant"]  # the streamed answer too


def test_v1_request_can_opt_out(client, fake, settings):
    body = {"model": "banshi", "memory": False, "messages": [{"role": "user", "content": "My PIN is 2468."}]}
    client.post("/v1/chat/completions", json=body)
    client.post("/v1/chat/completions", headers={"X-Banshi-Memory": "off"},
                json={**body, "memory": True, "messages": [{"role": "user", "content": "My bank is Foo."}]})
    assert client.get("/api/conversations").json()["data"] == []
    send(client, new(client), "I like tea")
    settle(settings)
    client.post("/v1/chat/completions", json={**body, "messages": [{"role": "user", "content": "Do I like tea?"}]})
    assert "Memory" not in system_of(fake)


def test_the_queue_survives_a_crash(client, settings):
    cid = new(client)
    send(client, cid, "My name is Zoe.")
    from sqlalchemy import update

    from banshi.memory.tables import MemoryJob

    memory = get_memory(settings)
    with session_scope(settings) as db:  # as if the process died in the middle of a job
        db.execute(update(MemoryJob).values(status="running"))
    assert memory.process_pending() == 0
    memory.recover()
    settle(settings)
    assert [f["value"] for f in client.get("/api/memory").json()["facts"]] == ["Zoe"]


def test_a_job_run_twice_at_once_stores_its_fact_once(client, settings):
    """Another server on the same database, starting, recovers the jobs left running, including
    one this server is in the middle of: both run it, and the fact must still be stored once."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from banshi.memory.tables import MemoryFact

    memory, rival = get_memory(settings), []

    def meanwhile_elsewhere(session, _context, _instances):  # the first run is about to store the fact
        if not rival and any(isinstance(o, MemoryFact) for o in session.new):
            rival.append(threading.Thread(target=lambda: (memory.recover(), memory.process_pending(model=False))))
            rival[0].start()
            rival[0].join()

    event.listen(Session, "before_flush", meanwhile_elsewhere)
    try:
        send(client, new(client), "My name is Zoe.")
        settle(settings)
    finally:
        event.remove(Session, "before_flush", meanwhile_elsewhere)
    assert rival and [f["value"] for f in client.get("/api/memory").json()["facts"]] == ["Zoe"]


@pytest.fixture
def multi(settings, monkeypatch):
    monkeypatch.setenv("BANSHI_MULTI_USER", "true")
    get_settings.cache_clear()
    from banshi.api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def signed_in(client: TestClient, name: str) -> dict:
    client.post("/api/auth/register", json={"username": name, "password": "correct horse"})
    r = client.post("/api/auth/login", json={"username": name, "password": "correct horse"})
    assert r.status_code == 200
    key = client.post("/api/keys", json={"name": name}).json()["key"]  # with the session cookie
    client.cookies.clear()
    return {"Authorization": f"Bearer {key}"}


def test_one_users_memory_never_reaches_another(multi, fake):
    settings = get_settings()
    ana, bo = signed_in(multi, "ana"), signed_in(multi, "bo")
    cid = multi.post("/api/conversations", json={}, headers=ana).json()["id"]
    multi.post(f"/api/conversations/{cid}/messages", json={"content": "My safe code is 7391 and I live in Oslo."},
               headers=ana)
    settle(settings)
    assert multi.get("/api/memory", headers=ana).json()["facts"]
    bcid = multi.post("/api/conversations", json={}, headers=bo).json()["id"]
    multi.post(f"/api/conversations/{bcid}/messages", json={"content": "What is my safe code? Where do I live?"},
               headers=bo)
    assert "7391" not in system_of(fake) and "Oslo" not in system_of(fake)
    multi.post("/v1/chat/completions", headers=bo,
               json={"model": "banshi", "messages": [{"role": "user", "content": "safe code Oslo?"}]})
    assert "7391" not in system_of(fake) and "Oslo" not in system_of(fake)
    assert multi.get("/api/memory", headers=bo).json()["facts"] == []
    found = multi.get("/api/memory/search", params={"q": "safe code 7391 Oslo"}, headers=bo).json()["results"]
    assert found and all("7391" not in r["memory"] and r.get("conversation_id") != cid for r in found)
    assert "7391" not in multi.get("/api/memory/export", headers=bo).text
    ana_fact = multi.get("/api/memory", headers=ana).json()["facts"][0]["id"]
    assert multi.get(f"/api/memory/{ana_fact}", headers=bo).status_code == 404
    assert multi.delete(f"/api/memory/{ana_fact}", headers=bo).status_code == 404
    assert multi.patch(f"/api/memory/{ana_fact}", json={"value": "x"}, headers=bo).status_code == 404
    assert multi.get(f"/api/memory/{ana_fact}", headers=ana).status_code == 200


def test_an_edited_message_is_indexed_again(client, fake, settings):
    cid = new(client)
    send(client, cid, "My favourite fruit is mango.")
    settle(settings)
    msg = client.get(f"/api/conversations/{cid}").json()["messages"][0]
    r = client.post(f"/api/conversations/{cid}/messages/{msg['id']}/edit",
                    json={"content": "My favourite fruit is kiwi."})
    assert r.status_code == 200
    settle(settings)
    values = [f["value"] for f in client.get("/api/memory").json()["facts"] if f["attribute"] == "favourite:fruit"]
    assert values == ["kiwi"]
    found = client.get("/api/memory/search", params={"q": "kiwi"}).json()["results"]
    assert any(r["type"] == "message" and "kiwi" in r["memory"] for r in found)


def test_answers_given_from_a_deleted_fact_are_forgotten_too(client, fake, settings):
    send(client, new(client), "My birthday is on 14 July.")
    settle(settings)
    fake.enqueue("Your birthday is on July 14th.")  # the fact, in other words
    send(client, new(client), "When is my birthday?")
    settle(settings)
    send(client, new(client), "Is anything happening in July?")
    assert "July" in system_of(fake).split("\n\n", 1)[-1]  # recalled while known
    send(client, new(client), "Forget my birthday.")
    send(client, new(client), "Is anything happening in July?")  # (asked about the birthday, memory answers alone)
    assert "July" not in system_of(fake).split("\n\n", 1)[-1]
