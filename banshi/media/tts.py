"""Speech out: Debian's ``espeak-ng`` reads text aloud, Mandarin and English, picking the voice
per stretch of text (a Chinese answer with an English product name gets both voices).

Debian's espeak-ng ships the short Mandarin dictionary, whose ``cmn`` voice reads the pinyin of
Chinese characters with English phonemes; ``cmn-latn-pinyin`` reads them as Mandarin, so that
is the voice used for Chinese stretches, and Latin stretches go to an English voice.
Output: WAV, raw PCM, or MP3/FLAC encoded with PyAV.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import wave
from dataclasses import dataclass

from banshi.errors import BanshiError, InvalidInput, MissingDependency
from banshi.media.lazy import need

MAX_CHARS = 4096  # as OpenAI's speech endpoint
FORMATS = {"wav": "audio/wav", "mp3": "audio/mpeg", "flac": "audio/flac", "pcm": "audio/pcm"}
ZH_VOICE = "cmn-latn-pinyin"
EN_VOICE = "en-us"
#: OpenAI's voice names all mean "pick the voice from the text"; the rest choose a language
VOICES = {"zh": ZH_VOICE, "cmn": ZH_VOICE, "zh-cn": ZH_VOICE, "mandarin": ZH_VOICE,
          "en": EN_VOICE, "en-us": EN_VOICE, "en-gb": "en-gb", "english": EN_VOICE}
OPENAI_VOICES = {"alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse",
                 "auto"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_LATIN = re.compile(r"[A-Za-z]")
_BASE_RATE = 165  # espeak-ng words per minute at speed 1.0


class SpeechUnavailable(BanshiError):
    code = "tts_unavailable"
    status = 503


@dataclass
class Speech:
    audio: bytes
    media_type: str
    sample_rate: int


def runs(text: str) -> list[tuple[str, str]]:
    """Split ``text`` into ``(language, piece)`` stretches: ``zh`` where Chinese characters are,
    ``en`` where Latin letters are; digits, spaces and punctuation stay with the stretch they are in."""
    out: list[tuple[str, str]] = []
    current = ""
    buf: list[str] = []
    for ch in text:
        lang = "zh" if _CJK.match(ch) else "en" if _LATIN.match(ch) else ""
        if lang and current and lang != current:
            out.append((current, "".join(buf)))
            buf = []
        if lang:
            current = lang
        buf.append(ch)
    if buf:
        out.append((current or "en", "".join(buf)))
    return [(lang, piece) for lang, piece in out if piece.strip()]


def _espeak() -> str:
    path = shutil.which("espeak-ng")
    if not path:
        raise SpeechUnavailable("server-side speech needs espeak-ng: apt-get install espeak-ng "
                                "(or use the browser's own voices)")
    return path


def _synth(exe: str, voice: str, text: str, rate: int) -> tuple[bytes, int]:
    """Raw 16-bit mono PCM and its sample rate for ``text`` in ``voice``."""
    try:
        # text on stdin, never as an argument: it may start with "-"
        proc = subprocess.run([exe, "-v", voice, "-s", str(rate), "-b", "1", "--stdout"], input=text.encode(),
                              capture_output=True, timeout=60 + len(text) // 20, check=False)
    except subprocess.TimeoutExpired:
        raise SpeechUnavailable("espeak-ng took too long") from None
    if proc.returncode != 0 or not proc.stdout:
        raise SpeechUnavailable(f"espeak-ng failed: {proc.stderr.decode(errors='replace').strip()[:200]}")
    with wave.open(io.BytesIO(proc.stdout)) as w:
        return w.readframes(w.getnframes()), w.getframerate()


def _encode(pcm: bytes, rate: int, fmt: str) -> bytes:
    if fmt == "pcm":
        return pcm
    if fmt == "wav":
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        return buf.getvalue()
    try:
        av = need("av", "av")
    except MissingDependency:
        raise InvalidInput(f"response_format {fmt!r} needs PyAV; use wav or pcm") from None
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format=fmt) as out:
        codec = "libmp3lame" if fmt == "mp3" else fmt
        out_rate = 24_000 if fmt == "mp3" else rate  # MP3 has no 22.05 kHz at every bit rate
        stream = out.add_stream(codec, rate=out_rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(np.frombuffer(pcm, dtype=np.int16).reshape(1, -1), format="s16",
                                           layout="mono")
        frame.sample_rate = rate
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout="mono", rate=out_rate)
        for f in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(f):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def voice_for(voice: str) -> str | None:
    """The espeak-ng voice a request names, or ``None`` for "pick from the text"."""
    v = (voice or "auto").strip().lower()
    if v in OPENAI_VOICES:
        return None
    if v in VOICES:
        return VOICES[v]
    raise InvalidInput(f"unknown voice {voice!r}: use auto (or an OpenAI voice name), zh or en")


def synthesize(text: str, voice: str = "auto", response_format: str = "wav", speed: float = 1.0) -> Speech:
    """Read ``text`` aloud. ``voice``: an OpenAI voice name or ``auto`` (language picked per
    stretch of text), or ``zh`` / ``en`` to force one."""
    text = text.strip()
    if not text:
        raise InvalidInput("input: nothing to read")
    if len(text) > MAX_CHARS:
        raise InvalidInput(f"input: {len(text)} characters is over the limit of {MAX_CHARS}")
    fmt = response_format.lower()
    if fmt not in FORMATS:
        raise InvalidInput(f"response_format {response_format!r}: use one of {', '.join(FORMATS)}")
    if not 0.25 <= speed <= 4.0:
        raise InvalidInput("speed: between 0.25 and 4.0")
    forced = voice_for(voice)
    exe = _espeak()
    rate = max(80, min(450, int(_BASE_RATE * speed)))
    pieces = [(forced, text)] if forced else [(ZH_VOICE if lang == "zh" else EN_VOICE, p) for lang, p in runs(text)]
    pcm, sample_rate = [], 0
    for v, piece in pieces:
        data, sr = _synth(exe, v, piece, rate)
        sample_rate = sample_rate or sr
        pcm.append(data)
    return Speech(_encode(b"".join(pcm), sample_rate, fmt), FORMATS[fmt], sample_rate)
