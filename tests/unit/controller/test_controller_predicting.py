"""Server-side diff: when it is on, and how dry-run answers are asked for, kept and refused."""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any, cast

import pytest

from gitward.controller.predicting import DryRuns, server_side_diff
from gitward.errors import ClusterUnavailableError, ConfigError, InvalidError, Location
from gitward.kube import Cluster
from gitward.model.annotations import COMPARE_OPTIONS
from gitward.model.application import Application, Destination
from gitward.model.objects import Manifest, ResourceKey
from gitward.settings import ControllerSettings, Settings

ON = replace(ControllerSettings(), server_side_diff=True)
OFF = ControllerSettings()
PASSWORD = "hunter2-never-shown"


def app(options: str | None = None) -> Application:
    notes = {COMPARE_OPTIONS: options} if options is not None else {}
    return Application(
        name="shop", project="default", sources=(), destination=Destination(), annotations=notes
    )


@pytest.mark.parametrize(
    ("options", "settings", "expected"),
    [
        (None, OFF, False),
        (None, ON, True),
        ("ServerSideDiff=true", OFF, True),
        ("IgnoreExtraneous, ServerSideDiff=true", OFF, True),
        ("ServerSideDiff=false", ON, False),
        ("IgnoreExtraneous", ON, True),
    ],
)
def test_the_app_annotation_decides_and_the_setting_is_the_default(
    options: str | None, settings: ControllerSettings, expected: bool
) -> None:
    assert server_side_diff(app(options), settings) is expected


def test_the_global_setting_comes_from_the_environment_and_refuses_junk() -> None:
    assert Settings.from_env({"GITWARD_SERVER_SIDE_DIFF": "true"}).controller.server_side_diff
    assert not Settings.from_env({}).controller.server_side_diff
    with pytest.raises(ConfigError, match="GITWARD_SERVER_SIDE_DIFF"):
        Settings.from_env({"GITWARD_SERVER_SIDE_DIFF": "sometimes"})


class FakeCluster:
    """Answers dry-run applies with the object plus a default; can be told to refuse."""

    def __init__(self) -> None:
        self.applied: list[tuple[Manifest, bool, bool]] = []
        self.refusal: Exception | None = None

    async def apply(
        self, manifest: Manifest, *, force: bool = False, dry_run: bool = False
    ) -> Manifest:
        self.applied.append((manifest, force, dry_run))
        if self.refusal is not None:
            raise self.refusal
        metadata = {**manifest["metadata"], "managedFields": [{"manager": "gitward"}]}
        return {**manifest, "metadata": metadata, "spec": {"defaulted": True}}


def config_map(name: str, version: str = "1", **data: str) -> Manifest:
    meta = {"name": name, "namespace": "shop", "resourceVersion": version}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


async def predict(
    dry_runs: DryRuns,
    cluster: FakeCluster,
    targets: list[Manifest],
    live: list[Manifest],
    **kw: Any,
) -> dict[ResourceKey, Manifest]:
    present = {ResourceKey.of(obj): obj for obj in live}
    return await dry_runs.predict(cast(Cluster, cluster), "shop", targets, present, **kw)


async def test_only_live_objects_are_dry_run_forced_and_their_managed_fields_dropped() -> None:
    cluster, dry_runs = FakeCluster(), DryRuns()
    there, missing = config_map("there", a="1"), config_map("missing")

    answers = await predict(dry_runs, cluster, [there, missing], [config_map("there")])

    assert list(answers) == [ResourceKey.of(there)]
    assert [(obj["metadata"]["name"], f, d) for obj, f, d in cluster.applied] == [
        ("there", True, True)
    ]
    [predicted] = answers.values()
    assert predicted["spec"] == {"defaulted": True}
    assert "managedFields" not in predicted["metadata"]


async def test_hooks_are_never_dry_run() -> None:
    cluster, dry_runs = FakeCluster(), DryRuns()
    hook = config_map("migrate")
    hook["metadata"]["annotations"] = {"argocd.argoproj.io/hook": "PreSync"}

    assert await predict(dry_runs, cluster, [hook], [config_map("migrate")]) == {}
    assert cluster.applied == []


async def test_an_answer_is_reused_until_git_or_live_changes_or_a_hard_refresh() -> None:
    cluster, dry_runs = FakeCluster(), DryRuns()
    target = config_map("web", a="1")

    await predict(dry_runs, cluster, [target], [config_map("web", "1")])
    await predict(dry_runs, cluster, [target], [config_map("web", "1")])
    assert dry_runs.requests == 1
    await predict(dry_runs, cluster, [target], [config_map("web", "2")])
    assert dry_runs.requests == 2
    await predict(dry_runs, cluster, [config_map("web", a="2")], [config_map("web", "2")])
    assert dry_runs.requests == 3
    await predict(
        dry_runs, cluster, [config_map("web", a="2")], [config_map("web", "2")], fresh=True
    )
    assert dry_runs.requests == 4


async def test_a_refused_dry_run_is_a_comparison_error_naming_the_resource_without_secrets() -> (
    None
):
    cluster, dry_runs = FakeCluster(), DryRuns()
    encoded = base64.b64encode(PASSWORD.encode()).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "shop"},
        "data": {"password": encoded},
    }
    cluster.refusal = InvalidError(
        f"Secret db is invalid: data.password {PASSWORD!r} is too short",
        where=Location(obj="Secret shop/db"),
    )

    with pytest.raises(ConfigError) as refused:
        await predict(dry_runs, cluster, [secret], [secret])

    assert "Secret shop/db" in refused.value.message
    assert "dry-run apply" in refused.value.message
    assert PASSWORD not in str(refused.value) and encoded not in str(refused.value)
    assert "ServerSideDiff=false" in (refused.value.hint or "")


async def test_an_unreachable_cluster_stays_a_passing_error() -> None:
    cluster, dry_runs = FakeCluster(), DryRuns()
    cluster.refusal = ClusterUnavailableError("connection refused")
    target = config_map("web", a="1")

    with pytest.raises(ClusterUnavailableError):
        await predict(dry_runs, cluster, [target], [target])
