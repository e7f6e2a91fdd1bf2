"""Multi-user mode: accounts, cookies, API keys — and one user never sees another's data."""

import pytest
from fastapi.testclient import TestClient

from banshi.config import get_settings


@pytest.fixture
def multi(db_settings, monkeypatch):
    monkeypatch.setenv("BANSHI_MULTI_USER", "true")
    get_settings.cache_clear()
    from banshi.api.app import create_app

    return create_app()


def signed_in(app, name: str) -> TestClient:
    c = TestClient(app)
    assert c.post("/api/auth/register", json={"username": name, "password": "correct horse"}).status_code == 201
    assert c.post("/api/auth/login", json={"username": name, "password": "correct horse"}).status_code == 200
    return c


def test_requests_need_a_session_or_key(multi):
    c = TestClient(multi)
    r = c.get("/api/conversations")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert c.get("/api/conversations", headers={"Authorization": "Bearer made-up"}).status_code == 401
    assert c.post("/api/auth/login", json={"username": "x", "password": "whatever1"}).status_code == 401


def test_passwords_are_hashed_and_checked(multi, db_settings):
    signed_in(multi, "ana")
    c = TestClient(multi)
    assert c.post("/api/auth/login", json={"username": "ana", "password": "wrong horse"}).status_code == 401
    from sqlalchemy import select

    from banshi.store.db import session_scope
    from banshi.store.tables import User

    with session_scope(db_settings) as db:
        stored = db.scalar(select(User).where(User.username == "ana")).password_hash
    assert stored.startswith("$argon2") and "correct horse" not in stored


def test_one_user_cannot_see_or_touch_anothers_conversations(multi, fake):
    ana, bo = signed_in(multi, "ana"), signed_in(multi, "bo")
    cid = ana.post("/api/conversations", json={"title": "ana's secret"}).json()["id"]
    with ana.stream("POST", f"/api/conversations/{cid}/messages", json={"content": "my PIN is 4321"}) as r:
        r.read()
    assert bo.get("/api/conversations").json()["data"] == []
    assert bo.get("/api/conversations", params={"q": "4321"}).json()["data"] == []
    for method, path, body in [
        ("get", f"/api/conversations/{cid}", None),
        ("get", f"/api/conversations/{cid}/export", None),
        ("patch", f"/api/conversations/{cid}", {"title": "mine now"}),
        ("delete", f"/api/conversations/{cid}", None),
        ("post", f"/api/conversations/{cid}/messages", {"content": "hi"}),
        ("post", f"/api/conversations/{cid}/regenerate", {}),
        ("post", f"/api/conversations/{cid}/stop", None),
    ]:
        r = bo.request(method.upper(), path, json=body)
        assert r.status_code == 404, (method, path, r.status_code)
    conv = ana.get(f"/api/conversations/{cid}").json()
    assert conv["title"] == "ana's secret" and len(conv["messages"]) == 2


def test_api_key_identifies_its_owner(multi):
    ana = signed_in(multi, "ana")
    key = ana.post("/api/keys", json={"name": "laptop"}).json()["key"]
    client = TestClient(multi)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {key}"}).json()["username"] == "ana"


def test_logout_ends_the_session(multi):
    ana = signed_in(multi, "ana")
    cookie = ana.cookies.get("banshi_session")
    ana.post("/api/auth/logout")
    fresh = TestClient(multi, cookies={"banshi_session": cookie})
    assert fresh.get("/api/me").status_code == 401


def test_single_user_mode_accepts_any_key(client):
    r = client.get("/api/me", headers={"Authorization": "Bearer anything"})
    assert r.status_code == 200 and r.json()["username"] == "local"


def test_first_requests_at_once_share_one_local_user(db_settings):
    from concurrent.futures import ThreadPoolExecutor

    from banshi.api.app import create_app

    client = TestClient(create_app())
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: client.get("/api/me"), range(8)))
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["id"] for r in responses}) == 1
