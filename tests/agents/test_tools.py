"""@tool: schemas from signatures and docstrings; errors as messages; registry from settings."""

from __future__ import annotations

from typing import Literal

import pytest

from banshi.agents.tools import Registry, Service, ToolContext, build_registry, parse_docstring, tool
from banshi.errors import InvalidInput, NotFound


@tool(confirm=True, undo="undo_it")
def order_thing(
    ctx: ToolContext, item: str, count: int = 1, size: Literal["S", "M", "L"] = "M", tags: list[str] | None = None
) -> dict:
    """Order a thing.

    Args:
        item: what to order
        count: how many
            (continued on a second line)
        size: S, M or L
        tags: labels
    """
    if item == "boom":
        raise RuntimeError("provider exploded")
    if item == "missing":
        raise NotFound("no such thing")
    return {"id": "o1", "item": item, "count": count, "size": size, "key": ctx.idempotency_key}


@tool
def echo(text: str) -> str:
    """Say it back."""
    return text


def svc() -> Service:
    return Service(
        name="things", title="Things", description="test", tools=[order_thing, echo], examples=["order a thing"]
    )


def test_schema_comes_from_hints_and_docstring():
    p = order_thing.parameters
    assert order_thing.name == "order_thing" and order_thing.description == "Order a thing."
    assert order_thing.confirm and order_thing.undo == "undo_it" and order_thing.takes_ctx
    assert "ctx" not in p["properties"]
    assert p["required"] == ["item"]
    assert p["properties"]["item"] == {"type": "string", "description": "what to order"}
    assert p["properties"]["count"]["type"] == "integer" and p["properties"]["count"]["default"] == 1
    assert p["properties"]["count"]["description"] == "how many (continued on a second line)"
    assert p["properties"]["size"]["enum"] == ["S", "M", "L"]
    assert p["additionalProperties"] is False
    fn = echo.openai_schema()["function"]
    assert fn["name"] == "echo" and fn["parameters"]["required"] == ["text"] and not echo.confirm


def test_parse_docstring_sections():
    desc, params = parse_docstring("""Find it.

    Longer text.

    Args:
        a: first
        b (int): second
    Returns:
        nothing: ignored
    """)
    assert desc == "Find it." and params == {"a": "first", "b": "second"}


def test_failures_become_messages_for_the_model(settings):
    reg = Registry([svc()])
    ctx = ToolContext(db=None, user_id="u", settings=settings, idempotency_key="k")
    bad = reg.run("order_thing", {"item": "x", "count": "many"}, ctx)
    assert not bad.ok and bad.code == "invalid_input" and "count" in bad.error
    extra = reg.run("order_thing", {"item": "x", "colour": "red"}, ctx)
    assert not extra.ok and "colour" in extra.error
    missing = reg.run("order_thing", {}, ctx)
    assert not missing.ok and "item" in missing.error
    assert reg.run("nope", {}, ctx).code == "unknown_tool"
    assert reg.run("order_thing", {"item": "missing"}, ctx).code == "not_found"
    crash = reg.run("order_thing", {"item": "boom"}, ctx)
    assert not crash.ok and "provider exploded" in crash.error
    ok = reg.run("order_thing", {"item": "x", "size": "L"}, ctx)
    assert ok.ok and ok.data["size"] == "L" and ok.data["key"] == "k"
    assert reg.run("echo", {"text": "hi"}, ctx).data == "hi"


def test_a_write_needs_an_idempotency_key(settings):
    reg = Registry([svc()])
    r = reg.run("order_thing", {"item": "x"}, ToolContext(db=None, user_id="u", settings=settings))
    assert not r.ok and "idempotency" in r.error


def test_names_clash_and_bad_names_are_refused():
    reg = Registry([svc()])
    with pytest.raises(ValueError):
        reg.add(Service(name="other", title="", description="", tools=[echo]))
    with pytest.raises(ValueError):
        tool(name="has space")(lambda: None)
    with pytest.raises(InvalidInput):
        order_thing(None, item="x")  # needs a context


def build(settings) -> Service:  # a plug-in service factory, named by dotted path
    return svc()


def test_registry_is_built_from_settings(settings):
    reg = build_registry(settings)
    assert {"travel", "food", "tickets", "shopping", "health", "office", "weather"} <= set(reg.services)
    assert all(
        t.confirm
        for t in reg.tools.values()
        if t.name.startswith(("book_", "place_", "cancel_")) and t.name != "place_details"
    )
    settings.service_providers = {"weather": "", "things": f"{__name__}:build"}
    try:
        reg = build_registry(settings)
        assert "weather" not in reg.services and "things" in reg.services
        settings.service_providers = {"travel": "mcp:nowhere"}
        with pytest.raises(InvalidInput):
            build_registry(settings)
    finally:
        settings.service_providers = {}
