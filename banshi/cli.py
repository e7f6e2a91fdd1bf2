"""The ``banshi`` command: serve, chat, ask, models, doctor (and what other areas register).

Each area that adds commands has a ``register(subparsers)`` function listed in ``COMMANDS``."""

from __future__ import annotations

import argparse
import importlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from banshi.config import Settings, get_settings
from banshi.errors import BanshiError, InvalidInput, TooLarge

console = Console(highlight=False)
err = Console(stderr=True, highlight=False)

#: modules with a ``register(subparsers)`` adding their own commands
COMMANDS: list[str] = [
    "banshi.agents.mcp_server",  # banshi mcp
    "banshi.memory.cli",  # banshi memory
    "banshi.skills.cli",  # banshi homework / write / translate / draw
    "banshi.media.cli",  # banshi transcribe / speak
]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, rest = parser.parse_known_args(argv)
    if rest:  # words after an option ("write shorten --param percent=50 the text …") are the text
        if not isinstance(getattr(args, "text", None), list) or any(r.startswith("-") for r in rest):
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        args.text += rest
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except BanshiError as e:
        err.print(f"[red]error[/red] ({e.code}): {e.message}")
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="banshi", description="Banshi (办事): your own AI assistant")
    sub = p.add_subparsers(metavar="command")

    s = sub.add_parser("serve", help="start the web UI and the API")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)
    s.set_defaults(func=cmd_serve)

    c = sub.add_parser("chat", help="chat in the terminal")
    c.add_argument("--think", action="store_true", help="deep thinking: show the reasoning")
    c.add_argument("--conversation", help="continue a stored conversation by id")
    c.set_defaults(func=cmd_chat)

    a = sub.add_parser("ask", help="ask once and print only the answer (reads stdin too)")
    a.add_argument("question", nargs="*")
    a.add_argument("--think", action="store_true")
    a.set_defaults(func=cmd_ask)

    m = sub.add_parser("models", help="list, assemble and verify the packaged models")
    m.add_argument("action", nargs="?", choices=["list", "assemble", "verify"], default="list")
    m.add_argument("name", nargs="?", help="model name (default: the configured one)")
    m.set_defaults(func=cmd_models)

    d = sub.add_parser("doctor", help="check what is installed and working")
    d.set_defaults(func=cmd_doctor)

    for name in COMMANDS:
        importlib.import_module(name).register(sub)
    return p


# -- for the commands' modules -------------------------------------------------------------
def text_arg(words: list[str], missing: str = "give the text as arguments or on stdin") -> str:
    """The text given as arguments, then what is piped in (``git diff | banshi ask "review
    this"``); none is a clear error."""
    text = " ".join(words).strip()
    if not sys.stdin.isatty():
        piped = sys.stdin.read().strip()
        text = f"{text}\n\n{piped}".strip() if piped else text
    if not text:
        raise InvalidInput(missing)
    return text


def read_file(path: Path, limit_mb: int) -> bytes:
    """A user's file, refused with a clear error when missing or over ``limit_mb`` (before reading)."""
    if not path.is_file():
        raise InvalidInput(f"no such file: {path}")
    if path.stat().st_size > limit_mb << 20:
        raise TooLarge(f"{path} is over {limit_mb} MB")
    return path.read_bytes()


