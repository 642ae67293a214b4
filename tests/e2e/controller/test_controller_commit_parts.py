"""A new commit of a repository of many apps: an app that reads only its own directory is
rendered from that directory alone (``gitward.git.trees`` parts), and apps that read more of
the repository (a kustomize base elsewhere, a symlink to a shared file) still see the whole new
commit. Every app reaches Synced at the new commit with the new content.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_world import World

from gitward.model.objects import ResourceKey
from support import applications
from support.repos import commit_all, new_repository, write_files

REPO_URL = "https://git.example.com/team/many.git"


def config_map(name: str, value: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  key: {value}\n"


FILES = {
    "shared/base/configmap.yaml": config_map("shared", "v1"),
    "shared/base/kustomization.yaml": "resources:\n  - configmap.yaml\n",
    "overlay/kustomization.yaml": "namePrefix: k-\nresources:\n  - ../shared/base\n",
    "plain/configmap.yaml": config_map("plain", "v1"),
}


def application(name: str, path: str) -> Mapping[str, Any]:
    return applications.application(
        name,
        repo_url=REPO_URL,
        path=path,
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL,
        sync_options=applications.CREATE_NAMESPACE,
    )


APPS = {"plain": "plain", "kustomized": "overlay", "linked": "linked"}
LIVE = {"plain": "plain", "kustomized": "k-shared", "linked": "shared"}


async def live_value(world: World, app: str) -> Any:
    found = await world.cluster.get(ResourceKey("", "ConfigMap", app, LIVE[app]))
    return found["data"]["key"]


async def test_every_app_of_a_new_commit_deploys_its_new_content(world: World) -> None:
    repo = world.tmp / "many-repo"
    new_repository(repo, FILES)
    (repo / "linked").mkdir()
    (repo / "linked/configmap.yaml").symlink_to("../shared/base/configmap.yaml")
    first = commit_all(repo, "a directory of a symlink")
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    for name, path in APPS.items():
        await controller.bootstrap(application(name, path))
    for name in APPS:
        await world.until_app(name, sync_status="Synced", observed_revisions=(first,), within=60)
    assert [await live_value(world, name) for name in APPS] == ["v1"] * 3

    write_files(
        repo,
        {
            "shared/base/configmap.yaml": config_map("shared", "v2"),
            "plain/configmap.yaml": config_map("plain", "v2"),
        },
    )
    second = commit_all(repo, "v2")
    for name in APPS:
        controller.refresh(name, hard=True)
    for name in APPS:
        await world.until_app(name, sync_status="Synced", observed_revisions=(second,), within=60)

    assert [await live_value(world, name) for name in APPS] == ["v2"] * 3


async def test_an_app_of_plain_manifests_is_rendered_from_its_directory_alone(
    world: World,
) -> None:
    repo = world.tmp / "many-repo"
    first = new_repository(repo, FILES)
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    await controller.bootstrap(application("plain", "plain"))
    await world.until_app("plain", sync_status="Synced", observed_revisions=(first,), within=60)

    write_files(repo, {"plain/configmap.yaml": config_map("plain", "v2")})
    second = commit_all(repo, "v2")
    controller.refresh("plain", hard=True)
    await world.until_app("plain", sync_status="Synced", observed_revisions=(second,), within=60)

    trees = world.tmp / "git-cache" / "trees"
    assert not (trees / second).exists()  # the new commit was not written whole
    (part,) = (trees / "parts" / second).iterdir()
    assert sorted(p.relative_to(part).as_posix() for p in part.rglob("*")) == [
        "plain",
        "plain/configmap.yaml",
    ]
    assert await live_value(world, "plain") == "v2"
