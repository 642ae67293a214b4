"""Which objects pruning may delete: owned objects go with their owner, except Applications an
ApplicationSet generated, which the parent app that expands the set prunes itself."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.kube.tracking import DEFAULT_TRACKING, stamp
from gitward.sync.pruning import is_apps_own


def application(owners: list[dict[str, Any]]) -> dict[str, Any]:
    obj = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "guestbook-prod", "namespace": "argocd", "ownerReferences": owners},
    }
    return stamp(obj, "root")


SET = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "guestbooks"}
REPLICA_SET = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs"}


@pytest.mark.parametrize(
    ("owners", "prunable"),
    [([], True), ([SET], True), ([REPLICA_SET], False), ([SET, REPLICA_SET], False)],
)
def test_only_an_applicationsets_owner_reference_leaves_an_app_prunable(
    owners: list[dict[str, Any]], prunable: bool
) -> None:
    assert is_apps_own(application(owners), "root", DEFAULT_TRACKING) is prunable
