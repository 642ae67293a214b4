"""The wave gate between sibling apps of one app-of-apps."""

from __future__ import annotations

from controller_builders import SHA1, SHA2, application, record

from gitward.controller.gating import wave_gate
from gitward.model.application import parse_application

STAGING = parse_application(application("staging", wave=2)).value


def test_a_later_wave_waits_for_an_earlier_one_to_be_synced_and_healthy_at_the_commit() -> None:
    dev = record(application("dev", wave=1), sync="OutOfSync", revisions=(SHA2,))
    gate = wave_gate(STAGING, (SHA2,), [dev])
    assert not gate.open
    assert "waiting for dev (sync wave 1)" in gate.reason
    assert "OutOfSync and Healthy" in gate.reason


def test_an_earlier_wave_at_an_older_commit_keeps_the_gate_shut() -> None:
    dev = record(application("dev", wave=1), revisions=(SHA1,))
    assert not wave_gate(STAGING, (SHA2,), [dev]).open


def test_a_degraded_earlier_wave_keeps_the_gate_shut() -> None:
    dev = record(application("dev", wave=1), health="Degraded", revisions=(SHA2,))
    gate = wave_gate(STAGING, (SHA2,), [dev])
    assert not gate.open and "Degraded" in gate.reason


def test_the_gate_opens_once_every_earlier_wave_is_there() -> None:
    dev = record(application("dev", wave=1), revisions=(SHA2,))
    tests = record(application("tests", wave=0), revisions=(SHA2,))
    assert wave_gate(STAGING, (SHA2,), [dev, tests]).open


def test_manual_later_or_differently_sourced_siblings_never_gate() -> None:
    behind = {"sync": "OutOfSync", "revisions": (SHA1,)}
    siblings = [
        record(application("manual", wave=1, automated=False), **behind),  # type: ignore[arg-type]
        record(application("prod", wave=3), **behind),  # type: ignore[arg-type]
        record(application("other", wave=1, revision="release"), **behind),  # type: ignore[arg-type]
        record(application("elsewhere", wave=1, repo="https://x.example/r.git"), **behind),  # type: ignore[arg-type]
        record(application("staging", wave=2), **behind),  # type: ignore[arg-type]
    ]
    assert wave_gate(STAGING, (SHA2,), siblings).open
