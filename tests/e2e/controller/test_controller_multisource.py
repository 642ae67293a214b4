"""Multi-source Applications end to end, as Argo CD 2.6+ runs them: a Helm chart from one
repository, per-environment value files from another through ``ref: values`` and
``$values/...``, both real git repositories, deployed by the controller to the sandbox cluster.

What Argo CD does and these tests hold gitward to: the comparison names one commit per source, in
source order, the ``ref`` source's included; a commit to the values repository alone makes the
app OutOfSync (and an automated app syncs it); history keeps every source's commit, and a rollback
deploys all of them again; a source with ``ref`` and no ``path`` renders nothing itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from controller_world import World

from gitward.errors import ConfigError
from support import applications
from support.repos import commit_all, new_repository, write_files

CHARTS_URL = "https://git.example.com/platform/charts.git"
VALUES_URL = "https://git.example.com/teams/web-values.git"
DEV, PROD = "web-dev", "web-prod"
IMAGE = "registry.example.com/web"

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": f"replicas: 1\nimage:\n  repository: {IMAGE}\n  tag: chart\n",
    "charts/web/templates/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
""",
}


def env_values(replicas: int, tag: str) -> str:
    return f"replicas: {replicas}\nimage:\n  tag: {tag}\n"


VALUES = {
    "envs/dev/values.yaml": env_values(2, "1.1.0"),
    "envs/prod/values.yaml": env_values(3, "1.0.0"),
    # Would be deployed if the values-only source rendered its repository: it must not.
    "stray.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\ndata: {a: b}\n",
}


def chart_source(environment: str) -> dict[str, Any]:
    return {
        "repoURL": CHARTS_URL,
        "targetRevision": "main",
        "path": "charts/web",
        "helm": {"valueFiles": [f"$values/envs/{environment}/values.yaml"]},
    }


VALUES_SOURCE = {"repoURL": VALUES_URL, "targetRevision": "main", "ref": "values"}


def application(name: str, sources: list[dict[str, Any]], *, automated: bool) -> Mapping[str, Any]:
    """A multi-source app of ``sources`` into its own namespace, synced by itself if
    ``automated``."""
    return applications.application(
        name,
        sources=sources,
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL if automated else None,
        sync_options=applications.CREATE_NAMESPACE,
    )


DEV_APP = application(DEV, [chart_source("dev"), VALUES_SOURCE], automated=True)
# The ref source first: revisions follow the order the sources are written in.
PROD_APP = application(PROD, [VALUES_SOURCE, chart_source("prod")], automated=False)


class Repos:
    """The two repositories, as the World's controller sees them."""

    def __init__(self, world: World) -> None:
        self.charts = world.tmp / "charts"
        self.values = world.tmp / "web-values"
        self.chart_sha = new_repository(self.charts, CHART)
        self.values_sha = new_repository(self.values, VALUES)
        world.repositories.update({CHARTS_URL: self.charts, VALUES_URL: self.values})

    def change_values(self, environment: str, replicas: int, tag: str) -> str:
        write_files(self.values, {f"envs/{environment}/values.yaml": env_values(replicas, tag)})
        return commit_all(self.values, f"{environment}: {replicas} x {tag}")


async def deployment(world: World, name: str) -> tuple[int, str] | None:
    """(replicas, image) of the app's Deployment in the sandbox, or None."""
    found = await world.live("Deployment", name, name)
    if found is None:
        return None
    spec = found["spec"]
    return spec["replicas"], spec["template"]["spec"]["containers"][0]["image"]


async def started(world: World, *apps: Mapping[str, Any]) -> Repos:
    repos = Repos(world)
    controller = await world.start()
    for app in apps:
        await controller.bootstrap(app)
    return repos


async def test_an_automated_multi_source_app_deploys_the_chart_with_the_values_of_the_other_repo(
    world: World,
) -> None:
    repos = await started(world, DEV_APP)

    dev = await world.until_app(DEV, sync_status="Synced", health_status="Healthy")

    assert await deployment(world, DEV) == (2, f"{IMAGE}:1.1.0")
    assert dev.status.observed_revisions == (repos.chart_sha, repos.values_sha)
    assert dev.status.conditions == ()
    kinds = [(item["kind"], item["name"]) for item in dev.status.resources["items"]]
    assert kinds == [("Deployment", DEV)]
    assert await world.live("ConfigMap", DEV, "stray", group="") is None


async def test_a_commit_to_the_values_repository_alone_syncs_the_app_to_the_new_values(
    world: World,
) -> None:
    repos = await started(world, DEV_APP)
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    events = world.watch()

    second = repos.change_values("dev", 4, "1.2.0")
    assert world.controller is not None
    world.controller.refresh(DEV, hard=True)

    both = (repos.chart_sha, second)
    await events.wait_for(
        lambda e: e.app == DEV and e.sync_status == "OutOfSync" and e.revisions == both,
        within=30,
    )
    await world.until_app(
        DEV, sync_status="Synced", health_status="Healthy", observed_revisions=both
    )
    assert await deployment(world, DEV) == (4, f"{IMAGE}:1.2.0")
    latest = await world.store.operations.latest(DEV)
    assert latest is not None and latest.requested_by == "automated"
    assert latest.request["revisions"] == list(both)
    history = await world.store.history.list(DEV)
    assert [h.source["revisions"] for h in history] == [
        list(both),
        [repos.chart_sha, repos.values_sha],
    ]
    with pytest.raises(ConfigError, match="rollback cannot be initiated when auto-sync"):
        await world.controller.rollback(DEV, 1, initiated_by="carol")


