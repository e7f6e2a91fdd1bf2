"""Any MCP server as a service (the client side of MCP).

Configure it in ``settings.mcp_servers`` (env ``BANSHI_MCP_SERVERS`` as JSON)::

    {"time": {"command": "mcp-server-time", "args": ["--local-timezone", "Asia/Shanghai"],
              "keywords": ["时间", "time", "时区"]},
     "maps": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer …"}}}

A server's tools become the service's tools, named ``<service>_<tool>``, with the server's
own JSON schemas. A tool is a write (needs the user's confirmation) unless the server marks it
``readOnlyHint``; ``"read_only": [names]`` or ``"confirm": [names]`` in the configuration
overrides that. One session per server stays open on a background event loop (a stdio server
is started once); a crashed server costs one failed call, and the next call reconnects.
Options: ``timeout`` (seconds, 30),
``env``, ``cwd``, ``description``, ``examples``."""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel

from banshi.agents.tools import Service, Tool, ToolContext
from banshi.config import Settings
from banshi.errors import BanshiError, InvalidInput, MissingDependency

log = logging.getLogger("banshi.mcp")
_STOP = {"get", "set", "list", "the", "a", "of", "to", "and", "for", "with", "by", "in", "on"}


class MCPError(BanshiError):
    code = "mcp_error"
    status = 502


def _client(config: dict[str, Any]) -> Any:
    try:
        from mcp import Client, StdioServerParameters
    except ImportError as e:
        raise MissingDependency("mcp", "mcp") from e
    if config.get("url"):
        headers = config.get("headers") or {}
        if headers:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            http = httpx2.AsyncClient(headers=headers, timeout=float(config.get("timeout", 30)))
            return Client(streamable_http_client(config["url"], http_client=http), mode="legacy")
        return Client(config["url"], mode="legacy")
    if not config.get("command"):
        raise InvalidInput("an MCP server needs a 'command' (stdio) or a 'url' (streamable HTTP)")
    params = StdioServerParameters(
        command=config["command"],
        args=[str(a) for a in config.get("args", [])],
        env=config.get("env"),
        cwd=config.get("cwd"),
    )
    return Client(params, mode="legacy")


class Connection:
    """One open session with a server, kept on a background event loop and shared by every
    call (a stdio server is started once). A broken session is dropped and reopened on the
    next call."""

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.timeout = float(config.get("timeout", 30))
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._client: Any = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    def _open(self) -> None:
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        async def hold() -> None:
            self._stop = asyncio.Event()
            try:
                async with _client(self.config) as client:
                    self._client = client
                    ready.set()
                    await self._stop.wait()
            except BaseException as e:  # reported to the caller waiting in _open
                self._error = e
            finally:
                self._client = None
                ready.set()

        self._error, self._loop = None, loop
        self._thread = threading.Thread(target=loop.run_until_complete, args=(hold(),), daemon=True, name="banshi-mcp")
        self._thread.start()
        if not ready.wait(self.timeout) or self._client is None:
            err = self._error
            self.close()
            raise MCPError(
                f"could not connect to the MCP server: {type(err).__name__ if err else 'timeout'}"
                f"{': ' + str(err) if err else ''}"
            )

    def run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        with self._lock:
            if self._client is None or self._thread is None or not self._thread.is_alive():
                self._open()
            loop, client = self._loop, self._client
        assert loop is not None
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(work(client), self.timeout), loop)
        try:
            return future.result(self.timeout + 5)
        except BanshiError:
            raise
        except TimeoutError as e:
            self.close()
            raise MCPError(f"the MCP server did not answer within {self.timeout:g} s") from e
        except Exception as e:
            self.close()
            raise MCPError(f"the MCP server failed: {type(e).__name__}: {e}") from e

    def close(self) -> None:
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        self._client, self._thread, self._loop = None, None, None


_connections: dict[str, Connection] = {}
_conn_lock = threading.Lock()


def connection(config: dict[str, Any]) -> Connection:
    key = json.dumps(config, sort_keys=True, default=str)
    with _conn_lock:
        if key not in _connections:
            _connections[key] = Connection(config)
        return _connections[key]


