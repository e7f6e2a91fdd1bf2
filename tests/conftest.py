"""Shared fixtures: a temporary BANSHI_HOME, the fake backend, a TestClient."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from banshi.config import Settings, get_settings
from banshi.models import base
from banshi.models.fake import ScriptedBackend
from banshi.store.db import dispose_engines

POSTGRES_URL = os.environ.get("BANSHI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Iterator[Settings]:
    monkeypatch.setenv("BANSHI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("BANSHI_BACKEND", "fake")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    base.reset_backends()
    dispose_engines()


@pytest.fixture
def fake(settings: Settings) -> ScriptedBackend:
    """The scripted backend the app uses in this test: ``fake.enqueue("answer")``."""
    backend = base.get_backend(settings)
    assert isinstance(backend, ScriptedBackend)
    return backend


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from banshi.api.app import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        yield c
