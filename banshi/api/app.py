"""``create_app()``: the FastAPI application — routers, one error format, the web UI."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from banshi import __version__
from banshi.api.deps import commit_before_response
from banshi.api.routers import ROUTERS
from banshi.errors import BanshiError

log = logging.getLogger("banshi")
WEB = Path(__file__).resolve().parent.parent / "web"


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app() -> FastAPI:
    app = FastAPI(title="Banshi", version=__version__,
                  description="An open, self-hostable AI assistant: chat, memory, actions. "
                              "OpenAI-compatible under /v1.",
                  dependencies=[Depends(commit_before_response, scope="function")])

    @app.exception_handler(BanshiError)
    async def _domain(_: Request, exc: BanshiError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error(400, "invalid_input", f"{where}: {first.get('msg', 'invalid request')}".strip(": "))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error(500, "internal_error", f"{type(exc).__name__}: {exc}")

    for name in ROUTERS:
        app.include_router(importlib.import_module(name).router)

    if (WEB / "index.html").exists():
        app.mount("/static", StaticFiles(directory=WEB), name="static")

        @app.get("/", include_in_schema=False)
        def index() -> FileResponse:
            return FileResponse(WEB / "index.html")

    return app
