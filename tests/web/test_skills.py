"""The Skills page (#/skills) in Chromium, against the live server's ``fake`` backend (it echoes:
"You said: …"): each skill's form reaches its endpoint and shows what comes back, streamed."""

from __future__ import annotations


def open_skills(page):  # type: ignore[no-untyped-def]
    page.click('.nav-link[href="#/skills"]')
    page.wait_for_selector(".skills-page .skill-homework")
    return page


def test_translation_streams_its_result_into_the_page(new_page) -> None:
    page = open_skills(new_page())
    form = page.locator(".skill-translate")
    form.locator(".skill-input").fill("Hello world")
    form.locator(".skill-run").click()
    form.locator(".skill-text", has_text="Hello world").wait_for()
    assert form.locator(".skill-run").is_enabled(), "the button is free again when the answer is done"


def test_writing_sends_the_chosen_skill_and_its_options(new_page) -> None:
    page = open_skills(new_page())
    form = page.locator(".skill-writing")
    form.locator("select.skill-skill").select_option("shorten")
    assert form.locator('[data-param="percent"]').count() == 1, "the chosen skill's options are shown"
    form.locator(".skill-input").fill("A long text about the sea.")
    form.locator(".skill-run").click()
    form.locator(".skill-text", has_text="A long text about the sea.").wait_for()


def test_homework_says_plainly_when_no_answer_was_verified(new_page) -> None:
    page = open_skills(new_page())
    form = page.locator(".skill-homework")
    form.locator(".skill-input").fill("What is 2 + 3?")
    form.locator(".skill-run").click()
    form.locator(".skill-answer .badge.warn").wait_for()
    assert form.locator(".skill-answer .badge").inner_text() == "not verified"
    assert "could not" in form.locator(".skill-notice").inner_text()


def test_a_drawing_the_model_cannot_make_is_a_clear_error(new_page) -> None:
    page = open_skills(new_page(locale="zh-CN"))
    assert page.locator(".skill-images h2").inner_text() == "画图"
    form = page.locator(".skill-images")
    form.locator(".skill-input").fill("一个红色的圆")
    form.locator(".skill-run").click()
    assert "SVG" in form.locator(".skill-error").inner_text()


def test_a_photographed_problem_is_read_and_shown(new_page, tmp_path) -> None:
    from bench.math import render_photo

    photo = tmp_path / "problem.png"
    photo.write_bytes(render_photo("小明有15个苹果，吃了3个。还剩几个？", seed=2))
    page = open_skills(new_page())
    form = page.locator(".skill-homework")
    form.locator(".skill-photo").set_input_files(str(photo))
    form.locator(".skill-run").click()
    read = form.locator(".skill-read")
    read.wait_for(timeout=120_000)  # OCR on the server
    assert "小明有15个苹果" in read.inner_text()


def test_a_recording_is_transcribed_with_times_and_kept_when_its_minutes_fail(new_page, tmp_path) -> None:
    from tests.media.makers import espeak_wav

    clip = espeak_wav(tmp_path / "meeting.wav", "Please book a table for two at seven tonight.", "en-us", 130)
    page = open_skills(new_page())
    form = page.locator(".skill-minutes")
    form.locator(".skill-audio").set_input_files(str(clip))
    form.locator(".skill-run").click()
    transcript = form.locator(".skill-transcript")
    transcript.wait_for(timeout=120_000)  # Whisper on the server
    transcript.locator("summary").click()
    assert "[0:00]" in transcript.inner_text() and "table" in transcript.inner_text().lower()
    # the fake model writes no minutes: a clear error, and the transcript stays
    assert "JSON" in form.locator(".skill-error").inner_text()
    assert transcript.is_visible()
