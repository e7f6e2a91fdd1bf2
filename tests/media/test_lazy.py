"""Heavy parts load on first use, and a missing one names what to install."""

from __future__ import annotations

import subprocess
import sys

import pytest

from banshi.errors import MissingDependency
from banshi.media import documents, ocr
from banshi.media.lazy import need


def test_the_app_starts_without_importing_speech_ocr_or_parsers():
    code = ("import sys, banshi.api.app as a; a.create_app(); "
            "heavy = [m for m in ('faster_whisper', 'ctranslate2', 'av', 'rapidocr_onnxruntime', 'onnxruntime', "
            "'pypdf', 'docx', 'pptx', 'openpyxl') if m in sys.modules]; print(heavy); assert not heavy")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


def test_a_missing_part_names_the_package_and_the_extra(monkeypatch, settings, tmp_path):
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # as if not installed
    ocr._engine.cache_clear()
    with pytest.raises(MissingDependency) as e:
        need("rapidocr_onnxruntime", "rapidocr-onnxruntime")
    assert "rapidocr-onnxruntime" in e.value.message and "banshi[media]" in e.value.message
    monkeypatch.setitem(sys.modules, "pypdf", None)
    path = tmp_path / "a.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    with pytest.raises(MissingDependency, match="pypdf"):
        documents.parse(path, settings)
    ocr._engine.cache_clear()
