"""The composer's media tools in headless Chromium: attach a file and ask about it, the
microphone (Chromium's fake capture device; the transcription request is answered by the test,
the speech model itself is tested in tests/media), and read aloud."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .live import CHROMIUM, CHROMIUM_ARGS
from .test_ui import send, wait_idle

pytestmark = pytest.mark.browser

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def media_browser(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A second Chromium from conftest's Playwright, with a fake microphone (one Playwright per process)."""
    b = browser.browser_type.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + FAKE_MEDIA)
    yield b
    b.close()


@pytest.fixture
def media_page(media_browser, server):  # type: ignore[no-untyped-def]
    ctx = media_browser.new_context(locale="en-US", permissions=["microphone"],
                                    viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(45_000)
    errors: list[str] = []
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    page.wait_for_selector(".app.shell")
    yield page
    ctx.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def test_attach_a_text_file_and_ask_about_it(new_page, tmp_path: Path) -> None:
    page = new_page()
    doc = tmp_path / "lease.txt"
    doc.write_text("The monthly rent is 4200 yuan, due on the fifth day of each month.\n", encoding="utf-8")
    page.set_input_files(".attach-input", str(doc))
    page.wait_for_selector(".attachment:not(.busy)[data-id]")
    assert "lease.txt" in page.locator(".attachments").inner_text()
    assert page.locator(".composer-input").get_attribute("placeholder") == "Ask about the attached file"

    page.fill(".composer-input", "How much is the rent?")
    page.keyboard.press("Enter")
    answer = page.locator(".msg-assistant.file-answer:not(.streaming)")
    answer.wait_for()
    # the fake model echoes its prompt: the excerpt of the file reached it with the question
    assert "4200 yuan" in answer.locator(".msg-content").inner_text()
    assert "lease.txt" in page.locator(".msg-user.file-question").inner_text()
    assert page.locator(".send-btn:not(.stop)").count() == 1

    # a stored turn: question, file name and answer are still there after a reload
    page.wait_for_url("**/#/c/*")
    page.reload()
    page.wait_for_selector(".msg-assistant.file-answer")
    assert "lease.txt" in page.locator(".msg-user.file-question .attachment-names").inner_text()
    assert "How much is the rent?" in page.locator(".msg-user.file-question").inner_text()
    assert "4200 yuan" in page.locator(".msg-assistant.file-answer .msg-content").inner_text()
    page.set_input_files(".attach-input", str(doc))
    page.wait_for_selector(".attachment:not(.busy)[data-id]")

    # removing the attachment makes the next message plain chat again
    page.click(".attachment-remove")
    assert page.locator(".attachment").count() == 0
    send(page, "hello again")
    wait_idle(page)
    assert "You said: hello again" in page.locator(".msg-assistant").last.inner_text()


def test_microphone_records_and_fills_the_input(media_page) -> None:
    page = media_page
    uploads: list[bytes] = []

    def transcribe(route):  # type: ignore[no-untyped-def]
        uploads.append(route.request.post_data_buffer or b"")
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"text": "remind me at nine"}))

    page.route("**/v1/audio/transcriptions", transcribe)
    page.fill(".composer-input", "Please")
    page.click(".mic-btn")
    page.wait_for_selector('.mic-btn.recording[aria-pressed="true"]')
    page.wait_for_timeout(1200)  # a second of the fake device's tone
    page.click(".mic-btn")
    page.wait_for_function("document.querySelector('.composer-input').value === 'Please remind me at nine'")
    assert len(uploads) == 1
    body = uploads[0]
    assert b'name="model"' in body and b"whisper-1" in body
    assert b'filename="speech.' in body and len(body) > 1000, "the recording was uploaded"


