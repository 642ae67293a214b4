"""From commit to production, as the strategy document's section 5 and release process say, on
a real gitward server, the sandbox cluster and a real git repository:

CI writes the new image tag for dev (``gitward values set --push``); dev deploys it and is
healthy; gitward promotes it to staging by itself (a commit naming dev's revision) and staging
deploys it; the release manager's ``gitward promote`` into prod pushes a branch with the
rendered diff in Markdown, never main; a ``:latest`` image in prod is refused by the guardrail;
the reviewed change merged, a manual prod sync deploys it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from conftest import REPO_URL, World, git

DEV, STAGING, PROD = "ai-chatbot-dev", "ai-chatbot-staging", "ai-chatbot-prod"
BACKEND = "235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend"
RELEASE = "v1.1.0"


def app(world: World, name: str) -> dict[str, Any]:
    with world.api() as client:
        answer = client.get(f"/api/v1/applications/{name}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


def holds(world: World, at: str, revision: str) -> bool:
    """Whether commit ``at`` is ``revision`` or comes after it: the automatic promotion may
    commit to staging right after dev deployed ``revision``, and dev then follows that commit."""
    if not at:
        return False
    found = subprocess.run(
        ["git", "-C", str(world.repo), "merge-base", "--is-ancestor", revision, at],
        capture_output=True,
        check=False,
    )
    return found.returncode == 0


def settled_at(world: World, name: str, revision: str | None = None) -> Any:
    """A waiter: the app once Synced and Healthy (at ``revision`` or a later commit, when
    given), no operation."""

    def ready() -> dict[str, Any] | None:
        found = app(world, name)
        status = found["status"]
        running = (found.get("status", {}).get("operationState") or {}).get("phase") == "Running"
        at = status["sync"].get("revision", "")
        ok = status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"
        return (
            found
            if ok and not running and (revision is None or holds(world, at, revision))
            else None
        )

    return ready


def exists(world: World, name: str) -> Any:
    """A waiter: the app once the root's sync has created it."""

    def created() -> bool:
        with world.api() as client:
            return client.get(f"/api/v1/applications/{name}").status_code == 200

    return created


