"""A person's sync that a guardrail refuses, over HTTP: the example's prod project enables the
built-in policies, so a sync of prod at a commit with a ``:latest`` image is refused at once (400)
with the policy, the object and the message, and no operation is recorded."""

from __future__ import annotations

from conftest import Api

from support.example import PROD
from support.repos import git


async def test_a_sync_of_prod_with_a_latest_image_is_refused_naming_the_policy(api: Api) -> None:
    values = api.repo / "gitops" / "prod" / "values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: latest", 1))
    git(api.repo, "commit", "-q", "-am", "backend latest in prod")
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    assert answer.status_code == 400, answer.text
    message = answer.json()["message"]
    assert message.startswith(
        "Application ai-chatbot-prod: sync refused by policy: policy no-mutable-images: "
        "Deployment prod/ai-chatbot-prod-backend: image "
        "235494787667.dkr.ecr.ap-south-1.amazonaws.com/backend:latest has no tag"
    )
    assert await api.server.services.store.operations.latest(PROD) is None


async def test_a_dry_run_is_not_refused(api: Api) -> None:
    values = api.repo / "gitops" / "prod" / "values.yaml"
    values.write_text(values.read_text().replace("tag: v1.0.0", "tag: latest", 1))
    git(api.repo, "commit", "-q", "-am", "backend latest in prod")
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={"dryRun": True})
    assert answer.status_code == 200, answer.text


async def test_a_sync_of_prod_as_git_has_it_passes_the_guardrails(api: Api) -> None:
    admin = await api.admin()
    answer = await admin.post(f"/api/v1/applications/{PROD}/sync", json={})
    assert answer.status_code == 200, answer.text
    assert await api.server.services.store.operations.latest(PROD) is not None
