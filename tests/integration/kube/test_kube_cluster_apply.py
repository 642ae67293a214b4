"""Server-side apply through the cluster port: dry-run, conflicts, force, and the API's causes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from kube_builders import config_map, deployment

from gitward.errors import ConflictError, InvalidError, NotFoundError
from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.objects import ResourceKey


@pytest.fixture
async def kubectl(access: ClusterAccess) -> AsyncIterator[RemoteCluster]:
    """Another writer of the same cluster, with field manager ``kubectl``."""
    other = RemoteCluster.connect(access, field_manager="kubectl")
    yield other
    await other.close()


async def test_a_dry_run_apply_answers_with_the_object_but_stores_nothing(cluster: RemoteCluster):
    answer = await cluster.apply(config_map("preview", data={"a": "1"}), dry_run=True)

    assert answer["data"] == {"a": "1"}
    with pytest.raises(NotFoundError):
        await cluster.get(ResourceKey("", "ConfigMap", "default", "preview"))


async def test_applying_again_updates_the_fields_gitward_owns(cluster: RemoteCluster):
    await cluster.apply(config_map("settings", data={"a": "1", "b": "2"}))

    updated = await cluster.apply(config_map("settings", data={"a": "9"}))

    assert updated["data"] == {"a": "9"}


async def test_a_field_another_manager_owns_is_a_conflict_without_force(
    cluster: RemoteCluster, kubectl: RemoteCluster
):
    await kubectl.apply(config_map("shared", data={"level": "debug"}))

    with pytest.raises(ConflictError) as caught:
        await cluster.apply(config_map("shared", data={"level": "info"}))

    assert "default/shared on cluster in-cluster" in caught.value.message
    assert "force" in caught.value.hint
    live = await cluster.get(ResourceKey("", "ConfigMap", "default", "shared"))
    assert live["data"] == {"level": "debug"}


async def test_force_takes_the_field_over_from_the_other_manager(
    cluster: RemoteCluster, kubectl: RemoteCluster
):
    await kubectl.apply(config_map("shared", data={"level": "debug"}))

    forced = await cluster.apply(config_map("shared", data={"level": "info"}), force=True)

    assert forced["data"] == {"level": "info"}
    owners = {entry["manager"]: entry["fieldsV1"] for entry in forced["metadata"]["managedFields"]}
    assert "f:level" in owners["gitward"]["f:data"]
    assert "f:level" not in (owners.get("kubectl") or {}).get("f:data", {})


async def test_a_dry_run_conflict_is_reported_like_a_real_one(
    cluster: RemoteCluster, kubectl: RemoteCluster
):
    await kubectl.apply(config_map("shared", data={"level": "debug"}))

    with pytest.raises(ConflictError):
        await cluster.apply(config_map("shared", data={"level": "info"}), dry_run=True)


async def test_an_invalid_object_is_refused_with_the_api_causes(cluster: RemoteCluster):
    broken = deployment("web")
    broken["spec"]["selector"]["matchLabels"] = {"app": "other"}

    with pytest.raises(InvalidError) as caught:
        await cluster.apply(broken)

    fields = [field for field, _ in caught.value.causes]
    assert "spec.template.metadata.labels" in fields or "spec.selector" in fields
    assert caught.value.where.field == fields[0]
    assert "apps/Deployment default/web on cluster in-cluster" in caught.value.message


async def test_an_invalid_name_names_the_name_field(cluster: RemoteCluster):
    with pytest.raises(InvalidError) as caught:
        await cluster.apply(config_map("Not_A_Name"))

    assert caught.value.causes[0][0] == "metadata.name"
    assert "RFC 1123" in caught.value.causes[0][1]


async def test_a_manifest_without_kind_or_name_is_refused_with_the_missing_fields(
    cluster: RemoteCluster,
):
    with pytest.raises(InvalidError) as caught:
        await cluster.apply({"apiVersion": "v1", "metadata": {"namespace": "default"}})

    assert [field for field, _ in caught.value.causes] == ["kind", "metadata.name"]
