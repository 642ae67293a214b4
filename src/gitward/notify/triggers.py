"""Which notifications an app is due now, as Argo CD's notifications controller decides.

For every subscription (trigger, service, recipient) and every condition of the trigger: when
the condition holds and it has not been recorded, the condition's templates are due; each
record's key includes ``oncePer``'s value when there is one, so a condition with ``oncePer``
fires once per value (once per commit for ``on-deployed``), and one without fires again only
after it stopped holding (its record is forgotten then). A condition that fails to evaluate
counts as not holding and leaves its record alone. Pure: the caller reads and writes records.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gitward.notify.config import Condition, NotifyConfig
from gitward.notify.expr import ExpressionError
from gitward.notify.subscriptions import Destination, destinations
from gitward.redaction import redact

__all__ = ["Due", "Verdict", "decide"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Due:
    """Send ``templates`` to ``destination``; record it under ``key``."""

    key: str
    destination: Destination
    templates: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """What holds for one app now: candidates to send (unless recorded) and records to forget."""

    due: list[Due] = field(default_factory=list)
    rearmed: list[str] = field(default_factory=list)


def decide(
    config: NotifyConfig,
    app: Mapping[str, Any],
    project_annotations: Mapping[str, Any],
    lent: Mapping[str, Any] | None = None,
) -> Verdict:
    """Evaluate every subscribed trigger over ``app`` (Argo CD's Application JSON); ``lent``
    adds to what conditions see (the ``repo`` helpers that need the app's commits)."""
    metadata = app.get("metadata") or {}
    name = str(metadata.get("name", ""))
    env = {**(lent or {}), "app": app}
    verdict = Verdict()
    labels = {str(k): str(v) for k, v in (metadata.get("labels") or {}).items()}
    subscribed = destinations(
        config, labels, project_annotations, metadata.get("annotations") or {}
    )
    for destination in subscribed:
        conditions = config.triggers.get(destination.trigger)
        if conditions is None:
            log.warning("app %s subscribes to unknown trigger %s", name, destination.trigger)
            continue
        for index, condition in enumerate(conditions):
            _one(
                verdict,
                app=name,
                destination=destination,
                index=index,
                condition=condition,
                env=env,
                secrets=config.secrets,
            )
    return verdict


def _one(
    verdict: Verdict,
    *,
    app: str,
    destination: Destination,
    index: int,
    condition: Condition,
    env: Mapping[str, Any],
    secrets: Sequence[str],
) -> None:
    try:
        holds = condition.when.evaluate(env) is True
        once = condition.once_per.evaluate(env) if condition.once_per is not None else None
    except ExpressionError as err:
        log.warning(
            "trigger %s[%d] on app %s: %s",
            destination.trigger,
            index,
            app,
            redact(err.problem, *secrets),
        )
        return
    key = record_key(app, destination, index, condition, once)
    if holds:
        verdict.due.append(Due(key, destination, condition.send))
    elif not holds and condition.once_per is None:
        verdict.rearmed.append(key)


def record_key(
    app: str, destination: Destination, index: int, condition: Condition, once: Any
) -> str:
    """A digest of everything that makes a notification the same one."""
    parts = [
        app,
        destination.trigger,
        index,
        condition.when.source,
        "" if once is None else json.dumps(once, sort_keys=True, default=str),
        destination.service,
        destination.recipient,
    ]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()
