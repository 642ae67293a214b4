"""API answers become gitward's kube errors: class by code, causes, Retry-After, no secrets."""

from __future__ import annotations

import email.utils
import json
import time

import httpx2
import pytest

from gitward.errors import (
    ClusterUnavailableError,
    ConfigError,
    ConflictError,
    ExpiredError,
    ForbiddenError,
    InvalidError,
    KubeError,
    Location,
    NotFoundError,
    TransientError,
)
from gitward.kube import failures

WHERE = Location(obj="apps/Deployment prod/web on cluster in-cluster")


def status(code: int, reason: str, message: str = "boom", **details: object) -> bytes:
    body = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
    body["message"] = message
    if details:
        body["details"] = details
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("code", "reason", "error_class"),
    [
        (404, "NotFound", NotFoundError),
        (409, "AlreadyExists", ConflictError),
        (409, "Conflict", ConflictError),
        (401, "Unauthorized", ForbiddenError),
        (403, "Forbidden", ForbiddenError),
        (410, "Expired", ExpiredError),
        (422, "Invalid", InvalidError),
        (400, "BadRequest", InvalidError),
        (429, "TooManyRequests", ClusterUnavailableError),
        (500, "InternalError", ClusterUnavailableError),
        (504, "Timeout", ClusterUnavailableError),
        (405, "MethodNotAllowed", KubeError),
    ],
)
def test_the_status_code_decides_the_error_class(code: int, reason: str, error_class: type):
    error = failures.from_response(code, status(code, reason), {}, where=WHERE)

    assert type(error) is error_class
    assert error.message.startswith("apps/Deployment prod/web on cluster in-cluster: boom")


def test_invalid_objects_stall_and_unavailable_clusters_retry():
    invalid = failures.from_response(422, status(422, "Invalid"), {}, where=WHERE)
    unavailable = failures.from_response(503, status(503, "ServiceUnavailable"), {}, where=WHERE)

    assert isinstance(invalid, ConfigError)
    assert not isinstance(invalid, TransientError)
    assert isinstance(unavailable, TransientError)


def test_field_causes_are_kept_and_the_first_field_is_the_location():
    body = status(
        422,
        "Invalid",
        'Deployment.apps "web" is invalid',
        causes=[
            {"reason": "FieldValueInvalid", "field": "spec.replicas", "message": "must be >= 0"},
            {"reason": "FieldValueRequired", "field": "spec.selector", "message": "Required"},
        ],
    )

    error = failures.from_response(422, body, {}, where=WHERE)

    assert isinstance(error, InvalidError)
    assert error.causes == (("spec.replicas", "must be >= 0"), ("spec.selector", "Required"))
    assert error.where.field == "spec.replicas"


def test_a_field_manager_conflict_hints_at_force_and_a_stale_version_at_reading_again():
    causes = [{"reason": "FieldManagerConflict", "field": ".data.x", "message": "conflict"}]
    managers = failures.from_response(409, status(409, "Conflict", causes=causes), {}, where=WHERE)
    stale = failures.from_response(409, status(409, "Conflict"), {}, where=WHERE)

    assert "force" in managers.hint
    assert "read it again" in stale.hint


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("", None), ("soon", None)])
def test_retry_after_in_seconds_is_honoured(header: str, expected: float | None):
    headers = {"retry-after": header} if header else {}

    error = failures.from_response(429, status(429, "TooManyRequests"), headers, where=WHERE)

    assert isinstance(error, ClusterUnavailableError)
    assert error.retry_after == expected


def test_retry_after_as_an_http_date_becomes_seconds_from_now():
    later = email.utils.formatdate(time.time() + 120, usegmt=True)

    error = failures.from_response(503, b"", {"retry-after": later}, where=WHERE)

    assert isinstance(error, ClusterUnavailableError)
    assert error.retry_after is not None and 100 < error.retry_after <= 120


def test_retry_after_seconds_in_the_status_details_is_used_without_a_header():
    body = status(429, "TooManyRequests", retryAfterSeconds=4)

    error = failures.from_response(429, body, {}, where=WHERE)

    assert isinstance(error, ClusterUnavailableError)
    assert error.retry_after == 4.0


def test_a_body_that_is_not_a_status_still_gives_a_message():
    error = failures.from_response(502, b"<html>Bad Gateway</html>", {}, where=WHERE)

    assert isinstance(error, ClusterUnavailableError)
    assert "Bad Gateway" in error.message


def test_secrets_and_bearer_tokens_are_scrubbed_from_server_messages():
    body = status(
        401, "Unauthorized", "token sekrit-value rejected; Authorization: Bearer abcdefghijk"
    )

    error = failures.from_response(401, body, {}, where=WHERE, secrets=("sekrit-value",))

    assert "sekrit-value" not in error.message
    assert "abcdefghijk" not in error.message


def test_a_request_without_answer_is_transient_and_names_the_failure():
    err = httpx2.ConnectError("connection refused")

    error = failures.unreachable(err, where=WHERE)

    assert isinstance(error, ClusterUnavailableError)
    assert "ConnectError" in error.message and "connection refused" in error.message


def test_a_watch_error_event_status_becomes_an_expired_error():
    error = failures.from_status(
        {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}, where=WHERE
    )

    assert isinstance(error, ExpiredError)
    assert "List again" in error.hint
