"""``POST /api/v1/applications/{name}/promote`` over real HTTP, with the example's RBAC policy
and its repository as a real git repository (the controller is not reconciling, so every app's
status is Unknown: the source's Synced+Healthy gate refuses unless forced)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Api

from gitward.controller.events import AppEvent
from gitward.controller.following import AUTOMATED_PROMOTION, Follower
from gitward.controller.promoting import Promotions
from gitward.delivery.gates import PromotionRefusedError
from gitward.model.application import parse_application
from gitward.store import AppDefinition, AppStatus, AuditAction, ProjectDefinition
from support.applications import application
from support.example import DEV, PROD, REPO_URL, STAGING
from support.repos import git


def accept_pushes(repo: Path) -> None:
    """The repository takes pushes to its checked-out main, as a Git host's would."""
    git(repo, "config", "receive.denyCurrentBranch", "updateInstead")


def set_dev_backend_tag(repo: Path, tag: str) -> str:
    path = repo / "gitops/dev/values.yaml"
    text = path.read_text()
    start = text.index("backend:")
    at = text.index("tag: latest", start)
    path.write_text(text[:at] + f"tag: {tag}" + text[at + len("tag: latest") :])
    git(repo, "commit", "-q", "-am", f"ci: backend {tag} in dev")
    return git(repo, "rev-parse", "HEAD")


async def test_promoting_needs_sync_on_the_target_so_readers_may_not(api: Api) -> None:
    reader = api.sso("sam", "security-team")
    answer = await reader.post(
        f"/api/v1/applications/{PROD}/promote", json={"from": STAGING, "force": True}
    )
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "permission_denied"


async def test_a_source_not_synced_and_healthy_is_refused_with_what_to_do(api: Api) -> None:
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(f"/api/v1/applications/{STAGING}/promote", json={"from": DEV})
    assert answer.status_code == 409, answer.text
    message = answer.json()["message"]
    assert f"Application {DEV}" in message
    assert "Synced and Healthy" in message
    assert "--force" in message
    assert await api.server.services.store.audit.list(action=AuditAction.PROMOTE) == []


async def test_a_forced_promotion_commits_to_an_automated_target_and_is_audited_as_forced(
    api: Api,
) -> None:
    accept_pushes(api.repo)
    source = set_dev_backend_tag(api.repo, "sha-7a8b9c0")
    manager = api.sso("rita", "devops-team")

    answer = await manager.post(
        f"/api/v1/applications/{STAGING}/promote",
        json={"from": DEV, "keys": ["backend.image.tag"], "force": True},
    )

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["forced"], body["sourceRevision"]) == ("committed", True, source)
    assert body["changed"] == [{"key": "backend.image.tag", "old": "latest", "new": "sha-7a8b9c0"}]
    head = git(api.repo, "rev-parse", "main")
    assert body["commit"] == head
    message = git(api.repo, "log", "-1", "--format=%B", head)
    assert "Gitward-Promotion-Forced: true" in message
    assert "Gitward-Promoted-By: rita" in message
    entries = await api.server.services.store.audit.list(action=AuditAction.PROMOTE)
    assert [(e.actor, e.target) for e in entries] == [("rita", f"Application {STAGING}")]
    assert entries[0].details["forced"] is True
    assert entries[0].details["values"] == {"backend.image.tag": "sha-7a8b9c0"}

    status = (await manager.get(f"/api/v1/applications/{STAGING}")).json()["status"]
    assert status["history"] == []  # Argo CD's list stays deployments only
    [shown] = status["promotions"]
    assert shown["values"] == [{"key": "backend.image.tag", "value": "sha-7a8b9c0"}]
    assert shown["changed"] == body["changed"]
    assert (shown["source"], shown["sourceRevision"]) == (DEV, source)
    assert (shown["outcome"], shown["commit"], shown["forced"]) == ("committed", head, True)
    assert shown["initiatedBy"] == {"username": "rita", "automated": False}

    again = await manager.post(
        f"/api/v1/applications/{STAGING}/promote",
        json={"from": DEV, "keys": ["backend.image.tag"], "force": True},
    )
    assert again.json()["outcome"] == "unchanged"
    assert git(api.repo, "rev-parse", "main") == head


def sidecar_images(repo: Path) -> None:
    """A sidecar image written whole (repository and tag in one value): main in dev."""
    for env, image in (("prod", "example/sidecar:v1.0.0"), ("dev", "example/sidecar:main")):
        path = repo / f"gitops/{env}/values.yaml"
        path.write_text(path.read_text() + f"\nsidecar:\n  image: {image}\n")
    git(repo, "commit", "-q", "-am", "a sidecar image, written whole")


