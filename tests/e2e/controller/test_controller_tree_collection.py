"""A repository that gets a commit per build: the controller's sweep removes the trees (and
parts) of the commits no app used lately, keeps the recent ones, and the apps go on syncing."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from controller_world import World

from gitward.git.treeuses import TREE_RETENTION_S, TREES_KEPT
from gitward.model.objects import ResourceKey
from support import applications
from support.repos import commit_all, new_repository, write_files

REPO_URL = "https://git.example.com/team/builds.git"


class Clock:
    """Seconds since the epoch, moved by hand (it starts now: trees' mtimes are real); each
    reading is a microsecond after the one before, so two uses are never at the same time."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        self.now += 1e-6
        return self.now


def files(build: int) -> dict[str, str]:
    config_map = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  build: '{build}'\n"
    )
    return {
        "plain/configmap.yaml": config_map.format(name="plain", build=build),
        "base/configmap.yaml": config_map.format(name="base", build=build),
        "base/kustomization.yaml": "resources:\n  - configmap.yaml\n",
        "overlay/kustomization.yaml": "namePrefix: k-\nresources:\n  - ../base\n",
    }


def application(name: str, path: str) -> Mapping[str, Any]:
    return applications.application(
        name,
        repo_url=REPO_URL,
        path=path,
        app_namespace="argocd",
        automated={"prune": True},
        sync_options=applications.CREATE_NAMESPACE,
    )


APPS = {"plain": ("plain", "plain"), "kustomized": ("overlay", "k-base")}


def commits_on_disk(trees: Path) -> set[str]:
    """The commits with a tree or a part in the cache."""
    whole = {p.name for p in trees.iterdir() if not p.name.startswith(".") and p.name != "parts"}
    parts = {p.name for p in (trees / "parts").iterdir()} if (trees / "parts").is_dir() else set()
    return whole | parts


async def build(world: World, repo: Path, number: int) -> str:
    """Commit build ``number`` and wait until every app has synced it."""
    write_files(repo, files(number))
    sha = commit_all(repo, f"build {number}")
    assert world.controller is not None
    for name in APPS:
        world.controller.refresh(name, hard=True)
    for name in APPS:
        await world.until_app(name, sync_status="Synced", observed_revisions=(sha,), within=60)
    return sha


async def test_only_the_recent_trees_stay_and_the_apps_keep_syncing(world: World) -> None:
    clock = Clock()
    world.git_clock = clock
    repo = world.tmp / "builds-repo"
    shas = [new_repository(repo, files(0))]
    world.repositories[REPO_URL] = repo
    controller = world.new_controller()
    controller.sweep_s = 0.05
    await controller.start()
    for name, (path, _) in APPS.items():
        await controller.bootstrap(application(name, path))
    for name in APPS:
        await world.until_app(name, sync_status="Synced", observed_revisions=(shas[0],), within=60)
    for number in range(1, 6):
        clock.now += 1
        shas.append(await build(world, repo, number))
    trees = world.tmp / "git-cache" / "trees"
    assert commits_on_disk(trees) == set(shas)  # nothing removed within the retention time

    clock.now += TREE_RETENTION_S + 1
    await world.until(lambda: _settled(trees, shas), within=30)

    last = await build(world, repo, 6)
    assert last in commits_on_disk(trees)
    for name, (_, live_name) in APPS.items():
        live = await world.cluster.get(ResourceKey("", "ConfigMap", name, live_name))
        assert live["data"]["build"] == "6"


async def _settled(trees: Path, shas: list[str]) -> bool:
    """Only the last few commits (the apps' current one among them) are left on disk: those
    last used, which may include the one before the last few when a sync of it ended late."""
    left = commits_on_disk(trees)
    return len(left) == TREES_KEPT and shas[-1] in left and left <= set(shas[2:])
