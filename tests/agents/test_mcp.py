"""MCP both ways: a real third-party server from PyPI (mcp-server-time) as a Banshi service,
and ``banshi mcp`` served over stdio to the official ``mcp`` client."""

from __future__ import annotations

import json
import os
import shutil
import sys

import anyio
import pytest

from banshi.agents.actions import Actions
from banshi.agents.tools import ToolContext, build_registry

TIME_SERVER = shutil.which("mcp-server-time") or os.path.join(os.path.dirname(sys.executable), "mcp-server-time")


@pytest.fixture
def time_settings(settings):
    if not os.path.exists(TIME_SERVER):
        pytest.skip("mcp-server-time is not installed (pip install mcp-server-time)")
    settings.mcp_servers = {
        "time": {
            "command": TIME_SERVER,
            "args": ["--local-timezone", "Asia/Shanghai"],
            "keywords": ["time", "时间", "几点", "时区"],
            "timeout": 60,
        }
    }
    yield settings
    settings.mcp_servers = {}


def test_a_third_party_mcp_server_becomes_a_service(time_settings, db, users):
    reg = build_registry(time_settings)
    svc = reg.services["time"]
    assert svc.provider == "mcp" and {t.name for t in svc.tools} == {"time_get_current_time", "time_convert_time"}
    t = reg.tools["time_get_current_time"]
    assert not t.confirm  # the server marks it read-only
    assert t.parameters["required"] == ["timezone"]
    ctx = ToolContext(db=db, user_id=users[0], settings=time_settings)
    ok = reg.run(
        "time_convert_time",
        {"source_timezone": "Asia/Shanghai", "time": "12:00", "target_timezone": "Europe/London"},
        ctx,
    )
    assert ok.ok and ok.data["time_difference"] == "-8.0h"
    bad = reg.run("time_get_current_time", {"timezone": "Mars/Olympus"}, ctx)
    assert not bad.ok and "Mars/Olympus" in bad.error  # the server's error, for the model to act on
    missing = reg.run("time_get_current_time", {}, ctx)
    assert not missing.ok and "timezone" in missing.error


def test_an_unreachable_server_does_not_break_the_registry(settings):
    settings.mcp_servers = {"gone": {"command": "/nonexistent/server", "timeout": 5}}
    try:
        reg = build_registry(settings)
        assert reg.services["gone"].tools == [] and "unavailable" in reg.services["gone"].title
        assert "travel" in reg.services
    finally:
        settings.mcp_servers = {}


def test_the_dispatcher_routes_to_the_mcp_service(time_settings, fake, db, users):
    from banshi.agents.dispatcher import Dispatcher

    d = Dispatcher(time_settings, fake, build_registry(time_settings))
    fake.enqueue(
        json.dumps({"step": "call", "tool": "time_get_current_time", "arguments": {"timezone": "Asia/Tokyo"}}),
        json.dumps({"step": "done"}),
    )
    out = d.dispatch(db, users[0], None, [], "东京现在几点？")
    assert out.services == ["time"] and out.steps[0].result.ok
    assert out.steps[0].result.data["timezone"] == "Asia/Tokyo"


def test_banshi_mcp_over_stdio_with_the_official_client(settings, need):
    need("crosswoz_beijing", "restaurant_db.json")
    from mcp import Client, StdioServerParameters

    env = {**os.environ, "BANSHI_HOME": str(settings.home), "BANSHI_BACKEND": "fake", "BANSHI_ACTIONS": "true"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "banshi.agents.mcp_server"], env=env)

    async def session() -> dict:
        out: dict = {}
        with anyio.fail_after(120):
            async with Client(params, mode="legacy") as client:
                tools = {t.name: t for t in (await client.list_tools()).tools}
                out["tools"] = tools
                r = await client.call_tool("search_restaurants", {"near": "故宫", "max_price_per_person": 80})
                out["search"] = (r.is_error, json.loads(r.content[0].text))
                w = await client.call_tool(
                    "book_taxi", {"origin": "故宫", "destination": "天坛", "time": "2099-01-01 10:00"}
                )
                out["write"] = (w.is_error, json.loads(w.content[0].text))
                bad = await client.call_tool("search_restaurants", {"max_price_per_person": "cheap"})
                out["bad"] = (bad.is_error, bad.content[0].text)
                p = await client.call_tool("list_pending_actions", {})
                out["pending"] = json.loads(p.content[0].text)
        return out

    out = anyio.run(session)
    tools = out["tools"]
    assert "search_restaurants" in tools and "book_taxi" in tools and "list_pending_actions" in tools
    assert tools["search_restaurants"].annotations.read_only_hint is True
    assert tools["book_taxi"].annotations.destructive_hint is True
    assert tools["search_restaurants"].input_schema["properties"]["near"]["type"] == "string"
    err, data = out["search"]
    assert not err and data["count"] > 0 and all(r["price_per_person"] <= 80 for r in data["results"])
    err, data = out["write"]
    assert not err and data["status"] == "pending_confirmation"  # a remote model cannot book by itself
    assert out["bad"][0] and "max_price_per_person" in out["bad"][1]
    assert [a["tool"] for a in out["pending"]] == ["book_taxi"]
    # the booking waits in Banshi for the user; confirming it there runs it
    from banshi.agents.registry import get_registry
    from banshi.store.db import session_scope

    with session_scope(settings) as db:
        acts = Actions(get_registry(settings), settings)
        uid = _local(db)
        pending = acts.pending(db, uid)
        assert [a.id for a in pending] == [data["action"]["id"]]
        done = acts.confirm(db, uid, pending[0].id)
        assert done.status == "done" and done.result["data"]["plate"].startswith("京")


def _local(db) -> str:
    from banshi.api.auth import local_user

    return local_user(db).id


def test_the_mcp_surface_serves_memory_and_queues_writes(settings):
    from banshi.agents.mcp_server import BanshiMCP, _user_id

    surface = BanshiMCP(settings, _user_id(settings, None))
    names = {t["name"] for t in surface.tools()}
    assert {"memory_search", "memory_add", "list_pending_actions", "add_reminder"} <= names
    ok, fact = surface.call("memory_add", {"text": "我最喜欢的水果是芒果"})
    assert ok, fact
    ok, found = surface.call("memory_search", {"query": "芒果", "limit": 3})
    assert ok and any("芒果" in json.dumps(r, ensure_ascii=False) for r in found["results"])
    ok, queued = surface.call("add_reminder", {"text": "x", "at": "2099-01-01 08:00"})
    assert ok and queued["status"] == "pending_confirmation"
    ok, err = surface.call("add_reminder", {"text": "x"})
    assert not ok and "at" in err
    writer = BanshiMCP(settings, surface.user_id, allow_writes=True)
    ok, done = writer.call("add_reminder", {"text": "y", "at": "2099-01-01 08:00"}, key="host-key-1")
    ok2, again = writer.call("add_reminder", {"text": "y", "at": "2099-01-01 08:00"}, key="host-key-1")
    assert ok and ok2 and done["id"] == again["id"]  # the host's retry does not remind twice