@pytest.mark.parametrize(
    ("prepare", "key", "refusal"),
    [
        (
            lambda repo: set_dev_backend_tag(repo, "sha-7a8b9c0"),
            "backend.image.tag",
            "backend.image.tag=sha-7a8b9c0 is not a semantic version tag",
        ),
        (
            sidecar_images,
            "sidecar.image",
            "sidecar.image=example/sidecar:main is not an image with a semantic version tag",
        ),
    ],
    ids=["a commit sha tag", "an image reference"],
)
async def test_prods_semver_rule_refuses_a_non_semver_image_even_when_forced(
    api: Api, prepare: Callable[[Path], object], key: str, refusal: str
) -> None:
    accept_pushes(api.repo)
    prepare(api.repo)
    before = git(api.repo, "rev-parse", "main")
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(
        f"/api/v1/applications/{PROD}/promote",
        json={"from": DEV, "keys": [key], "force": True},
    )
    assert answer.status_code == 409, answer.text
    assert refusal in answer.json()["message"]
    assert git(api.repo, "rev-parse", "main") == before
    assert git(api.repo, "branch", "--list", "gitward/*") == ""


async def test_promoting_into_a_manual_app_pushes_a_branch_and_never_main(api: Api) -> None:
    accept_pushes(api.repo)
    set_dev_backend_tag(api.repo, "v2.0.0")
    before = git(api.repo, "rev-parse", "main")
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(
        f"/api/v1/applications/{PROD}/promote",
        json={"from": DEV, "keys": ["backend.image.tag"], "force": True},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["outcome"] == "proposed"
    assert git(api.repo, "rev-parse", "main") == before
    assert git(api.repo, "rev-parse", body["branch"]) == body["commit"]
    assert body["branch"].startswith(f"gitward/promote/{PROD}/")
    assert "| `backend.image.tag` | `v1.0.0` | `v2.0.0` |" in body["pullRequest"]["body"]
    assert "backend:v2.0.0" in body["pullRequest"]["body"]
    assert body["pullRequest"]["opened"] is False  # no token stored: the page to open it
    assert body["pullRequest"]["link"] == (
        "https://github.com/giridharan-official/ai-chatbot-infra/compare/"
        f"main...{body['branch']}?expand=1"
    )
    [shown] = (await manager.get(f"/api/v1/applications/{PROD}")).json()["status"]["promotions"]
    assert (shown["outcome"], shown["branch"]) == ("proposed", body["branch"])
    assert shown["pullRequest"] == body["pullRequest"]["link"]


async def narrow_project(api: Api, name: str, repos: list[str]) -> None:
    store = api.server.services.store
    stored = await store.projects.get(name)
    assert stored is not None
    document = dict(stored.document)
    document["spec"] = {**document["spec"], "sourceRepos": repos}
    await store.projects.upsert(ProjectDefinition(name, document))


async def test_no_promotion_is_pushed_into_a_repository_the_targets_project_no_longer_permits(
    api: Api,
) -> None:
    accept_pushes(api.repo)
    set_dev_backend_tag(api.repo, "sha-7a8b9c0")
    before = git(api.repo, "rev-parse", "main")
    await narrow_project(api, "staging", ["https://example.com/elsewhere.git"])
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(
        f"/api/v1/applications/{STAGING}/promote",
        json={"from": DEV, "keys": ["backend.image.tag"], "force": True},
    )
    assert answer.status_code == 400, answer.text
    assert f"repository {REPO_URL} is not permitted in project 'staging'" in answer.text
    assert git(api.repo, "rev-parse", "main") == before


OTHER_TEAM = application(
    "payments",
    repo_url="https://example.com/payments/secrets.git",
    path="chart",
    revision=None,
    source={"helm": {"valueFiles": ["values.yaml"]}},
    project="payments",
    app_namespace="argocd",
)


async def test_automatic_promotion_copies_no_values_out_of_another_projects_repository(
    api: Api,
) -> None:
    store = api.server.services.store
    await store.apps.upsert(AppDefinition.of(parse_application(OTHER_TEAM).value, OTHER_TEAM))
    services = api.server.services
    promotions = Promotions(services.controller, services.repo_credentials.lookup)
    with pytest.raises(PromotionRefusedError) as refused:
        await promotions.promote(
            STAGING, "payments", ["db.password"], actor=AUTOMATED_PROMOTION, force=True
        )
    assert "payments is in project 'payments'" in refused.value.message
    assert "project 'staging' does not permit" in refused.value.message
    assert await store.audit.list(action=AuditAction.PROMOTE) == []


async def annotate(api: Api, name: str, **annotations: str) -> None:
    store = api.server.services.store
    record = await store.apps.get(name)
    assert record is not None
    document = dict(record.document)
    metadata = dict(document["metadata"])
    metadata["annotations"] = {**metadata.get("annotations", {}), **annotations}
    document["metadata"] = metadata
    app = parse_application(document).value
    await store.apps.upsert(AppDefinition.of(app, document, parent=record.parent))


async def test_two_apps_following_each_other_are_refused_automatic_promotion(api: Api) -> None:
    accept_pushes(api.repo)
    set_dev_backend_tag(api.repo, "sha-7a8b9c0")
    before = git(api.repo, "rev-parse", "main")
    await annotate(api, STAGING, **{"gitward.io/promote-from": DEV})
    await annotate(api, DEV, **{"gitward.io/promote-from": STAGING})
    services = api.server.services
    promotions = Promotions(services.controller, services.repo_credentials.lookup)
    with pytest.raises(PromotionRefusedError) as refused:
        await promotions.promote(
            STAGING, DEV, ["backend.image.tag"], actor=AUTOMATED_PROMOTION, force=True
        )
    assert f"follow each other ({STAGING} <- {DEV} <- {STAGING})" in refused.value.message
    assert git(api.repo, "rev-parse", "main") == before


async def test_a_value_cannot_add_its_own_markdown_to_the_pull_requests_body(api: Api) -> None:
    accept_pushes(api.repo)
    path = api.repo / "gitops/dev/values.yaml"
    text = path.read_text()
    start = text.index("global:")
    at = text.index("logLevel: ", start)
    end = text.index("\n", at)
    forged = "'debug` | [approve](https://evil.example/) |'"
    path.write_text(text[:at] + f"logLevel: {forged}" + text[end:])
    git(api.repo, "commit", "-q", "-am", "dev: a log level with Markdown in it")
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(
        f"/api/v1/applications/{PROD}/promote",
        json={"from": DEV, "keys": ["global.logLevel"], "force": True},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()["pullRequest"]["body"]
    row = "| `global.logLevel` | `warn` | `` debug` \\| [approve](https://evil.example/) \\| `` |"
    assert row in body


def commit_dev_values(repo: Path, old: str, new: str, message: str) -> str:
    path = repo / "gitops/dev/values.yaml"
    path.write_text(path.read_text().replace(old, new, 1))
    git(repo, "commit", "-q", "-am", message)
    return git(repo, "rev-parse", "HEAD")


async def follow_once(follower: Follower, api: Api, revision: str) -> None:
    """Dev Synced and Healthy at ``revision``; the follower hears it and finishes."""
    status = AppStatus("Synced", "Healthy", observed_revisions=(revision,))
    await api.server.services.store.apps.set_status(DEV, status)
    await follower.heard(AppEvent(app=DEV, kind="status"))
    await asyncio.wait_for(follower.settled(), 60)


async def test_a_manual_target_following_its_source_is_proposed_once_for_the_same_values(
    api: Api,
) -> None:
    accept_pushes(api.repo)
    first = set_dev_backend_tag(api.repo, "v2.0.0")
    await annotate(
        api,
        PROD,
        **{"gitward.io/promote-from": DEV, "gitward.io/promote-keys": "backend.image.tag"},
    )
    services = api.server.services
    promotions = Promotions(services.controller, services.repo_credentials.lookup)
    follower = Follower(promotions, services.store, services.controller.events)
    store = services.store
    await follower.heard(AppEvent(app=PROD, kind="status"))  # it learns whom prod follows

    await follow_once(follower, api, first)
    [proposed] = await store.audit.list(action=AuditAction.PROMOTE)
    assert (proposed.actor, proposed.details["outcome"]) == (AUTOMATED_PROMOTION, "proposed")
    branch = str(proposed.details["branch"])
    tip = git(api.repo, "rev-parse", branch)

    # Dev moves on without changing the promoted tag: the same branch, not proposed again.
    later = commit_dev_values(api.repo, "logLevel: debug", "logLevel: info", "dev: log less")
    await follow_once(follower, api, later)
    assert len(await store.audit.list(action=AuditAction.PROMOTE)) == 1
    assert git(api.repo, "rev-parse", branch) == tip

    # By hand, the same values: the branch and its pull request again, not audited again.
    manager = api.sso("rita", "devops-team")
    answer = await manager.post(f"/api/v1/applications/{PROD}/promote", json={"from": DEV})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["outcome"], body["alreadyProposed"], body["branch"]) == ("proposed", True, branch)
    assert f"already proposed on branch {branch}" in body["message"]
    assert body["pullRequest"]["link"].endswith(f"main...{branch}?expand=1")
    assert len(await store.audit.list(action=AuditAction.PROMOTE)) == 1

    # A new tag is new values: a new branch, proposed and audited.
    newer = commit_dev_values(api.repo, "tag: v2.0.0", "tag: v2.1.0", "ci: backend v2.1.0")
    await follow_once(follower, api, newer)
    entries = await store.audit.list(action=AuditAction.PROMOTE)
    assert len(entries) == 2
    assert {str(e.details["branch"]) for e in entries} - {branch}
