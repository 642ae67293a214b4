"""The app-of-apps cluster port: Argo CD objects to the store, the rest to the cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from controller_builders import T0, application

from gitward.controller.appsport import AppsPort, children_live
from gitward.controller.reads import DirectReads
from gitward.errors import InvalidError, NotFoundError
from gitward.kube.tracking import stamp
from gitward.model.application import parse_application
from gitward.model.objects import ResourceKey
from gitward.store import AppDefinition, Store

CONFIG = ResourceKey("", "ConfigMap", "dev", "settings")


class Cluster:
    """Only what the port forwards to: records calls, answers with the manifest."""

    name = "in-cluster"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    async def apply(self, manifest: dict[str, Any], **_: Any) -> dict[str, Any]:
        self.calls.append(("apply", ResourceKey.of(manifest)))
        return manifest

    async def get(self, key: ResourceKey, *, version: str | None = None) -> dict[str, Any]:
        self.calls.append(("get", key))
        raise NotFoundError(f"{key} does not exist")

    async def delete(self, key: ResourceKey, **_: Any) -> None:
        self.calls.append(("delete", key))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}")
    yield opened
    await opened.close()


class Port:
    def __init__(self, store: Store, parent: str = "root") -> None:
        self.cluster = Cluster()
        self.refreshed: list[str] = []
        self.deleted: list[str] = []
        self.port = AppsPort(
            self.cluster,  # type: ignore[arg-type]
            store,
            parent,
            on_applied=self.refreshed.append,
            delete_app=self._delete,
            clock=lambda: T0,
        )

    async def _delete(self, name: str) -> None:
        self.deleted.append(name)


async def test_applying_a_child_app_stores_it_under_its_parent_and_refreshes_it(
    store: Store,
) -> None:
    port = Port(store)
    answer = await port.port.apply(stamp(application("dev", wave=1), "root"), force=True)
    stored = await store.apps.get("dev")
    assert stored is not None and stored.parent == "root"
    assert answer["kind"] == "Application" and answer["status"]["sync"]["status"] == "Unknown"
    assert port.refreshed == ["dev"]
    assert port.port.applied == {"dev": T0}
    assert port.cluster.calls == []


async def test_a_dry_run_or_an_invalid_app_changes_nothing(store: Store) -> None:
    port = Port(store)
    await port.port.apply(application("dev"), dry_run=True)
    broken = application("dev")
    broken["spec"]["destination"] = {"namespace": "dev"}
    with pytest.raises(InvalidError, match="no cluster is named"):
        await port.port.apply(broken)
    assert await store.apps.get("dev") is None
    assert port.refreshed == []


async def test_the_parent_applying_itself_keeps_its_own_parent(store: Store) -> None:
    root = application("root")
    await store.apps.upsert(AppDefinition.of(parse_application(root).value, root))
    port = Port(store)
    await port.port.apply(root)
    stored = await store.apps.get("root")
    assert stored is not None and stored.parent is None
    assert port.refreshed == []


async def test_projects_are_stored_and_served_back(store: Store) -> None:
    port = Port(store)
    project = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "dev", "namespace": "argocd"},
        "spec": {"sourceRepos": ["*"]},
    }
    await port.port.apply(stamp(project, "root"))
    served = await port.port.get(ResourceKey("argoproj.io", "AppProject", "argocd", "dev"))
    assert served["spec"] == {"sourceRepos": ["*"]}
    live = await children_live(DirectReads(store), "root", [])
    assert [obj["metadata"]["name"] for obj in live] == ["dev"]


async def test_deleting_a_child_goes_through_the_controller(store: Store) -> None:
    port = Port(store)
    await port.port.apply(application("dev"))
    key = ResourceKey("argoproj.io", "Application", "argocd", "dev")
    assert await port.port.delete(key, propagation="Foreground") is None
    assert port.deleted == ["dev"]
    with pytest.raises(NotFoundError):
        await port.port.delete(ResourceKey("argoproj.io", "Application", "argocd", "gone"))


async def test_other_objects_go_to_the_cluster(store: Store) -> None:
    port = Port(store)
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": "dev"},
    }
    await port.port.apply(config)
    await port.port.delete(CONFIG)
    with pytest.raises(NotFoundError):
        await port.port.get(CONFIG)
    assert [call for call, _ in port.cluster.calls] == ["apply", "delete", "get"]


async def test_a_child_app_with_credentials_in_its_repo_url_is_refused_and_not_stored(
    store: Store,
) -> None:
    port = Port(store)
    leaky = application("dev")
    leaky["spec"]["source"]["repoURL"] = "https://bot:hunter2-secret@git.example.com/x.git"
    with pytest.raises(InvalidError, match="carries credentials") as caught:
        await port.port.apply(stamp(leaky, "root"))
    assert "hunter2-secret" not in str(caught.value)
    assert await store.apps.get("dev") is None
