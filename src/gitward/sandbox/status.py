"""API errors as the Kubernetes API server reports them: ``Status`` objects with a reason.

Every failure of a verb raises :class:`ApiError`; the HTTP layer turns it into a ``Status``
body with the same code. Messages follow the real server's wording (``deployments.apps "web"
not found``) because clients, kubectl included, print them as they are. This module must not
know about HTTP frameworks or storage.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ApiError",
    "already_exists",
    "bad_request",
    "conflict",
    "forbidden",
    "gone",
    "invalid",
    "method_not_allowed",
    "not_found",
    "status_body",
    "unsupported_media_type",
]


def status_body(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A ``Status`` object with ``status: Failure``."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


class ApiError(Exception):
    """A verb failed the way the real API server would fail it."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return status_body(self.code, self.reason, self.message, self.details)


def _details(name: str, group: str, plural: str) -> dict[str, Any]:
    return {"name": name, "group": group, "kind": plural}


def _qualified(group: str, plural: str) -> str:
    return f"{plural}.{group}" if group else plural


def not_found(group: str, plural: str, name: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        f'{_qualified(group, plural)} "{name}" not found',
        _details(name, group, plural),
    )


def already_exists(group: str, plural: str, name: str) -> ApiError:
    return ApiError(
        409,
        "AlreadyExists",
        f'{_qualified(group, plural)} "{name}" already exists',
        _details(name, group, plural),
    )


def conflict(group: str, plural: str, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {_qualified(group, plural)} "{name}": {why}',
        _details(name, group, plural),
    )


def invalid(
    qualified_kind: str, name: str, group: str, kind: str, causes: list[tuple[str, str, str]]
) -> ApiError:
    """``causes`` are (reason, field, message), e.g. ("FieldValueRequired", "spec.selector",
    "Required value")."""
    listed = ", ".join(f"{f}: {m}" for _, f, m in causes)
    count = f"[{listed}]" if len(causes) > 1 else listed
    return ApiError(
        422,
        "Invalid",
        f'{qualified_kind} "{name}" is invalid: {count}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": r, "message": m, "field": f} for r, f, m in causes],
        },
    )


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "Forbidden", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def method_not_allowed(message: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def unsupported_media_type(message: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", message)
