"""Run model-written Python in a separate, locked-down process.

Layers, each of which can stop an escape the others miss:

- a fresh interpreter (``python -I``) in its own session and process group, cwd = a new temp dir,
  an empty environment, stdin carrying the program;
- ``resource.setrlimit``: CPU seconds, address space, file size, open files, no core dumps;
- a new network namespace (``unshare(CLONE_NEWNET)``, with a user namespace when not root):
  the child sees only a downed loopback, so no connection can leave;
- a private mount namespace in which every mount is read-only except the temp dir (bind-mounted
  over itself first), so no file outside it can be written whatever the program does;
- an audit hook installed before the program runs, which refuses sockets, subprocesses,
  ``fork``/``exec``, ``ctypes``, and any file access outside the temp dir (reads are also allowed
  inside the Python installation so that imports work);
- a wall-clock timeout that kills the whole process group, and a cap on the output read back.

The result of a program is ``solution()``'s return value if it defines one, else a variable
named ``answer``, else the last line printed.
May import: nothing from banshi but errors.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import secrets
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, field

_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 1, 32, 4096, 16384, 1 << 18

try:  # loaded before fork: dlopen in a forked child is not async-signal-safe
    _libc: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - non-glibc platforms
    _libc = None


@dataclass
class Limits:
    cpu_seconds: int = 5
    memory_mb: int = 768
    wall_seconds: float = 20.0  # generous: the CPU limit is the runaway guard; a busy machine is slow
    max_output: int = 64_000
    file_mb: int = 8


@dataclass
class SandboxResult:
    ok: bool
    value: str | None = None  # repr-free text of the result (str() of it)
    stdout: str = ""
    error: str = ""  # last line of the traceback, or why the run was stopped
    timed_out: bool = False
    killed: bool = False  # stopped by a limit (CPU, memory, output)
    seconds: float = 0.0
    isolation: list[str] = field(default_factory=list)


# The bootstrap runs in the child before the program. It reads a JSON header line and the program
# from stdin, installs the audit hook (which cannot be removed afterwards) and runs the program.
_BOOT = r'''
import sys, json, os
hdr = json.loads(sys.stdin.readline())
src = sys.stdin.read()
TMP = os.path.realpath(hdr["tmp"])
READ_OK = tuple(os.path.realpath(p) for p in hdr["read"]) + (TMP,)
import math, fractions, decimal, itertools, functools, collections, statistics, re, datetime, string
import operator, random, heapq, bisect, cmath, numbers, resource, dataclasses, typing, copy, enum, textwrap
import array, struct, calendar, time, warnings, contextlib, inspect, ast, weakref, unicodedata, pprint, locale
if hdr["preload"]:
    try:
        import sympy
    except ImportError:
        pass
DENY_IMPORT = {"socket", "_socket", "ssl", "_ssl", "ctypes", "_ctypes", "subprocess", "_posixsubprocess",
               "multiprocessing", "_multiprocessing", "pty", "urllib.request", "http.client", "ftplib",
               "smtplib", "telnetlib", "asyncio", "selectors", "select", "mmap", "fcntl", "resource", "_thread",
               "threading", "signal", "shutil", "importlib.util", "_winapi", "webbrowser"}
DENY_EVENTS = ("socket.", "subprocess.", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
               "os.forkpty", "os.kill", "os.killpg", "ctypes.", "os.setuid", "os.chroot", "pty.",
               "os.startfile", "webbrowser.", "mmap.", "winreg.", "_winapi.",
               "os.add_dll_directory", "sys.settrace", "sys.setprofile")
PATH_EVENTS = {"os.remove", "os.rename", "os.mkdir", "os.rmdir", "os.chmod", "os.chown", "os.symlink",
               "os.link", "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move",
               "os.chdir", "shutil.copytree", "os.removexattr", "os.setxattr"}
LIST_EVENTS = {"os.listdir", "os.scandir", "glob.glob", "os.walk", "os.listxattr", "os.getxattr"}
def _inside(p, roots):
    try:
        p = os.path.realpath(os.fsdecode(p) if not isinstance(p, int) else "")
    except Exception:
        return False
    return any(p == r or p.startswith(r + os.sep) for r in roots)
def _hook(event, args):
    if event == "open":
        path, mode = args[0], args[1]
        if isinstance(path, int):
            return
        flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (flags & 3) != 0
        if _inside(path, (TMP,)) or (not writing and (_inside(path, READ_OK) or path in ("/dev/urandom", "/dev/null"))):
            return
        raise PermissionError(f"sandbox: no access to {path!r}")
    if event == "import":
        name = args[0] or ""
        if name in DENY_IMPORT or name.split(".")[0] in {"ctypes", "multiprocessing", "asyncio", "urllib", "http"}:
            raise ImportError(f"sandbox: module {name!r} is not available")
        return
    if event.startswith(DENY_EVENTS):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event in LIST_EVENTS:  # the import system lists package folders
        for a in args:
            if isinstance(a, (str, bytes, os.PathLike)) and not _inside(a, READ_OK):
                raise PermissionError(f"sandbox: no access to {a!r}")
    if event in PATH_EVENTS:
        for a in args:
            if isinstance(a, (str, bytes, os.PathLike)) and not _inside(a, (TMP,)):
                raise PermissionError(f"sandbox: no access to {a!r}")
if hdr["audit"]:
    sys.addaudithook(_hook)
del _hook
ns = {"__name__": "__main__"}
marker = hdr["marker"]
try:
    exec(compile(src, "<program>", "exec"), ns)
    if callable(ns.get("solution")):
        value = ns["solution"]()
    elif "answer" in ns:
        value = ns["answer"]
    else:
        value = None
    text = None if value is None else str(value)
    sys.stdout.flush()
    sys.stdout.write("\n" + marker + json.dumps({"ok": True, "value": text}) + "\n")
except BaseException as e:
    sys.stdout.flush()
    msg = (type(e).__name__ + ": " + str(e))[:500]
    sys.stdout.write("\n" + marker + json.dumps({"ok": False, "error": msg}) + "\n")
sys.stdout.flush()
'''


def _read_roots() -> list[str]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            roots.add(p)
    roots.update(p for p in sys.path if p and os.path.isdir(p) and p not in ("/", os.getcwd()))
    return sorted(roots)


def _mount_points() -> list[bytes]:
    try:
        with open("/proc/self/mountinfo", "rb") as f:
            points = [ln.split()[4] for ln in f if len(ln.split()) > 4]
    except OSError:
        return []
    # mountinfo escapes space, tab, newline and backslash as octal
    return [re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), p) for p in points]


def _say(msg: bytes) -> None:
    os.write(2, b"banshi-sandbox: " + msg + b"\n")


def _preexec(limits: Limits, tmp: bytes, mounts: list[bytes], as_root: bool) -> None:  # child, before exec
    os.umask(0o077)
    cpu = max(1, int(limits.cpu_seconds))
    mem = limits.memory_mb << 20
    for res, val in (
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        (resource.RLIMIT_AS, (mem, mem)),
        (resource.RLIMIT_FSIZE, (limits.file_mb << 20, limits.file_mb << 20)),
        (resource.RLIMIT_NOFILE, (64, 64)),
        (resource.RLIMIT_CORE, (0, 0)),
    ):
        resource.setrlimit(res, val)
    if _libc is None:
        _say(b"no-namespaces")
        return
    base = 0 if as_root else _CLONE_NEWUSER
    if _libc.unshare(base | _CLONE_NEWNET | _CLONE_NEWNS) != 0:
        if _libc.unshare(base | _CLONE_NEWNET) != 0:
            _say(b"no-network-namespace")
        _say(b"no-readonly-fs")
        return
    # private first: nothing done below may propagate to the parent's mounts
    if _libc.mount(b"none", b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        _say(b"no-readonly-fs")
        return
    failed = _libc.mount(tmp, tmp, None, _MS_BIND, None) != 0
    for mp in mounts:
        if mp != tmp and _libc.mount(None, mp, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY, None) != 0:
            failed = failed or mp == b"/" or not mp.startswith((b"/proc", b"/sys", b"/dev"))
    if failed:
        _say(b"no-readonly-fs")
    os.chdir(tmp)  # the cwd was entered before the bind mount: step onto the writable mount


def run_python(code: str, limits: Limits | None = None, *, preload_sympy: bool | None = None,
               audit: bool = True) -> SandboxResult:
    """Run ``code`` in a sandboxed child interpreter and return its result (never raises for a
    failing program: ``ok`` is False and ``error`` says why). ``audit=False`` leaves out the audit
    hook, only so that tests can check the kernel-enforced layers on their own."""
    limits = limits or Limits()
    if preload_sympy is None:
        preload_sympy = "sympy" in code
    as_root = os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="banshi-sbx-")
    marker = f"@@banshi-result-{secrets.token_hex(8)}@@"
    header = json.dumps({"tmp": tmp, "read": _read_roots(), "preload": bool(preload_sympy), "marker": marker,
                         "audit": audit})
    tmp_b, mounts = os.fsencode(os.path.realpath(tmp)), _mount_points()
    start = time.monotonic()
    isolation = ["rlimits", "tempdir-cwd"] + (["audit-hook"] if audit else [])
    try:
        proc = subprocess.Popen(
            [sys.executable, "-I", "-c", _BOOT],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=tmp, env={"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"},
            start_new_session=True, close_fds=True,
            preexec_fn=lambda: _preexec(limits, tmp_b, mounts, as_root),  # noqa: PLW1509 - we need rlimits in the child
        )
        out, err, timed_out, overflow = _communicate(proc, (header + "\n" + code).encode(), limits)
        seconds = time.monotonic() - start
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    stdout = out.decode("utf-8", "replace")
    stderr = err.decode("utf-8", "replace")
    if "no-network-namespace" not in stderr and "no-namespaces" not in stderr:
        isolation.append("network-namespace")
    if "no-readonly-fs" not in stderr and "no-namespaces" not in stderr:
        isolation.append("readonly-fs")
    res = SandboxResult(ok=False, seconds=seconds, timed_out=timed_out, isolation=isolation)
    body, _, tail = stdout.rpartition("\n" + marker)
    if tail and not timed_out and not overflow:
        res.stdout = body
        try:
            data = json.loads(tail.strip().splitlines()[0])
        except (json.JSONDecodeError, IndexError):
            data = {"ok": False, "error": "malformed result"}
        res.ok = bool(data.get("ok"))
        res.value = data.get("value")
        res.error = data.get("error", "")
        if res.ok and res.value is None:
            printed = [ln.strip() for ln in body.splitlines() if ln.strip()]
            res.value = printed[-1] if printed else None
        return res
    res.stdout = stdout[: limits.max_output]
    res.killed = True
    if timed_out:
        res.error = f"timed out after {limits.wall_seconds:g}s"
    elif overflow:
        res.error = f"too much output (over {limits.max_output} bytes)"
    elif proc.returncode is not None and proc.returncode < 0:
        sig = -proc.returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        res.error = {"SIGXCPU": f"CPU limit ({limits.cpu_seconds}s) exceeded",
                     "SIGKILL": "killed (CPU or memory limit)"}.get(name, f"killed by {name}")
    else:
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip() and "banshi-sandbox" not in ln]
        res.error = lines[-1] if lines else f"exited with status {proc.returncode}"
        if "MemoryError" in stderr:
            res.error = f"memory limit ({limits.memory_mb} MB) exceeded"
    return res


def _communicate(proc: subprocess.Popen[bytes], data: bytes, limits: Limits) -> tuple[bytes, bytes, bool, bool]:
    """Feed stdin, read stdout/stderr with a byte cap and a wall-clock deadline; kill the group
    on either."""
    assert proc.stdin and proc.stdout and proc.stderr
    deadline = time.monotonic() + limits.wall_seconds
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except BrokenPipeError:
        pass
    out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
    bufs: dict[int, bytearray] = {out_fd: bytearray(), err_fd: bytearray()}
    open_fds = set(bufs)
    timed_out = overflow = False
    while open_fds:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select(list(open_fds), [], [], min(left, 0.5))
        for fd in ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                open_fds.discard(fd)
                continue
            bufs[fd] += chunk
            if len(bufs[fd]) > limits.max_output + 4096:
                overflow = True
        if overflow:
            break
    if timed_out or overflow:
        _kill_group(proc)
    try:
        proc.wait(timeout=max(0.1, deadline - time.monotonic()) if not (timed_out or overflow) else 2)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        proc.wait(timeout=2)
    proc.stdout.close()
    proc.stderr.close()
    return bytes(bufs[out_fd]), bytes(bufs[err_fd]), timed_out, overflow


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            proc.kill()
        except ProcessLookupError:
            pass
