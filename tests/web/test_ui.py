"""The web UI end to end in headless Chromium against a live server (see conftest.py)."""

from __future__ import annotations

import json
import time
import urllib.request

import pytest

from .live import HELD_AT, LONG_WORDS, REASONING

pytestmark = pytest.mark.browser

ANSWER = ".msg-assistant"
DONE_ANSWER = ".msg-assistant:not(.streaming)"
#: the first answer shows the words up to where the server holds a long answer (live.py)
UP_TO_HELD = f"document.querySelector('{ANSWER} .msg-content')?.textContent.includes('word{HELD_AT - 1}')"
#: password hashing (argon2) is slow by design and slower still on a busy 2-core machine
SLOW_HASH_MS = 90_000


def send(page, text: str, wait: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Type and press Enter; with ``wait``, until the answer has been added to the page."""
    before = page.locator(ANSWER).count()
    page.fill(".composer-input", text)
    page.keyboard.press("Enter")
    if wait:
        page.wait_for_function(f"document.querySelectorAll('{ANSWER}').length > {before}")


def until_replaced(page, locator, action) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` and wait until the element ``locator`` points at has left the page."""
    old = locator.element_handle()
    action()
    page.wait_for_function("el => !el.isConnected", arg=old)


def last_answer(page):  # type: ignore[no-untyped-def]
    return page.locator(ANSWER).last


def wait_idle(page, timeout: float = 45000) -> None:  # type: ignore[no-untyped-def]
    """Until no answer streams and the button is "send" again."""
    page.wait_for_selector(".msg-assistant.streaming", state="detached", timeout=timeout)
    page.wait_for_selector(".send-btn:not(.stop)", timeout=timeout)


def api(server, path: str):  # type: ignore[no-untyped-def]
    with urllib.request.urlopen(server.url + path) as r:
        return json.loads(r.read())


def test_send_streams_then_history_survives_reload(new_page, server) -> None:
    page = new_page()
    send(page, "tell me something long")
    answer = last_answer(page)
    # the server holds the answer halfway (live.py): the page must show that part while the
    # answer is still streaming, not only once it is complete
    page.wait_for_function(UP_TO_HELD)
    assert "streaming" in (answer.get_attribute("class") or ""), "the first half shows while it streams"
    assert f"word{LONG_WORDS - 1}" not in answer.locator(".msg-content").inner_text()
    assert page.locator(".send-btn.stop").is_visible(), "while streaming the button stops"
    assert "/c/" in page.url, "the new conversation gets its own address"

    server.release()
    wait_idle(page)
    full = answer.locator(".msg-content").inner_text()
    assert full.startswith("word0") and f"word{LONG_WORDS - 1}" in full

    page.reload()
    page.wait_for_selector(DONE_ANSWER)
    assert page.locator(".msg-user .bubble").inner_text() == "tell me something long"
    assert f"word{LONG_WORDS - 1}" in last_answer(page).inner_text()
    item = page.locator(".conv.active .conv-title")
    assert item.inner_text() == "tell me something long"
    assert page.locator(".topbar-title").inner_text() == "tell me something long"


def test_second_turn_and_switching_conversations(new_page) -> None:
    page = new_page()
    send(page, "first question")
    wait_idle(page)
    send(page, "second question")
    wait_idle(page)
    assert page.locator(".msg-user").count() == 2
    assert "You said: second question" in last_answer(page).inner_text()
    own = page.url

    page.click(".new-chat")
    page.wait_for_selector(".chat.empty")
    send(page, "another chat")
    wait_idle(page)
    assert page.url != own
    page.locator(".conv-link", has_text="first question").click()
    page.wait_for_selector(".msg-user >> text=second question")
    assert page.locator(".msg-user").count() == 2


def test_markdown_code_math_rendered_and_sanitised(new_page, server) -> None:
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    send(page, "show me markdown")
    wait_idle(page)
    answer = last_answer(page)
    assert answer.locator("h2", has_text="Results").count() == 1
    assert answer.locator("strong", has_text="bold").count() == 1
    assert answer.locator("li").count() == 2
    code = answer.locator(".code-block")
    assert code.locator(".code-lang").inner_text() == "python"
    assert code.locator("code .hljs-keyword").first.inner_text() == "def", "code is highlighted"
    # math: two inline ($…$ and \(…\)) and two display ($$…$$ and \[…\]); money is not math
    assert answer.locator(".math-display .katex-display").count() == 2
    assert answer.locator(".katex").count() == 4
    text = answer.locator(".msg-content").inner_text()
    assert "$$" not in text and "\\(" not in text and "$5 and $6" in text
    # the model's HTML is sanitised: no handler, no script ran
    assert page.evaluate("window.__pwned") is None
    assert answer.locator("script").count() == 0
    assert answer.locator("img[onerror]").count() == 0

    code.locator(".code-copy").click()
    page.wait_for_selector(".code-copy.done")
    assert page.evaluate("navigator.clipboard.readText()") == "def square(x):\n    return x * x"


def test_deep_thinking_shows_reasoning_block(new_page) -> None:
    page = new_page()
    page.click(".think-toggle")
    assert page.get_attribute(".think-toggle", "aria-pressed") == "true"
    send(page, "why is the sky blue")
    wait_idle(page)
    thinking = last_answer(page).locator("details.thinking")
    assert thinking.locator(".thinking-body").inner_text() == REASONING
    assert thinking.locator("summary").inner_text() == "Thought process"
    assert "You said: why is the sky blue" in last_answer(page).locator(".msg-content").inner_text()

    page.reload()  # the toggle is remembered; the stored reasoning shows, folded
    page.wait_for_selector(DONE_ANSWER)
    assert page.get_attribute(".think-toggle", "aria-pressed") == "true"
    thinking = last_answer(page).locator("details.thinking")
    assert thinking.get_attribute("open") is None
    thinking.locator("summary").click()
    assert thinking.locator(".thinking-body").is_visible()


def test_stop_keeps_the_partial_answer(new_page, server) -> None:
    page = new_page()
    stops = []
    page.on("request", lambda r: r.url.endswith("/stop") and r.method == "POST" and stops.append(r.url))
    send(page, "a long answer please")
    page.wait_for_function("document.querySelector('.msg-assistant .msg-content')?.textContent.length > 30")
    page.click(".send-btn.stop")
    wait_idle(page)
    answer = last_answer(page)
    shown = answer.locator(".msg-content").inner_text()
    time.sleep(0.5)
    assert answer.locator(".msg-content").inner_text() == shown, "nothing arrives after stop"
    assert f"word{LONG_WORDS - 1}" not in shown
    assert answer.locator(".msg-note", has_text="Stopped").count() == 1
    assert len(stops) == 1, "the server is told to stop"

    conv_id = page.url.rsplit("/", 1)[1]
    stored = api(server, f"/api/conversations/{conv_id}")["messages"][-1]
    assert stored["finish_reason"] == "cancelled"
    # normally the server's final "done" makes them equal; if it was slow to answer the stop
    # the page aborted the stream, and the server may have kept a few words more
    assert stored["content"].split()[: len(shown.split())] == shown.split()

    page.reload()
    page.wait_for_selector(DONE_ANSWER)
    assert last_answer(page).locator(".msg-note", has_text="Stopped").count() == 1
    assert last_answer(page).locator(".msg-content").inner_text().split() == stored["content"].split()


def test_regenerate_replaces_the_last_answer(new_page) -> None:
    page = new_page()
    send(page, "hello")
    wait_idle(page)
    before = last_answer(page).locator(".msg-content").inner_text()
    assert page.locator(".msg-assistant.is-last .act-regenerate").count() == 1
    last_answer(page).hover()
    until_replaced(page, last_answer(page), lambda: page.click(".msg-assistant.is-last .act-regenerate"))
    wait_idle(page)
    after = last_answer(page).locator(".msg-content").inner_text()
    assert after != before and after.startswith("You said: hello (answer ")
    assert page.locator(ANSWER).count() == 1
    page.reload()
    page.wait_for_selector(DONE_ANSWER)
    assert page.locator(ANSWER).count() == 1
    assert last_answer(page).locator(".msg-content").inner_text() == after


def test_edit_and_resend_drops_what_followed(new_page) -> None:
    page = new_page()
    send(page, "first try")
    wait_idle(page)
    send(page, "follow-up")
    wait_idle(page)
    first = page.locator(".msg-user").first
    first.hover()
    first.locator(".act-edit").click()
    page.fill(".edit-area", "second try")
    until_replaced(page, last_answer(page), lambda: page.click(".edit-send"))
    wait_idle(page)
    assert page.locator(".msg-user").count() == 1
    assert page.locator(".msg-user .bubble").inner_text() == "second try"
    assert "You said: second try" in last_answer(page).inner_text()
    page.reload()
    page.wait_for_selector(DONE_ANSWER)
    assert page.locator(".msg-user .bubble").all_inner_texts() == ["second try"]


def test_rename_search_and_delete(new_page, server) -> None:
    page = new_page()
    send(page, "apples are red")
    wait_idle(page)
    page.click(".new-chat")
    page.wait_for_selector(".chat.empty")
    send(page, "bananas are yellow")
    wait_idle(page)

    row = page.locator(".conv", has_text="apples are red")
    row.hover()
    row.locator(".conv-more").click()
    page.click(".menu-rename")
    page.fill(".rename-input", "Fruit colours")
    page.keyboard.press("Enter")
    page.wait_for_selector(".conv-title >> text=Fruit colours")
    titles = [c["title"] for c in api(server, "/api/conversations")["data"]]
    assert "Fruit colours" in titles

    page.fill(".search-input", "yellow")  # message text is searched as well as titles
    page.wait_for_function("document.querySelectorAll('.conv').length === 1")
    assert page.locator(".conv-title").inner_text() == "bananas are yellow"
    page.fill(".search-input", "no such words")
    page.wait_for_selector(".conv-empty")
    page.fill(".search-input", "")
    page.wait_for_selector(".conv >> text=Fruit colours")

    row = page.locator(".conv", has_text="bananas are yellow")  # the open chat
    row.hover()
    row.locator(".conv-more").click()
    page.click(".menu-delete")
    page.click("dialog .btn-danger")
    page.wait_for_selector(".chat.empty")
    assert page.url.endswith("#/")
    page.locator(".conv", has_text="bananas are yellow").wait_for(state="detached")
    titles = [c["title"] for c in api(server, "/api/conversations")["data"]]
    assert "bananas are yellow" not in titles and "Fruit colours" in titles


def test_chinese_interface(new_page) -> None:
    page = new_page(locale="zh-CN")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator(".new-chat").inner_text() == "新对话"
    assert page.get_attribute(".composer-input", "placeholder") == "给办事发消息"
    assert page.locator(".think-toggle").inner_text() == "深度思考"
    page.click(".think-toggle")
    send(page, "你好")
    wait_idle(page)
    assert last_answer(page).locator("summary").inner_text() == "思考过程"
    assert "You said: 你好" in last_answer(page).inner_text()


def test_theme_follows_system_and_toggle_is_remembered(new_page) -> None:
    page = new_page(color_scheme="dark")
    assert page.get_attribute("html", "data-theme") == "dark"
    page = new_page(color_scheme="light")
    assert page.get_attribute("html", "data-theme") == "light"
    light_bg = page.evaluate("getComputedStyle(document.querySelector('.main')).backgroundColor")
    page.click(".theme-toggle")
    assert page.get_attribute("html", "data-theme") == "dark"
    dark_bg = page.evaluate("getComputedStyle(document.querySelector('.main')).backgroundColor")
    assert dark_bg != light_bg
    assert page.evaluate("document.getElementById('hljs-dark').disabled") is False
    page.reload()
    page.wait_for_selector(".app.shell")
    assert page.get_attribute("html", "data-theme") == "dark", "the choice outlives a reload"


def test_errors_are_shown(new_page) -> None:
    page = new_page()
    # refused before streaming (too long): a toast, the text back in the box, nothing kept
    send(page, "x" * 2001, wait=False)
    page.wait_for_selector(".toast-error")
    assert "2000" in page.locator(".toast-error").inner_text()
    assert len(page.input_value(".composer-input")) == 2001
    assert page.locator(".msg").count() == 0
    assert page.url.endswith("#/")
    # the model fails mid-turn: the error shows under the answer
    send(page, "please fail")
    wait_idle(page)
    error = last_answer(page).locator(".msg-error")
    assert "the fake model broke down" in error.inner_text()
    page.reload()
    page.wait_for_selector(DONE_ANSWER)
    assert "the fake model broke down" in last_answer(page).locator(".msg-error").inner_text()


def test_unknown_conversation_says_so(new_page, server) -> None:
    page = new_page(url=server.url + "/#/c/does-not-exist")
    page.wait_for_selector("text=This chat does not exist or was deleted.")


def test_phone_layout_sidebar_slides_over(new_page) -> None:
    page = new_page(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    assert page.evaluate("document.querySelector('.sidebar').getBoundingClientRect().right") <= 1, "off-screen"
    send(page, "from my phone")
    wait_idle(page)
    page.click(".topbar-toggle")
    page.wait_for_function("document.querySelector('.sidebar').getBoundingClientRect().x >= 0")
    assert page.locator(".scrim").is_visible()
    page.locator(".conv-link", has_text="from my phone").click()
    page.wait_for_function("document.querySelector('.sidebar').getBoundingClientRect().right <= 1")
    page.locator(".sidebar").wait_for(state="hidden")  # hidden, not just moved: out of the tab order


def test_multi_user_sign_in(browser, multi_server) -> None:
    ctx = browser.new_context(locale="en-US")
    ctx.set_default_timeout(SLOW_HASH_MS)
    try:
        page = ctx.new_page()
        page.goto(multi_server.url + "/")
        page.wait_for_selector(".auth-card")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "wrong-password")
        page.click(".auth-submit")
        page.wait_for_selector(".auth-error:not([hidden])", timeout=SLOW_HASH_MS)

        page.click(".auth-switch")  # create an account
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "correct horse battery")
        page.click(".auth-submit")
        page.wait_for_selector(".app.shell", timeout=SLOW_HASH_MS)
        assert page.locator(".account-name").inner_text() == "alice"
        send(page, "hi from alice")
        wait_idle(page)
        assert "You said: hi from alice" in last_answer(page).inner_text()

        page.click(".sign-out")
        page.wait_for_selector(".auth-card")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", "correct horse battery")
        page.click(".auth-submit")
        page.wait_for_selector(".conv >> text=hi from alice", timeout=SLOW_HASH_MS)
    finally:
        ctx.close()


