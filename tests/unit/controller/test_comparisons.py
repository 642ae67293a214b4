"""The controller keeps each app's last comparison and reuses it only while its inputs are
the same: the stored app, the overrides in force, the desired objects and every live object's
resourceVersion; a hard refresh, server-side diff or a live object without a version compares
afresh."""

from __future__ import annotations

import copy
from typing import Any

from gitward.controller.comparisons import Comparisons
from gitward.kube.tracking import DEFAULT_TRACKING, stamp
from gitward.model.application import parse_application
from gitward.model.objects import ResourceKey
from support.applications import application

DOCUMENT = application(
    "web", repo_url="https://example.com/r.git", path="web", revision=None, app_namespace="argocd"
)
APP = parse_application(copy.deepcopy(DOCUMENT)).value
OVERRIDES = object()


def config_map(value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "web"},
        "data": {"mode": value},
    }


def live_of(desired: dict[str, Any], version: str, value: str | None = None) -> dict[str, Any]:
    live = stamp(copy.deepcopy(desired), APP.name, DEFAULT_TRACKING)
    if value is not None:
        live["data"] = {"mode": value}
    live["metadata"].update(uid="u-1", resourceVersion=version)
    return live


def compared(
    comparisons: Comparisons,
    desired: list[dict[str, Any]],
    live: list[dict[str, Any]],
    *,
    document: dict[str, Any] = DOCUMENT,
    fresh: bool = False,
    predicted: dict[ResourceKey, dict[str, Any]] | None = None,
) -> str:
    result = comparisons.compare(
        document,
        APP,
        desired,
        live,
        DEFAULT_TRACKING,
        overrides=OVERRIDES,
        customizations=None,
        predicted=predicted,
        fresh=fresh,
    )
    return "OutOfSync" if result.out_of_sync else "Synced"


def test_the_same_inputs_reuse_the_last_comparison() -> None:
    comparisons = Comparisons()
    desired = [config_map("a")]
    assert compared(comparisons, desired, [live_of(desired[0], "7")]) == "Synced"
    assert compared(comparisons, [config_map("a")], [live_of(desired[0], "7")]) == "Synced"
    assert comparisons.reused == 1


def test_a_live_change_is_a_new_resource_version_and_compares_again() -> None:
    comparisons = Comparisons()
    desired = [config_map("a")]
    assert compared(comparisons, desired, [live_of(desired[0], "7")]) == "Synced"
    drifted = [live_of(desired[0], "8", value="changed by hand")]
    assert compared(comparisons, desired, drifted) == "OutOfSync"
    assert comparisons.reused == 0


def test_a_new_render_or_a_changed_app_compares_again() -> None:
    comparisons = Comparisons()
    live = [live_of(config_map("a"), "7")]
    assert compared(comparisons, [config_map("a")], live) == "Synced"
    assert compared(comparisons, [config_map("b")], live) == "OutOfSync"
    changed = copy.deepcopy(DOCUMENT)
    changed["spec"]["source"]["targetRevision"] = "v2"
    assert compared(comparisons, [config_map("b")], live, document=changed) == "OutOfSync"
    assert comparisons.reused == 0


def test_hard_refresh_server_side_diff_and_unversioned_live_compare_afresh() -> None:
    comparisons = Comparisons()
    desired = [config_map("a")]
    live = [live_of(desired[0], "7")]
    compared(comparisons, desired, live)
    compared(comparisons, desired, live, fresh=True)
    compared(comparisons, desired, live, predicted={})
    unversioned = [live_of(desired[0], "")]
    compared(comparisons, desired, unversioned)
    compared(comparisons, desired, unversioned)
    assert comparisons.reused == 0
    compared(comparisons, desired, live)
    compared(comparisons, desired, live)
    assert comparisons.reused == 1
