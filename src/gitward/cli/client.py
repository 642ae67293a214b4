"""The CLI's one HTTP seam to a gitward API server.

Every request the CLI makes goes through :class:`ApiClient`: the base URL, the bearer token,
TLS verification, timeouts, and the translation of an error answer
(``{"code": "...", "message": "..."}``) or a network failure into one :class:`ApiError` whose
message is a single line for the operator. Tests give it another ``transport`` at this seam.

It must not print, prompt or exit (commands do that), and no message it builds may carry the
token. httpx (a tenth of a second to import) loads when a client is made, not when a command
module is: ``gitward --help`` never pays for it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gitward.errors import GitwardError
from gitward.redaction import redact

if TYPE_CHECKING:
    import httpx

__all__ = ["ApiClient", "ApiError", "Endpoint", "quoted"]

REQUEST_TIMEOUT = 30.0


class ApiError(GitwardError):
    """A request to the gitward server failed.

    ``code`` is the server's stable error code (``unauthenticated``, ``permission_denied``,
    ``invalid_argument``, ``conflict``, ``rate_limited``, ``unavailable``...), or
    ``unreachable`` when no answer came back; ``status`` is the HTTP status (0 without one).
    """

    def __init__(self, problem: str, *, code: str, status: int = 0, hint: str = "") -> None:
        self.code = code
        self.status = status
        super().__init__(problem, hint=hint)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where the server is and how to talk to it."""

    url: str
    token: str = field(default="", repr=False)
    insecure: bool = False


def quoted(value: str) -> str:
    """``value`` as one path segment (a repository URL or cluster server inside a path)."""
    return quote(value, safe="")


