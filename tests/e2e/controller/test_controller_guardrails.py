"""Guardrails before every sync, end to end on the sandbox: the example's prod project enables
gitward's built-in policies, so a ``:latest`` image in prod is refused when a release manager
syncs (nothing applied); an automated app whose project denies is never synced, and a Warn
policy only warns."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from controller_world import BACKEND, World

from gitward.controller.guarding import PolicyDeniedError
from gitward.store import AppRecord
from support.example import DEV, PROD, ROOT, STAGING


def condition(record: AppRecord, kind: str) -> str | None:
    found = [c for c in record.status.conditions if c.get("type") == kind]
    return str(found[0]["message"]) if found else None


async def test_a_latest_image_in_prod_refuses_the_manual_sync_and_applies_nothing(
    world: World,
) -> None:
    await world.start()
    await world.bootstrap()
    await world.until_app(ROOT, sync_status="Synced", health_status="Healthy", within=60)
    world.set_backend_tag("prod", "latest")
    bad = world.commit("backend latest in prod")
    prod = await world.until_app(PROD, observed_revisions=(bad,), within=60)
    violation = condition(prod, "PolicyError")
    assert violation is not None
    assert (
        "policy no-mutable-images: Deployment prod/ai-chatbot-prod-backend: image "
        f"{BACKEND}:latest has no tag or the mutable :latest tag" in violation
    )
    assert world.controller is not None
    with pytest.raises(PolicyDeniedError) as refused:
        await world.controller.sync(PROD, initiated_by="release-manager")
    assert "sync refused by policy: policy no-mutable-images: Deployment " in refused.value.message
    assert await world.store.operations.latest(PROD) is None
    assert await world.backend_image("prod") is None
    assert await world.live("Service", "prod", "ai-chatbot-prod-backend", group="") is None
    assert await world.store.history.list(PROD) == []


async def test_an_automated_app_a_deny_policy_refuses_is_never_synced_and_warn_only_warns(
    world: World,
) -> None:
    projects = world.repo / "gitops/app-of-apps/argocd-projects.yaml"
    text = projects.read_text()
    for name, enabled in (("dev", "no-mutable-images:Warn"), ("staging", "no-mutable-images")):
        marker = f"  name: {name}\n  namespace: argocd\n  annotations:\n"
        text = text.replace(marker, f"{marker}    gitward.io/policies: {enabled}\n", 1)
    projects.write_text(text)
    world.commit("dev warns about mutable images, staging refuses them")
    await world.start()
    await world.bootstrap()
    dev = await world.until_app(DEV, sync_status="Synced", health_status="Healthy", within=60)
    warning = condition(dev, "PolicyWarning")
    assert warning is not None
    assert "Deployment dev/ai-chatbot-dev-backend" in warning
    assert condition(dev, "PolicyError") is None

    async def refused() -> bool:
        record: Any = await world.store.apps.get(STAGING)
        return record is not None and condition(record, "PolicyError") is not None

    await world.until(refused, within=30, what="staging refused by policy")
    staging = await world.app(STAGING)
    assert staging.status.sync_status == "OutOfSync"
    message = condition(staging, "PolicyError")
    assert message is not None
    assert "policy no-mutable-images: Deployment staging/ai-chatbot-staging-backend" in message
    assert await world.store.operations.latest(STAGING) is None
    assert await world.backend_image("staging") is None


TEAM_POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: team-label
spec:
  matchConstraints:
    resourceRules:
      - apiGroups: [apps]
        apiVersions: [v1]
        resources: [deployments]
        operations: [CREATE, UPDATE]
  validations:
    - expression: "has(object.metadata.labels) && 'team' in object.metadata.labels"
      messageExpression: "'Deployment ' + object.metadata.name + ' has no team label'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: team-label-dev
spec:
  policyName: team-label
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: dev
"""


async def test_the_servers_own_policy_files_apply_through_their_bindings(world: World) -> None:
    policies = world.tmp / "policies"
    policies.mkdir()
    (policies / "team.yaml").write_text(TEAM_POLICY)
    await world.start(replace(world.settings, policies_dir=policies))
    await world.bootstrap()

    async def refused() -> bool:
        record: Any = await world.store.apps.get(DEV)
        return record is not None and condition(record, "PolicyError") is not None

    await world.until(refused, within=60, what="dev refused by the server's policy")
    message = condition(await world.app(DEV), "PolicyError")
    assert message is not None
    assert (
        "policy team-label: Deployment dev/ai-chatbot-dev-backend: Deployment "
        "ai-chatbot-dev-backend has no team label" in message
    )
    assert await world.backend_image("dev") is None
    assert await world.store.operations.latest(DEV) is None


async def test_a_sync_step_checks_again_with_the_live_objects_and_applies_nothing(
    world: World,
) -> None:
    """A policy on UPDATE only: the first sync of prod creates its objects; the next one updates
    them, which the step (knowing what is live) refuses before applying anything."""
    policies = world.tmp / "policies"
    policies.mkdir()
    on_update = TEAM_POLICY.replace("operations: [CREATE, UPDATE]", "operations: [UPDATE]")
    (policies / "team.yaml").write_text(on_update.replace("dev", "prod"))
    await world.start(replace(world.settings, policies_dir=policies))
    await world.bootstrap()
    await world.until_app(PROD, sync_status="OutOfSync", within=60)
    assert world.controller is not None
    await world.controller.sync(PROD, initiated_by="release-manager")
    await world.until_app(PROD, sync_status="Synced", health_status="Healthy", within=60)
    world.set_backend_tag("prod", "v1.0.1")
    second = world.commit("backend v1.0.1 in prod")
    await world.until_app(PROD, observed_revisions=(second,), within=60)
    started = await world.controller.sync(PROD, initiated_by="release-manager")

    async def ended() -> bool:
        latest = await world.store.operations.latest(PROD)
        return latest is not None and latest.id == started.id and latest.phase.completed

    await world.until(ended, within=30, what="the second prod sync ends")
    operation = await world.store.operations.latest(PROD)
    assert operation is not None
    assert operation.phase.value == "Failed"
    assert (
        "sync refused by policy: policy team-label: Deployment prod/ai-chatbot-prod-backend"
        in operation.message
    )
    assert await world.backend_image("prod") == f"{BACKEND}:v1.0.0"
