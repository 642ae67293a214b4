"""What an ApplicationSet may do to Applications that already exist: ownership and
``syncPolicy.applicationsSync``.

The set's parent app writes what the set generates (gitward keeps Applications in its store,
and the parent syncs them like any resource: created, updated, pruned when no longer declared).
This module turns "what the set generates" into "what the parent should declare", given the
stored apps:

- An app the set did not generate (no owner reference to it, or one to a set of the same name
  in another parent app) is never touched: when it is the
  parent's own it is declared as it is stored (so it is neither changed nor pruned), otherwise
  it is left out, and both are reported.
- ``create-only`` and ``create-delete`` never update: an app that exists is declared as stored.
- ``create-only`` and ``create-update`` never delete: an app the set generated before and
  generates no more is still declared, as stored.
- ``sync`` (the default) creates, updates and deletes.

It must not write anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitward.appsets.expanding import Expansion, owner_of
from gitward.model.objects import Manifest

__all__ = ["Existing", "Outcome", "apply_policy"]


@dataclass(frozen=True)
class Existing:
    """A stored Application: its document as written, and the app that declared it."""

    document: Mapping[str, Any]
    parent: str | None


@dataclass
class Outcome:
    """The Applications the parent should declare for one set, and what was held back."""

    apps: list[Manifest] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # not updated or not deleted, by the policy
    refused: list[str] = field(default_factory=list)  # not the set's to touch


def apply_policy(
    expansion: Expansion, parent: str | None, existing: Mapping[str, Existing]
) -> Outcome:
    """What ``parent`` declares for ``expansion`` given the stored apps ``existing`` (those
    with the generated names, and those the set generated before). ``parent`` None: a set
    stored on its own, whose apps have no parent."""
    appset = expansion.appset
    policy = appset.applications_sync
    updates = policy in ("sync", "create-update")
    deletes = policy in ("sync", "create-delete")
    outcome = Outcome()
    generated = set()
    for app in expansion.apps:
        name = str(app["metadata"]["name"])
        generated.add(name)
        stored = existing.get(name)
        if stored is None:
            outcome.apps.append(app)
        elif owner_of(stored.document) != appset.name or stored.parent != parent:
            outcome.refused.append(name)
            if stored.parent == parent:
                outcome.apps.append(dict(stored.document))
        elif updates:
            outcome.apps.append(app)
        else:
            outcome.kept.append(name)
            outcome.apps.append(dict(stored.document))
    for name, stored in sorted(existing.items()):
        if name in generated or owner_of(stored.document) != appset.name:
            continue
        if stored.parent == parent and not deletes:
            outcome.kept.append(name)
            outcome.apps.append(dict(stored.document))
    return outcome
