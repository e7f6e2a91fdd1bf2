"""The server's registry: built once per configuration from ``Settings`` and reused (building
it may start MCP servers to list their tools)."""

from __future__ import annotations

import threading

from banshi.agents.tools import Registry, build_registry
from banshi.config import Settings

_lock = threading.Lock()
_cache: dict[str, Registry] = {}


def _key(settings: Settings) -> str:
    return "|".join(
        [
            str(settings.data_dir),
            repr(sorted(settings.service_providers.items())),
            repr(sorted((k, repr(v)) for k, v in settings.mcp_servers.items())),
            settings.weather_url,
        ]
    )


def get_registry(settings: Settings) -> Registry:
    key = _key(settings)
    with _lock:
        if key not in _cache:
            _cache[key] = build_registry(settings)
        return _cache[key]


def reset_registries() -> None:
    with _lock:
        _cache.clear()
