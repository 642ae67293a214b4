"""Get, list, apply and delete against the sandbox over HTTP, through the cluster port."""

from __future__ import annotations

import asyncio

import pytest
from kube_builders import config_map

from gitward.errors import ConflictError, InvalidError, NotFoundError
from gitward.kube import FIELD_MANAGER, ClusterAccess, RemoteCluster
from gitward.model.objects import ResourceKey


async def test_an_applied_object_can_be_read_back_and_is_owned_by_gitward(cluster: RemoteCluster):
    applied = await cluster.apply(config_map("settings", data={"mode": "fast"}))

    live = await cluster.get(ResourceKey("", "ConfigMap", "default", "settings"))

    assert live["data"] == {"mode": "fast"}
    assert live["metadata"]["uid"] == applied["metadata"]["uid"]
    managers = [entry["manager"] for entry in live["metadata"]["managedFields"]]
    assert managers == [FIELD_MANAGER]


async def test_reading_a_missing_object_names_it_and_the_cluster(cluster: RemoteCluster):
    with pytest.raises(NotFoundError) as caught:
        await cluster.get(ResourceKey("apps", "Deployment", "default", "ghost"))

    assert "apps/Deployment default/ghost on cluster in-cluster" in caught.value.message


async def test_list_filters_by_namespace_label_and_field(cluster: RemoteCluster):
    await cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    await cluster.apply(config_map("a", labels={"tier": "web"}))
    await cluster.apply(config_map("b", labels={"tier": "db"}))
    await cluster.apply(config_map("c", namespace="team", labels={"tier": "web"}))

    everywhere = await cluster.list("", "ConfigMap", labels={"tier": "web"})
    in_team = await cluster.list("", "ConfigMap", namespace="team")
    by_name = await cluster.list("", "ConfigMap", fields="metadata.name=b")

    assert sorted(o["metadata"]["name"] for o in everywhere.items) == ["a", "c"]
    assert [o["metadata"]["name"] for o in in_team.items] == ["c"]
    assert [o["metadata"]["name"] for o in by_name.items] == ["b"]
    assert all(o["kind"] == "ConfigMap" and o["apiVersion"] == "v1" for o in everywhere.items)
    assert everywhere.resource_version


async def test_a_list_larger_than_a_page_is_read_whole(cluster: RemoteCluster):
    await asyncio.gather(*(cluster.apply(config_map(f"cm-{index:03}")) for index in range(520)))

    listed = await cluster.list("", "ConfigMap", namespace="default")

    names = {o["metadata"]["name"] for o in listed.items}
    assert {f"cm-{index:03}" for index in range(520)} <= names


async def test_a_cluster_scoped_object_is_applied_without_its_stray_namespace(
    cluster: RemoteCluster,
):
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": "x", "namespace": "y"},
    }

    applied = await cluster.apply(namespace)

    assert "namespace" not in applied["metadata"]
    assert (await cluster.get(ResourceKey("", "Namespace", "", "x")))["metadata"]["name"] == "x"


async def test_a_namespaced_object_without_namespace_is_refused_before_any_request(
    cluster: RemoteCluster,
):
    orphan = config_map("loose")
    del orphan["metadata"]["namespace"]

    with pytest.raises(InvalidError) as caught:
        await cluster.apply(orphan)

    assert caught.value.causes == (("metadata.namespace", "Required value"),)


async def test_delete_checks_its_preconditions_and_reports_when_the_object_is_gone(
    cluster: RemoteCluster,
):
    live = await cluster.apply(config_map("doomed"))
    key = ResourceKey.of(live)

    with pytest.raises(ConflictError):
        await cluster.delete(key, uid="00000000-0000-0000-0000-000000000000")
    with pytest.raises(ConflictError):
        await cluster.delete(key, resource_version="1")
    lingering = await cluster.delete(
        key, uid=live["metadata"]["uid"], resource_version=live["metadata"]["resourceVersion"]
    )

    assert lingering is None
    with pytest.raises(NotFoundError):
        await cluster.get(key)


async def test_a_dry_run_delete_keeps_the_object(cluster: RemoteCluster):
    live = await cluster.apply(config_map("kept"))

    await cluster.delete(ResourceKey.of(live), dry_run=True, propagation="Foreground")

    assert (await cluster.get(ResourceKey.of(live)))["metadata"]["uid"] == live["metadata"]["uid"]


async def test_an_object_held_by_a_finalizer_is_returned_while_it_lingers(cluster: RemoteCluster):
    held = config_map("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await cluster.apply(held)

    lingering = await cluster.delete(ResourceKey.of(held))

    assert lingering is not None
    assert lingering["metadata"]["deletionTimestamp"]


async def test_deleting_a_missing_object_is_not_found(cluster: RemoteCluster):
    with pytest.raises(NotFoundError):
        await cluster.delete(ResourceKey("", "ConfigMap", "default", "never-was"))


async def test_a_second_client_with_its_own_field_manager_shares_the_cluster(
    cluster: RemoteCluster, access: ClusterAccess
):
    other = RemoteCluster.connect(access, field_manager="kubectl")
    try:
        await other.apply(config_map("shared", data={"a": "1"}))
        live = await cluster.get(ResourceKey("", "ConfigMap", "default", "shared"))
    finally:
        await other.close()

    assert [e["manager"] for e in live["metadata"]["managedFields"]] == ["kubectl"]


async def test_create_gives_a_hook_named_by_generate_name_a_name_of_its_own(
    cluster: RemoteCluster,
):
    hook = config_map("ignored")
    hook["metadata"] = {"generateName": "db-migrate-", "namespace": "default"}

    first = await cluster.create(hook)
    second = await cluster.create(hook)

    assert first["metadata"]["name"].startswith("db-migrate-")
    assert first["metadata"]["name"] != second["metadata"]["name"]


async def test_creating_an_object_that_exists_is_a_conflict(cluster: RemoteCluster):
    await cluster.create(config_map("once"))

    with pytest.raises(ConflictError) as caught:
        await cluster.create(config_map("once"))

    assert "ConfigMap default/once" in caught.value.message


async def test_replace_writes_the_whole_object_and_refuses_a_stale_version(
    cluster: RemoteCluster,
):
    live = await cluster.apply(config_map("whole", data={"a": "1", "b": "2"}))
    stale = live["metadata"]["resourceVersion"]
    fresh = config_map("whole", data={"c": "3"})
    fresh["metadata"]["resourceVersion"] = stale

    replaced = await cluster.replace(fresh)
    fresh["data"] = {"d": "4"}

    assert replaced["data"] == {"c": "3"}
    with pytest.raises(ConflictError):
        await cluster.replace(fresh)


async def test_a_merge_patch_removing_finalizers_lets_a_lingering_object_go(
    cluster: RemoteCluster,
):
    held = config_map("held")
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await cluster.apply(held)
    key = ResourceKey.of(held)
    await cluster.delete(key)

    await cluster.patch(key, {"metadata": {"finalizers": None}})

    with pytest.raises(NotFoundError):
        await cluster.get(key)


async def test_a_json_patch_changes_one_field(cluster: RemoteCluster):
    await cluster.apply(config_map("tuned", data={"level": "debug"}))

    patched = await cluster.patch(
        ResourceKey("", "ConfigMap", "default", "tuned"),
        [{"op": "replace", "path": "/data/level", "value": "info"}],
        patch_type="json",
    )

    assert patched["data"] == {"level": "info"}