def test_incognito_chat(new_page, server) -> None:
    page = new_page()
    page.click(".incognito-toggle")
    send(page, "do not remember this")
    wait_idle(page)
    assert page.locator(".incognito-toggle").count() == 0, "the switch belongs to a new chat only"
    assert page.locator(".conv.active .badge").inner_text() == "Incognito"
    conv_id = page.url.rsplit("/", 1)[1]
    assert api(server, f"/api/conversations/{conv_id}")["incognito"] is True


def test_a_new_page_plugs_in_with_route_and_nav_link(new_page) -> None:
    """The extension points other areas use (banshi/web/README.md): route() and addNavLink()."""
    page = new_page()
    page.evaluate("""async () => {
        const { route } = await import('/static/lib/router.js');
        const { addNavLink } = await import('/static/shell/sidebar.js');
        route('/demo', { mount(outlet) { outlet.textContent = 'demo page'; } });
        addNavLink({ href: '#/demo', icon: 'memory', label: 'Demo' });
    }""")
    page.click(".nav-link >> text=Demo")
    page.wait_for_selector(".outlet >> text=demo page")
    assert "active" in page.get_attribute('.nav-link[href="#/demo"]', "class")
    page.click(".new-chat")
    page.wait_for_selector(".chat.empty")


def test_answer_keeps_streaming_while_another_chat_is_open(new_page, server) -> None:
    page = new_page()
    send(page, "one long answer")
    page.wait_for_function("document.querySelector('.msg-assistant .msg-content')?.textContent.length > 10")
    page.click(".new-chat")
    page.wait_for_selector(".chat.empty")
    assert page.locator(".send-btn.stop").count() == 0, "the new chat is not busy"
    page.locator(".conv-link", has_text="one long answer").click()
    page.wait_for_selector(".msg-assistant.streaming")  # the live answer (held halfway) is back in place
    assert page.locator(".send-btn.stop").count() == 1
    server.release()
    wait_idle(page)
    assert page.locator(ANSWER).count() == 1
    assert f"word{LONG_WORDS - 1}" in last_answer(page).inner_text()