def save_file(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as e:
        raise InvalidInput(f"cannot write {path}: {e.strerror}") from None
    print(path)


# -- serve -------------------------------------------------------------------------------
def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from banshi.api.app import create_app

    settings = get_settings()
    host, port = args.host or settings.host, args.port or settings.port
    if host not in ("127.0.0.1", "localhost", "::1") and not settings.multi_user:
        err.print("[yellow]warning[/yellow]: single-user mode needs no key; bind to 127.0.0.1 "
                  "or set BANSHI_MULTI_USER=true before exposing the server")
    console.print(f"Banshi on [bold]http://{host}:{port}[/bold]  (backend: {settings.backend})")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
    return 0


# -- chat and ask ------------------------------------------------------------------------
def _local_user_id(settings: Settings) -> str:
    from banshi.api.auth import local_user
    from banshi.store.db import session_scope

    with session_scope(settings) as db:
        return local_user(db).id


def _new_conversation(settings: Settings, user_id: str, title: str = "") -> str:
    from banshi.store.db import session_scope
    from banshi.store.tables import Conversation

    with session_scope(settings) as db:
        conv = Conversation(user_id=user_id, title=title)
        db.add(conv)
        db.flush()
        return conv.id


def _print_stream(events, on_text: Callable[[str], None], show_reasoning: bool) -> dict:  # type: ignore[no-untyped-def]
    settings = get_settings()
    done: dict = {}
    in_reasoning = False
    mid_line = False  # the answer's text stopped mid-line: a note goes on a line of its own
    for ev in events:
        kind = ev["type"]
        if mid_line and kind in ("sources", "tool", "action", "skill"):
            err.print()
            mid_line = False
        if kind == "reasoning" and show_reasoning:
            if not in_reasoning:
                err.print("[dim]thinking…[/dim]")
                in_reasoning = True
            err.print(f"[dim]{ev['text']}[/dim]", end="")
        elif kind == "text":
            if in_reasoning:
                err.print()
                in_reasoning = False
            on_text(ev["text"])
            mid_line = bool(ev["text"]) and not ev["text"].endswith("\n")
        elif kind == "sources":
            for s in ev["sources"]:
                said = {"remembered": "memory keeps", "forgotten": "forgotten"}.get(s.get("type"), "remembered")
                err.print(f"[dim]{said}: {s.get('text', s)}[/dim]")
        elif kind == "tool":  # the dispatcher ran a read (banshi.agents.dispatcher)
            err.print(f"[dim]{'✓' if ev['ok'] else '✗'} {ev['tool']}[/dim]")
        elif kind == "action":  # a write waiting for "确认"/"yes" (or decided)
            a = ev["action"]
            err.print(f"[bold]{'⏳ confirm? ' if a['status'] == 'pending' else a['status'] + ': '}[/bold]{a['summary']}"
                      + (" [dim](type 确认/yes or 取消/no)[/dim]" if a["status"] == "pending" else ""))
        elif kind == "skill":  # a skill answers (banshi.skills.route): its stage, then its result
            _print_skill(ev, settings)
        elif kind == "error":
            raise BanshiError(ev["error"]["message"], code=ev["error"]["code"])
        elif kind == "done":
            done = ev["message"]
    return done


def _print_skill(ev: dict, settings: Settings) -> None:
    result = ev.get("result")
    if result is None:
        err.print(f"[dim]… {ev['stage']}[/dim]")
    elif result.get("file_id"):  # a drawing, kept among the user's files
        from banshi.media.files import FileStore

        err.print(f"[dim]picture: {FileStore(settings, _local_user_id(settings)).path(result['file_id'])}[/dim]")
    elif result.get("answer") is not None:
        err.print(f"[dim]{'checked' if result['verified'] else 'not checked'}: {result['check']}[/dim]")


def cmd_chat(args: argparse.Namespace) -> int:
    from banshi.assistant import build_engine

    settings = get_settings()
    engine = build_engine(settings)
    user_id = _local_user_id(settings)
    conv_id = args.conversation or _new_conversation(settings, user_id)
    console.print("[bold]Banshi[/bold] — type your message; /new starts over, /exit or Ctrl-D leaves. "
                  "Ctrl-C stops an answer.")
    while True:
        try:
            line = console.input("[bold cyan]you ›[/bold cyan] ")
        except EOFError:
            console.print()
            return 0
        if not line.strip():
            continue
        if line.strip() in ("/exit", "/quit"):
            return 0
        if line.strip() == "/new":
            conv_id = _new_conversation(settings, user_id)
            continue
        cancel = threading.Event()
        console.print("[bold green]banshi ›[/bold green] ", end="")
        events = engine.stream_turn(user_id, conv_id, content=line, think=args.think, cancel=cancel)
        try:
            _print_stream(events, lambda t: console.print(t, end="", markup=False), args.think)
        except KeyboardInterrupt:
            cancel.set()
            events.close()
            console.print(" [dim](stopped)[/dim]", end="")
        console.print()


def cmd_ask(args: argparse.Namespace) -> int:
    from banshi.assistant import build_engine

    question = text_arg(args.question, "nothing to ask: give a question or pipe text in")
    settings = get_settings()
    engine = build_engine(settings)
    user_id = _local_user_id(settings)
    conv_id = _new_conversation(settings, user_id, title=question[:60])
    events = engine.stream_turn(user_id, conv_id, content=question, think=args.think)
    _print_stream(events, lambda t: (sys.stdout.write(t), sys.stdout.flush()), args.think)
    sys.stdout.write("\n")
    return 0


# -- models ------------------------------------------------------------------------------
def cmd_models(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn
    from rich.table import Table

    from banshi.models import weights

    settings = get_settings()
    if args.action == "list":
        table = Table("name", "model", "parts", "state", "path")
        for info in weights.list_models(settings):
            state = "assembled" if info.assembled else ("ready to assemble" if info.installed
                                                        else f"not installed: {info.install_hint}")
            table.add_row(info.name, info.title, f"{info.parts_installed}/{info.parts_total}", state,
                          str(info.path) if info.assembled else "")
        console.print(table)
        return 0
    name = args.name or settings.local_model
    spec = weights.MODELS.get(name)
    if spec is None:
        raise BanshiError(f"unknown packaged model {name!r}: {', '.join(weights.MODELS)}", code="invalid_input")
    with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=err) as bar:
        task = bar.add_task(f"{args.action} {name}", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if args.action == "assemble":
            path = weights.assemble(name, settings, progress=progress)
        else:
            path = weights.model_path(spec, settings)
            if not weights.verify(path, spec.sha256, progress, full=True):
                raise BanshiError(f"{path} is missing or does not match SHA-256 {spec.sha256}; "
                                  f"run: banshi models assemble {name}", code="model_corrupt")
    console.print(f"{name}: ok ({path})")
    return 0


# -- doctor ------------------------------------------------------------------------------
def cmd_doctor(args: argparse.Namespace) -> int:
    from banshi.doctor import checks

    settings = get_settings()
    bad = 0
    for name, ok, detail in checks(settings):
        mark = "[green]ok[/green]" if ok else "[red]missing[/red]"
        bad += not ok
        console.print(f"{mark:>22}  {name}: {detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
