"""The error tree's messages and the redaction of credentials."""

from __future__ import annotations

import pytest

from gitward.errors import (
    ConfigError,
    GitUnavailableError,
    Location,
    ManifestError,
    TransientError,
)
from gitward.model.fields import parse_duration
from gitward.redaction import MASK, redact, redact_url


def test_a_message_says_where_what_and_what_to_do() -> None:
    error = ManifestError(
        "expected a list, found the string 'v.yaml'",
        where=Location("apps.yaml", "Application dev", "spec.source.helm.valueFiles"),
        hint="Write `valueFiles` as a list",
    )
    assert error.message == (
        "apps.yaml: Application dev: spec.source.helm.valueFiles: expected a list, found the "
        "string 'v.yaml'. Write `valueFiles` as a list"
    )
    assert str(error) == error.message


def test_a_message_without_location_or_hint_is_just_the_problem() -> None:
    assert ConfigError("broken").message == "broken"


def test_configuration_and_transient_errors_are_told_apart() -> None:
    assert isinstance(ManifestError("x"), ConfigError)
    assert isinstance(GitUnavailableError("x"), TransientError)
    assert not isinstance(GitUnavailableError("x"), ConfigError)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:s3cret@github.com/org/repo.git", f"https://{MASK}@github.com/org/repo.git"),
        ("https://token@github.com/org/repo", f"https://{MASK}@github.com/org/repo"),
        ("ssh://git@github.com/org/repo", f"ssh://{MASK}@github.com/org/repo"),
        ("https://github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
    ],
)
def test_userinfo_is_removed_from_urls(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_tokens_in_headers_and_given_secrets_are_masked_in_free_text() -> None:
    text = (
        "fatal: https://bot:ghp_abcdef123456@github.com/x failed; "
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig; password hunter2"
    )
    cleaned = redact(text, "hunter2")
    assert "ghp_abcdef123456" not in cleaned
    assert "eyJhbGciOiJIUzI1NiJ9" not in cleaned
    assert "hunter2" not in cleaned
    assert cleaned.count(MASK) == 3


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("5s", 5.0), ("3m", 180.0), ("1h30m", 5400.0), ("250ms", 0.25), ("7", 7.0)],
)
def test_go_durations_are_read_in_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text, Location()) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5x", "m5", "5s3"])
def test_a_bad_duration_is_an_error_with_an_example(text: str) -> None:
    with pytest.raises(ManifestError, match='such as "5s"'):
        parse_duration(text, Location(field="backoff.duration"))
