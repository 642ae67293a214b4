"""The wave gate between sibling apps: a later wave follows a new revision only after the
earlier waves are Synced and Healthy at it.

In the strategy document dev (wave 1), staging (wave 2) and prod (wave 3) all follow ``main``.
A commit that changes both dev's and staging's values reaches both apps in the same refresh
cycle; Argo CD would sync both at once, although the document promises "staging: wait for dev to
be healthy". Here an automated child waits for every automated sibling of an earlier sync wave
that follows the same repository and targetRevision to be Synced and Healthy at the very commit
it is about to deploy. Siblings with a manual policy never gate (they may never be synced), nor
do siblings that follow another repository or branch (there is no common revision to wait for).
A Degraded sibling keeps the gate shut until Git changes. It must not write anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitward.controller.appobjects import is_automated
from gitward.controller.deciding import Gate
from gitward.errors import GitwardError
from gitward.git import normalize_repo_url
from gitward.model.application import Application, parse_application
from gitward.store import AppRecord

__all__ = ["wave_gate"]


def wave_gate(app: Application, revisions: tuple[str, ...], siblings: Sequence[AppRecord]) -> Gate:
    """Whether ``app`` may sync ``revisions`` now, given its siblings' stored states."""
    earlier = []
    for record in siblings:
        sibling = _parsed(record)
        if sibling is None or sibling.name == app.name or sibling.sync_wave >= app.sync_wave:
            continue
        if is_automated(dict(record.document)) and _same_target(sibling, app):
            earlier.append((sibling.sync_wave, sibling.name, record))
    for wave, name, record in sorted(earlier):
        status = record.status
        ready = (
            status.sync_status == "Synced"
            and status.health_status == "Healthy"
            and tuple(status.observed_revisions) == revisions
        )
        if not ready:
            at = ", ".join(r[:12] for r in status.observed_revisions) or "no revision yet"
            shown = ", ".join(r[:12] for r in revisions)
            return Gate(
                False,
                f"waiting for {name} (sync wave {wave}) to be Synced and Healthy at {shown}: "
                f"it is {status.sync_status} and {status.health_status} at {at}",
            )
    return Gate()


def _parsed(record: AppRecord) -> Application | None:
    try:
        return parse_application(dict(record.document), file=record.file).value
    except GitwardError:
        return None


def _same_target(one: Application, other: Application) -> bool:
    def target(app: Application) -> tuple[str, str]:
        return normalize_repo_url(app.source.repo_url), app.source.revision

    return target(one) == target(other)
