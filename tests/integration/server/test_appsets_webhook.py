"""A push to the repository an ApplicationSet's git generator reads refreshes the app that
declares the set (Argo CD's ApplicationSet webhook), and a push elsewhere does not."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from conftest import Api, example_directories_set, list_appset, seed_appsets

from support.example import REPO_URL, ROOT
from support.repos import git

sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "server"))
from webhook_deliveries import body_of, headers, payload

CONFIG = "https://github.com/example/cluster-config"


def git_set() -> dict[str, Any]:
    document = list_appset("clusters-from-git", "dev")
    document["spec"]["goTemplate"] = True
    document["spec"]["generators"] = [
        {
            "matrix": {
                "generators": [
                    {
                        "git": {
                            "repoURL": f"{CONFIG}.git",
                            "revision": "HEAD",
                            "files": [{"path": "clusters/*.json"}],
                        }
                    },
                    {"list": {"elements": [{"env": "dev"}]}},
                ]
            }
        }
    ]
    return document


def push_to(url: str, ref: str = "refs/heads/main") -> bytes:
    document = payload("github_push.json")
    document["ref"] = ref
    name = url.removeprefix("https://github.com/")
    document["repository"].update(
        html_url=url,
        url=url,
        svn_url=url,
        clone_url=f"{url}.git",
        git_url=f"git://github.com/{name}.git",
        ssh_url=f"git@github.com:{name}.git",
        full_name=name,
    )
    return body_of(document)


async def refreshed_by(api: Api, body: bytes) -> list[str]:
    answer = await api.client().post("/api/webhook", content=body, headers=headers("github", body))
    assert answer.status_code == 200
    queue = api.server.services.webhooks
    await queue.drained()
    return sorted(set(queue.refreshed))


async def test_a_push_to_a_git_generators_repository_refreshes_the_sets_parent(
    api: Api,
) -> None:
    await seed_appsets(api, git_set())
    assert await refreshed_by(api, push_to("https://github.com/example/elsewhere")) == []
    assert await refreshed_by(api, push_to(CONFIG, "refs/heads/feature")) == []
    assert await refreshed_by(api, push_to(CONFIG)) == [ROOT]


async def test_a_push_expands_a_stored_set_reading_the_repository_again(api: Api) -> None:
    envs = example_directories_set("envs", "env-{{path.basename}}", [{"path": "gitops/*"}])
    admin = await api.admin()
    assert (await admin.post("/api/v1/applicationsets", json=envs)).status_code == 200
    assert await api.server.services.store.apps.get("env-qa") is None
    (api.repo / "gitops" / "qa").mkdir()
    (api.repo / "gitops" / "qa" / "cm.yaml").write_text("kind: ConfigMap\n")
    git(api.repo, "add", "-A")
    git(api.repo, "commit", "-q", "-m", "qa")

    assert await refreshed_by(api, push_to("https://github.com/example/elsewhere")) == []
    refreshed = await refreshed_by(api, push_to(REPO_URL.removesuffix(".git")))

    assert "applicationset/envs" in refreshed
    assert await api.server.services.store.apps.get("env-qa") is not None