def live_backend_image(world: World, name: str) -> str:
    with world.api() as client:
        answer = client.get(f"/api/v1/applications/{name}/managed-resources").json()
    backend = next(
        item
        for item in answer["items"]
        if item["kind"] == "Deployment" and item["name"].endswith("-backend")
    )
    live = json.loads(backend["liveState"])
    image: str = live["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


def values_at(world: World, revision: str, environment: str) -> str:
    return git(world.repo, "show", f"{revision}:gitops/{environment}/values.yaml")


def ci_clone(world: World) -> Path:
    work = world.tmp / "ci-job"
    git(world.tmp, "clone", "-q", str(world.repo), str(work))
    return work


def test_from_commit_to_production(world: World) -> None:
    world.login()
    world.wait_for("dev and staging deployed", settled_at(world, DEV), timeout=180)
    world.wait_for("staging deployed", settled_at(world, STAGING), timeout=120)
    # The root creates prod in its last wave, once staging is Healthy: wait for it to be there.
    world.wait_for("prod created", exists(world, PROD), timeout=120)

    # Prod takes semantic versions only: staging's `latest` tags are refused, nothing pushed.
    refused = world.run("promote", PROD, "--from", STAGING)
    assert refused.exit_code == 1, refused.output
    assert "backend.image.tag=latest is not a semantic version tag" in refused.output
    assert "project 'prod' requires them (semver-images)" in refused.output
    assert git(world.repo, "branch", "--list", "gitward/*") == ""

    # CI: the release build writes its image tag for dev, and pushes.
    work = ci_clone(world)
    done = world.ci(
        "values", "set", "gitops/dev/values.yaml", f"backend.image.tag={RELEASE}", "--push",
        cwd=work,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pushed = git(world.repo, "rev-parse", "main")

    # Dev deploys it by itself; then gitward promotes dev's tag into staging's value file.
    world.wait_for("dev deployed the push", settled_at(world, DEV, pushed), timeout=120)
    assert live_backend_image(world, DEV) == f"{BACKEND}:{RELEASE}"

    def promoted_to_staging() -> str | None:
        head = git(world.repo, "rev-parse", "main")
        return head if f"tag: {RELEASE}" in values_at(world, head, "staging") else None

    promotion = world.wait_for("the promotion to staging", promoted_to_staging, timeout=120)
    message = git(world.repo, "log", "-1", "--format=%B", promotion)
    assert message.startswith(f"promote: backend.image.tag={RELEASE} from {DEV}\n"), message
    assert f"Gitward-Promoted-From: {DEV}@{pushed}" in message
    assert "Gitward-Promoted-By: automated" in message
    assert git(world.repo, "rev-list", "--count", f"{pushed}..{promotion}") == "1"
    staging_values = values_at(world, promotion, "staging")
    assert staging_values.count(f"tag: {RELEASE}") == 1  # the other services kept theirs

    # Staging's own automated sync deploys the promotion commit.
    world.wait_for("staging deployed", settled_at(world, STAGING, promotion), timeout=120)
    assert live_backend_image(world, STAGING) == f"{BACKEND}:{RELEASE}"
    with world.api() as client:
        audit_events = client.get(f"/api/v1/applications/{STAGING}/events").json()["items"]
    assert any(
        e["reason"] == "Promoted" and RELEASE in e["message"] and DEV in e["message"]
        for e in audit_events
    ), audit_events
    # ... and in staging's history, before the deployment of its commit, by time.
    history = world.run("app", "history", STAGING)
    assert history.exit_code == 0, history.output
    row = (
        f"promoted backend.image.tag={RELEASE} from {DEV}@{pushed[:7]}: "
        f"committed {promotion[:7]}   automated"
    )
    lines = history.output.splitlines()
    found = [i for i, line in enumerate(lines) if line.startswith("-") and row in line]
    assert len(found) == 1, history.output
    at = found[0]
    assert any(f"main ({promotion[:7]})" in line for line in lines[at + 1 :]), history.output

    # The release manager promotes staging's backend into prod: a branch, never main.
    prod_main = git(world.repo, "rev-parse", "main")
    result = world.run("promote", PROD, "--from", STAGING, "--keys", "backend.image.tag")
    assert result.exit_code == 0, result.output
    branches = git(world.repo, "branch", "--list", "--format=%(refname:short)", "gitward/*")
    assert branches.startswith(f"gitward/promote/{PROD}/"), branches
    branch = branches.splitlines()[0]
    assert git(world.repo, "rev-parse", "main") == prod_main
    assert "tag: v1.0.0" in values_at(world, "main", "prod")
    assert f"tag: {RELEASE}" in values_at(world, branch, "prod")
    output = result.output
    assert f"pushed to branch {branch} for review" in output
    compare = f"https://github.com/giridharan-official/ai-chatbot-infra/compare/main...{branch}"
    assert f"Open the pull request from {branch} into main: {compare}?expand=1" in output
    assert "| prod | ai-chatbot-prod | 4 changed | 0 | 0 | 4 |" in output
    assert "| `backend.image.tag` | `v1.0.0` | `v1.1.0` |" in output
    assert f"-        image: {BACKEND}:v1.0.0" in output
    assert f"+        image: {BACKEND}:{RELEASE}" in output
    # Asked again with the same values: the same branch, already proposed, recorded once.
    tip = git(world.repo, "rev-parse", branch)
    again = world.run("promote", PROD, "--from", STAGING, "--keys", "backend.image.tag")
    assert again.exit_code == 0, again.output
    assert f"already proposed on branch {branch} for review" in again.output
    assert f"Open the pull request from {branch} into main: {compare}?expand=1" in again.output
    assert git(world.repo, "rev-parse", branch) == tip
    prod_history = world.run("app", "history", PROD).output
    assert prod_history.count(f"proposed on branch {branch}, pull request {compare}") == 1

    # A `:latest` image in prod is refused by the guardrail when a release manager syncs it.
    prod_values = world.repo / "gitops/prod/values.yaml"
    text = prod_values.read_text()
    prod_values.write_text(text.replace("tag: v1.0.0", "tag: latest", 1))
    git(world.repo, "commit", "-q", "-am", "backend latest in prod")
    latest = git(world.repo, "rev-parse", "main")
    refresh = world.run("app", "get", PROD, "--hard-refresh")
    assert refresh.exit_code == 0, refresh.output
    synced_latest = world.run("app", "sync", PROD, "--revision", latest)
    assert synced_latest.exit_code != 0, synced_latest.output
    assert "sync refused by policy" in synced_latest.output
    assert "has no tag or the mutable :latest tag" in synced_latest.output

    # The reviewed pull request is merged; the release manager syncs prod by hand.
    git(world.repo, "revert", "--no-edit", "HEAD")
    git(world.repo, "merge", "--no-ff", "-q", "-m", "Merge the prod promotion", branch)
    merged = git(world.repo, "rev-parse", "main")
    assert f"tag: {RELEASE}" in values_at(world, merged, "prod")
    synced = world.run("app", "sync", PROD, "--revision", merged, "--timeout", "120")
    assert synced.exit_code == 0, synced.output
    world.wait_for("prod deployed", settled_at(world, PROD), timeout=120)
    assert live_backend_image(world, PROD) == f"{BACKEND}:{RELEASE}"
    assert REPO_URL in app(world, PROD)["spec"]["source"]["repoURL"]
