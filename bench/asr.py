"""Speech recognition benchmark: character error rate (Chinese), word error rate (English) and
real-time factor of the local Whisper on a folder of audio files with ``.txt`` transcripts.

    python -m bench.asr --data bench/data/asr [--limit N] [--threads N]
    python -m bench.asr --data bench/data/asr --long   # clips joined per language: long-form
    python -m bench.asr --make bench/data/asr          # re-synthesise the bundled set with espeak-ng

The language of each clip is detected, not given (as in use); a reference with Chinese characters
is scored by CER, any other by WER. The real-time factor is wall-clock transcription time /
audio time, model loading excluded (reported apart); on a shared machine it grows with the other
load, so the CPU seconds spent per audio second are reported too. Prints JSON; never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

AUDIO = {".wav", ".mp3", ".m4a", ".ogg", ".opus", ".flac", ".webm"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}

#: the bundled set: everyday requests to an assistant, synthesised by ``--make``
SENTENCES = {
    "zh": [
        "我们明天上午开会。", "请帮我订一张去上海的火车票。", "今天天气怎么样？", "提醒我晚上给妈妈打电话。",
        "附近有什么好吃的饭店？", "帮我把这封邮件翻译成英文。", "我想听一首轻松的音乐。", "周末我们去公园散步吧。",
        "这道数学题怎么做？", "请把会议改到下午。", "我的快递到哪里了？", "给我讲一个有趣的故事。",
    ],
    "en": [
        "Please book a table for two tonight.", "What is the weather like tomorrow?",
        "Remind me to call my mother this evening.", "Translate this email into Chinese.",
        "How long does the train to Shanghai take?", "Add milk and bread to my shopping list.",
        "Move the meeting to the afternoon.", "Where is my package right now?",
        "Play some relaxing music.", "Tell me a funny story about a cat.",
        "Find a quiet coffee shop near the office.", "Summarize this document in three points.",
    ],
}
VOICES = {"zh": ("cmn-latn-pinyin", 120), "en": ("en-us", 160)}


def normalise(text: str, chinese: bool) -> list[str]:
    """Tokens to compare: characters for Chinese, words for the rest; case, punctuation and
    spacing ignored; English number words up to twenty read as digits."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
    if chinese:
        return [c for c in text if not c.isspace()]
    return [_NUMBERS.get(w, w) for w in text.split()]


def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def clips(data: Path) -> list[tuple[Path, str]]:
    out = []
    for audio in sorted(p for p in data.iterdir() if p.suffix.lower() in AUDIO):
        ref = audio.with_suffix(".txt")
        if ref.is_file():
            out.append((audio, ref.read_text(encoding="utf-8").strip()))
    return out


def run(data: Path, limit: int | None, threads: int) -> dict:
    from banshi.config import get_settings
    from banshi.media import audio as audiomod
    from banshi.media.asr import get_transcriber

    settings = get_settings().model_copy(update={"n_threads": threads})
    items = clips(data)[:limit] if limit else clips(data)
    t0 = time.perf_counter()
    transcriber = get_transcriber(settings)
    load_s = time.perf_counter() - t0
    stats = {"zh": [0, 0, 0.0, 0.0, 0, 0], "en": [0, 0, 0.0, 0.0, 0, 0]}  # errors, tokens, secs, audio, n, lang ok
    samples = []
    cpu_total = 0.0
    for path, ref in items:
        chinese = bool(_CJK.search(ref))
        lang = "zh" if chinese else "en"
        seconds = audiomod.duration(path) or 0.0
        t, cpu = time.perf_counter(), time.process_time()
        out = transcriber.transcribe(path)
        elapsed = time.perf_counter() - t
        cpu_total += time.process_time() - cpu
        r, h = normalise(ref, chinese), normalise(out.text, chinese)
        s = stats[lang]
        s[0] += edit_distance(r, h)
        s[1] += len(r)
        s[2] += elapsed
        s[3] += seconds
        s[4] += 1
        s[5] += out.language == lang
        samples.append({"file": path.name, "ref": ref, "hyp": out.text, "language": out.language,
                        "rtf": round(elapsed / seconds, 3) if seconds else None})
    total_s = sum(s[2] for s in stats.values())
    total_audio = sum(s[3] for s in stats.values())

    def rate(lang: str) -> float | None:
        return round(stats[lang][0] / stats[lang][1], 4) if stats[lang][1] else None

    return {
        "n": len(items),
        "cer_zh": rate("zh"),
        "wer_en": rate("en"),
        "rtf": round(total_s / total_audio, 3) if total_audio else None,
        # CPU seconds (all threads) per audio second: what the machine's load does not change
        "cpu_seconds_per_audio_second": round(cpu_total / total_audio, 3) if total_audio else None,
        "audio_seconds": round(total_audio, 1),
        "transcribe_seconds": round(total_s, 1),
        "load_seconds": round(load_s, 1),
        "threads": threads,
        "model": settings.whisper_model,
        "by_language": {lang: {"n": s[4], "rtf": round(s[2] / s[3], 3) if s[3] else None,
                               "language_detected": f"{s[5]}/{s[4]}"} for lang, s in stats.items() if s[4]},
        "samples": samples,
    }


