"""``banshi homework | write | translate | draw``: the skills from the terminal, on the configured
model, as /api/skills/* and /v1/images/generations run them (no server needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from banshi.cli import read_file, save_file, text_arg
from banshi.config import get_settings
from banshi.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("homework", help="solve a maths problem (typed, or --photo), checked by running programs")
    p.add_argument("text", nargs="*", metavar="problem", help="the problem (or read from stdin)")
    p.add_argument("--photo", type=Path, help="a photo of the problem")
    p.add_argument("--level", default="primary", help="explain for: primary, middle, high or adult")
    p.add_argument("--no-explain", action="store_true", help="only the answer")
    p.set_defaults(func=cmd_homework)
    p = sub.add_parser("write", help="writing skills: email, report, essay, social_post, summary, polish, …")
    p.add_argument("skill")
    p.add_argument("text", nargs="*", help="the text or the topic (or read from stdin)")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="e.g. tone=formal")
    p.set_defaults(func=cmd_write)
    p = sub.add_parser("translate", help="translate text (zh <-> en by default), formatting kept")
    p.add_argument("text", nargs="*", help="the text (or read from stdin)")
    p.add_argument("--to", dest="target", help="target language code (en, zh, ja, …)")
    p.add_argument("--glossary", action="append", default=[], metavar="TERM=TRANSLATION")
    p.set_defaults(func=cmd_translate)
    p = sub.add_parser("draw", help="draw a poster, icon, diagram or illustration as a PNG")
    p.add_argument("text", nargs="+", metavar="prompt")
    p.add_argument("-o", "--out", type=Path, default=Path("banshi-image.png"))
    p.add_argument("--size", help="e.g. 512x512")
    p.set_defaults(func=cmd_draw)


def _pairs(items: list[str], what: str) -> dict[str, str]:
    bad = [i for i in items if "=" not in i]
    if bad:
        raise InvalidInput(f"{what} must be NAME=VALUE: {', '.join(bad)}")
    return {k.strip(): v.strip() for k, v in (i.split("=", 1) for i in items)}


def _backend() -> Any:
    from banshi.models.base import get_backend

    return get_backend(get_settings())


def cmd_homework(args: argparse.Namespace) -> int:
    from banshi.skills import homework

    settings = get_settings()
    image = read_file(args.photo, settings.max_image_mb) if args.photo else None
    problem = None if image else text_arg(args.text)
    answer = None
    for event in homework.solve_stream(_backend(), problem, image=image, level=args.level, explain=not args.no_explain,
                                       settings=settings):
        if event["type"] == "stage":
            print(f"… {event['stage']}", file=sys.stderr)
        elif event["type"] == "read":
            print(f"read from the photo: {event['problem']}", file=sys.stderr)
        elif event["type"] == "delta":
            print(event["text"], end="", flush=True)
        elif event["type"] == "result":
            answer = event["result"]
    if answer is None:
        return 1
    print()
    print(f"answer: {answer['answer'] or '—'} ({'verified' if answer['verified'] else 'not verified'})")
    if answer["notice"]:
        print(answer["notice"])
    return 0 if answer["answer"] is not None else 1


def cmd_write(args: argparse.Namespace) -> int:
    from banshi.skills import writing

    for piece in writing.write_stream(_backend(), args.skill, text_arg(args.text), _pairs(args.param, "--param")):
        print(piece, end="", flush=True)
    print()
    return 0


def cmd_translate(args: argparse.Namespace) -> int:
    from banshi.skills import translate

    glossary = _pairs(args.glossary, "--glossary") or None
    for event in translate.translate_stream(_backend(), text_arg(args.text), target=args.target, glossary=glossary):
        if event["type"] == "piece":
            print(event["text"], end="", flush=True)
        elif event["type"] == "result" and event["glossary_missing"]:
            print(f"\n(glossary terms not used: {', '.join(event['glossary_missing'])})", file=sys.stderr)
    print()
    return 0


def cmd_draw(args: argparse.Namespace) -> int:
    from banshi.skills import images

    made = images.generate(_backend(), text_arg(args.text), size=args.size)
    save_file(args.out, made[0].png)
    return 0
