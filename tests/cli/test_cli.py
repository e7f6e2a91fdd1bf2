"""The ``banshi`` command, run as a user runs it (a subprocess), on the fake backend."""

import os
import subprocess
import sys


def run(settings, *args, stdin: str | None = None, merged: bool = False) -> subprocess.CompletedProcess:
    """``merged``: stderr into stdout, as a terminal shows them."""
    env = {**os.environ, "BANSHI_HOME": str(settings.home), "BANSHI_BACKEND": "fake"}
    return subprocess.run([sys.executable, "-m", "banshi.cli", *args], input=stdin, env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merged else subprocess.PIPE,
                          timeout=120)


def test_ask_prints_only_the_answer(settings):
    r = run(settings, "ask", "hello", "there")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "You said: hello there\n"


def test_ask_reads_stdin(settings):
    r = run(settings, "ask", "summarise:", stdin="line one\nline two\n")
    assert r.returncode == 0 and r.stdout == "You said: summarise:\n\nline one\nline two\n"


def test_ask_with_nothing_is_a_clear_error(settings):
    r = run(settings, "ask", stdin="")
    assert r.returncode == 1 and "nothing to ask" in r.stderr


def test_chat_repl_keeps_the_conversation(settings):
    r = run(settings, "chat", stdin="first line\nsecond line\n/exit\n")
    assert r.returncode == 0, r.stderr
    assert "You said: first line" in r.stdout and "You said: second line" in r.stdout
    # stored: the conversation is there tomorrow
    from banshi.store.db import session_scope
    from banshi.store.tables import Message

    with session_scope(settings) as db:
        assert db.query(Message).count() == 4


def test_doctor_reports_each_part(settings):
    r = run(settings, "doctor")
    assert "database" in r.stdout and "python" in r.stdout and "chat backend (fake)" in r.stdout


def test_translate_and_write_reach_their_skills_with_the_text_after_the_options(settings):
    r = run(settings, "translate", "--to", "en", "今天天气很好。")
    assert r.returncode == 0 and "今天天气很好。" in r.stdout, r.stderr  # the fake model echoes the request
    r = run(settings, "write", "shorten", "--param", "percent=50", "a", "long", "text")
    assert r.returncode == 0 and "a long text" in r.stdout, r.stderr
    r = run(settings, "write", "shorten", "--param", "percent", "a", "text")
    assert r.returncode == 1 and "NAME=VALUE" in r.stderr


def test_homework_says_when_no_answer_was_found_and_a_missing_photo_is_a_clear_error(settings):
    r = run(settings, "homework", "What is 2 + 3?")
    assert r.returncode == 1 and "answer: — (not verified)" in r.stdout
    r = run(settings, "homework", "--photo", str(settings.home / "nope.png"))
    assert r.returncode == 1 and "no such file" in r.stderr


def test_speak_writes_a_wav_file(settings):
    out = settings.home / "hello.wav"
    out.parent.mkdir(parents=True, exist_ok=True)
    r = run(settings, "speak", "你好，Banshi", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"RIFF" and out.stat().st_size > 10_000
    r = run(settings, "speak", "hello", "-o", str(settings.home / "no-such-dir" / "x.wav"))
    assert r.returncode == 1 and "cannot write" in r.stderr and "Traceback" not in r.stderr


def test_transcribe_of_a_file_that_is_no_audio_is_a_clear_error(settings):
    bad = settings.home / "notes.mp3"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text("not audio at all")
    r = run(settings, "transcribe", str(bad))
    assert r.returncode == 1 and "error" in r.stderr and "Traceback" not in r.stderr


def test_ask_a_calculation_prints_its_result_and_that_it_was_checked(settings):
    r = run(settings, "ask", "17乘以3等于多少？")
    assert r.returncode == 0 and r.stdout.strip() == "17 × 3 = 51"
    assert "checked: computed exactly" in r.stderr
    # on a terminal the two streams meet: the note is a line of its own, not glued to the answer
    assert "17 × 3 = 51\nchecked: computed exactly" in run(settings, "ask", "17乘以3等于多少？", merged=True).stdout
