"""The web UI's action cards and Memory page in headless Chromium, against a live server whose
engine runs the real dispatcher and the real memory (rule extraction; the scripted model plans
the tool calls). Reuses conftest's browser and pages; ``server`` is overridden for this module."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from banshi.messages import Completion, Message
from banshi.models.fake import FunctionBackend

from .live import STEP, LiveServer
from .test_ui import DONE_ANSWER, last_answer, send, wait_idle

pytestmark = pytest.mark.browser

REMIND = "2099年1月1日9点提醒我开会"


def call(text: str, at: str) -> str:
    return json.dumps({"step": "call", "tool": "add_reminder", "arguments": {"text": text, "at": at}},
                      ensure_ascii=False)
DONE = json.dumps({"step": "done"})


def answer(messages: list[Message], **_: object) -> str | Completion:
    first = messages[0].content if messages else ""
    if first.startswith("You are the dispatcher"):
        # one proposal, then done (the step's observation says it is pending)
        if any("PENDING action" in m.content for m in messages):
            return DONE
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        request = prompt.rsplit("Request:", 1)[-1].split("\n\n", 1)[0]  # not memory's background
        if "我的提醒" in request:
            return json.dumps({"step": "call", "tool": "list_reminders", "arguments": {}})
        if "交房租" in request:
            return call("交房租", "2099-03-01 09:00")
        return call("开会", "2099-01-01 09:00")
    last = next((m.content for m in reversed(messages) if m.role == "user"), "")
    if "提醒" in last:
        return "要我设置这个提醒吗？请点确认。"
    return f"Noted: {last}"


class ActionsServer(LiveServer):
    def __init__(self, home: Path):
        super().__init__(home)
        from banshi.agents.dispatcher import Dispatcher
        from banshi.agents.registry import get_registry
        from banshi.api.deps import get_engine
        from banshi.chat.engine import ChatEngine
        from banshi.chat.hooks import default_hooks

        self.settings = self.settings.model_copy(update={"actions_router": False})
        self.backend = FunctionBackend(answer, delay=STEP / 3)
        dispatcher = Dispatcher(self.settings, self.backend, get_registry(self.settings))
        hooks = default_hooks(self.settings)
        self.app.dependency_overrides[get_engine] = lambda: ChatEngine(
            self.settings, self.backend, hooks, dispatcher=dispatcher)

    def __enter__(self) -> ActionsServer:
        from banshi.memory import worker

        super().__enter__()
        worker.start(self.settings)  # the server runs without its lifespan: start the memory worker here
        return self

    def __exit__(self, *exc: object) -> None:
        from banshi.memory import worker

        worker.stop(self.settings)
        super().__exit__(*exc)


@pytest.fixture(scope="module")
def server(_env: Path) -> Iterator[LiveServer]:
    with ActionsServer(_env / "actions") as live:
        yield live


def get(server, path: str):  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(server.url + path, timeout=30) as r:
        return json.loads(r.read())


def proposed_card(page):  # type: ignore[no-untyped-def]
    """Ask for the reminder and give the confirmation card of the answer, once it has ended."""
    send(page, REMIND)
    card = last_answer(page).locator(".action-card")
    card.wait_for()
    wait_idle(page)
    return card


def test_a_write_waits_for_confirm_then_is_done(new_page, server) -> None:
    page = new_page()
    card = proposed_card(page)
    assert card.get_attribute("data-status") == "pending"
    assert "开会" in card.inner_text()
    # nothing happened yet: the action waits, nothing new in the audit log
    cid = page.url.rsplit("/c/", 1)[1]
    pending = get(server, f"/api/actions?status=pending&conversation_id={cid}")["data"]
    assert [(a["tool"], a["arguments"]["text"]) for a in pending] == [("add_reminder", "开会")]
    audit = get(server, "/api/actions/audit?writes_only=true")["data"]
    page.wait_for_timeout(1000)
    assert get(server, "/api/actions/audit?writes_only=true")["data"] == audit

    card.locator(".action-confirm").click()
    page.wait_for_selector('.action-card[data-status="done"]')
    assert card.locator(".action-confirm").count() == 0, "a decided card has no buttons"
    new = get(server, "/api/actions/audit?writes_only=true")["data"][: -len(audit) or None]
    assert [(e["tool"], e["action_id"], e["ok"]) for e in new] == [("add_reminder", pending[0]["id"], True)]

    page.reload()  # after a reload the card comes back from the message's meta, decided
    page.wait_for_selector(DONE_ANSWER)
    page.wait_for_selector('.action-card[data-status="done"]')
    assert page.locator('.action-card[data-status="pending"]').count() == 0

    # the Actions page lists it among what was done on the user's behalf
    page.click('.nav-link[href="#/actions"]')
    page.wait_for_selector(".actions-page .audit-entry")
    assert "add_reminder" in page.locator(".audit-list").inner_text()
    assert "开会" in page.locator(".audit-list").inner_text()

    # when the reminder fires, the open page shows it once
    from datetime import datetime

    from banshi.services.scheduler import fire_due
    from banshi.store.db import session_scope

    with session_scope(server.settings) as db:
        assert [r.text for r in fire_due(db, datetime(2099, 1, 2))] == ["开会"]
    # no reload: the page's own poll (every 15 s) shows it. A reload raced that poll — one
    # landing just before it showed and acknowledged the reminder on the page being left
    page.wait_for_selector(".toast-reminder", timeout=60_000)
    assert "开会" in page.locator(".toast-reminder").inner_text()
    page.wait_for_function("fetch('/api/notifications').then(r => r.json()).then(b => b.data.length === 0)")


def test_actions_page_confirm_then_undo(new_page, server) -> None:
    page = new_page()
    send(page, "2099年3月1日9点提醒我交房租")
    last_answer(page).locator(".action-card").wait_for()
    wait_idle(page)
    page.click('.nav-link[href="#/actions"]')
    card = page.locator(".actions-page .pending-list .action-card")
    card.wait_for()
    assert card.count() == 1
    card.locator(".action-confirm").click()
    page.wait_for_selector('.pending-list .action-card[data-status="done"]')
    entry = page.locator(".audit-entry", has_text="交房租")
    entry.wait_for()
    entry.locator(".audit-undo").click()
    page.click('dialog button[value="ok"]')
    page.wait_for_selector('.audit-entry:has-text("交房租") .audit-undone')
    assert page.locator('.audit-entry:has-text("交房租") .audit-undo').count() == 0
    audit = get(server, "/api/actions/audit?writes_only=true")["data"]
    made = [e for e in audit if e["tool"] == "add_reminder" and e["arguments"].get("text") == "交房租"]
    assert len(made) == 1 and made[0]["undone"] and not made[0]["undoable"]


def test_a_read_shows_as_a_tool_line(new_page) -> None:
    page = new_page()
    send(page, "看看我的提醒")
    wait_idle(page)
    line = last_answer(page).locator(".tool-line")
    line.wait_for()
    assert "list_reminders" in line.inner_text() and "ok" in (line.get_attribute("class") or "")
    assert last_answer(page).locator(".action-card").count() == 0, "a read needs no confirmation"
    page.reload()  # from the message's meta.dispatch after a reload
    page.wait_for_selector(DONE_ANSWER)
    assert "list_reminders" in last_answer(page).locator(".tool-line").inner_text()


def test_reject_runs_nothing(new_page, server) -> None:
    page = new_page()
    card = proposed_card(page)
    before = len(get(server, "/api/actions/audit?writes_only=true")["data"])
    card.locator(".action-reject").click()
    page.wait_for_selector('.action-card[data-status="rejected"]')
    assert len(get(server, "/api/actions/audit?writes_only=true")["data"]) == before


def test_memory_page_lists_a_fact_from_chat_and_delete_forgets_it(new_page, server) -> None:
    page = new_page()
    send(page, "My favourite colour is teal")
    wait_idle(page)
    page.click('.nav-link[href="#/memory"]')
    page.wait_for_selector(".memory-page")
    fact = page.locator(".fact", has_text="teal")
    # the memory worker extracts in the background: reload the page until the fact is there
    for _ in range(30):
        if fact.count():
            break
        page.wait_for_timeout(1000)
        page.evaluate("location.hash = '#/'")
        page.wait_for_selector(".chat")
        page.evaluate("location.hash = '#/memory'")
        page.wait_for_selector(".memory-page")
    assert fact.count() == 1, "the fact stated in chat is listed"
    assert "/c/" in fact.locator(".fact-meta a").get_attribute("href"), "it links to the chat it came from"

    fact.locator(".fact-delete").click()
    page.click('dialog button[value="ok"]')
    page.wait_for_function("!document.querySelector('.fact-list')?.textContent.includes('teal')")
    facts = get(server, "/api/memory")["facts"]
    assert not any("teal" in (f.get("value") or "") for f in facts)


def test_memory_page_marks_a_plan_whose_day_has_gone_by(new_page, server) -> None:
    """A plan told last year (imported with its date) is listed, marked past; one to come is not."""
    page = new_page()
    page.wait_for_selector(".chat")
    plans = [{"subject": "user", "attribute": "plan", "value": "1月3日要回老家", "created_at": "2025-12-01T08:00:00"},
             {"subject": "user", "attribute": "plan", "value": "5月1日要去杭州", "created_at": "2099-04-01T08:00:00"}]
    page.evaluate("""(facts) => fetch('/api/memory/import', {method: 'POST', headers: {'Content-Type':
        'application/json'}, body: JSON.stringify({facts})}).then((r) => r.json())""", plans)
    page.click('.nav-link[href="#/memory"]')
    page.wait_for_selector(".memory-page .fact")
    gone, coming = page.locator(".fact", has_text="回老家"), page.locator(".fact", has_text="杭州")
    assert gone.locator(".fact-past").count() == 1, "the past plan is marked"
    assert coming.locator(".fact-past").count() == 0, "the coming one is not"
