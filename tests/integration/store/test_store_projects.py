"""AppProjects in the store: as written, versioned, and kept while applications use them."""

from __future__ import annotations

import pytest
from store_builders import app

from gitward.store import (
    ProjectDefinition,
    RecordInUseError,
    StaleWriteError,
    Store,
    StoreConfigError,
)

TEAM = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "AppProject",
    "metadata": {"name": "team"},
    "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "team-*"}]},
}


async def test_a_project_reads_back_as_written(store: Store) -> None:
    created = await store.projects.upsert(ProjectDefinition("team", TEAM, file="projects.yaml"))

    assert await store.projects.get("team") == created
    assert (created.document, created.file, created.version) == (TEAM, "projects.yaml", 1)
    assert await store.projects.get("other") is None


async def test_projects_are_listed_by_name_and_versioned(store: Store) -> None:
    await store.projects.upsert(ProjectDefinition("zeta", TEAM))
    first = await store.projects.upsert(ProjectDefinition("alpha", TEAM))

    second = await store.projects.upsert(
        ProjectDefinition("alpha", {**TEAM, "spec": {}}), expected_version=first.version
    )

    assert [project.name for project in await store.projects.list()] == ["alpha", "zeta"]
    assert (second.version, second.document["spec"]) == (2, {})
    with pytest.raises(StaleWriteError, match="AppProject alpha"):
        await store.projects.upsert(ProjectDefinition("alpha", TEAM), expected_version=1)


async def test_a_project_with_applications_cannot_be_deleted(store: Store) -> None:
    await store.projects.upsert(ProjectDefinition("team", TEAM))
    await store.apps.upsert(app("web", "team"))
    await store.apps.upsert(app("db", "team"))

    with pytest.raises(RecordInUseError, match="2 application") as caught:
        await store.projects.delete("team")

    assert "move or delete" in caught.value.hint
    await store.apps.delete("web")
    await store.apps.delete("db")
    assert await store.projects.delete("team") is True
    assert await store.projects.delete("team") is False


async def test_a_project_without_a_name_is_refused(store: Store) -> None:
    with pytest.raises(StoreConfigError) as caught:
        await store.projects.upsert(ProjectDefinition("", TEAM, file="p.yaml"))

    assert caught.value.where.field == "metadata.name"
