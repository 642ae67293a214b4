"""The client's parts that a running server cannot make misbehave on cue, driven at their seams:
the HTTP transport (httpx's ``MockTransport``) and the waiting loop's clock and pause."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from gitward.cli.client import ApiClient, ApiError, Endpoint
from gitward.cli.progress import Progress
from gitward.cli.waiting import Goal, WaitTimeoutError, wait_for
from gitward.errors import GitwardError

Handler = Callable[[httpx.Request], httpx.Response]


def app(phase: str, started: str = "2026-01-01T00:00:01Z", name: str = "web") -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "status": {
            "sync": {"status": "Synced" if phase == "Succeeded" else "OutOfSync"},
            "health": {"status": "Healthy"},
            "operationState": {"phase": phase, "startedAt": started},
        },
    }


def event(kind: str, application: dict[str, Any]) -> str:
    return "data: " + json.dumps({"result": {"type": kind, "application": application}}) + "\n\n"


def client(handler: Handler) -> ApiClient:
    return ApiClient(
        Endpoint("http://gitward.test", "t0ken"), transport=httpx.MockTransport(handler)
    )


class FakeTime:
    """A clock that moves only when the waiter pauses; the pauses are recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def clock(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def answers(*documents: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from documents
    while True:
        yield documents[-1]


def polling_server(states: Iterator[dict[str, Any]], gets: list[str]) -> Handler:
    """A server without an event stream (404) whose app moves through ``states``."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v1/stream/"):
            return httpx.Response(404, json={"code": "not_found", "message": "no such path"})
        gets.append(request.url.path)
        return httpx.Response(200, json=next(states))

    return handle


def test_without_a_stream_the_wait_polls_with_growing_bounded_pauses() -> None:
    gets: list[str] = []
    states = answers(app("Running"), app("Running"), app("Running"), app("Succeeded"))
    time = FakeTime()

    found = wait_for(
        client(polling_server(states, gets)),
        "web",
        Goal(operation=True),
        timeout=0,
        show=lambda _: None,
        clock=time.clock,
        pause=time.pause,
    )

    assert found["status"]["operationState"]["phase"] == "Succeeded"
    assert gets == ["/api/v1/applications/web"] * 4
    assert time.pauses == [0.5, 0.75, 1.125]


def test_a_wait_that_never_gets_there_times_out_with_one_line() -> None:
    time = FakeTime()

    with pytest.raises(WaitTimeoutError) as raised:
        wait_for(
            client(polling_server(answers(app("Running")), [])),
            "web",
            Goal(sync=True, health=True, operation=True),
            timeout=20,
            show=lambda _: None,
            clock=time.clock,
            pause=time.pause,
        )

    assert raised.value.message == (
        "timed out (20s) waiting for app 'web' to be synced, healthy and done with its operation"
    )
    assert max(time.pauses) == 5.0
    assert sum(time.pauses) == pytest.approx(20.0)


def test_the_stream_ends_the_wait_on_the_event_that_reaches_the_goal() -> None:
    gets: list[str] = []
    body = (
        event("MODIFIED", app("Succeeded", name="other"))
        + ": keep-alive\n\n"
        + event("MODIFIED", app("Running"))
        + event("MODIFIED", app("Succeeded"))
        + event("MODIFIED", app("Failed"))
    )

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/stream/applications":
            assert request.url.params["name"] == "web"
            return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
        gets.append(request.url.path)
        return httpx.Response(200, json=app("Running"))

    shown: list[str] = []
    found = wait_for(
        client(handle),
        "web",
        Goal(operation=True),
        timeout=0,
        show=lambda a: shown.append(a["status"]["operationState"]["phase"]),
    )

    assert found["status"]["operationState"]["phase"] == "Succeeded"
    assert gets == ["/api/v1/applications/web"]
    assert shown == ["Running", "Running", "Succeeded"]


def test_a_sync_waits_for_its_own_operation_not_the_one_before() -> None:
    before = "2026-01-01T00:00:01Z"
    states = answers(
        app("Succeeded", started=before), app("Running", "2026-01-01T00:05:00Z"),
        app("Succeeded", "2026-01-01T00:05:00Z"),
    )  # fmt: skip
    time = FakeTime()

    found = wait_for(
        client(polling_server(states, [])),
        "web",
        Goal(operation=True, new_operation=True, after_operation=before),
        timeout=0,
        show=lambda _: None,
        clock=time.clock,
        pause=time.pause,
    )

    assert found["status"]["operationState"]["startedAt"] == "2026-01-01T00:05:00Z"


def test_an_app_deleted_while_waiting_ends_the_wait_with_one_line() -> None:
    body = event("DELETED", {"metadata": {"name": "web"}})

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/api/v1/stream/"):
            return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=app("Running"))

    with pytest.raises(GitwardError) as raised:
        wait_for(client(handle), "web", Goal(operation=True), timeout=0, show=lambda _: None)

    assert raised.value.message == "app 'web' was deleted while waiting for it"


def test_a_refused_stream_is_not_papered_over_by_polling() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": "unauthenticated", "message": "token expired"})

    with pytest.raises(ApiError) as raised:
        wait_for(client(handle), "web", Goal(operation=True), timeout=0, show=lambda _: None)

    assert raised.value.code == "unauthenticated"
    assert raised.value.message == (
        "token expired. Run gitward login SERVER, or pass another --auth-token"
    )


def test_requests_carry_the_bearer_token() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={"items": []})

    client(handle).get("/api/v1/applications")

    assert seen == ["Bearer t0ken"]


@pytest.mark.parametrize(
    ("response", "code", "message"),
    [
        (
            httpx.Response(409, json={"code": "conflict", "message": "an operation runs."}),
            "conflict",
            "an operation runs",
        ),
        (
            httpx.Response(
                429,
                json={"code": "rate_limited", "message": "too many attempts"},
                headers={"Retry-After": "7"},
            ),
            "rate_limited",
            "too many attempts. Retry in 7s",
        ),
        (
            httpx.Response(
                422, json={"detail": [{"loc": ["body", "name"], "msg": "Field required"}]}
            ),
            "invalid_argument",
            "body.name: Field required",
        ),
        (
            httpx.Response(502, text="<html>Bad Gateway</html>"),
            "unknown",
            "the server answered HTTP 502",
        ),
        (
            httpx.Response(503, json={"code": "unavailable", "message": "the store is down"}),
            "unavailable",
            "the store is down. Retry shortly",
        ),
    ],
)
def test_every_error_answer_becomes_one_line(
    response: httpx.Response, code: str, message: str
) -> None:
    with pytest.raises(ApiError) as raised:
        client(lambda _: response).get("/api/v1/applications")

    assert raised.value.code == code
    assert raised.value.message == message


def test_an_answer_that_is_not_json_names_the_server() -> None:
    with pytest.raises(ApiError) as raised:
        client(lambda _: httpx.Response(200, text="<html>")).get("/api/v1/applications")

    assert raised.value.message == (
        "the server at http://gitward.test answered GET /api/v1/applications with no JSON. "
        "Check that --server names a gitward server"
    )


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_a_live_line_that_leaves_the_last_state() -> None:
    terminal = Terminal()

    with Progress(terminal) as progress:
        progress.show("web: operation Running, sync OutOfSync, health Missing")
        progress.show("web: operation Succeeded, sync Synced, health [bold]Healthy")

    assert terminal.getvalue().endswith(
        "web: operation Succeeded, sync Synced, health [bold]Healthy\n"
    )


def test_progress_elsewhere_is_one_plain_line_per_change() -> None:
    log = io.StringIO()

    with Progress(log) as progress:
        for line in ("a: operation Running", "a: operation Running", "a: operation Succeeded"):
            progress.show(line)

    assert log.getvalue() == "a: operation Running\na: operation Succeeded\n"
