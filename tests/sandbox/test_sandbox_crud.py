"""Create, get, list, update and patch over HTTP behave like the Kubernetes API."""

from __future__ import annotations

import httpx
import pytest
from sandbox_support import CM, DEPLOY, JSON_PATCH, MERGE, PODS, STRATEGIC, configmap, deployment


async def test_a_created_object_gets_server_metadata(client: httpx.AsyncClient) -> None:
    created = await client.post(CM, json=configmap("a", k="v"))
    assert created.status_code == 201
    meta = created.json()["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and int(meta["resourceVersion"]) > 0
    fetched = (await client.get(f"{CM}/a")).json()
    assert fetched["data"] == {"k": "v"}
    assert fetched["metadata"]["uid"] == meta["uid"]


async def test_resource_versions_grow_with_every_write(client: httpx.AsyncClient) -> None:
    first = (await client.post(CM, json=configmap("a", k="1"))).json()
    second = (await client.post(CM, json=configmap("b", k="1"))).json()
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])


async def test_creating_an_existing_name_is_already_exists(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a"))
    again = await client.post(CM, json=configmap("a"))
    assert again.status_code == 409
    body = again.json()
    assert (body["kind"], body["status"], body["reason"]) == ("Status", "Failure", "AlreadyExists")
    assert body["message"] == 'configmaps "a" already exists'


async def test_getting_a_missing_object_is_a_not_found_status(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"{DEPLOY}/nope")
    assert missing.status_code == 404
    body = missing.json()
    assert body["reason"] == "NotFound"
    assert body["message"] == 'deployments.apps "nope" not found'
    assert body["details"] == {"name": "nope", "group": "apps", "kind": "deployments"}


async def test_an_unknown_resource_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/apis/example.com/v1/widgets")).status_code == 404


async def test_an_update_with_a_stale_resource_version_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post(CM, json=configmap("a", k="1"))).json()
    created["data"]["k"] = "2"
    assert (await client.put(f"{CM}/a", json=created)).status_code == 200
    created["data"]["k"] = "3"
    stale = await client.put(f"{CM}/a", json=created)
    assert stale.status_code == 409
    assert stale.json()["reason"] == "Conflict"
    assert "the object has been modified" in stale.json()["message"]


async def test_an_update_without_a_resource_version_is_unconditional(
    client: httpx.AsyncClient,
) -> None:
    await client.post(CM, json=configmap("a", k="1"))
    updated = await client.put(f"{CM}/a", json=configmap("a", k="2"))
    assert updated.status_code == 200
    assert updated.json()["data"] == {"k": "2"}


async def test_an_update_that_changes_nothing_keeps_the_resource_version(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post(CM, json=configmap("a", k="1"))).json()
    again = (await client.put(f"{CM}/a", json=created)).json()
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_generation_counts_spec_changes_only(client: httpx.AsyncClient) -> None:
    created = (await client.post(DEPLOY, json=deployment("web"))).json()
    assert created["metadata"]["generation"] == 1
    labelled = await client.patch(
        f"{DEPLOY}/web", json={"metadata": {"labels": {"team": "a"}}}, headers=MERGE
    )
    assert labelled.json()["metadata"]["generation"] == 1
    scaled = await client.patch(f"{DEPLOY}/web", json={"spec": {"replicas": 5}}, headers=MERGE)
    assert scaled.json()["metadata"]["generation"] == 2


async def test_kinds_without_a_spec_generation_carry_none(client: httpx.AsyncClient) -> None:
    created = (await client.post(CM, json=configmap("a", k="1"))).json()
    assert "generation" not in created["metadata"]


async def test_deletecollection_deletes_the_selected_objects(client: httpx.AsyncClient) -> None:
    for name, app in (("a", "web"), ("b", "web"), ("c", "db")):
        body = configmap(name)
        body["metadata"]["labels"] = {"app": app}
        await client.post(CM, json=body)
    deleted = await client.delete(CM, params={"labelSelector": "app=web"})
    assert [i["metadata"]["name"] for i in deleted.json()["items"]] == ["a", "b"]
    left = (await client.get(CM)).json()["items"]
    assert [i["metadata"]["name"] for i in left] == ["c"]


