"""A few end-to-end checks with the real default local model (slow: kept to short problems)."""

from __future__ import annotations

import pytest

from banshi.errors import ModelError
from banshi.models.base import get_backend
from banshi.skills import homework, translate

pytestmark = pytest.mark.model


@pytest.fixture
def local(settings):  # type: ignore[no-untyped-def]
    backend = get_backend(settings, "local")
    try:
        backend.load()  # type: ignore[attr-defined]
    except ModelError as exc:
        pytest.fail(f"the default local model does not load (a main dependency): {exc}")
    return backend


def test_real_model_solves_and_verifies_a_simple_problem(local):
    res = homework.solve(local, "小明有15个苹果，吃了3个，又买了8个。现在有几个苹果？", explain=False, samples=3)
    assert res.answer == "20"
    assert res.verified
    assert all("def solution" in a.program for a in res.attempts)


def test_real_model_translation_keeps_code(local):
    src = "Run `make test` to check everything.\n\n```bash\nmake test\n```\n"
    res = translate.translate(local, src, target="zh")
    assert "`make test`" in res.text and "```bash\nmake test\n```" in res.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in res.text)
