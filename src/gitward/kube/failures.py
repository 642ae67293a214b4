"""Turn the API server's answers and the network's failures into gitward's kube errors.

Kubernetes reports a failure as a ``Status`` object (``reason``, ``message``, ``details.causes``)
with an HTTP code; the code decides the error class, the causes become
:attr:`InvalidError.causes`, and ``Retry-After`` (header or ``details.retryAfterSeconds``)
becomes :attr:`ClusterUnavailableError.retry_after`. Every message names the object and the
cluster and passes through :func:`gitward.redaction.redact`. This module must not send requests.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gitward import errors
from gitward.errors import Location
from gitward.redaction import redact

__all__ = ["from_response", "from_status", "unreachable"]

_HINTS = {
    "FieldManagerConflict": (
        "Another field manager owns these fields: apply with force to take them over, "
        "or stop the other writer"
    ),
    "Conflict": "The object changed since it was read: read it again and retry",
    "AlreadyExists": "An object with this name exists already",
    "Forbidden": "Grant gitward's service account this verb on this resource (RBAC)",
    "Unauthorized": "The cluster rejected gitward's credentials: renew the token or certificate",
    "Invalid": "Fix the fields named above in the manifest",
    "Expired": "List again from scratch",
    "Unavailable": "gitward retries with backoff",
}


def from_status(
    status: Mapping[str, Any],
    *,
    where: Location,
    code: int = 0,
    retry_after: float | None = None,
    secrets: tuple[str, ...] = (),
) -> errors.KubeError:
    """The error for a ``Status`` object (from a response body or a watch ``ERROR`` event)."""
    raw_details = status.get("details")
    details: Mapping[str, Any] = raw_details if isinstance(raw_details, dict) else {}
    code = code or _int(status.get("code"))
    reason = str(status.get("reason") or "")
    if retry_after is None and details.get("retryAfterSeconds"):
        retry_after = float(_int(details.get("retryAfterSeconds")))
    failure = _Failure(
        code=code,
        reason=reason,
        message=redact(str(status.get("message") or reason or f"HTTP {code}"), *secrets),
        causes=_causes(details.get("causes"), secrets),
        where=where,
        retry_after=retry_after,
    )
    build = _BY_CODE.get(code) or (_unavailable if code == 429 or code >= 500 else _other)
    return build(failure)


def from_response(
    code: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    where: Location,
    secrets: tuple[str, ...] = (),
) -> errors.KubeError:
    """The error for an HTTP response with a 4xx or 5xx code (Status body or not)."""
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        parsed = {}
    status = parsed if isinstance(parsed, dict) and parsed.get("kind") == "Status" else {}
    if not status:
        text = body[:200].decode("utf-8", "replace").strip()
        status = {"message": text or f"HTTP {code}"}
    retry_after = _retry_after(headers.get("retry-after", ""))
    return from_status(status, where=where, code=code, retry_after=retry_after, secrets=secrets)


def unreachable(
    err: Exception, *, where: Location, secrets: tuple[str, ...] = ()
) -> errors.KubeError:
    """The error for a request that got no answer: refused, reset, timed out."""
    detail = redact(str(err) or type(err).__name__, *secrets)
    return errors.ClusterUnavailableError(
        f"the API server did not answer ({type(err).__name__}: {detail})",
        where=where,
        hint="Check that the cluster is up and reachable; gitward retries with backoff",
    )


@dataclass(frozen=True, slots=True)
class _Failure:
    code: int
    reason: str
    message: str
    causes: tuple[tuple[str, str], ...]
    where: Location
    retry_after: float | None


def _not_found(f: _Failure) -> errors.KubeError:
    return errors.NotFoundError(f.message, where=f.where)


def _conflict(f: _Failure) -> errors.KubeError:
    reason = "FieldManagerConflict" if f.causes and f.reason == "Conflict" else f.reason
    return errors.ConflictError(f.message, where=f.where, hint=_HINTS.get(reason, ""))


def _forbidden(f: _Failure) -> errors.KubeError:
    hint = _HINTS["Unauthorized" if f.code == 401 else "Forbidden"]
    return errors.ForbiddenError(f.message, where=f.where, hint=hint)


def _expired(f: _Failure) -> errors.KubeError:
    return errors.ExpiredError(f.message, where=f.where, hint=_HINTS["Expired"])


def _invalid(f: _Failure) -> errors.KubeError:
    field = f.causes[0][0] if f.causes else None
    where = f.where.at(field) if field else f.where
    return errors.InvalidError(f.message, causes=f.causes, where=where, hint=_HINTS["Invalid"])


def _unavailable(f: _Failure) -> errors.KubeError:
    return errors.ClusterUnavailableError(
        f.message, retry_after=f.retry_after, where=f.where, hint=_HINTS["Unavailable"]
    )


def _other(f: _Failure) -> errors.KubeError:
    return errors.KubeError(f"{f.message} (HTTP {f.code})", where=f.where)


_BY_CODE: dict[int, Callable[[_Failure], errors.KubeError]] = {
    400: _invalid,
    401: _forbidden,
    403: _forbidden,
    404: _not_found,
    409: _conflict,
    410: _expired,
    422: _invalid,
}


def _causes(raw: Any, secrets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        (str(cause.get("field") or ""), redact(str(cause.get("message") or ""), *secrets))
        for cause in raw
        if isinstance(cause, dict)
    )


def _retry_after(value: str) -> float | None:
    """``Retry-After`` in seconds: an integer, or an HTTP date (RFC 9110)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
