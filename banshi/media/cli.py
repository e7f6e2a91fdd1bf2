"""``banshi transcribe | speak``: the senses from the terminal, as /v1/audio/transcriptions and
/v1/audio/speech run them (local Whisper, espeak-ng; no server needed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from banshi.cli import save_file, text_arg
from banshi.config import get_settings
from banshi.errors import InvalidInput

FORMATS = ("text", "srt", "vtt", "minutes")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("transcribe", help="speech to text (mp3/m4a/wav/…): text, subtitles or meeting minutes")
    p.add_argument("file", type=Path)
    p.add_argument("--language", help="zh, en, … (default: detected)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="minutes: the transcript with timestamps, then summary, decisions and action items")
    p.set_defaults(func=cmd_transcribe)
    p = sub.add_parser("speak", help="text to speech (espeak-ng, Mandarin and English) into a WAV file")
    p.add_argument("text", nargs="*", help="the text (or read from stdin)")
    p.add_argument("-o", "--out", type=Path, default=Path("banshi-speech.wav"))
    p.add_argument("--voice", default="auto")
    p.set_defaults(func=cmd_speak)


def cmd_transcribe(args: argparse.Namespace) -> int:
    from banshi.media import asr

    settings = get_settings()
    if not args.file.is_file():
        raise InvalidInput(f"no such file: {args.file}")
    asr.audio.check_duration(args.file, settings.max_audio_seconds)  # a recording too long is refused first

    def progress(done: float, total: float | None) -> None:
        print(f"\r… {asr.clock(done)}" + (f" / {asr.clock(total)}" if total else ""), end="", file=sys.stderr)

    transcript = asr.get_transcriber(settings).transcribe(args.file, args.language, progress=progress)
    print(file=sys.stderr)
    if args.format == "srt":
        print(asr.to_srt(transcript))
    elif args.format == "vtt":
        print(asr.to_vtt(transcript))
    elif args.format == "text":
        print(transcript.text)
    else:
        from banshi.media.recordings import minutes
        from banshi.models.base import get_backend

        for s in transcript.segments:
            print(f"[{asr.clock(s.start)}] {s.text}")
        done = minutes(transcript, settings, get_backend(settings))
        print(f"\n{done.summary}")
        for d in done.decisions:
            print(f"- decision: {d}")
        for item in done.action_items:
            print("- to do: " + " · ".join(v for v in item.values() if v))
    return 0


def cmd_speak(args: argparse.Namespace) -> int:
    from banshi.media import tts

    speech = tts.synthesize(text_arg(args.text), voice=args.voice, response_format="wav")
    save_file(args.out, speech.audio)
    return 0
