"""The actions API: services, direct actions, confirm/reject, audit and undo, notifications,
the calendar as ICS; another user sees none of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from banshi.config import get_settings
from banshi.errors import InvalidInput


@pytest.fixture
def api(settings, monkeypatch):
    monkeypatch.setenv("BANSHI_ACTIONS_ROUTER", "false")
    get_settings.cache_clear()
    from fastapi.testclient import TestClient

    from banshi.api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_services_listing(api):
    data = {s["name"]: s for s in api.get("/api/services").json()["data"]}
    assert {"travel", "food", "tickets", "shopping", "health", "office", "weather"} <= set(data)
    tools = {t["name"]: t for t in data["office"]["tools"]}
    assert tools["add_reminder"]["confirm"] and not tools["list_events"]["confirm"]
    assert tools["add_reminder"]["parameters"]["required"] == ["text", "at"]
    assert data["travel"]["sandbox"] and data["travel"]["examples"]


def test_direct_action_confirm_reject_undo(api):
    read = api.post("/api/actions", json={"tool": "get_weather", "arguments": {"city": "北京"}})
    assert read.status_code == 201 and read.json()["result"]["ok"]
    bad = api.post("/api/actions", json={"tool": "get_weather", "arguments": {"city": 5, "x": 1}}).json()
    assert not bad["result"]["ok"] and bad["result"]["error"]["code"] == "invalid_input"
    assert api.post("/api/actions", json={"tool": "no_such_tool"}).status_code == 404
    write = api.post(
        "/api/actions", json={"tool": "add_event", "arguments": {"title": "评审会", "start": "2099-03-01 10:00"}}
    ).json()["action"]
    assert write["status"] == "pending" and "评审会" in write["summary"]
    assert api.get("/api/calendar.ics").text.count("BEGIN:VEVENT") == 0  # not before confirming
    done = api.post(f"/api/actions/{write['id']}/confirm").json()
    assert done["status"] == "done" and done["result"]["data"]["title"] == "评审会"
    again = api.post(f"/api/actions/{write['id']}/confirm").json()
    assert again["result"] == done["result"]
    ics = api.get("/api/calendar.ics")
    assert ics.headers["content-type"].startswith("text/calendar") and "SUMMARY:评审会" in ics.text
    assert api.post(f"/api/actions/{write['id']}/reject").status_code == 409  # already done
    other = api.post("/api/actions", json={"tool": "add_note", "arguments": {"title": "x"}}).json()["action"]
    assert api.post(f"/api/actions/{other['id']}/reject").json()["status"] == "rejected"
    assert api.post(f"/api/actions/{other['id']}/confirm").status_code == 409
    log = api.get("/api/actions/audit", params={"writes_only": True}).json()["data"]
    assert [e["tool"] for e in log] == ["add_event"] and log[0]["undoable"]
    undo = api.post(f"/api/actions/audit/{log[0]['id']}/undo").json()["result"]
    assert undo["ok"] and undo["data"]["deleted"]
    assert "VEVENT" not in api.get("/api/calendar.ics").text
    assert api.get("/api/actions", params={"status": "pending"}).json()["data"] == []


def test_notifications_reach_the_user(api, settings):
    from banshi.api.auth import local_user
    from banshi.services import scheduler
    from banshi.services.tables import Reminder
    from banshi.store.db import session_scope
    from banshi.store.tables import utcnow

    with session_scope(settings) as db:
        uid = local_user(db).id
        db.add(Reminder(user_id=uid, text="喝水", due_at=utcnow() - timedelta(minutes=1), idem_key="k"))
    with session_scope(settings) as db:
        scheduler.fire_due(db)
    notes = api.get("/api/notifications").json()["data"]
    assert [n["text"] for n in notes] == ["喝水"]
    assert api.post(f"/api/notifications/{notes[0]['id']}/ack").json() == {"ok": True}
    assert api.get("/api/notifications").json()["data"] == []
    assert api.post("/api/notifications/nope/ack").status_code == 404


def test_another_user_sees_nothing(settings, monkeypatch):
    monkeypatch.setenv("BANSHI_MULTI_USER", "true")
    monkeypatch.setenv("BANSHI_ACTIONS_ROUTER", "false")
    get_settings.cache_clear()
    from fastapi.testclient import TestClient

    from banshi.api.app import create_app

    app = create_app()
    with TestClient(app) as alice, TestClient(app) as bob:
        for c, name in ((alice, "alice"), (bob, "bob")):
            r = c.post("/api/auth/register", json={"username": name, "password": "password123"})
            assert r.status_code == 201, r.text
            assert c.post("/api/auth/login", json={"username": name, "password": "password123"}).status_code == 200
        a = alice.post("/api/actions", json={"tool": "add_todo", "arguments": {"title": "秘密"}}).json()["action"]
        assert bob.post(f"/api/actions/{a['id']}/confirm").status_code == 404
        assert bob.get(f"/api/actions/{a['id']}").status_code == 404
        assert bob.get("/api/actions").json()["data"] == []
        alice.post(f"/api/actions/{a['id']}/confirm")
        entry = alice.get("/api/actions/audit").json()["data"][0]
        assert bob.post(f"/api/actions/audit/{entry['id']}/undo").status_code == 404
        assert bob.get("/api/actions/audit").json()["data"] == []


def test_a_proposed_time_is_fixed_and_shown_in_the_users_language(settings, db, users):
    """ "明天早上8点" is fixed when proposed: the card names the day and time meant, and a yes given
    after midnight still sets the reminder for that day, not the day after."""
    from banshi.agents.actions import Actions
    from banshi.agents.registry import get_registry
    from banshi.services.common import local_now

    actions, u1 = Actions(get_registry(settings), settings), users[0]
    a = actions.propose(db, u1, "add_reminder", {"text": "开会", "at": "明天早上8点", "repeat_minutes": 0}, zh=True)
    day = (local_now(actions.ctx(db, u1)) + timedelta(days=1)).date()
    assert a.arguments == {"text": "开会", "at": f"{day} 08:00", "repeat_minutes": 0}
    weekday = "一二三四五六日"[day.weekday()]
    assert a.summary == f"设提醒：内容：开会；时间：{day}（周{weekday}）08:00"  # nothing at 0 is shown
    en = actions.propose(db, u1, "add_reminder", {"text": "call mom", "at": "tomorrow 7pm"})
    assert en.summary == f"Reminder: text: call mom; at: {day} ({day:%a}) 19:00"
    every_day = {"text": "吃药", "at": "明天早上8点", "repeat_minutes": 1440}
    daily = actions.propose(db, u1, "add_reminder", every_day, zh=True)
    assert daily.summary.endswith("；重复：每天") and daily.arguments["repeat_minutes"] == 1440
    pills = {"medicine": "阿莫西林", "time": "明天早上8点", "every_hours": 8}
    assert "重复：每 8 小时" in actions.propose(db, u1, "add_medication_reminder", pills, zh=True).summary
    with pytest.raises(InvalidInput, match="at"):  # a time that means nothing is refused before the card
        actions.propose(db, u1, "add_reminder", {"text": "x", "at": "someday"})


def test_a_card_names_what_its_ids_stand_for_and_only_the_users_own_records(settings, db, users, need):
    """A card had shown 「商品：8555936349」 and 「场次：S15702976」: the user confirms a product, a
    film and an order they know. Another user's order id is shown as the id, never as its title."""
    need("tau_retail", "products.json")
    from banshi.agents.actions import Actions
    from banshi.agents.registry import get_registry
    from banshi.services.tickets import showtimes

    actions, (alice, bob) = Actions(get_registry(settings), settings), users
    shop = actions.propose(db, alice, "place_shop_order", {"item_ids": ["8555936349"], "address": "1 Main St"}, zh=True)
    assert "Wireless Earbuds（blue, 8 hours, IPX4）$226.49" in shop.summary and "8555936349" not in shop.summary
    assert "支付方式：信用卡" in shop.summary  # the value, in the card's language
    assert shop.arguments["item_ids"] == ["8555936349"]  # what runs is still the id
    day = date.today() + timedelta(days=2)
    show = showtimes(day)[0]
    said = {"showtime_id": show["showtime_id"], "date": str(day), "tickets": 2}
    film = actions.propose(db, alice, "book_cinema", said)
    assert f"《{show['film']}》{show['start']} {show['cinema']}" in film.summary
    assert show["showtime_id"] not in film.summary
    done = actions.confirm(db, alice, shop.id).result["data"]
    cancel = actions.propose(db, alice, "cancel_shop_order", {"order_id": done["id"]}, zh=True)
    assert "订单：Wireless Earbuds" in cancel.summary
    foreign = actions.propose(db, bob, "cancel_shop_order", {"order_id": done["id"]}, zh=True)
    assert "Wireless Earbuds" not in foreign.summary and done["id"] in foreign.summary
    unknown = actions.propose(db, alice, "place_shop_order", {"item_ids": ["nope"], "address": "x"})
    assert "nope" in unknown.summary  # an id that names nothing stays as said; running it says why
