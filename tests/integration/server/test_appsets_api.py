"""``/api/v1/applicationsets`` and RBAC: a caller sees the sets whose ``<project>/<name>`` an
``applicationsets, get`` rule grants, and nothing tells an unknown set from a forbidden one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from conftest import ROOT, ApiFactory

from gitward.appsets.declaring import expand_declared
from gitward.appsets.expanding import Expander
from gitward.appsets.generating import Ports
from gitward.appsets.status import recorded
from gitward.controller.refreshing import APPLICATION_SETS
from gitward.errors import Location
from gitward.git.repo import Checkout
from gitward.store import AppStatus

POLICY = """apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-rbac-cm, namespace: argocd}
data:
  policy.csv: |
    p, role:dev-sets, applicationsets, get, dev/*, allow
    g, dev-team, role:dev-sets
"""


def appset(name: str, project: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "generators": [{"list": {"elements": [{"env": project}]}}],
            "template": {
                "metadata": {"name": f"{name}-{{{{env}}}}"},
                "spec": {
                    "project": project,
                    "source": {
                        "repoURL": "https://user:hunter2@git.example.com/x.git",
                        "path": "p",
                    },
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "x"},
                },
            },
        },
    }


class NoGit:
    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        raise AssertionError("list generators read no git")


async def kept_by_root(*sets: dict[str, Any]) -> list[Any]:
    expanded = await expand_declared(
        list(sets), ["sets.yaml"] * len(sets), Ports(NoGit()), Expander()
    )
    return [recorded(report, ROOT, datetime.now(UTC)) for report in expanded.sets]


async def test_a_caller_sees_only_the_sets_an_applicationsets_rule_grants(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    policy = tmp_path / "rbac.yaml"
    policy.write_text(POLICY)
    api = await api_factory(rbac_file=policy)
    kept = await kept_by_root(appset("dev-set", "dev"), appset("prod-set", "prod"))
    await api.server.services.store.apps.set_status(
        ROOT, AppStatus(resources={APPLICATION_SETS: kept})
    )
    admin = await api.admin()
    developer = api.sso("dana@example.com", "dev-team")
    outsider = api.sso("carol@example.com")

    everything, dev_only, nothing = await asyncio.gather(
        admin.get("/api/v1/applicationsets"),
        developer.get("/api/v1/applicationsets"),
        outsider.get("/api/v1/applicationsets"),
    )
    assert [s["metadata"]["name"] for s in everything.json()["items"]] == ["dev-set", "prod-set"]
    assert [s["metadata"]["name"] for s in dev_only.json()["items"]] == ["dev-set"]
    assert nothing.json() == {"items": []}
    forbidden = await developer.get("/api/v1/applicationsets/prod-set")
    unknown = await developer.get("/api/v1/applicationsets/no-such-set")
    assert forbidden.status_code == 403
    assert (forbidden.status_code, forbidden.json()) == (unknown.status_code, unknown.json())
    shown = (await developer.get("/api/v1/applicationsets/dev-set")).json()
    assert "hunter2" not in str(shown)
    assert shown["status"]["declaredBy"] == {"app": ROOT, "file": "sets.yaml"}
