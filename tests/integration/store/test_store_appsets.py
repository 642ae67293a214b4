"""``store.appsets``: ApplicationSets created through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from gitward.store import StaleWriteError, Store, StoreConfigError

SET = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "s"}}


async def test_a_set_is_written_versioned_given_a_status_and_deleted(store: Store) -> None:
    first = await store.appsets.upsert("s", "dev", SET, expected_version=0)
    with pytest.raises(StaleWriteError):
        await store.appsets.upsert("s", "dev", SET, expected_version=0)
    second = await store.appsets.upsert("s", "prod", {**SET, "spec": {}})
    await store.appsets.set_status("s", {"applications": ["s-a"]})
    await store.appsets.set_status("gone", {"applications": []})

    found = await store.appsets.get("s")
    assert (first.version, second.version) == (1, 2)
    assert found is not None
    assert (found.project, found.document["spec"], found.status) == (
        "prod",
        {},
        {"applications": ["s-a"]},
    )
    assert [r.name for r in await store.appsets.list()] == ["s"]
    assert await store.appsets.delete("s") is True
    assert await store.appsets.delete("s") is False
    assert await store.appsets.get("s") is None


async def test_a_set_needs_a_name(store: Store) -> None:
    with pytest.raises(StoreConfigError, match="needs a name"):
        await store.appsets.upsert("", "dev", SET)
