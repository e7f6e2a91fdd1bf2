"""Import an optional heavy dependency on first use, or say what to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from banshi.errors import MissingDependency

EXTRA = "media"


def need(module: str, package: str) -> ModuleType:
    """``import module``; a missing one raises ``MissingDependency`` naming ``package``."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise MissingDependency(package, EXTRA) from e
