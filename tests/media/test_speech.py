"""Speech in and out for real: Whisper base on espeak-ng clips, espeak-ng through the API."""

from __future__ import annotations

import io
import json
import wave
from pathlib import Path

import numpy as np
import pytest

from banshi.errors import InvalidInput, ModelError, TooLarge
from banshi.media import asr, audio, tts


def _wav(path: Path, seconds: float, rate: int = 8000, tone: bool = True) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    signal = (0.3 * np.sin(2 * np.pi * 440 * t)) if tone else np.zeros_like(t)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((signal * 32767).astype(np.int16).tobytes())
    return path


# -- the weights ------------------------------------------------------------------------------

def test_whisper_weights_join_and_are_pinned(settings, tmp_path):
    own = settings.model_copy(update={"model_cache": tmp_path / "models"})
    path = asr.whisper_dir(own)
    assert (path / "model.bin").stat().st_size == 145_217_532
    assert asr.verify(path / "model.bin", asr.WHISPER.sha256)
    # a damaged small file is replaced from the wheel; a damaged model.bin is re-joined
    (path / "config.json").write_text("{}")
    with (path / "model.bin").open("r+b") as f:
        f.write(b"\0" * 16)
    assert asr.whisper_dir(own) == path
    assert asr.verify(path / "config.json", asr.WHISPER_FILES["config.json"], full=True)
    assert asr.verify(path / "model.bin", asr.WHISPER.sha256, full=True)


def test_a_missing_whisper_directory_is_a_clear_error(settings):
    with pytest.raises(ModelError, match="neither"):
        asr.whisper_dir(settings.model_copy(update={"whisper_model": "/nonexistent/whisper"}))


# -- decoding in chunks -----------------------------------------------------------------------

def test_long_audio_is_decoded_in_bounded_chunks(tmp_path):
    path = _wav(tmp_path / "tone.wav", 23.0)
    chunks = list(audio.iter_chunks(path, chunk_seconds=5, max_seconds=60))
    assert len(chunks) >= 4
    assert all(len(c) <= 8 * audio.SAMPLE_RATE for _, c in chunks)  # chunk + cut window at most
    total = sum(len(c) for _, c in chunks)
    assert abs(total - 23.0 * audio.SAMPLE_RATE) < audio.SAMPLE_RATE * 0.05
    offsets = [o for o, _ in chunks]
    assert offsets == sorted(offsets) and offsets[0] == 0.0


def test_too_long_audio_is_refused_before_transcribing(tmp_path):
    path = _wav(tmp_path / "long.wav", 12.0, tone=False)
    with pytest.raises(TooLarge, match="over the limit"):
        audio.check_duration(path, 10)
    with pytest.raises(TooLarge):  # also while decoding, for files that do not declare a duration
        list(audio.iter_chunks(path, 5, 10))


def test_not_audio_is_refused(tmp_path):
    bad = tmp_path / "x.mp3"
    bad.write_bytes(b"this is not audio at all" * 100)
    with pytest.raises(InvalidInput):
        list(audio.iter_chunks(bad, 30, 60))


# -- recognition ------------------------------------------------------------------------------

def test_english_speech_is_transcribed_with_language_detected(settings, clips):
    t = asr.get_transcriber(settings).transcribe(clips["en"])
    assert t.language == "en"
    words = t.text.lower()
    assert "table" in words and "book" in words
    assert t.segments and t.segments[0].start >= 0 and t.segments[-1].end <= t.duration + 0.5


def test_mandarin_speech_is_transcribed_in_simplified_chinese(settings, clips):
    t = asr.get_transcriber(settings).transcribe(clips["zh"])
    assert t.language == "zh"
    assert "开会" in t.text and "明天" in t.text


def test_a_short_clips_window_is_encoded_once(settings, clips, monkeypatch):
    """Encoding the 30-s window is most of the work on a short clip: telling its language and
    transcribing it read one encoding."""
    from faster_whisper import WhisperModel

    transcriber = asr.get_transcriber(settings)
    encoded = []
    real = WhisperModel.encode
    monkeypatch.setattr(WhisperModel, "encode", lambda self, features: encoded.append(1) or real(self, features))
    for clip in (clips["en"], clips["zh"]):
        encoded.clear()
        t = transcriber.transcribe(clip)
        assert t.text and len(encoded) == 1, clip.name


def test_mandarin_whispers_own_guess_takes_for_english_is_read_as_chinese(settings, tmp_path):
    """The assistant's own spoken Chinese (espeak-ng's Mandarin, which Whisper's language guess
    took for English: "Then they shall find the enemy in the war") comes back as Chinese."""
    speech = tts.synthesize("明天早上八点提醒我去医院复查。", response_format="wav")
    path = tmp_path / "reminder.wav"
    path.write_bytes(speech.audio)
    t = asr.get_transcriber(settings).transcribe(path)
    assert t.language == "zh" and "明天" in t.text