async def test_a_merge_patch_deletes_keys_set_to_null(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a", k="1", j="2"))
    patched = await client.patch(f"{CM}/a", json={"data": {"k": None, "n": "3"}}, headers=MERGE)
    assert patched.json()["data"] == {"j": "2", "n": "3"}


async def test_a_json_patch_applies_its_operations_in_order(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a", k="1"))
    ops = [
        {"op": "add", "path": "/data/n", "value": "2"},
        {"op": "replace", "path": "/data/k", "value": "9"},
        {"op": "remove", "path": "/data/n"},
    ]
    patched = await client.patch(f"{CM}/a", json=ops, headers=JSON_PATCH)
    assert patched.json()["data"] == {"k": "9"}


async def test_a_failed_json_patch_test_changes_nothing(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a", k="1"))
    ops = [{"op": "test", "path": "/data/k", "value": "2"}, {"op": "remove", "path": "/data/k"}]
    failed = await client.patch(f"{CM}/a", json=ops, headers=JSON_PATCH)
    assert failed.status_code == 422
    assert (await client.get(f"{CM}/a")).json()["data"] == {"k": "1"}


async def test_a_strategic_merge_patch_merges_containers_by_name(
    client: httpx.AsyncClient,
) -> None:
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox:1"})
    await client.post(DEPLOY, json=body)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "b:2"}]}}}}
    patched = await client.patch(f"{DEPLOY}/web", json=patch, headers=STRATEGIC)
    containers = patched.json()["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("main", "nginx:1.27"),
        ("side", "b:2"),
    ]


async def test_a_strategic_merge_patch_can_delete_a_list_item(client: httpx.AsyncClient) -> None:
    body = deployment("web")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox:1"})
    await client.post(DEPLOY, json=body)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}}}
    patched = await client.patch(f"{DEPLOY}/web", json=patch, headers=STRATEGIC)
    names = [c["name"] for c in patched.json()["spec"]["template"]["spec"]["containers"]]
    assert names == ["main"]


async def test_a_body_of_another_kind_is_a_bad_request(client: httpx.AsyncClient) -> None:
    wrong = await client.post(CM, json={**configmap("a"), "kind": "Secret"})
    assert wrong.status_code == 400
    assert wrong.json()["reason"] == "BadRequest"


async def test_a_name_that_is_not_dns_1123_is_invalid(client: httpx.AsyncClient) -> None:
    invalid = await client.post(CM, json=configmap("Not_Valid"))
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["reason"] == "Invalid"
    assert [c["field"] for c in body["details"]["causes"]] == ["metadata.name"]


async def test_a_deployment_needs_a_selector_and_images(client: httpx.AsyncClient) -> None:
    body = deployment("web", image="")
    del body["spec"]["selector"]
    invalid = await client.post(DEPLOY, json=body)
    assert invalid.status_code == 422
    fields = [c["field"] for c in invalid.json()["details"]["causes"]]
    assert fields == ["spec.selector", "spec.template.spec.containers[0].image"]
    assert invalid.json()["message"].startswith('Deployment.apps "web" is invalid: [')


async def test_a_selector_that_does_not_match_the_template_is_invalid(
    client: httpx.AsyncClient,
) -> None:
    body = deployment("web")
    body["spec"]["selector"] = {"matchLabels": {"app": "other"}}
    invalid = await client.post(DEPLOY, json=body)
    assert invalid.status_code == 422
    assert invalid.json()["details"]["causes"][0]["field"] == "spec.template.metadata.labels"


async def test_an_object_in_a_missing_namespace_is_rejected(client: httpx.AsyncClient) -> None:
    rejected = await client.post(
        "/api/v1/namespaces/ghost/configmaps", json=configmap("a", namespace="ghost")
    )
    assert rejected.status_code == 404
    assert rejected.json()["message"] == 'namespaces "ghost" not found'


async def test_a_dry_run_create_stores_nothing(client: httpx.AsyncClient) -> None:
    dry = await client.post(CM, json=configmap("a", k="1"), params={"dryRun": "All"})
    assert dry.status_code == 201
    assert dry.json()["data"] == {"k": "1"}
    assert (await client.get(f"{CM}/a")).status_code == 404


