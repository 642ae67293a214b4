"""Jsonnet directory apps, deployed by the controller to the sandbox.

- An automated app whose directory holds Jsonnet (``tlas``, ``extVars`` with Argo CD's build
  variables, a ``libs`` directory) deploys what the Jsonnet evaluates to; a new commit of the
  Jsonnet deploys the change.
- A Jsonnet file that fails (here: an import out of the repository) makes the app Unknown with
  an error naming the file, and nothing live is pruned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_world import World

from support import applications
from support.repos import commit_all, new_repository, write_files

REPO_URL = "https://git.example.com/team/jsonnet.git"
APP = "guestbook"

LIB = """
{
  configMap(name, data):: {
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data,
  },
}
"""

MAIN = """
local k = import 'k.libsonnet';
function(replicas) [
  k.configMap('settings', { replicas: std.toString(replicas), owner: std.extVar('owner') }),
  k.configMap('%s-extra' % std.extVar('owner'), { kept: 'yes' }),
]
"""

FILES = {"app/main.jsonnet": MAIN, "vendor/k.libsonnet": LIB}

JSONNET = {
    "tlas": [{"name": "replicas", "value": "2", "code": True}],
    "extVars": [{"name": "owner", "value": "$ARGOCD_APP_NAME"}],
    "libs": ["vendor"],
}


def application() -> Mapping[str, Any]:
    """The app rendering app/ with the JSONNET options, synced by itself."""
    return applications.application(
        APP,
        repo_url=REPO_URL,
        path="app",
        source={"directory": {"jsonnet": JSONNET}},
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL,
        sync_options=applications.CREATE_NAMESPACE,
    )


async def deployed(world: World) -> None:
    repo = world.tmp / "jsonnet-repo"
    new_repository(repo, FILES)
    world.repositories[REPO_URL] = repo
    controller = await world.start()
    await controller.bootstrap(application())
    await world.until_app(APP, sync_status="Synced", health_status="Healthy", within=60)


async def test_a_jsonnet_app_deploys_what_its_files_evaluate_to_and_follows_commits(
    world: World,
) -> None:
    await deployed(world)

    settings = await world.live("ConfigMap", APP, "settings", group="")
    assert settings["data"] == {"replicas": "2", "owner": APP}
    assert await world.live("ConfigMap", APP, f"{APP}-extra", group="") is not None

    repo = world.repositories[REPO_URL]
    write_files(
        repo, {"app/main.jsonnet": MAIN.replace("std.toString(replicas)", "'%d' % (replicas * 2)")}
    )
    second = commit_all(repo, "twice the replicas")
    assert world.controller is not None
    assert await world.controller.refreshed(APP, within=30)
    await world.until_app(APP, sync_status="Synced", observed_revisions=(second,), within=60)
    settings = await world.live("ConfigMap", APP, "settings", group="")
    assert settings["data"]["replicas"] == "4"


async def test_a_failing_jsonnet_file_makes_the_app_unknown_and_prunes_nothing(
    world: World,
) -> None:
    await deployed(world)
    assert world.controller is not None
    repo = world.repositories[REPO_URL]
    write_files(
        repo,
        {
            "app/main.jsonnet": MAIN.replace("k.configMap('%s-extra'", "// k.configMap('%s-extra'"),
            "app/steal.jsonnet": "importstr '../../../../../../../etc/hostname'",
        },
    )
    commit_all(repo, "the extra ConfigMap goes, an import leaves the repository")

    assert await world.controller.refreshed(APP, within=30)

    record = await world.app(APP)
    assert record.status.sync_status == "Unknown"
    [condition] = record.status.conditions
    assert condition["type"] == "ComparisonError"
    assert "app/steal.jsonnet: Application guestbook:" in condition["message"]
    assert "leaves the repository" in condition["message"]
    assert await world.live("ConfigMap", APP, f"{APP}-extra", group="") is not None