def test_shift_enter_breaks_the_line_and_escape_stops(new_page) -> None:
    page = new_page()
    page.fill(".composer-input", "line one")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("line two")
    assert page.locator(".msg").count() == 0, "Shift+Enter does not send"
    page.keyboard.press("Enter")
    page.wait_for_selector(ANSWER)
    wait_idle(page)
    assert page.locator(".msg-user .bubble").inner_text() == "line one\nline two"

    send(page, "another long one")
    page.wait_for_selector(".msg-assistant.streaming")
    page.focus(".composer-input")
    page.keyboard.press("Escape")
    wait_idle(page)
    assert last_answer(page).locator(".msg-note", has_text="Stopped").count() == 1


def test_remembered_sources_show_under_the_answer(new_page) -> None:
    page = new_page()
    send(page, "what tea do I like")
    wait_idle(page)
    chip = last_answer(page).locator(".sources .source-chip")
    assert chip.inner_text() == "The user drinks green tea"
    page.reload()  # from the stored message's meta
    page.wait_for_selector(DONE_ANSWER)
    assert last_answer(page).locator(".sources .source-chip").inner_text() == "The user drinks green tea"
    assert last_answer(page).locator(".sources-label").inner_text() == "From memory"


def test_what_memory_keeps_of_a_told_fact_shows_under_the_answer(new_page) -> None:
    page = new_page()
    send(page, "I drink green tea every morning.")
    wait_idle(page)
    assert last_answer(page).locator(".sources-label").inner_text() == "Memory keeps"
    assert last_answer(page).locator(".sources .source-chip").inner_text() == "you drink green tea"
    last_answer(page).locator(".sources-label").click()  # to the Memory page, where it can be edited
    page.wait_for_url("**#/memory")