async def test_a_dry_run_patch_and_delete_change_nothing(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a", k="1"))
    dry = {"dryRun": "All"}
    patched = await client.patch(f"{CM}/a", json={"data": {"k": "2"}}, headers=MERGE, params=dry)
    assert patched.json()["data"] == {"k": "2"}
    assert (await client.delete(f"{CM}/a", params=dry)).status_code == 200
    assert (await client.get(f"{CM}/a")).json()["data"] == {"k": "1"}


async def test_the_server_fills_defaults_like_a_real_one(client: httpx.AsyncClient) -> None:
    created = (await client.post(DEPLOY, json=deployment("web"))).json()
    spec = created["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    assert spec["progressDeadlineSeconds"] == 600
    assert spec["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"


async def test_a_service_keeps_its_cluster_ip_across_updates(client: httpx.AsyncClient) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
    }
    path = "/api/v1/namespaces/default/services"
    created = (await client.post(path, json=service)).json()
    assert created["spec"]["ports"][0] == {"port": 80, "protocol": "TCP", "targetPort": 80}
    updated = (await client.put(f"{path}/web", json=service)).json()
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]


async def test_secret_string_data_is_stored_as_base64_data(client: httpx.AsyncClient) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s"},
        "stringData": {"password": "hunter2"},
    }
    created = (await client.post("/api/v1/namespaces/default/secrets", json=secret)).json()
    assert created["data"] == {"password": "aHVudGVyMg=="}
    assert "stringData" not in created
    assert created["type"] == "Opaque"


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web,tier=front", ["a"]),
        ("app!=web", ["c"]),
        ("tier in (front,back)", ["a", "b"]),
        ("tier notin (front)", ["b", "c"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c"]),
    ],
)
async def test_label_selectors_filter_lists(
    client: httpx.AsyncClient, selector: str, expected: list[str]
) -> None:
    for name, labels in (
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "web", "tier": "back"}),
        ("c", {"app": "db"}),
    ):
        body = configmap(name)
        body["metadata"]["labels"] = labels
        await client.post(CM, json=body)
    listed = (await client.get(CM, params={"labelSelector": selector})).json()
    assert [i["metadata"]["name"] for i in listed["items"]] == expected


async def test_field_selectors_filter_by_name_and_pod_phase(client: httpx.AsyncClient) -> None:
    await client.post(CM, json=configmap("a"))
    await client.post(CM, json=configmap("b"))
    by_name = (await client.get(CM, params={"fieldSelector": "metadata.name=b"})).json()
    assert [i["metadata"]["name"] for i in by_name["items"]] == ["b"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    pod["spec"] = {"containers": [{"name": "c", "image": "busybox:1"}]}
    await client.post(PODS, json=pod)
    failed = await client.get(PODS, params={"fieldSelector": "status.phase=Failed"})
    assert failed.json()["items"] == []
    unsupported = await client.get(CM, params={"fieldSelector": "data.k=v"})
    assert unsupported.status_code == 400


async def test_lists_page_with_limit_and_continue(client: httpx.AsyncClient) -> None:
    for name in "abcde":
        await client.post(CM, json=configmap(name))
    first = (await client.get(CM, params={"limit": 2})).json()
    token = first["metadata"]["continue"]
    second = (await client.get(CM, params={"limit": 2, "continue": token})).json()
    third = await client.get(CM, params={"limit": 2, "continue": second["metadata"]["continue"]})
    names = [i["metadata"]["name"] for p in (first, second, third.json()) for i in p["items"]]
    assert names == list("abcde")
    assert "continue" not in third.json()["metadata"]


async def test_lists_across_namespaces_and_typed_items_carry_no_kind(
    client: httpx.AsyncClient,
) -> None:
    await client.post(CM, json=configmap("a"))
    listed = (await client.get("/api/v1/configmaps")).json()
    assert listed["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a"]
    assert "kind" not in listed["items"][0]


async def test_the_status_subresource_updates_only_status(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web"))
    current = (await client.get(f"{DEPLOY}/web")).json()
    current["status"] = {"replicas": 7}
    current["spec"]["replicas"] = 9
    written = (await client.put(f"{DEPLOY}/web/status", json=current)).json()
    assert written["status"]["replicas"] == 7
    assert written["spec"]["replicas"] == 2


async def test_a_main_resource_update_ignores_status(client: httpx.AsyncClient) -> None:
    body = deployment("web")
    body["status"] = {"replicas": 42}
    created = (await client.post(DEPLOY, json=body)).json()
    assert created.get("status", {}).get("replicas") != 42
    patched = await client.patch(f"{DEPLOY}/web", json={"status": {"replicas": 42}}, headers=MERGE)
    assert patched.json().get("status", {}).get("replicas") != 42


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (CM, {"metadata": {"name": 5}}, "metadata.name"),
        (CM, {"metadata": {"name": "a"}, "data": {"k": 1}}, "data"),
        (DEPLOY, {"metadata": {"name": "d"}, "spec": []}, "spec"),
        (DEPLOY, {"metadata": {"name": "d"}, "spec": {"replicas": "many"}}, "spec.replicas"),
        (
            DEPLOY,
            {"metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": "x"}}}},
            "spec.template.spec.containers",
        ),
        (PODS, {"metadata": {"name": "p", "finalizers": "x"}}, "metadata.finalizers"),
    ],
)
async def test_a_body_of_the_wrong_shape_is_a_bad_request_naming_the_field(
    client: httpx.AsyncClient, path: str, body: dict[str, object], field: str
) -> None:
    refused = await client.post(path, json=body)
    assert refused.status_code == 400
    assert f"into field {field} of type" in refused.json()["message"]
