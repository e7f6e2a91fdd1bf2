"""The sandbox really stops what it claims to stop; each check fails if its layer is missing."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from banshi.skills.sandbox import Limits, run_python

FAST = Limits(cpu_seconds=2, memory_mb=512, wall_seconds=5)


def test_runs_a_program_and_returns_solution():
    res = run_python("def solution():\n    return sum(range(10))\n", FAST)
    assert res.ok and res.value == "45"


def test_answer_variable_and_printed_line():
    assert run_python("answer = 7 * 6\n", FAST).value == "42"
    res = run_python("print('noise')\nprint(3)\n", FAST)
    assert res.ok and res.value == "3" and "noise" in res.stdout


def test_sympy_works_inside():
    res = run_python("import sympy as sp\nx = sp.symbols('x')\nanswer = sp.solve(sp.Eq(3*x + 1, 10), x)[0]\n")
    assert res.ok, res.error
    assert res.value == "3"


def test_network_is_blocked(tmp_path):
    # a real listening server on loopback: a working connection would be accepted here
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(6)
    port = srv.getsockname()[1]
    accepted: list[bool] = []

    def accept() -> None:
        try:
            conn, _ = srv.accept()
            accepted.append(True)
            conn.close()
        except OSError:
            pass

    t = threading.Thread(target=accept)
    t.start()
    code = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=2)\nanswer = 'connected'\n"
    res = run_python(code, FAST)
    # even past the audit hook (importing _socket through sys.modules is refused too) the namespace has no route
    raw = run_python("import sys\ns = sys.modules.get('_socket')\nanswer = repr(s)\n", FAST)
    srv.close()
    t.join()
    assert not res.ok and "connected" != res.value
    assert not accepted
    assert raw.value in (None, "None")
    assert "network-namespace" in res.isolation


def test_network_namespace_alone_blocks_connections():
    """Without the audit hook: the kernel layer on its own refuses a loopback connection to a
    server that is really listening."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    try:
        code = f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=2)\nanswer = 'connected'\n"
        res = run_python(code, FAST, audit=False)
        control = run_python("answer = 'ran'\n", FAST, audit=False)
    finally:
        srv.close()
    assert control.ok and "audit-hook" not in control.isolation
    assert not res.ok and res.value != "connected", res
    assert "Error" in res.error


def test_cannot_write_outside_temp_dir(tmp_path):
    target = tmp_path / "escape.txt"
    for code in (
        f"open({str(target)!r}, 'w').write('x')\n",
        f"import io\nio.FileIO({str(target)!r}, 'w')\n",
        f"import os\nos.open({str(target)!r}, os.O_WRONLY | os.O_CREAT)\n",
        f"import pathlib\npathlib.Path({str(target)!r}).write_text('x')\n",
        f"import os\nos.rename('.', {str(target)!r})\n",
    ):
        res = run_python(code, FAST)
        assert not res.ok, code
    assert not target.exists()


def test_readonly_mounts_hold_even_without_the_hook(tmp_path):
    """The kernel layer on its own: with no audit hook, writes outside the temp dir still fail
    (the mount namespace is read-only) while writes inside work."""
    target = tmp_path / "escape.txt"
    res = run_python(f"open({str(target)!r}, 'w').write('x')\n", FAST, audit=False)
    inside = run_python("open('ok.txt', 'w').write('x')\nanswer = open('ok.txt').read()\n", FAST, audit=False)
    assert inside.ok and inside.value == "x"
    assert not res.ok and "Read-only" in res.error
    assert not target.exists()


def test_writing_inside_the_temp_dir_works_and_is_removed():
    code = "import os\nopen('work.txt', 'w').write('hello')\nanswer = open('work.txt').read() + ' ' + os.getcwd()\n"
    res = run_python(code, FAST)
    assert res.ok, res.error
    text, cwd = res.value.split(" ", 1)
    assert text == "hello"
    assert not Path(cwd).exists()


def test_reading_secrets_outside_is_refused():
    res = run_python("answer = open('/etc/passwd').read()\n", FAST)
    assert not res.ok and "root:" not in (res.value or "")


def test_subprocess_and_fork_are_refused(tmp_path):
    marker = tmp_path / "pwned"
    for code in (f"import os\nos.system('touch {marker}')\n",
                 "import os\nos.fork()\n",
                 f"import subprocess\nsubprocess.run(['touch', '{marker}'])\n",
                 f"import os\nos.execv('/bin/touch', ['touch', '{marker}'])\n",
                 "import ctypes\nctypes.CDLL(None)\n"):
        res = run_python(code, FAST)
        assert not res.ok, code
    assert not marker.exists()


def test_runaway_cpu_is_stopped():
    start = time.monotonic()
    # a wall clock far above the CPU limit: on two cores shared by many, 1 CPU second can take 10 s
    res = run_python("while True:\n    pass\n", Limits(cpu_seconds=1, wall_seconds=40))
    assert not res.ok and res.killed and not res.timed_out
    assert "CPU" in res.error
    assert time.monotonic() - start < 40


def test_runaway_memory_is_stopped():
    res = run_python("blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))\n",
                     Limits(cpu_seconds=5, memory_mb=256, wall_seconds=10))
    assert not res.ok
    assert "memory" in res.error.lower() or "MemoryError" in res.error


def test_sleeping_program_hits_wall_clock():
    start = time.monotonic()
    res = run_python("import time\ntime.sleep(60)\n", Limits(wall_seconds=1.5))
    assert res.timed_out and not res.ok
    assert time.monotonic() - start < 5


def test_output_flood_is_capped():
    res = run_python("while True:\n    print('x' * 10000)\n", Limits(wall_seconds=10, max_output=20000))
    assert not res.ok and "output" in res.error


def test_environment_is_empty():
    os.environ["BANSHI_TEST_SECRET"] = "s3cret"
    try:
        res = run_python("import os\nanswer = os.environ.get('BANSHI_TEST_SECRET', 'none')\n", FAST)
    finally:
        del os.environ["BANSHI_TEST_SECRET"]
    assert res.value == "none"


@pytest.mark.parametrize("code", ["1/0\n", "def solution(:\n", "raise SystemExit(3)\n"])
def test_failures_are_reported_not_raised(code):
    res = run_python(code, FAST)
    assert not res.ok and res.error
