"""The ``banshi`` command, run as a user runs it (a subprocess), on the fake backend."""

import os
import subprocess
import sys


def run(settings, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "BANSHI_HOME": str(settings.home), "BANSHI_BACKEND": "fake"}
    return subprocess.run([sys.executable, "-m", "banshi.cli", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)


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