def test_a_calculation_in_the_chat_is_answered_exactly_and_marked_checked(new_page) -> None:
    page = new_page()
    send(page, "17乘以3等于多少？")
    wait_idle(page)
    assert last_answer(page).locator(".msg-content").inner_text().strip() == "17 × 3 = 51"
    badge = last_answer(page).locator(".skill-outcome .badge")
    assert badge.inner_text() == "checked" and "exactly" in badge.get_attribute("title")
    page.reload()  # from the stored message's meta
    page.wait_for_selector(DONE_ANSWER)
    assert last_answer(page).locator(".skill-outcome .badge.ok").inner_text() == "checked"
    summary = last_answer(page).locator(".skill-outcome summary")
    assert summary.inner_text() == "The calculation"
    summary.click()
    assert last_answer(page).locator(".skill-outcome pre").inner_text() == "17*3"


def test_a_picture_asked_for_in_the_chat_is_shown_in_the_answer(new_page) -> None:
    page = new_page()
    send(page, "draw a sun")
    wait_idle(page)
    picture = last_answer(page).locator(".msg-content img")
    picture.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
    assert last_answer(page).locator(".msg-content").inner_text().startswith("Here it is:")


def test_the_welcome_suggests_what_it_can_do_and_a_suggestion_fills_the_input(new_page) -> None:
    page = new_page()
    chips = page.locator(".welcome .suggestion")
    assert chips.count() == 4
    chips.nth(2).click()
    assert page.input_value(".composer-input") == "Draw an orange cat wearing a hat"
