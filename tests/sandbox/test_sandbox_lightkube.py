"""gitward's Kubernetes client library works against the sandbox as against a real cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.core.exceptions import ApiError
from lightkube.generic_resource import create_namespaced_resource
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.apiextensions_v1 import CustomResourceDefinition
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import ConfigMap
from sandbox_support import deployment
from test_sandbox_discovery import application, application_crd

from gitward.sandbox import Sandbox


@pytest.fixture
async def kube(sandbox: Sandbox, tmp_path: Path) -> AsyncIterator[AsyncClient]:
    config = KubeConfig.from_file(sandbox.write_kubeconfig(tmp_path / "kubeconfig"))
    client = AsyncClient(config, field_manager="gitward")
    yield client
    await client.close()


async def test_lightkube_creates_gets_and_lists(kube: AsyncClient) -> None:
    await kube.create(ConfigMap(metadata=ObjectMeta(name="a"), data={"k": "v"}))
    fetched = await kube.get(ConfigMap, "a", namespace="default")
    assert fetched.data == {"k": "v"}
    names = [cm.metadata.name async for cm in kube.list(ConfigMap, namespace="default")]
    assert names == ["a"]


async def test_lightkube_server_side_apply_and_conflict(kube: AsyncClient) -> None:
    applied = await kube.apply(Deployment.from_dict(deployment("web")))
    assert applied.metadata.managedFields[0].manager == "gitward"
    changed = deployment("web", replicas=5)
    with pytest.raises(ApiError) as raised:
        await kube.apply(Deployment.from_dict(changed), field_manager="someone-else")
    assert raised.value.status.code == 409
    forced = await kube.apply(Deployment.from_dict(changed), field_manager="someone", force=True)
    assert forced.spec.replicas == 5


async def test_lightkube_not_found_is_an_api_error(kube: AsyncClient) -> None:
    with pytest.raises(ApiError) as raised:
        await kube.get(ConfigMap, "missing", namespace="default")
    assert raised.value.status.code == 404
    assert raised.value.status.reason == "NotFound"


async def test_lightkube_watches_changes(kube: AsyncClient) -> None:
    await kube.create(ConfigMap(metadata=ObjectMeta(name="a", namespace="default")))
    async for event_type, obj in kube.watch(ConfigMap, namespace="default"):
        assert (event_type, obj.metadata.name) == ("ADDED", "a")
        break


async def test_lightkube_uses_custom_resources_after_the_crd(kube: AsyncClient) -> None:
    await kube.create(CustomResourceDefinition.from_dict(application_crd()))
    application_type = create_namespaced_resource(
        "argoproj.io", "v1alpha1", "Application", "applications"
    )
    await kube.apply(application_type.from_dict(application("guestbook")))
    fetched = await kube.get(application_type, "guestbook", namespace="default")
    assert fetched["spec"]["project"] == "default"
