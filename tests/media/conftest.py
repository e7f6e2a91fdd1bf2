"""Fixtures for the media tests: changed limits, spoken clips made with espeak-ng."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from banshi.config import Settings, get_settings

from .makers import espeak_wav


@pytest.fixture
def limits(settings: Settings, monkeypatch) -> Callable[..., Settings]:  # type: ignore[no-untyped-def]
    """``limits(max_upload_mb=1)``: the same settings with some limits changed (API included)."""

    def change(**kw: object) -> Settings:
        for key, value in kw.items():
            monkeypatch.setenv(f"BANSHI_{key.upper()}", str(value))
        get_settings.cache_clear()
        return get_settings()

    return change


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """A few seconds of English and of Mandarin speech."""
    d = tmp_path_factory.mktemp("clips")
    return {
        # at 150 words/min Whisper base heard "Please work a table" (espeak-ng 1.51+dfsg-10+deb12u2,
        # 30 Nov); at 130 every word is heard right
        "en": espeak_wav(d / "en.wav", "Please book a table for two at seven tonight.", "en-us", 130),
        "zh": espeak_wav(d / "zh.wav", "我们明天上午十点开会。", "cmn-latn-pinyin", 120),
    }