async def test_history_keeps_every_sources_commit_and_a_rollback_deploys_the_earlier_values(
    world: World,
) -> None:
    repos = await started(world, PROD_APP)
    assert world.controller is not None
    await world.until_app(PROD, sync_status="OutOfSync")
    await world.controller.sync(PROD, initiated_by="alice")
    first = (repos.values_sha, repos.chart_sha)
    await world.until_app(
        PROD, sync_status="Synced", health_status="Healthy", observed_revisions=first
    )
    assert await deployment(world, PROD) == (3, f"{IMAGE}:1.0.0")

    second = (repos.change_values("prod", 5, "2.0.0"), repos.chart_sha)
    assert await world.controller.repository_changed(VALUES_URL.removesuffix(".git")) == [PROD]
    await world.until_app(PROD, sync_status="OutOfSync", observed_revisions=second)
    assert await deployment(world, PROD) == (3, f"{IMAGE}:1.0.0")  # manual: waits for a sync
    await world.controller.sync(PROD, initiated_by="bob")
    await world.until_app(
        PROD, sync_status="Synced", health_status="Healthy", observed_revisions=second
    )
    assert await deployment(world, PROD) == (5, f"{IMAGE}:2.0.0")
    history = await world.store.history.list(PROD)
    assert [(h.id, h.initiated_by, h.source["revisions"]) for h in history] == [
        (2, "bob", list(second)),
        (1, "alice", list(first)),
    ]
    assert history[1].source["sources"] == PROD_APP["spec"]["sources"]

    await world.controller.rollback(PROD, 1, initiated_by="carol")

    async def rolled_back() -> bool:
        return await deployment(world, PROD) == (3, f"{IMAGE}:1.0.0")

    await world.until(rolled_back, what="prod back at the first values")
    await world.until_app(PROD, sync_status="OutOfSync", observed_revisions=second, idle=True)
    newest = (await world.store.history.list(PROD))[0]
    assert (newest.id, newest.initiated_by, newest.source["revisions"]) == (
        3,
        "carol",
        list(first),
    )


async def test_a_values_file_missing_from_the_ref_source_is_a_comparison_error_and_prunes_nothing(
    world: World,
) -> None:
    repos = await started(world, DEV_APP)
    await world.until_app(DEV, sync_status="Synced", health_status="Healthy")
    synced = await world.store.operations.latest(DEV)
    (repos.values / "envs/dev/values.yaml").rename(repos.values / "envs/dev/web.yaml")
    moved = commit_all(repos.values, "dev: rename the values file")
    assert world.controller is not None
    await world.controller.repository_changed(VALUES_URL)

    dev = await world.until_app(DEV, sync_status="Unknown")
    [condition] = dev.status.conditions
    assert condition["type"] == "ComparisonError"
    message = condition["message"]
    assert "'$values/envs/dev/values.yaml' does not exist" in message, message
    assert "spec.sources[0].helm.valueFiles[0]" in message, message
    assert f"spec.sources[1] (ref: values, {VALUES_URL})" in message, message
    assert await deployment(world, DEV) == (2, f"{IMAGE}:1.1.0")
    assert await world.store.operations.latest(DEV) == synced  # no sync was started

    (repos.values / "envs/dev/web.yaml").rename(repos.values / "envs/dev/values.yaml")
    restored = commit_all(repos.values, "dev: the values file is back")
    await world.controller.repository_changed(VALUES_URL)
    dev = await world.until_app(
        DEV, sync_status="Synced", observed_revisions=(repos.chart_sha, restored)
    )
    assert dev.status.conditions == ()
    assert moved != restored


async def test_an_object_declared_by_two_sources_is_a_repeated_resource_warning(
    world: World,
) -> None:
    def settings(colour: str) -> str:
        header = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n"
        return f"{header}data: {{colour: {colour}}}\n"

    repository = world.tmp / "twice"
    new_repository(
        repository, {"a/settings.yaml": settings("red"), "b/settings.yaml": settings("blue")}
    )
    world.repositories["https://git.example.com/teams/twice.git"] = repository
    sources = [
        {"repoURL": "https://git.example.com/teams/twice.git", "targetRevision": "main", "path": p}
        for p in ("a", "b")
    ]
    controller = await world.start()
    await controller.bootstrap(application("twice", sources, automated=True))

    twice = await world.until_app("twice", sync_status="Synced", health_status="Healthy")

    [condition] = twice.status.conditions
    assert condition["type"] == "RepeatedResourceWarning"
    assert "ConfigMap" in condition["message"] and "settings" in condition["message"]
    live = await world.live("ConfigMap", "twice", "settings", group="")
    assert live is not None and live["data"] == {"colour": "blue"}  # the last one, as Argo CD