class ApiClient:
    """JSON requests to one gitward server, failures raised as :class:`ApiError`."""

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        _without_httpx_command_line()
        import httpx  # noqa: PLC0415 - loaded when a request is about to be made

        self.endpoint = endpoint
        self._errors: tuple[type[httpx.HTTPError], type[httpx.TimeoutException]] = (
            httpx.HTTPError,
            httpx.TimeoutException,
        )
        headers = {"Accept": "application/json", "User-Agent": "gitward-cli"}
        if endpoint.token:
            headers["Authorization"] = f"Bearer {endpoint.token}"
        self._http = httpx.Client(
            base_url=endpoint.url,
            headers=headers,
            verify=not endpoint.insecure,
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """``GET path``: the decoded JSON answer."""
        return self._call("GET", path, params=params)

    def post(self, path: str, body: object, params: Mapping[str, str] | None = None) -> Any:
        """``POST path`` with a JSON body."""
        return self._call("POST", path, params=params, body=body)

    def put(self, path: str, body: object) -> Any:
        """``PUT path`` with a JSON body."""
        return self._call("PUT", path, body=body)

    def delete(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """``DELETE path``."""
        return self._call("DELETE", path, params=params)

    @contextmanager
    def event_stream(
        self, path: str, params: Mapping[str, str] | None = None, *, read_timeout: float
    ) -> Iterator[Iterator[Any]]:
        """Open ``GET path`` as server-sent events; iterate for each event's decoded ``data``.

        The iterator gives ``None`` for a keep-alive comment, so a caller can look at its clock.
        Opening fails with :class:`ApiError`; so does reading when nothing at all arrives for
        ``read_timeout`` seconds (code ``unreachable``).
        """
        timeout = (
            REQUEST_TIMEOUT,
            read_timeout,
            REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        )  # connect, read…
        request = self._http.build_request(
            "GET", path, params=params, headers={"Accept": "text/event-stream"}, timeout=timeout
        )
        http_error, _ = self._errors
        try:
            response = self._http.send(request, stream=True)
        except http_error as error:
            raise self._unreachable(error) from error
        try:
            if response.is_error:
                response.read()
                raise _refusal(response)
            yield self._events(response)
        finally:
            response.close()

    def _events(self, response: httpx.Response) -> Iterator[Any]:
        http_error, _ = self._errors
        try:
            yield from _server_sent_data(response.iter_lines())
        except http_error as error:
            raise self._unreachable(error) from error

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
    ) -> Any:
        http_error, _ = self._errors
        try:
            response = self._http.request(method, path, params=params, json=body)
        except http_error as error:
            raise self._unreachable(error) from error
        if response.is_error:
            raise _refusal(response)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise ApiError(
                f"the server at {self.endpoint.url} answered {method} {path} with no JSON",
                code="bad_answer",
                status=response.status_code,
                hint="Check that --server names a gitward server",
            ) from error

    def _unreachable(self, error: httpx.HTTPError) -> ApiError:
        url = self.endpoint.url
        if isinstance(error, self._errors[1]):
            problem = f"the gitward server at {url} did not answer in time"
        else:
            problem = f"cannot reach the gitward server at {url}: {_reason(error)}"
        hint = "Check the address (--server, GITWARD_SERVER or gitward login) and that it runs"
        if "CERTIFICATE" in str(error).upper():
            hint = "Its TLS certificate could not be verified; log in with --insecure to allow it"
        return ApiError(redact(problem, self.endpoint.token), code="unreachable", hint=hint)


# Parts of httpx that gitward's CLI never runs, and that cost half of httpx's import time:
# its own command line (click, rich, pygments) and HTTP/2 (h2; the client speaks HTTP/1.1).
# httpx and httpcore import them inside ``try``/``except ImportError`` and cope without them.
_UNUSED_HTTPX_PARTS = ("httpx._main", "httpcore._async.http2", "httpcore._sync.http2")


def _without_httpx_command_line() -> None:
    """Before httpx first loads in this process, keep :data:`_UNUSED_HTTPX_PARTS` out of it
    (a module that is None in ``sys.modules`` fails to import); not once httpx is loaded."""
    if "httpx" in sys.modules or "httpcore" in sys.modules:
        return
    for name in _UNUSED_HTTPX_PARTS:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _reason(error: httpx.HTTPError) -> str:
    text = str(error) or type(error).__name__
    return text.split("] ", 1)[-1] if text.startswith("[") else text


def _refusal(response: httpx.Response) -> ApiError:
    """The error a non-2xx answer stands for, in one line."""
    status = response.status_code
    code, message = _error_body(response)
    code = code or _CODES_BY_STATUS.get(status, "unknown")
    message = " ".join((message or f"the server answered HTTP {status}").split()).rstrip(".")
    return ApiError(message, code=code, status=status, hint=_hint(code, response))


def _error_body(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    code, message = body.get("code"), body.get("message")
    if isinstance(message, str) and message:
        return (code if isinstance(code, str) else ""), message
    detail = body.get("detail")
    if isinstance(detail, str):
        return "", detail
    if isinstance(detail, list):
        return "invalid_argument", "; ".join(_validation_line(item) for item in detail)
    return "", ""


def _validation_line(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    place = ".".join(str(part) for part in item.get("loc", ()))
    return f"{place}: {item.get('msg', 'invalid')}" if place else str(item.get("msg", "invalid"))


def _hint(code: str, response: httpx.Response) -> str:
    if code == "unauthenticated":
        return "Run gitward login SERVER, or pass another --auth-token"
    if code == "permission_denied":
        return "It does not exist, or your account may not do this"
    if code == "rate_limited":
        after = response.headers.get("Retry-After", "")
        return f"Retry in {after}s" if after.isdigit() else "Retry later"
    if code == "unavailable":
        return "Retry shortly"
    return ""


def _server_sent_data(lines: Iterator[str]) -> Iterator[Any]:
    data: list[str] = []
    for line in lines:
        if line.startswith(":"):
            yield None
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            yield _decode_event("\n".join(data))
            data = []
    if data:
        yield _decode_event("\n".join(data))


def _decode_event(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise ApiError(
            "the server sent an event that is not JSON", code="bad_answer", status=200
        ) from error


_CODES_BY_STATUS = {
    400: "invalid_argument",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    409: "conflict",
    429: "rate_limited",
    503: "unavailable",
}
