"""Server-side apply follows the documented field-management rules."""

from __future__ import annotations

import httpx
from sandbox_support import CM, DEPLOY, MERGE, apply, configmap, deployment, managers_of


async def test_apply_creates_the_object_and_records_its_manager(client: httpx.AsyncClient) -> None:
    created = await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    assert created.status_code == 201
    entry = created.json()["metadata"]["managedFields"][0]
    assert (entry["manager"], entry["operation"], entry["fieldsType"]) == (
        "alice",
        "Apply",
        "FieldsV1",
    )
    assert entry["fieldsV1"] == {"f:data": {"f:x": {}}}


async def test_apply_without_a_field_manager_is_rejected(client: httpx.AsyncClient) -> None:
    rejected = await client.patch(
        f"{CM}/a",
        content='{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}',
        headers={"content-type": "application/apply-patch+yaml"},
    )
    assert rejected.status_code == 400


async def test_apply_accepts_yaml(client: httpx.AsyncClient) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: '1'\n"
    applied = await client.patch(
        f"{CM}/a",
        content=text,
        headers={"content-type": "application/apply-patch+yaml"},
        params={"fieldManager": "alice"},
    )
    assert applied.json()["data"] == {"x": "1"}


async def test_a_second_manager_changing_an_owned_field_conflicts(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1", y="1"), "alice")
    clash = await apply(client, f"{CM}/a", configmap("a", x="2"), "bob")
    assert clash.status_code == 409
    body = clash.json()
    assert body["reason"] == "Conflict"
    assert (
        body["message"] == 'Apply failed with 1 conflict: conflict with "alice" using v1: .data.x'
    )
    assert body["details"]["causes"] == [
        {
            "type": "FieldManagerConflict",
            "message": 'conflict with "alice" using v1',
            "field": ".data.x",
        }
    ]
    assert (await client.get(f"{CM}/a")).json()["data"]["x"] == "1"


async def test_force_takes_ownership_of_conflicting_fields(client: httpx.AsyncClient) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1", y="1"), "alice")
    forced = await apply(client, f"{CM}/a", configmap("a", x="2"), "bob", force=True)
    assert forced.status_code == 200
    assert forced.json()["data"] == {"x": "2", "y": "1"}
    owners = managers_of(forced.json())
    assert owners["alice"] == {"f:data": {"f:y": {}}}
    assert owners["bob"] == {"f:data": {"f:x": {}}}


async def test_a_field_left_out_of_the_next_apply_is_removed(client: httpx.AsyncClient) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1", y="1"), "alice")
    again = await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    assert again.json()["data"] == {"x": "1"}


async def test_managers_applying_the_same_value_share_the_field(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1", y="1"), "alice")
    shared = await apply(client, f"{CM}/a", configmap("a", x="1"), "bob")
    assert shared.status_code == 200
    owners = managers_of(shared.json())
    assert owners["alice"] == {"f:data": {"f:x": {}, "f:y": {}}}
    assert owners["bob"] == {"f:data": {"f:x": {}}}
    # alice lets go of x: bob still owns it, so the value stays.
    released = await apply(client, f"{CM}/a", configmap("a", y="1"), "alice")
    assert released.json()["data"] == {"x": "1", "y": "1"}
    # now bob may change it without a conflict.
    changed = await apply(client, f"{CM}/a", configmap("a", x="2"), "bob")
    assert changed.status_code == 200


async def test_a_shared_field_cannot_be_changed_by_one_owner(client: httpx.AsyncClient) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    await apply(client, f"{CM}/a", configmap("a", x="1"), "bob")
    clash = await apply(client, f"{CM}/a", configmap("a", x="2"), "alice")
    assert clash.status_code == 409
    assert 'conflict with "bob"' in clash.json()["message"]


async def test_an_update_takes_fields_and_apply_then_conflicts_with_it(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    await client.patch(
        f"{CM}/a", json={"data": {"x": "9"}}, headers=MERGE, params={"fieldManager": "editor"}
    )
    owners = managers_of((await client.get(f"{CM}/a")).json())
    assert owners["editor/Update"] == {"f:data": {"f:x": {}}}
    assert "alice" not in owners
    clash = await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    assert clash.status_code == 409


async def test_list_items_are_owned_by_key(client: httpx.AsyncClient) -> None:
    body = deployment("web")
    applied = (await apply(client, f"{DEPLOY}/web", body, "gitward")).json()
    containers = managers_of(applied)["gitward"]["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers == {'k:{"name":"main"}': {".": {}, "f:image": {}, "f:name": {}}}


async def test_another_manager_can_add_a_container_beside_the_applied_one(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward")
    sidecar = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "template": {"spec": {"containers": [{"name": "proxy", "image": "envoy:1"}]}},
        },
    }
    merged = (await apply(client, f"{DEPLOY}/web", sidecar, "mesh")).json()
    names = [c["name"] for c in merged["spec"]["template"]["spec"]["containers"]]
    assert names == ["main", "proxy"]
    # gitward re-applies its own manifest: the mesh's container stays.
    again = (await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward")).json()
    assert [c["name"] for c in again["spec"]["template"]["spec"]["containers"]] == names


async def test_a_dry_run_apply_reports_without_storing(client: httpx.AsyncClient) -> None:
    await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")
    dry = await apply(client, f"{CM}/a", configmap("a", x="2"), "alice", dryRun="All")
    assert dry.json()["data"] == {"x": "2"}
    assert (await client.get(f"{CM}/a")).json()["data"] == {"x": "1"}


async def test_reapplying_the_same_configuration_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    first = (await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")).json()
    second = (await apply(client, f"{CM}/a", configmap("a", x="1"), "alice")).json()
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward")
    again = (await apply(client, f"{DEPLOY}/web", deployment("web"), "gitward")).json()
    assert again["metadata"]["generation"] == 1


async def test_apply_ignores_status_on_a_kind_with_a_status_subresource(
    client: httpx.AsyncClient,
) -> None:
    body = deployment("web")
    body["status"] = {"replicas": 99}
    applied = (await apply(client, f"{DEPLOY}/web", body, "gitward")).json()
    assert applied.get("status", {}).get("replicas") != 99
    assert "f:status" not in managers_of(applied)["gitward"]


SERVICES = "/api/v1/namespaces/default/services"


def service(*ports: int) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {
            "ports": [{"name": f"p{port}", "port": port, "targetPort": port} for port in ports]
        },
    }


async def test_a_keyed_item_left_out_of_the_next_apply_is_removed_whole(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{SERVICES}/web", service(80, 9090), "gitward")
    again = (await apply(client, f"{SERVICES}/web", service(80), "gitward")).json()
    assert [port["port"] for port in again["spec"]["ports"]] == [80]
    assert len(again["spec"]["ports"]) == 1


async def test_a_keyed_item_stays_while_another_manager_owns_a_field_of_it(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{SERVICES}/web", service(80, 9090), "gitward")
    named = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 9090, "protocol": "TCP", "appProtocol": "http"}]},
    }
    await apply(client, f"{SERVICES}/web", named, "mesh")
    again = (await apply(client, f"{SERVICES}/web", service(80), "gitward")).json()
    [kept] = [port for port in again["spec"]["ports"] if port["port"] == 9090]
    assert kept["appProtocol"] == "http"
    assert "name" not in kept  # gitward's own field of the item goes