def test_read_aloud_speaks_the_answer(media_page) -> None:
    page = media_page
    send(page, "read this back")
    wait_idle(page)
    button = page.locator(".msg-assistant .act-read").last
    has_voices = page.evaluate("(window.speechSynthesis?.getVoices() || []).length > 0")
    if has_voices:
        button.click()
        page.wait_for_function("window.speechSynthesis.speaking || window.speechSynthesis.pending")
        return
    with page.expect_response("**/v1/audio/speech") as info:
        button.click()
    response = info.value
    assert response.ok and response.headers["content-type"].startswith("audio/")
    body = json.loads(response.request.post_data or "{}")
    assert "You said: read this back" in body["input"]


@pytest.fixture(scope="module")
def speaking_browser(browser, tmp_path_factory) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """Chromium whose fake microphone plays a spoken sentence and then 3 s of silence, over and over."""
    import wave

    from tests.media.makers import espeak_wav

    folder = tmp_path_factory.mktemp("voice")
    said = espeak_wav(folder / "said.wav", "what is the weather like", "en-us")  # fails clearly without espeak-ng
    with wave.open(str(said)) as w:
        params, frames = w.getparams(), w.readframes(w.getnframes())
    looped = folder / "said-then-silence.wav"
    with wave.open(str(looped), "wb") as w:
        w.setparams(params)
        w.writeframes(frames + b"\0" * (params.sampwidth * params.nchannels * params.framerate * 3))
    b = browser.browser_type.launch(executable_path=str(CHROMIUM),
                                    args=[*CHROMIUM_ARGS, *FAKE_MEDIA, f"--use-file-for-fake-audio-capture={looped}"])
    yield b
    b.close()


def test_voice_chat_sends_after_a_pause_reads_the_answer_and_listens_again(speaking_browser, server) -> None:
    ctx = speaking_browser.new_context(locale="en-US", permissions=["microphone"],
                                       viewport={"width": 1280, "height": 860})
    ctx.set_default_timeout(45_000)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    heard: list[int] = []

    def transcribe(route):  # type: ignore[no-untyped-def]
        heard.append(len(route.request.post_data_buffer or b""))
        said = json.dumps({"text": "what is the weather like"})
        route.fulfill(status=200, content_type="application/json", body=said)

    page.route("**/v1/audio/transcriptions", transcribe)
    page.goto(server.url + "/")
    page.wait_for_selector(".app.shell")
    page.click(".voice-btn")
    page.wait_for_selector('.mic-btn.recording[aria-pressed="true"]')
    # the recording ends by itself after the pause that follows the sentence: no click
    with page.expect_response("**/v1/audio/speech") as spoken:
        page.locator(".msg-user", has_text="what is the weather like").wait_for()
    assert "You said: what is the weather like" in json.loads(spoken.value.request.post_data or "{}")["input"]
    assert len(heard) == 1 and heard[0] > 1000
    # once the answer has been read, it listens again
    page.wait_for_selector('.mic-btn.recording[aria-pressed="true"]')
    page.click(".voice-btn")
    page.wait_for_selector('.mic-btn[aria-pressed="false"]')
    assert page.get_attribute(".voice-btn", "aria-pressed") == "false"
    ctx.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


def test_a_recording_attached_in_the_chat_gets_its_minutes_with_the_transcript_folded(new_page, tmp_path) -> None:
    from tests.media.makers import espeak_wav

    clip = espeak_wav(tmp_path / "meeting.wav", "We decided to move the launch to Friday.", "en-us", 130)
    page = new_page()
    page.set_input_files(".attach-input", str(clip))
    page.wait_for_selector(".attachment[data-id]")
    send(page, "minutes please")
    wait_idle(page, timeout=120_000)  # Whisper on the server
    answer = page.locator(".msg-assistant").last.locator(".msg-content")
    assert "Launch on Friday" in answer.inner_text() and "Write the notes (owner: Anna)" in answer.inner_text()
    transcript = answer.locator("details")
    assert "friday" not in transcript.inner_text().lower()  # folded
    transcript.locator("summary").click()
    assert "[00:00:00]" in transcript.inner_text() and "friday" in transcript.inner_text().lower()
