"""Tools and services: the open interface every service agent plugs into.

A *tool* is a typed Python function with a docstring; ``@tool`` derives its JSON schema from
the signature (type hints, defaults) and the ``Args:`` section of the docstring. A parameter
named ``ctx`` receives a :class:`ToolContext` (database session, user id, settings, the
idempotency key of the call) and is not part of the schema. ``@tool(confirm=True)`` declares
that the function changes the world: the dispatcher never runs it without the user's say-so,
and it is always called with an idempotency key.

A *service* is a named set of tools with a description and example utterances (Chinese and
English) that the router trains on. The :class:`Registry` holds the services of one
configuration; it is built from ``Settings`` by :func:`build_registry` (no module globals).

Running a tool through :meth:`Registry.run` never raises for what the model caused: a bad
argument, a missing record or a refused operation comes back as a :class:`ToolResult` whose
``error`` is a message the model can act on.

May import: banshi.config, banshi.errors, banshi.store. Services register here; the agents
(dispatcher, MCP) read the registry."""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from banshi.config import Settings
from banshi.errors import BanshiError, InvalidInput, NotFound

log = logging.getLogger("banshi.tools")


@dataclass
class ToolContext:
    """What a tool may depend on. ``now`` is injectable so tests and benchmarks are exact."""

    db: Any  # sqlalchemy.orm.Session
    user_id: str
    settings: Settings
    idempotency_key: str = ""
    now: datetime | None = None

    def clock(self) -> datetime:
        from banshi.store.tables import utcnow

        return self.now or utcnow()


@dataclass
class ToolResult:
    """``ok`` with ``data`` (JSON-able), or ``error`` — a message written for the model."""

    tool: str
    ok: bool
    data: Any = None
    error: str = ""
    code: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tool": self.tool, "ok": self.ok}
        if self.ok:
            out["data"] = self.data
        else:
            out["error"] = {"code": self.code, "message": self.error}
        return out

    def as_text(self, limit: int = 1500) -> str:
        """Compact JSON for a prompt, cut at ``limit`` characters."""
        text = json.dumps(
            self.data if self.ok else {"error": self.error}, ensure_ascii=False, default=str, separators=(",", ":")
        )
        return text if len(text) <= limit else text[: limit - 3] + "..."


class Refused(BanshiError):
    """The service refuses the operation under its rules (policy, status, inventory)."""

    code = "refused"
    status = 409


# -- docstrings -------------------------------------------------------------------------------