def long_form(data: Path, limit: int | None, threads: int) -> dict:
    """Long-form: each language's clips joined (0.5 s of silence between) into one recording and
    transcribed as one, as an uploaded meeting would be; Whisper's 30-s window is then full."""
    import wave

    import numpy as np

    from banshi.config import get_settings
    from banshi.media import audio as audiomod
    from banshi.media.asr import get_transcriber

    settings = get_settings().model_copy(update={"n_threads": threads})
    transcriber = get_transcriber(settings)
    items = clips(data)[:limit] if limit else clips(data)
    result: dict = {"mode": "long", "threads": threads, "model": settings.whisper_model}
    gap = np.zeros(audiomod.SAMPLE_RATE // 2, dtype=np.float32)
    for lang in ("zh", "en"):
        chosen = [(p, r) for p, r in items if bool(_CJK.search(r)) == (lang == "zh")]
        if not chosen:
            continue
        pieces = []
        for path, _ in chosen:
            pieces += [c for _, c in audiomod.iter_chunks(path, 600, 3600)] + [gap]
        signal = np.concatenate(pieces)
        with tempfile.TemporaryDirectory() as tmp:
            wav_path = Path(tmp) / "long.wav"
            with wave.open(str(wav_path), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(audiomod.SAMPLE_RATE)
                w.writeframes((np.clip(signal, -1, 1) * 32767).astype(np.int16).tobytes())
            t, cpu = time.perf_counter(), time.process_time()
            out = transcriber.transcribe(wav_path, lang)  # one language per recording, given
            elapsed, cpu_s = time.perf_counter() - t, time.process_time() - cpu
        seconds = len(signal) / audiomod.SAMPLE_RATE
        ref = normalise(" ".join(r for _, r in chosen), lang == "zh")
        hyp = normalise(out.text, lang == "zh")
        result[lang] = {"n_clips": len(chosen), "audio_seconds": round(seconds, 1),
                        ("cer" if lang == "zh" else "wer"): round(edit_distance(ref, hyp) / len(ref), 4),
                        "rtf": round(elapsed / seconds, 3), "cpu_seconds_per_audio_second": round(cpu_s / seconds, 3),
                        "segments": len(out.segments)}
    return result


def make(out: Path) -> dict:
    """Synthesise the bundled set with espeak-ng and store it as 16 kHz mono Opus (small)."""
    import av

    exe = shutil.which("espeak-ng")
    if not exe:
        sys.exit("espeak-ng is needed: apt-get install espeak-ng")
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for lang, sentences in SENTENCES.items():
            voice, speed = VOICES[lang]
            for i, text in enumerate(sentences, 1):
                wav = Path(tmp) / "x.wav"
                subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(wav), text], check=True)
                target = out / f"{lang}-{i:02d}.ogg"
                with av.open(str(wav)) as src, av.open(str(target), "w", format="ogg") as dst:
                    stream = dst.add_stream("libopus", rate=16000, layout="mono")
                    stream.bit_rate = 24000
                    resampler = av.AudioResampler(format="s16", layout="mono", rate=16000)
                    for frame in src.decode(audio=0):
                        for f in resampler.resample(frame):
                            for p in stream.encode(f):
                                dst.mux(p)
                    for f in resampler.resample(None):
                        for p in stream.encode(f):
                            dst.mux(p)
                    for p in stream.encode(None):
                        dst.mux(p)
                target.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
                n += 1
    return {"made": n, "dir": str(out), "bytes": sum(p.stat().st_size for p in out.iterdir())}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.asr", description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=Path(__file__).parent / "data" / "asr")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--long", action="store_true",
                    help="join each language's clips into one recording (long-form RTF, language given)")
    ap.add_argument("--make", type=Path, default=None, help="synthesise the bundled set into this folder")
    args = ap.parse_args(argv)
    if args.make:
        print(json.dumps(make(args.make), ensure_ascii=False))
        return
    if not args.data.is_dir():
        sys.exit(f"no such folder: {args.data}")
    out = long_form(args.data, args.limit, args.threads) if args.long else run(args.data, args.limit, args.threads)
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
