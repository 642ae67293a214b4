"""``/api/v1/applicationsets`` and RBAC: a caller sees the sets whose ``<project>/<name>`` an
``applicationsets, get`` rule grants, and nothing tells an unknown set from a forbidden one."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import ApiFactory, list_appset, seed_appsets

from support.example import ROOT

POLICY = """apiVersion: v1
kind: ConfigMap
metadata: {name: argocd-rbac-cm, namespace: argocd}
data:
  policy.csv: |
    p, role:dev-sets, applicationsets, get, dev/*, allow
    g, dev-team, role:dev-sets
"""


async def test_a_caller_sees_only_the_sets_an_applicationsets_rule_grants(
    api_factory: ApiFactory, tmp_path: Path
) -> None:
    policy = tmp_path / "rbac.yaml"
    policy.write_text(POLICY)
    api = await api_factory(rbac_file=policy)
    await seed_appsets(api, list_appset("dev-set", "dev"), list_appset("prod-set", "prod"))
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
    told = await admin.get("/api/v1/applicationsets/no-such-set")
    assert (told.status_code, told.json()) == (
        404,
        {"code": "not_found", "message": "applicationset no-such-set not found"},
    )
    shown = (await developer.get("/api/v1/applicationsets/dev-set")).json()
    assert "hunter2" not in str(shown)
    assert shown["status"]["declaredBy"] == {"app": ROOT, "file": "sets.yaml"}
