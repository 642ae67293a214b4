"""applicationsSync and ownership: what a parent declares for a set, given the stored apps."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.appsets.expanding import Expansion
from gitward.appsets.policies import Existing, apply_policy
from gitward.errors import Location
from gitward.model.appsets import ApplicationSet, ListGenerator


def owned(name: str, revision: str, owner: str | None = "envs") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if owner:
        metadata["ownerReferences"] = [{"kind": "ApplicationSet", "name": owner}]
    return {"metadata": metadata, "spec": {"source": {"targetRevision": revision}}}


def expansion(policy: str, *apps: str) -> Expansion:
    appset = ApplicationSet(
        name="envs",
        namespace="argocd",
        generators=(ListGenerator(Location(), ()),),
        template={},
        applications_sync=policy,
    )
    return Expansion(appset, apps=[owned(name, "new") for name in apps])


def revisions(apps: list[dict[str, Any]]) -> dict[str, str]:
    return {a["metadata"]["name"]: a["spec"]["source"]["targetRevision"] for a in apps}


STORED = {
    "dev": Existing(owned("dev", "old"), "root"),
    "gone": Existing(owned("gone", "old"), "root"),
}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("sync", {"dev": "new", "staging": "new"}),
        ("create-update", {"dev": "new", "staging": "new", "gone": "old"}),
        ("create-delete", {"dev": "old", "staging": "new"}),
        ("create-only", {"dev": "old", "staging": "new", "gone": "old"}),
    ],
)
def test_each_policy_creates_and_only_updates_or_deletes_when_it_may(
    policy: str, expected: dict[str, str]
) -> None:
    outcome = apply_policy(expansion(policy, "dev", "staging"), "root", STORED)
    assert revisions(outcome.apps) == expected


def test_an_app_the_set_did_not_generate_is_never_changed() -> None:
    stored = {"dev": Existing(owned("dev", "hand-written", owner=None), "root")}
    outcome = apply_policy(expansion("sync", "dev"), "root", stored)
    assert revisions(outcome.apps) == {"dev": "hand-written"}
    assert outcome.refused == ["dev"]


def test_another_parents_app_of_the_same_name_is_left_out_entirely() -> None:
    stored = {"dev": Existing(owned("dev", "theirs", owner=None), "other-root")}
    outcome = apply_policy(expansion("sync", "dev"), "root", stored)
    assert outcome.apps == []
    assert outcome.refused == ["dev"]


def test_a_same_named_set_of_another_parent_never_takes_over_its_apps() -> None:
    stored = {"prod-payments": Existing(owned("prod-payments", "theirs"), "prod-root")}
    outcome = apply_policy(expansion("sync", "prod-payments"), "dev-root", stored)
    assert outcome.apps == []
    assert outcome.refused == ["prod-payments"]