@atexit.register
def close_all() -> None:
    with _conn_lock:
        for c in _connections.values():
            c.close()
        _connections.clear()


def _run(config: dict[str, Any], work: Callable[[Any], Awaitable[Any]]) -> Any:
    return connection(config).run(work)


def list_tools(config: dict[str, Any]) -> list[Any]:
    async def work(client: Any) -> list[Any]:
        tools, cursor = [], None
        while True:
            page = await client.list_tools(cursor=cursor)
            tools += page.tools
            cursor = page.next_cursor
            if not cursor:
                return tools

    return _run(config, work)


def call_tool(config: dict[str, Any], name: str, arguments: dict[str, Any]) -> Any:
    async def work(client: Any) -> Any:
        return await client.call_tool(name, arguments)

    result = _run(config, work)
    texts = [getattr(c, "text", None) for c in result.content]
    payload: Any = getattr(result, "structured_content", None) or "\n".join(t for t in texts if t)
    if result.is_error:
        raise MCPError(f"{name}: {payload}")  # the server's message, for the model to act on
    return payload


class _AnyArgs(BaseModel):
    model_config = {"extra": "allow"}


class MCPTool(Tool):
    """A tool whose schema and validation belong to the remote server."""

    def __init__(
        self, name: str, remote: str, description: str, schema: dict[str, Any], confirm: bool, config: dict[str, Any]
    ):
        super().__init__(
            name=name, description=description, fn=self._call, model=_AnyArgs, confirm=confirm, takes_ctx=True
        )
        self.remote = remote
        self.schema = {"type": "object", "properties": {}, **(schema or {})}
        self.schema.pop("$schema", None)
        self.config = config

    @property
    def parameters(self) -> dict[str, Any]:
        return self.schema

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(arguments, dict):
            raise InvalidInput(f"{self.name}: arguments must be an object")
        missing = [k for k in self.schema.get("required", []) if k not in arguments]
        if missing:
            raise InvalidInput(f"bad arguments for {self.name}: missing {', '.join(missing)}")
        props = self.schema.get("properties", {})
        if props and self.schema.get("additionalProperties") is False:
            extra = [k for k in arguments if k not in props]
            if extra:
                raise InvalidInput(f"bad arguments for {self.name}: unknown {', '.join(extra)}")
        return dict(arguments)

    def _call(self, ctx: ToolContext, **arguments: Any) -> Any:
        return call_tool(self.config, self.remote, arguments)


def _safe(name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64]


def mcp_service(name: str, config: dict[str, Any], settings: Settings) -> Service:
    """The service for one configured MCP server (its tools listed now, called later)."""
    try:
        remote = list_tools(config)
    except BanshiError as e:  # the assistant still starts; the owner sees why in the log and /api/services
        log.error("MCP server %s is unavailable: %s", name, e.message)
        return Service(
            name=name,
            title=f"{name} (MCP, unavailable)",
            description=f"unavailable: {e.message}",
            tools=[],
            sandbox=False,
            provider="mcp",
        )
    read_only, confirm = set(config.get("read_only", [])), set(config.get("confirm", []))
    tools: list[Tool] = []
    words: set[str] = set(config.get("keywords", []))
    for t in remote:
        hints = getattr(t, "annotations", None)
        is_read = bool(hints and getattr(hints, "read_only_hint", False))
        needs_confirm = (t.name in confirm) or not (is_read or t.name in read_only)
        schema = t.input_schema if isinstance(t.input_schema, dict) else dict(t.input_schema or {})
        tools.append(
            MCPTool(_safe(f"{name}_{t.name}"), t.name, (t.description or t.name).strip(), schema, needs_confirm, config)
        )
        if not config.get("keywords"):
            words |= {w for w in re.split(r"[_\W]+", t.name.lower()) if len(w) > 2 and w not in _STOP}
    return Service(
        name=name,
        title=config.get("title", f"{name} (MCP)"),
        description=config.get("description") or "; ".join(t.description.split("\n")[0] for t in tools),
        tools=tools,
        examples=list(config.get("examples", [t.description.split("\n")[0] for t in tools])),
        keywords=sorted(words),
        sandbox=False,
        provider="mcp",
    )
