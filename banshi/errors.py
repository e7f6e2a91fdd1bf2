"""Domain errors. Each carries a stable ``code`` and an HTTP ``status``; the API turns them
into ``{"error": {"code", "message"}}`` and the CLI prints them as one line."""

from __future__ import annotations


class BanshiError(Exception):
    code = "error"
    status = 500

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class InvalidInput(BanshiError):
    code = "invalid_input"
    status = 400


class TooLarge(BanshiError):
    code = "too_large"
    status = 413


class NotFound(BanshiError):
    code = "not_found"
    status = 404


class Unauthorized(BanshiError):
    code = "unauthorized"
    status = 401


class Conflict(BanshiError):
    code = "conflict"
    status = 409


class ModelError(BanshiError):
    """The model backend failed or its weights are missing/corrupt."""

    code = "model_error"
    status = 503


class MissingDependency(BanshiError):
    """An optional part is not installed; the message names the extra to install."""

    code = "missing_dependency"
    status = 501

    def __init__(self, package: str, extra: str):
        super().__init__(f"{package} is not installed: pip install 'banshi[{extra}]'")
