"""Automated sync decisions: one table row per rule of the issue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from gitward.controller.deciding import (
    Comparison,
    Decision,
    Gate,
    Idle,
    LastSync,
    SelfHealBackoff,
    Sync,
    Wait,
    decide,
)
from gitward.model.application import Automated, Retry, SyncPolicy
from gitward.model.objects import ResourceKey

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
DEPLOYMENT = ResourceKey("apps", "Deployment", "dev", "backend")

MANUAL = SyncPolicy()
AUTO = SyncPolicy(automated=Automated())
AUTO_PRUNE = SyncPolicy(automated=Automated(prune=True))
HEAL = SyncPolicy(automated=Automated(prune=True, self_heal=True))
EMPTY_OK = SyncPolicy(automated=Automated(allow_empty=True))
DISABLED = SyncPolicy(automated=Automated(enabled=False))
RETRYING = SyncPolicy(automated=Automated(), retry=Retry(limit=3))


def compared(status: str = "OutOfSync", revision: str = "b" * 40, **more: object) -> Comparison:
    values: dict[str, object] = {
        "status": status,
        "revisions": (revision,),
        "source": "src",
        "out_of_sync": frozenset({DEPLOYMENT}),
    }
    values.update(more)
    return Comparison(**values)  # type: ignore[arg-type]


def synced_before(
    phase: str = "Succeeded", revision: str = "b" * 40, ago_s: float = 1.0, **more: object
) -> LastSync:
    values: dict[str, object] = {
        "revisions": (revision,),
        "source": "src",
        "phase": phase,
        "finished_at": NOW - timedelta(seconds=ago_s),
        "message": "one or more tasks failed",
    }
    values.update(more)
    return LastSync(**values)  # type: ignore[arg-type]


@dataclass
class Case:
    rule: str
    policy: SyncPolicy
    comparison: Comparison = field(default_factory=compared)
    last: LastSync | None = None
    running: bool = False
    gate: Gate = field(default_factory=Gate)
    window: Gate = field(default_factory=Gate)
    synced_since_last: bool = False
    expect: type = Idle
    reason: str = ""
    sync_error: str = ""
    prune: bool | None = None
    attempts: int | None = None
    selective: bool | None = None
    wait_s: float | None = None
    held: bool | None = None


FREEZE = Gate(False, "automated sync blocked by sync window: deny window", NOW + timedelta(hours=8))

CASES = [
    Case("a manual app only reports OutOfSync", MANUAL, reason="waiting for a sync request"),
    Case("automated.enabled false is manual", DISABLED, reason="manual"),
    Case("a running operation is never joined by another", AUTO, running=True, reason="progress"),
    Case("a Synced app does nothing", AUTO, compared("Synced"), reason="in sync"),
    Case(
        "never when the render failed",
        AUTO,
        compared("Unknown", complete=False),
        reason="not known",
    ),
    Case(
        "never when the live state is not trusted",
        AUTO,
        compared(complete=False),
        reason="not known",
    ),
    Case(
        "never wipe an app without allowEmpty",
        AUTO,
        compared(desired_count=0),
        sync_error="allowEmpty",
    ),
    Case("allowEmpty lets an empty app sync", EMPTY_OK, compared(desired_count=0), expect=Sync),
    Case("a new revision syncs at once", AUTO, expect=Sync, prune=False, attempts=0),
    Case("prune only when the policy says", AUTO_PRUNE, expect=Sync, prune=True),
    Case(
        "a new revision syncs after a success at an older one",
        AUTO,
        last=synced_before(revision="a" * 40),
        expect=Sync,
    ),
    Case(
        "a changed source counts as new",
        AUTO,
        last=synced_before(source="older"),
        expect=Sync,
    ),
    Case(
        "once per revision: drift after a success is only reported without selfHeal",
        AUTO,
        last=synced_before(),
        reason="selfHeal is off",
    ),
    Case(
        "a failed revision is not retried without selfHeal",
        AUTO,
        last=synced_before("Failed"),
        sync_error="Failed sync attempt to bbbbbbbbbbbb: one or more tasks failed",
    ),
    Case(
        "a manual sync of the revision counts as the attempt",
        AUTO,
        last=synced_before("Failed", automated=False),
        sync_error="Failed sync attempt",
    ),
    Case(
        "selfHeal corrects the first drift at once, selectively",
        HEAL,
        last=synced_before(),
        expect=Sync,
        attempts=1,
        selective=True,
        prune=True,
    ),
    Case(
        "selfHeal waits 2 s before the second correction",
        HEAL,
        last=synced_before(self_heal_attempts=1, ago_s=1.0),
        expect=Wait,
        wait_s=1.0,
    ),
    Case(
        "selfHeal backs off x3: the third correction waits 6 s",
        HEAL,
        last=synced_before(self_heal_attempts=2, ago_s=5.0),
        expect=Wait,
        wait_s=1.0,
    ),
    Case(
        "selfHeal corrects once the backoff has passed",
        HEAL,
        last=synced_before(self_heal_attempts=2, ago_s=6.0),
        expect=Sync,
        attempts=3,
    ),
    Case(
        "selfHeal backoff is capped at 300 s",
        HEAL,
        last=synced_before(self_heal_attempts=20, ago_s=299.0),
        expect=Wait,
        wait_s=1.0,
    ),
    Case(
        "a Synced sighting resets the selfHeal backoff",
        HEAL,
        last=synced_before(self_heal_attempts=5, ago_s=1.0),
        synced_since_last=True,
        expect=Sync,
        attempts=1,
    ),
    Case(
        "selfHeal retries a failed revision in full, with backoff",
        HEAL,
        last=synced_before("Failed", self_heal_attempts=1, ago_s=3.0),
        expect=Sync,
        attempts=2,
        selective=False,
    ),
    Case(
        "a closed wave gate makes a new revision wait",
        AUTO,
        gate=Gate(False, "waiting for ai-chatbot-dev"),
        expect=Wait,
        reason="ai-chatbot-dev",
    ),
    Case(
        "the wave gate does not hold back drift correction",
        HEAL,
        last=synced_before(),
        gate=Gate(False, "waiting for ai-chatbot-dev"),
        expect=Sync,
    ),
    Case(
        "a sync window holds a new revision until it lets syncs start",
        AUTO,
        window=FREEZE,
        expect=Wait,
        reason="blocked by sync window",
        wait_s=8 * 3600,
        held=True,
    ),
    Case(
        "a sync window holds selfHeal drift correction",
        HEAL,
        last=synced_before(),
        window=FREEZE,
        expect=Wait,
        held=True,
    ),
    Case(
        "a sync window holds a selfHeal retry of a failed revision",
        HEAL,
        last=synced_before("Failed", self_heal_attempts=1, ago_s=3.0),
        window=FREEZE,
        expect=Wait,
        held=True,
    ),
    Case(
        "the selfHeal backoff still counts while a window is closed",
        HEAL,
        last=synced_before(self_heal_attempts=1, ago_s=1.0),
        window=FREEZE,
        expect=Wait,
        wait_s=1.0,
        held=False,
    ),
    Case(
        "a sync window changes nothing for a manual app",
        MANUAL,
        window=FREEZE,
        reason="waiting for a sync request",
    ),
    Case("a sync window changes nothing for a Synced app", AUTO, compared("Synced"), window=FREEZE),
    Case("an open sync window lets a new revision sync", AUTO, window=Gate(), expect=Sync),
]


@pytest.mark.parametrize("case", CASES, ids=[case.rule for case in CASES])
def test_the_decision_follows_the_rule(case: Case) -> None:
    decision = decide(
        case.policy,
        case.comparison,
        case.last,
        now=NOW,
        operation_running=case.running,
        gate=case.gate,
        window=case.window,
        backoff=SelfHealBackoff(),
        synced_since_last=case.synced_since_last,
    )
    assert isinstance(decision, case.expect), decision
    check_details(case, decision)


def check_details(case: Case, decision: Decision) -> None:
    if case.reason:
        assert case.reason in decision.reason
    if case.sync_error:
        assert isinstance(decision, Idle)
        assert case.sync_error in decision.sync_error
    if isinstance(decision, Sync):
        if case.prune is not None:
            assert decision.prune is case.prune
        if case.attempts is not None:
            assert decision.self_heal_attempts == case.attempts
        if case.selective is not None:
            assert (decision.resources == {DEPLOYMENT}) is case.selective
    if isinstance(decision, Wait) and case.wait_s is not None:
        assert decision.until == NOW + timedelta(seconds=case.wait_s)
    if isinstance(decision, Wait) and case.held is not None:
        assert decision.window is case.held


def test_the_retry_policy_is_handed_to_the_operation() -> None:
    decision = decide(RETRYING, compared(), None, now=NOW)
    assert isinstance(decision, Sync)
    assert decision.retry == Retry(limit=3)


def test_the_self_heal_backoff_grows_by_three_up_to_the_cap() -> None:
    backoff = SelfHealBackoff()
    assert [backoff.delay(n) for n in range(7)] == [0, 2, 6, 18, 54, 162, 300]