_ARG_LINE = re.compile(r"^\s{0,8}(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """(description, {param: description}) from a Google-style docstring."""
    if not doc:
        return "", {}
    doc = inspect.cleandoc(doc)
    head, _, rest = doc.partition("\nArgs:")
    params: dict[str, str] = {}
    current = None
    for line in rest.splitlines():
        if re.match(r"^\S.*:\s*$", line) and not line.startswith(" "):  # next section (Returns:)
            break
        m = _ARG_LINE.match(line)
        if m and (line.startswith("    ") or line.startswith("\t") or not line.startswith(" ")):
            indent = len(line) - len(line.lstrip())
            if indent <= 4:
                current = m.group(1).lstrip("*")
                params[current] = m.group(2).strip()
                continue
        if current and line.strip():
            params[current] += " " + line.strip()
    description = " ".join(head.strip().split("\n\n")[0].split())
    return description, params


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Drop pydantic's titles; inline nothing else (schemas stay small for small models)."""
    if isinstance(schema, dict):
        return {k: _clean_schema(v) for k, v in schema.items() if k != "title"}
    if isinstance(schema, list):
        return [_clean_schema(v) for v in schema]  # type: ignore[return-value]
    return schema


# -- tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixed:
    """Marks a write's parameter whose said value is fixed when the write is proposed, as
    ``Annotated[str, Fixed(resolve)]``: "明天早上8点" becomes the date-time it means now, so the
    confirmation card shows that moment and confirming it tomorrow still books the day meant.
    ``resolve(value, ctx, name)`` returns the fixed value or raises :class:`InvalidInput`."""

    resolve: Callable[[Any, ToolContext, str], Any]


@dataclass(frozen=True)
class Shown:
    """Marks a write's parameter that holds ids, as ``Annotated[str, Shown(name)]``: the
    confirmation card names what the id stands for (「场次：《熊猫侦探》2026-12-01 14:15
    沙盒影城（国贸店）」), so the user confirms a film or a product they know, not a number.
    ``name(value, ctx, arguments, zh)`` returns those words (in Chinese when ``zh``), or None when
    the id names nothing (the card then shows the id, and running the write says what is wrong).
    A value that is no id but reads better in words (1440 minutes: 每天) is marked the same way."""

    name: Callable[[Any, ToolContext, dict[str, Any], bool], str | None]


@dataclass
class Tool:
    name: str
    description: str
    fn: Callable[..., Any]
    model: type[BaseModel]
    confirm: bool = False
    undo: str = ""  # the name of the tool that undoes this one (called with the result's ``undo``)
    takes_ctx: bool = False
    service: str = ""
    #: a read's answer, written from its result without a model (``say(data, chinese)``): the
    #: facts a reply states (status, price, time, id) then come from the data, never from a
    #: small model's paraphrase of it
    say: Callable[[Any, bool], str] | None = None
    #: a write's arguments that the assistant writes itself (an email draft's subject and body):
    #: the user asked for them to be written, so they need not have been said; the confirmation
    #: card shows them before anything is saved
    composed: tuple[str, ...] = ()
    #: a write's name on its confirmation card, (Chinese, English); the description's first
    #: clause when not given
    title: tuple[str, str] = ("", "")
    #: the parameters fixed when proposed (see :class:`Fixed`), by name
    fixed: dict[str, Fixed] = field(default_factory=dict)
    #: the parameters whose ids a card names (see :class:`Shown`), by name
    shown: dict[str, Shown] = field(default_factory=dict)
    #: a read's warning or remark about its result against what the assistant knows of the user
    #: (``caution(data, known, request, chinese) -> str``, "" for none; ``known``: what memory holds
    #: and the user said before, ``request``: this turn): a dish someone is allergic to, a taste
    caution: Callable[[Any, str, str, bool], str] | None = None
    #: a write's words for what it acts on that no argument names (``about(ctx, chinese)``): the
    #: cart an order sends, first on its confirmation card
    about: Callable[[ToolContext, bool], str] | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        schema = _clean_schema(self.model.model_json_schema())
        schema.setdefault("properties", {})
        schema.setdefault("required", [])
        return schema

    def openai_schema(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    def validate(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(arguments, dict):
            raise InvalidInput(f"{self.name}: arguments must be an object")
        try:
            return self.model.model_validate(arguments).model_dump(exclude_unset=False)
        except ValidationError as e:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'arguments'}: {err['msg']}" for err in e.errors()
            )
            raise InvalidInput(f"bad arguments for {self.name}: {problems}") from None

    def fix(self, arguments: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        """``arguments`` with every :class:`Fixed` value said resolved (empty ones stay)."""
        return {
            k: self.fixed[k].resolve(v, ctx, k) if k in self.fixed and v not in (None, "") else v
            for k, v in arguments.items()
        }

    def names(self, arguments: dict[str, Any], ctx: ToolContext, zh: bool) -> dict[str, str]:
        """What the ids among ``arguments`` stand for, by parameter (see :class:`Shown`)."""
        shown = self.shown
        named = {k: shown[k].name(v, ctx, arguments, zh) for k, v in arguments.items() if k in shown and v}
        return {k: v for k, v in named.items() if v}

    def __call__(self, ctx: ToolContext | None = None, /, **arguments: Any) -> Any:
        values = self.validate(arguments)
        if self.takes_ctx:
            if ctx is None:
                raise InvalidInput(f"{self.name} needs a context")
            return self.fn(ctx, **values)
        return self.fn(**values)


def _model_for(
    fn: Callable[..., Any], name: str, docs: dict[str, str]
) -> tuple[type[BaseModel], bool, dict[str, Fixed], dict[str, Shown]]:
    sig = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    fields: dict[str, Any] = {}
    fixed: dict[str, Fixed] = {}
    shown: dict[str, Shown] = {}
    takes_ctx = False
    for pname, p in sig.parameters.items():
        if pname == "ctx":
            takes_ctx = True
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TypeError(f"tool {name}: *args/**kwargs cannot be described to a model")
        annotation = hints.get(pname, str)
        for mark in getattr(annotation, "__metadata__", ()):
            if isinstance(mark, Fixed):
                fixed[pname] = mark
            elif isinstance(mark, Shown):
                shown[pname] = mark
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[pname] = (annotation, Field(default, description=docs.get(pname) or None))
    model = create_model(  # type: ignore[call-overload]
        f"{name}_args", __config__=ConfigDict(extra="forbid"), **fields
    )
    return model, takes_ctx, fixed, shown


def tool(
    fn: Callable[..., Any] | None = None,
    *,
    name: str | None = None,
    confirm: bool = False,
    undo: str = "",
    description: str | None = None,
    say: Callable[[Any, bool], str] | None = None,
    composed: tuple[str, ...] = (),
    title: tuple[str, str] = ("", ""),
    caution: Callable[[Any, str, str, bool], str] | None = None,
    about: Callable[[ToolContext, bool], str] | None = None,
) -> Any:
    """Make ``fn`` a :class:`Tool`. Use as ``@tool`` or ``@tool(confirm=True, undo="cancel_x")``;
    ``say``: see :attr:`Tool.say` (reads only); ``composed``, ``title``, ``caution``, ``about``: see
    :class:`Tool`."""

    def wrap(f: Callable[..., Any]) -> Tool:
        desc, docs = parse_docstring(f.__doc__)
        tname = name or f.__name__
        if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", tname):
            raise ValueError(f"tool name {tname!r}: letters, digits, _ and - only")
        model, takes_ctx, fixed, shown = _model_for(f, tname, docs)
        return Tool(
            name=tname,
            description=description or desc,
            fn=f,
            model=model,
            confirm=confirm,
            undo=undo,
            takes_ctx=takes_ctx,
            say=say,
            composed=composed,
            title=title,
            fixed=fixed,
            shown=shown,
            caution=caution,
            about=about,
        )

    return wrap(fn) if fn is not None else wrap


# -- services ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FromStep:
    """An argument taken from an earlier planned call's result: ``path`` into its data, dotted
    ("results.0.name"). The step that feeds the next."""

    step: int
    path: str

    def resolve(self, data: Any) -> Any:
        for key in self.path.split("."):
            if isinstance(data, list) and key.isdigit() and int(key) < len(data):
                data = data[int(key)]
            elif isinstance(data, dict) and key in data:
                data = data[key]
            else:
                return None
        return data


@dataclass
class Planned:
    """A call a service's deterministic reader is sure of. ``final``: run it (a read) or propose
    it (a write) without asking the model; otherwise the model picks a tool and fills what is
    left, and these arguments override the model's own for the same tool."""

    tool: str
    arguments: dict[str, Any]
    final: bool = True


@dataclass
class Service:
    """A named set of tools. ``examples`` (zh + en) train the router; ``sandbox`` says the
    service works on simulated data and must say so to the user."""

    name: str
    title: str
    description: str
    tools: list[Tool]
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)  # for the no-model keyword fallback
    # per tool, words that point at it; a request naming some narrows the candidates to those
    tool_keywords: dict[str, list[str]] = field(default_factory=dict)
    sandbox: bool = True
    provider: str = "builtin"
    #: answers questions of what to do about something (我头疼怎么办): such a question goes to
    #: the services that advise, or to the model, never to a search that happens to share a word
    advises: bool = False
    #: a deterministic reader of requests against the service's own data, no model call:
    #: ``plan(text, history) -> [Planned]`` (the calls it is sure of; ``[]`` when unsure).
    #: ``history`` is the earlier messages' texts, oldest first (for "那家酒店").
    plan: Callable[[str, list[str]], list[Planned]] | None = None
    #: whether a request is for this service though no keyword says so, from the service's own
    #: data (「帮我订护国寺小吃店」 names a restaurant it holds, with a word of booking)
    recognizes: Callable[[str], bool] | None = None

    def __post_init__(self) -> None:
        for t in self.tools:
            t.service = self.name


class Registry:
    """The services of one configuration, and the one place tools are run."""

    def __init__(self, services: list[Service] | None = None):
        self.services: dict[str, Service] = {}
        self.tools: dict[str, Tool] = {}
        for s in services or []:
            self.add(s)

    def add(self, service: Service) -> None:
        if service.name in self.services:
            raise ValueError(f"service {service.name!r} registered twice")
        for t in service.tools:
            if t.name in self.tools:
                raise ValueError(f"tool {t.name!r} of {service.name} clashes with {self.tools[t.name].service}")
        self.services[service.name] = service
        for t in service.tools:
            self.tools[t.name] = t

    def tool(self, name: str) -> Tool:
        if name not in self.tools:
            raise NotFound(f"no tool named {name!r}")
        return self.tools[name]

    def service_of(self, tool_name: str) -> Service:
        return self.services[self.tool(tool_name).service]

    def run(self, name: str, arguments: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Run a tool; every failure the model can fix comes back as ``ToolResult.error``."""
        try:
            t = self.tool(name)
        except NotFound:
            return ToolResult(
                name, False, error=f"unknown tool {name!r}; choose one of the listed tools", code="unknown_tool"
            )
        if t.confirm and not ctx.idempotency_key:
            return ToolResult(
                name, False, error=f"{name} changes the world and needs an idempotency key", code="invalid_input"
            )
        try:
            data = t(ctx, **(arguments or {}))
            return ToolResult(name, True, data=data)
        except BanshiError as e:
            return ToolResult(name, False, error=e.message, code=e.code)
        except Exception as e:  # a provider bug: still a message, and logged for the owner
            log.exception("tool %s failed", name)
            return ToolResult(name, False, error=f"{name} failed: {type(e).__name__}: {e}", code="tool_error")


def _import(path: str) -> Any:
    module, _, attr = path.partition(":")
    return getattr(importlib.import_module(module), attr or "build")


#: built-in services: name -> factory ``build(settings) -> Service``
BUILTIN: dict[str, str] = {
    "travel": "banshi.services.travel:build",
    "food": "banshi.services.food:build",
    "tickets": "banshi.services.tickets:build",
    "shopping": "banshi.services.shopping:build",
    "health": "banshi.services.health:build",
    "office": "banshi.services.office:build",
    "weather": "banshi.services.weather:build",
}


def build_registry(settings: Settings) -> Registry:
    """The services this configuration names: the built-ins, each replaceable through
    ``settings.service_providers`` (``{"weather": "mypkg.weather:build"}`` or
    ``{"travel": "mcp:amap"}``, or ``""`` to switch one off), plus every MCP server in
    ``settings.mcp_servers``."""
    reg = Registry()
    overrides = dict(settings.service_providers)
    used_mcp: set[str] = set()
    for name, default in BUILTIN.items():
        path = overrides.pop(name, default)
        if not path:
            continue
        if path.startswith("mcp:"):
            server = path[4:]
            used_mcp.add(server)
            reg.add(_mcp_service(settings, server, name))
            continue
        reg.add(_import(path)(settings))
    for name, path in overrides.items():  # extra plug-in services
        if path.startswith("mcp:"):
            used_mcp.add(path[4:])
            reg.add(_mcp_service(settings, path[4:], name))
        elif path:
            reg.add(_import(path)(settings))
    for server in settings.mcp_servers:
        if server not in used_mcp:
            reg.add(_mcp_service(settings, server, server))
    return reg


def _mcp_service(settings: Settings, server: str, name: str) -> Service:
    if server not in settings.mcp_servers:
        raise InvalidInput(f"service {name!r} names MCP server {server!r}, which is not in mcp_servers")
    from banshi.services.mcp import mcp_service

    return mcp_service(name, settings.mcp_servers[server], settings)