def test_transcription_api_formats(client, clips):
    data = clips["en"].read_bytes()
    r = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", data, "audio/wav")},
                    data={"model": "whisper-1", "response_format": "verbose_json", "language": "en"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["language"] == "english" and "table" in body["text"].lower()
    assert body["segments"][0]["start"] == 0.0 and body["duration"] > 2



def test_subtitle_and_text_formats():
    from banshi.api.routers.audio import render

    t = asr.Transcript("Hello there. Bye.", "en", 65.5,
                       [asr.Segment(0, 0.0, 1.25, "Hello there."), asr.Segment(1, 61.0, 65.5, "Bye.")])
    assert render(t, "srt").body.decode() == (
        "1\n00:00:00,000 --> 00:00:01,250\nHello there.\n\n2\n00:01:01,000 --> 00:01:05,500\nBye.\n")
    vtt = render(t, "vtt")
    assert vtt.media_type == "text/vtt" and vtt.body.decode().startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250")
    assert render(t, "text").body == b"Hello there. Bye."
    assert json.loads(render(t, "json").body) == {"text": "Hello there. Bye."}
    assert "[00:01:01] Bye." in t.timestamped()


def test_transcription_streams_progress_and_text(client, clips, limits):
    limits(asr_chunk_seconds=2)  # a 3-second clip → two chunks, two progress events
    with client.stream("POST", "/v1/audio/transcriptions", files={"file": ("a.wav", clips["en"].read_bytes())},
                       data={"model": "whisper-1", "stream": "true", "language": "en"}) as r:
        assert r.status_code == 200
        events = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    kinds = [e["type"] for e in events]
    assert kinds.count("transcript.progress") >= 2 and kinds[-1] == "transcript.text.done"
    fractions = [e["fraction"] for e in events if e["type"] == "transcript.progress"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert "table" in events[-1]["text"].lower()


def test_transcription_api_bad_input(client, limits, tmp_path):
    r = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", b"not audio" * 50)},
                    data={"model": "whisper-1"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_audio"
    r = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", b"x")}, data={"model": "gpt-9"})
    assert r.status_code == 400 and "whisper-1" in r.json()["error"]["message"]
    r = client.post("/v1/audio/transcriptions", files={"file": ("a.wav", b"x")},
                    data={"model": "whisper-1", "response_format": "docx"})
    assert r.status_code == 400
    limits(max_audio_seconds=5)
    long = _wav(tmp_path / "long.wav", 8.0).read_bytes()
    r = client.post("/v1/audio/transcriptions", files={"file": ("long.wav", long)}, data={"model": "whisper-1"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "audio_too_long"
    limits(max_upload_mb=0)
    r = client.post("/v1/audio/transcriptions", files={"file": ("long.wav", long)}, data={"model": "whisper-1"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "file_too_large"
    assert not list((limits().home / "tmp").glob("upload.*"))  # nothing left behind


# -- speech out -------------------------------------------------------------------------------

def test_text_is_split_into_language_runs():
    assert tts.runs("今天用 Python 3.11 写代码，好吗? OK.") == [
        ("zh", "今天用 "), ("en", "Python 3.11 "), ("zh", "写代码，好吗? "), ("en", "OK.")]


def test_speech_is_synthesised_and_recognisable(settings, tmp_path):
    wav = tts.synthesize("Please book a table for two.", "alloy", "wav")
    with wave.open(io.BytesIO(wav.audio)) as w:
        assert w.getnchannels() == 1 and w.getnframes() / w.getframerate() > 1.0
    mp3 = tts.synthesize("我们明天见。Bye.", "auto", "mp3")
    assert mp3.media_type == "audio/mpeg" and mp3.audio[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")
    path = tmp_path / "out.wav"
    path.write_bytes(wav.audio)
    assert "table" in asr.get_transcriber(settings).transcribe(path, "en").text.lower()


def test_speech_api(client):
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "你好，世界", "voice": "nova",
                                              "response_format": "wav"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.content[:4] == b"RIFF"
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "hi", "response_format": "ogg"})
    assert r.status_code == 400
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "   "})
    assert r.status_code == 400
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "x" * 5000})
    assert r.status_code == 400


def test_missing_espeak_is_a_clear_error(client, monkeypatch):
    monkeypatch.setattr(tts.shutil, "which", lambda name: None)
    r = client.post("/v1/audio/speech", json={"model": "tts-1", "input": "hello"})
    assert r.status_code == 503
    assert "apt-get install espeak-ng" in r.json()["error"]["message"]


def test_silence_gives_an_empty_transcript(settings, tmp_path):
    t = asr.get_transcriber(settings).transcribe(_wav(tmp_path / "quiet.wav", 4.0, tone=False))
    assert t.text == "" and t.segments == []


def test_only_the_default_hint_is_removed_when_echoed():
    hint = asr.PROMPTS["zh"]
    assert asr._drop_echo(hint + "我们开会", hint) == "我们开会"
    assert asr._drop_echo("Banshi is here", None) == "Banshi is here"
