"""``banshi mcp``: Banshi's services (and memory) as an MCP server, for any MCP host.

Every tool of the registry is listed with its JSON schema; reads are annotated
``readOnlyHint`` and run at once. A write never runs on the remote model's word alone: by
default it becomes a pending action the user confirms in Banshi (web UI or
``POST /api/actions/{id}/confirm``), and the call returns the action's id. With
``--allow-writes`` the host's own confirmation is trusted (writes carry ``destructiveHint``)
and they run, idempotently when the host sends ``_meta.idempotency_key``. Memory adds
``memory_search`` and ``memory_add`` when the memory area is installed. Everything is logged in
the user's audit log.

Transports: stdio (default) or streamable HTTP (``--http PORT``)."""

from __future__ import annotations

import argparse
import json
import uuid
from typing import Any

from banshi.agents.actions import Actions, action_dict
from banshi.agents.registry import get_registry
from banshi.config import Settings, get_settings
from banshi.errors import BanshiError, InvalidInput
from banshi.store.db import session_scope


def _user_id(settings: Settings, username: str | None) -> str:
    from sqlalchemy import select

    from banshi.api import auth
    from banshi.store.tables import User

    with session_scope(settings) as db:
        if username:
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                raise InvalidInput(f"no user named {username!r}")
            return user.id
        if settings.multi_user:
            raise InvalidInput("this server has several users: name one with --user")
        return auth.local_user(db).id


class BanshiMCP:
    """The tool surface, independent of the MCP library: ``tools()`` and ``call(name, args)``."""

    def __init__(self, settings: Settings, user_id: str, allow_writes: bool = False):
        self.settings = settings
        self.user_id = user_id
        self.allow_writes = allow_writes
        self.actions = Actions(get_registry(settings), settings)
        self.memory = _memory(settings)

    def tools(self) -> list[dict[str, Any]]:
        out = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters, "write": t.confirm}
            for t in self.actions.registry.tools.values()
        ]
        out.append(
            {
                "name": "list_pending_actions",
                "write": False,
                "description": "Banshi actions waiting for the user's confirmation",
                "input_schema": {"type": "object", "properties": {}},
            }
        )
        if self.memory is not None:
            out += [
                {
                    "name": "memory_search",
                    "write": False,
                    "description": "Search what the user told Banshi (facts and past messages)",
                    "input_schema": {
                        "type": "object",
                        "required": ["query"],
                        "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 5}},
                    },
                },
                {
                    "name": "memory_add",
                    "write": True,
                    "description": "Remember a fact about the user",
                    "input_schema": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {"text": {"type": "string"}},
                    },
                },
            ]
        return out

    def call(self, name: str, arguments: dict[str, Any], key: str | None = None) -> tuple[bool, Any]:
        """(ok, payload). Errors come back as ``(False, message)``, never as exceptions."""
        try:
            with session_scope(self.settings) as db:
                if name == "list_pending_actions":
                    return True, [action_dict(a) for a in self.actions.pending(db, self.user_id)]
                if name == "memory_search" and self.memory is not None:
                    return True, self.memory.search(
                        db, str(arguments.get("query", "")), user_id=self.user_id, limit=int(arguments.get("limit", 5))
                    )
                if name == "memory_add" and self.memory is not None:
                    return True, self.memory.create(db, user_id=self.user_id, text=str(arguments.get("text", "")))
                tool = self.actions.registry.tool(name)
                if tool.confirm and not self.allow_writes:
                    a = self.actions.propose(db, self.user_id, name, arguments)
                    return True, {
                        "status": "pending_confirmation",
                        "action": action_dict(a, self.actions.registry),
                        "message": "Not done yet: the user must confirm this in Banshi "
                        f"(POST /api/actions/{a.id}/confirm or the web UI).",
                    }
                result = self.actions.run(
                    db, self.user_id, name, arguments, key=(key or f"mcp-{uuid.uuid4().hex}") if tool.confirm else ""
                )
                return result.ok, result.data if result.ok else result.error
        except BanshiError as e:
            return False, e.message


def _memory(settings: Settings) -> Any:
    try:
        from banshi.memory import get_memory
    except ImportError:
        return None
    return get_memory(settings)


def build_server(surface: BanshiMCP) -> Any:
    """The MCP ``Server`` (low-level API: our schemas are passed through as they are)."""
    import anyio
    import mcp_types as types
    from mcp.server import Server

    async def list_tools(ctx: Any, params: Any) -> Any:
        return types.ListToolsResult(
            tools=[
                types.Tool(
                    name=t["name"],
                    description=t["description"],
                    input_schema=t["input_schema"],
                    annotations=types.ToolAnnotations(
                        read_only_hint=not t["write"], destructive_hint=t["write"], idempotent_hint=not t["write"]
                    ),
                )
                for t in surface.tools()
            ]
        )

    async def call_tool(ctx: Any, params: Any) -> Any:
        meta = params.meta.model_dump() if getattr(params, "meta", None) is not None else {}
        key = meta.get("idempotency_key") if isinstance(meta, dict) else None
        ok, payload = await anyio.to_thread.run_sync(surface.call, params.name, dict(params.arguments or {}), key)
        text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)
        structured = payload if isinstance(payload, dict) and ok else None
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structured_content=structured, is_error=not ok
        )

    return Server(
        "banshi",
        version="0.1",
        instructions="Banshi's services: travel, food, tickets, shopping, "
        "health, office, weather (sandboxes unless configured otherwise). Writes need the user's "
        "confirmation in Banshi.",
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve(
    settings: Settings, *, username: str | None = None, allow_writes: bool = False, http_port: int | None = None
) -> None:
    import anyio

    surface = BanshiMCP(settings, _user_id(settings, username), allow_writes)
    server = build_server(surface)
    if http_port:
        import uvicorn

        uvicorn.run(
            server.streamable_http_app(host=settings.host), host=settings.host, port=http_port, log_level="warning"
        )
        return
    from mcp.server.stdio import stdio_server

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)


def cmd_mcp(args: argparse.Namespace) -> int:
    serve(get_settings(), username=args.user, allow_writes=args.allow_writes, http_port=args.http)
    return 0


def register(sub: Any) -> None:
    """``banshi mcp``: listed in ``banshi.cli.COMMANDS``."""
    p = sub.add_parser("mcp", help="serve Banshi's services and memory over MCP (stdio, or --http PORT)")
    p.add_argument("--user", help="act for this user (multi-user servers)")
    p.add_argument(
        "--allow-writes",
        action="store_true",
        help="run writes when the MCP host asks (trust its confirmation) instead of queueing them",
    )
    p.add_argument("--http", type=int, metavar="PORT", help="streamable HTTP on this port instead of stdio")
    p.set_defaults(func=cmd_mcp)


if __name__ == "__main__":
    import sys

    parser = argparse.ArgumentParser(prog="banshi mcp")
    register(parser.add_subparsers())
    ns = parser.parse_args(["mcp", *sys.argv[1:]])
    sys.exit(ns.func(ns))
