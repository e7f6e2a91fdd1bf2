"""``banshi memory …``: list, search, add, edit, delete, export, import, on/off — the same
operations as /api/memory, on the local user (or ``--user NAME`` in multi-user mode)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from banshi.config import get_settings
from banshi.errors import NotFound


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("memory", help="what the assistant remembers: list, search, edit, delete, export, import")
    p.add_argument("--user", default="", help="username (multi-user mode; default: the local user)")
    p.set_defaults(func=lambda a: p.print_help() or 0)
    m = p.add_subparsers(metavar="action")
    c = m.add_parser("list", help="the remembered facts")
    c.add_argument("--history", action="store_true", help="also facts replaced by newer ones")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_list)
    c = m.add_parser("search", help="search facts and past messages")
    c.add_argument("query")
    c.add_argument("--limit", type=int, default=10)
    c.set_defaults(func=cmd_search)
    c = m.add_parser("add", help="remember a sentence (\"my dentist is Dr Wu\")")
    c.add_argument("text")
    c.set_defaults(func=cmd_add)
    c = m.add_parser("edit", help="correct a fact's value")
    c.add_argument("id")
    c.add_argument("value")
    c.set_defaults(func=cmd_edit)
    c = m.add_parser("delete", help="delete a fact (and the messages that said it, from recall)")
    c.add_argument("id", nargs="?")
    c.add_argument("--all", action="store_true", help="every fact and the whole recall index")
    c.set_defaults(func=cmd_delete)
    c = m.add_parser("export", help="write the memory as JSON (stdout or a file)")
    c.add_argument("file", nargs="?")
    c.set_defaults(func=cmd_export)
    c = m.add_parser("import", help="read facts from a JSON export")
    c.add_argument("file")
    c.set_defaults(func=cmd_import)
    for name, on in (("on", True), ("off", False)):
        c = m.add_parser(name, help=f"turn memory {name}")
        c.set_defaults(func=lambda a, on=on: cmd_switch(a, on))


def _run(args: argparse.Namespace, work):  # type: ignore[no-untyped-def]
    from banshi.api.auth import local_user
    from banshi.memory import get_memory
    from banshi.store.db import session_scope
    from banshi.store.tables import User

    settings = get_settings()
    with session_scope(settings) as db:
        if args.user:
            user = db.scalar(select(User).where(User.username == args.user))
            if user is None:
                raise NotFound(f"no user {args.user!r}")
        else:
            user = local_user(db)
        return work(get_memory(settings), db, user.id)


def _print(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_list(args: argparse.Namespace) -> int:
    def work(memory, db: Session, uid: str) -> int:  # type: ignore[no-untyped-def]
        facts = memory.list_facts(db, user_id=uid, include_history=args.history)
        if args.json:
            _print(facts)
            return 0
        print(f"memory is {'on' if memory.enabled(db, uid) else 'off'}; {len(facts)} facts")
        for f in facts:
            mark = "" if f["status"] == "active" else f"  ({f['status']})"
            print(f"{f['id']}  {f['created_at'][:10]}  {f['memory']}{mark}")
        return 0
    return _run(args, work)


def cmd_search(args: argparse.Namespace) -> int:
    def work(memory, db: Session, uid: str) -> int:  # type: ignore[no-untyped-def]
        for r in memory.search(db, args.query, user_id=uid, limit=args.limit)["results"]:
            print(f"{r['type']:7}  {r['created_at'][:10]}  {r['memory'][:120]}")
        return 0
    return _run(args, work)


def cmd_add(args: argparse.Namespace) -> int:
    return _run(args, lambda memory, db, uid: _print(memory.create(db, user_id=uid, text=args.text)) or 0)


def cmd_edit(args: argparse.Namespace) -> int:
    return _run(args, lambda memory, db, uid: _print(memory.update(db, args.id, user_id=uid, value=args.value)) or 0)


def cmd_delete(args: argparse.Namespace) -> int:
    def work(memory, db: Session, uid: str) -> int:  # type: ignore[no-untyped-def]
        if args.all:
            memory.delete_all(db, user_id=uid)
            print("deleted every fact and the recall index")
        elif args.id:
            memory.delete(db, args.id, user_id=uid)
            print(f"deleted {args.id}")
        else:
            print("give a fact id or --all", file=sys.stderr)
            return 2
        return 0
    return _run(args, work)


def cmd_export(args: argparse.Namespace) -> int:
    def work(memory, db: Session, uid: str) -> int:  # type: ignore[no-untyped-def]
        text = json.dumps(memory.export(db, user_id=uid), ensure_ascii=False, indent=2)
        if args.file:
            Path(args.file).write_text(text, encoding="utf-8")
        else:
            print(text)
        return 0
    return _run(args, work)


def cmd_import(args: argparse.Namespace) -> int:
    data = json.loads(Path(args.file).read_text(encoding="utf-8"))
    return _run(args, lambda memory, db, uid: _print(memory.import_(db, data, user_id=uid)) or 0)


def cmd_switch(args: argparse.Namespace, on: bool) -> int:
    def work(memory, db: Session, uid: str) -> int:  # type: ignore[no-untyped-def]
        memory.set_enabled(db, uid, on)
        print(f"memory is {'on' if on else 'off'}")
        return 0
    return _run(args, work)
