"""Discovery documents and CustomResourceDefinitions that serve their resources at once."""

from __future__ import annotations

from typing import Any

import httpx
from sandbox_support import MERGE, STRATEGIC, apply, wait_for

from support import applications

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
APPS = "/apis/argoproj.io/v1alpha1/namespaces/default/applications"


def application_crd() -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "applications.argoproj.io"},
        "spec": {
            "group": "argoproj.io",
            "scope": "Namespaced",
            "names": {
                "kind": "Application",
                "listKind": "ApplicationList",
                "plural": "applications",
                "singular": "application",
                "shortNames": ["app", "apps"],
            },
            "versions": [
                {
                    "name": "v1alpha1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object"}},
                    "subresources": {},
                }
            ],
        },
    }


def application(name: str) -> dict[str, Any]:
    return applications.application(
        name,
        repo_url="https://example.com/r.git",
        path="x",
        revision=None,
        namespace="x",
        app_namespace="default",
    )


async def test_version_reports_kubernetes_1_35(client: httpx.AsyncClient) -> None:
    version = (await client.get("/version")).json()
    assert (version["major"], version["minor"]) == ("1", "35")


async def test_core_and_group_discovery_list_the_builtin_kinds(client: httpx.AsyncClient) -> None:
    core = (await client.get("/api/v1")).json()
    names = {r["name"] for r in core["resources"]}
    assert {"pods", "pods/status", "configmaps", "namespaces", "events"} <= names
    groups = (await client.get("/apis")).json()
    group_names = {g["name"] for g in groups["groups"]}
    assert {"apps", "batch", "autoscaling", "rbac.authorization.k8s.io"} <= group_names
    apps = (await client.get("/apis/apps/v1")).json()
    deploy = next(r for r in apps["resources"] if r["name"] == "deployments")
    assert deploy["namespaced"] is True
    assert deploy["shortNames"] == ["deploy"]
    assert "patch" in deploy["verbs"]


async def test_aggregated_discovery_is_served_when_asked_for(client: httpx.AsyncClient) -> None:
    response = await client.get("/apis", headers={"Accept": AGGREGATED})
    assert response.headers["content-type"].startswith("application/json;g=apidiscovery.k8s.io")
    body = response.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    apps = next(i for i in body["items"] if i["metadata"]["name"] == "apps")
    resources = {r["resource"]: r for r in apps["versions"][0]["resources"]}
    assert resources["deployments"]["scope"] == "Namespaced"
    assert resources["deployments"]["responseKind"]["kind"] == "Deployment"


async def test_a_crd_serves_its_custom_resources(client: httpx.AsyncClient) -> None:
    created = await client.post(CRDS, json=application_crd())
    assert created.status_code == 201
    discovery = (await client.get("/apis/argoproj.io/v1alpha1")).json()
    assert [r["name"] for r in discovery["resources"]] == ["applications"]
    applied = await apply(client, f"{APPS}/guestbook", application("guestbook"), "gitward")
    assert applied.status_code == 201
    listed = (await client.get(APPS)).json()
    assert listed["kind"] == "ApplicationList"
    assert listed["items"][0]["kind"] == "Application"

    async def established() -> bool:
        crd = (await client.get(f"{CRDS}/applications.argoproj.io")).json()
        conditions = {c["type"]: c["status"] for c in crd.get("status", {}).get("conditions", [])}
        return conditions.get("Established") == "True"

    await wait_for(established, what="CRD established")


async def test_custom_resources_refuse_strategic_merge_patches(client: httpx.AsyncClient) -> None:
    await client.post(CRDS, json=application_crd())
    await client.post(APPS, json=application("a"))
    refused = await client.patch(f"{APPS}/a", json={"spec": {}}, headers=STRATEGIC)
    assert refused.status_code == 415
    merged = await client.patch(f"{APPS}/a", json={"spec": {"project": "p"}}, headers=MERGE)
    assert merged.json()["spec"]["project"] == "p"


async def test_deleting_a_crd_removes_its_resources(client: httpx.AsyncClient) -> None:
    await client.post(CRDS, json=application_crd())
    await client.post(APPS, json=application("a"))
    await client.delete(f"{CRDS}/applications.argoproj.io")
    assert (await client.get(APPS)).status_code == 404
    await client.post(CRDS, json=application_crd())
    assert (await client.get(APPS)).json()["items"] == []


async def test_openapi_v3_advertises_server_side_field_validation(
    client: httpx.AsyncClient,
) -> None:
    index = (await client.get("/openapi/v3")).json()
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    document = (await client.get(url)).json()
    patch = document["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]


async def test_kubectl_gets_tables(client: httpx.AsyncClient) -> None:
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    table = (await client.get("/api/v1/namespaces", headers={"Accept": accept})).json()
    assert table["kind"] == "Table"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Status", "Age"]
    assert table["rows"][0]["cells"][:2] == ["default", "Active"]
