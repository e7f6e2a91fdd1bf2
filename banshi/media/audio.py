"""Audio decoding for speech recognition: any container FFmpeg reads (wav, mp3, m4a, ogg/opus,
webm from a browser's MediaRecorder, flac) → 16 kHz mono float32, streamed in chunks so a
long recording never sits in memory whole. PyAV (which faster-whisper brings) does the work.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from banshi.errors import InvalidInput, TooLarge
from banshi.media.lazy import need

SAMPLE_RATE = 16_000
_FRAME = SAMPLE_RATE // 20  # 50 ms frames when looking for a quiet place to cut
_CUT_WINDOW = 3 * SAMPLE_RATE  # look for the cut in the last 3 s of a chunk


def _av():  # type: ignore[no-untyped-def]
    return need("av", "av")


def _open(path: Path):  # type: ignore[no-untyped-def]
    av = _av()
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as e:
        raise InvalidInput(f"{path.name}: not a readable audio file ({e})", code="bad_audio") from None
    if not container.streams.audio:
        container.close()
        raise InvalidInput(f"{path.name}: the file has no audio track", code="bad_audio")
    return container


def duration(path: Path) -> float | None:
    """The duration the container declares, in seconds (``None`` when it does not say)."""
    container = _open(path)
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        return None
    finally:
        container.close()


def check_duration(path: Path, max_seconds: float) -> float | None:
    """The declared duration, refusing audio longer than ``max_seconds``."""
    seconds = duration(path)
    if seconds is not None and seconds > max_seconds:
        raise TooLarge(
            f"{path.name}: {seconds / 60:.0f} min of audio is over the limit of {max_seconds / 60:.0f} min "
            "(BANSHI_MAX_AUDIO_SECONDS)", code="audio_too_long")
    return seconds


def _quiet_cut(buf: np.ndarray, want: int, window_len: int) -> int:
    """Where to cut ``buf`` near ``want`` samples: the quietest 50 ms frame in the window before it,
    so a word is rarely split between two chunks."""
    lo = max(0, want - window_len)
    window = buf[lo:want]
    n = len(window) // _FRAME
    if n < 2:
        return want
    energy = np.square(window[: n * _FRAME].reshape(n, _FRAME)).mean(axis=1)
    return lo + int(np.argmin(energy)) * _FRAME + _FRAME // 2


def iter_chunks(path: Path, chunk_seconds: float, max_seconds: float) -> Iterator[tuple[float, np.ndarray]]:
    """Yield ``(offset_seconds, samples)``: 16 kHz mono float32 pieces of about ``chunk_seconds``,
    cut at quiet moments. Raises ``TooLarge`` as soon as more than ``max_seconds`` is decoded (for
    files that do not declare their duration) and ``InvalidInput`` for undecodable data."""
    av = _av()
    chunk = int(chunk_seconds * SAMPLE_RATE)
    cut_window = min(_CUT_WINDOW, chunk // 4)
    limit = int(max_seconds * SAMPLE_RATE)
    container = _open(path)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_len = 0
    emitted = 0  # samples already yielded
    decoded = 0

    def frames() -> Iterator[np.ndarray]:
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1)

    try:
        try:
            for samples in frames():
                decoded += len(samples)
                if decoded > limit:
                    raise TooLarge(
                        f"{path.name}: the audio is longer than the limit of {max_seconds / 60:.0f} min "
                        "(BANSHI_MAX_AUDIO_SECONDS)", code="audio_too_long")
                pending.append(samples.astype(np.float32, copy=False))
                pending_len += len(samples)
                if pending_len >= chunk + cut_window:
                    buf = np.concatenate(pending)
                    cut = _quiet_cut(buf, chunk, cut_window)
                    yield emitted / SAMPLE_RATE, buf[:cut]
                    emitted += cut
                    rest = buf[cut:]
                    pending, pending_len = [rest], len(rest)
        except av.error.FFmpegError as e:
            raise InvalidInput(f"{path.name}: the audio data is corrupt ({e})", code="bad_audio") from None
        if pending_len:
            yield emitted / SAMPLE_RATE, np.concatenate(pending)
        elif emitted == 0:
            raise InvalidInput(f"{path.name}: no audio could be decoded", code="bad_audio")
    finally:
        container.close()
