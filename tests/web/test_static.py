"""Checks on the web UI's files that need no browser: every interface string exists in both
languages, and the page references only files that exist (nothing from a CDN)."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "banshi" / "web"
KEY = re.compile(r'^\s*"([\w.]+)":', re.M)


def keys(name: str) -> set[str]:
    return set(KEY.findall((WEB / "i18n" / name).read_text(encoding="utf-8")))


def own_scripts() -> list[Path]:
    return [p for p in WEB.rglob("*.js") if "vendor" not in p.parts]


def test_both_languages_have_the_same_keys() -> None:
    en, zh = keys("en.js"), keys("zh.js")
    assert en, "no keys found in en.js"
    assert en - zh == set(), "missing in zh.js"
    assert zh - en == set(), "missing in en.js"


def test_every_key_used_is_defined() -> None:
    defined = keys("en.js")
    used = set()
    for path in [p for p in own_scripts() if "i18n" not in p.parts] + [WEB / "index.html"]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([\w.]+)"', text))
        used |= set(re.findall(r'data-i18n(?:-[\w-]+)?="([\w.]+)"', text))
    # keys built at run time: the sidebar's date groups
    used |= {f"sidebar.{g}" for g in ("today", "yesterday", "week", "month", "older")}
    assert used - defined == set()


def test_assets_are_local_and_exist() -> None:
    html = (WEB / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs
    for ref in refs:
        assert ref.startswith("/static/"), f"not served by Banshi: {ref}"
        assert (WEB / ref.removeprefix("/static/")).is_file(), ref
    for path in own_scripts():
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org)", text), f"{path.name} reaches out to the network"
        for rel in re.findall(r'^import[^"]*"(\.[^"]+)"', text, re.M):
            assert (path.parent / rel).resolve().is_file(), f"{path.name}: {rel}"
    for lib in ("marked", "dompurify", "highlight", "katex"):
        assert (WEB / "vendor" / lib / "LICENSE").is_file(), f"vendor/{lib} has no LICENSE"
