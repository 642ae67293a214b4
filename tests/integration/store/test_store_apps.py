"""Applications in the store: definitions as written, status as computed, versions, listing."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
import yaml
from store_builders import app, application_document

from gitward.model.application import parse_application
from gitward.store import (
    AppDefinition,
    AppStatus,
    AppSummary,
    RecordNotFoundError,
    StaleWriteError,
    Store,
    StoreConfigError,
)


async def test_an_upserted_app_reads_back_as_written_with_version_one(store: Store) -> None:
    created = await store.apps.upsert(app("guestbook", labels={"env": "dev"}, parent="root"))

    found = await store.apps.get("guestbook")

    assert found == created
    assert found is not None
    assert found.version == 1
    assert found.document == application_document("guestbook")
    assert (found.parent, found.file, found.labels) == (
        "root",
        "apps/guestbook.yaml",
        {"env": "dev"},
    )
    assert found.status == AppStatus()
    assert found.created_at.tzinfo is not None


async def test_an_unknown_app_reads_as_none(store: Store) -> None:
    assert await store.apps.get("nobody") is None


async def test_upserting_again_replaces_the_definition_keeps_the_status_and_bumps_the_version(
    store: Store,
) -> None:
    await store.apps.upsert(app("guestbook"))
    await store.apps.set_status("guestbook", AppStatus(sync_status="Synced"))

    updated = await store.apps.upsert(app("guestbook", project="team", revisionHistoryLimit=3))

    assert updated.version == 3
    assert updated.project == "team"
    assert updated.document["spec"]["revisionHistoryLimit"] == 3
    assert updated.status.sync_status == "Synced"
    assert updated.updated_at > updated.created_at


async def test_a_write_based_on_an_old_version_is_refused(store: Store) -> None:
    first = await store.apps.upsert(app("guestbook"))
    await store.apps.upsert(app("guestbook", project="team"), expected_version=first.version)

    with pytest.raises(StaleWriteError) as caught:
        await store.apps.upsert(app("guestbook", project="other"), expected_version=first.version)

    assert "Application guestbook" in caught.value.message
    assert "version 2, not 1" in caught.value.message
    assert (await store.apps.get("guestbook")).project == "team"  # type: ignore[union-attr]


async def test_creating_with_an_expected_version_of_an_existing_record_is_refused(
    store: Store,
) -> None:
    with pytest.raises(StaleWriteError):
        await store.apps.upsert(app("guestbook"), expected_version=4)

    assert await store.apps.get("guestbook") is None


async def test_a_status_round_trips_with_every_field(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    status = AppStatus(
        sync_status="OutOfSync",
        health_status="Degraded",
        health_message="Deployment guestbook: 1 of 3 replicas available",
        conditions=({"type": "SyncError", "message": "boom"},),
        reconciled_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        observed_revisions=("a" * 40, "b" * 40),
        resources={"total": 3, "outOfSync": 1, "items": [{"kind": "Deployment", "name": "g"}]},
    )

    version = await store.apps.set_status("guestbook", status)

    found = await store.apps.get("guestbook")
    assert found is not None
    assert found.status == status
    assert found.version == version == 2


async def test_statuses_written_as_a_batch_round_trip_and_skip_unknown_apps(
    store: Store,
) -> None:
    await store.apps.upsert(app("guestbook"))
    await store.apps.upsert(app("redis"))
    degraded = AppStatus(
        sync_status="OutOfSync",
        health_status="Degraded",
        conditions=({"type": "SyncError", "message": "boom"},),
        reconciled_at=datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        observed_revisions=("a" * 40,),
        resources={"total": 1, "items": [{"kind": "Deployment", "name": "g"}]},
    )
    synced = AppStatus(sync_status="Synced", health_status="Healthy")

    versions = await store.apps.set_statuses(
        {"guestbook": degraded, "nobody": synced, "redis": synced}
    )

    assert versions == {"guestbook": 2, "redis": 2}
    guestbook, redis = await store.apps.get("guestbook"), await store.apps.get("redis")
    assert guestbook is not None and redis is not None
    assert (guestbook.status, guestbook.version) == (degraded, 2)
    assert (redis.status, redis.version) == (synced, 2)
    assert await store.apps.get("nobody") is None
    assert await store.apps.set_statuses({}) == {}


async def test_a_status_written_against_an_old_version_is_refused(store: Store) -> None:
    created = await store.apps.upsert(app("guestbook"))
    await store.apps.upsert(app("guestbook"))

    with pytest.raises(StaleWriteError):
        await store.apps.set_status("guestbook", AppStatus(), expected_version=created.version)


async def test_the_status_of_an_unknown_app_is_refused(store: Store) -> None:
    with pytest.raises(RecordNotFoundError) as caught:
        await store.apps.set_status("nobody", AppStatus())

    assert "Application nobody" in caught.value.message


async def test_the_list_holds_summaries_sorted_by_name(store: Store) -> None:
    for name in ("zeta", "alpha", "mid"):
        await store.apps.upsert(app(name, labels={"tier": "web"}))
    await store.apps.set_status(
        "mid",
        AppStatus(sync_status="Synced", health_status="Healthy", observed_revisions=("a1b2c3",)),
    )

    listed = await store.apps.list()

    assert [summary.name for summary in listed] == ["alpha", "mid", "zeta"]
    assert listed[1] == AppSummary(
        name="mid",
        project="default",
        parent=None,
        labels={"tier": "web"},
        sync_status="Synced",
        health_status="Healthy",
        reconciled_at=None,
        version=2,
        repo_url="https://github.com/org/repo",
        source_path="apps/mid",
        dest_server="https://kubernetes.default.svc",
        dest_namespace="mid",
        revision="a1b2c3",
    )


async def test_the_list_filters_by_project_parent_labels_and_name_glob(store: Store) -> None:
    await store.apps.upsert(app("dev-web", "dev", labels={"env": "dev", "tier": "web"}))
    await store.apps.upsert(app("dev-db", "dev", labels={"env": "dev", "tier": "db"}))
    await store.apps.upsert(app("prod-web", "prod", labels={"env": "prod"}, parent="root"))

    async def names(**filters: object) -> list[str]:
        return [summary.name for summary in await store.apps.list(**filters)]  # type: ignore[arg-type]

    assert await names(project="dev") == ["dev-db", "dev-web"]
    assert await names(project=["prod", "nope"]) == ["prod-web"]
    assert await names(parent="root") == ["prod-web"]
    assert await names(selector={"env": "dev", "tier": "web"}) == ["dev-web"]
    assert await names(selector=lambda labels: labels.get("tier") == "db") == ["dev-db"]
    assert await names(name_glob="*-web") == ["dev-web", "prod-web"]
    assert await names(name_glob="dev-[dw]*") == ["dev-db", "dev-web"]
    assert await names(name_glob="DEV-*") == []
    assert await names(project="dev", name_glob="*web") == ["dev-web"]


async def test_a_name_glob_treats_sql_wildcards_as_plain_characters(store: Store) -> None:
    await store.apps.upsert(app("a_b"))
    await store.apps.upsert(app("axb"))
    await store.apps.upsert(app("a%b"))

    assert [s.name for s in await store.apps.list(name_glob="a_b")] == ["a_b"]
    assert [s.name for s in await store.apps.list(name_glob="a%*")] == ["a%b"]
    assert [s.name for s in await store.apps.list(name_glob="a?b")] == ["a%b", "a_b", "axb"]


async def test_deleting_an_app_removes_its_operations_and_history(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    operation = await store.operations.start("guestbook", request={}, requested_by="admin")
    await store.history.record(
        "guestbook", revision="main", commit_sha="a" * 40, source={}, initiated_by="admin"
    )

    assert await store.apps.delete("guestbook") is True

    assert await store.apps.get("guestbook") is None
    assert await store.operations.get(operation.id) is None
    assert await store.history.list("guestbook") == []
    assert await store.apps.delete("guestbook") is False


async def test_a_document_json_cannot_hold_is_refused_naming_the_app(store: Store) -> None:
    bad = AppDefinition(
        name="guestbook", project="default", document={"spec": {"x": math.nan}}, file="a.yaml"
    )

    with pytest.raises(StoreConfigError) as caught:
        await store.apps.upsert(bad)

    assert caught.value.message.startswith("a.yaml: Application guestbook: ")
    assert "NaN" in caught.value.message
    assert await store.apps.get("guestbook") is None


async def test_an_object_json_cannot_hold_is_refused(store: Store) -> None:
    bad = AppDefinition(name="guestbook", project="default", document={"spec": {"x": {1, 2}}})

    with pytest.raises(StoreConfigError, match="it holds a set"):
        await store.apps.upsert(bad)


async def test_yaml_dates_are_kept_as_iso_strings(store: Store) -> None:
    document = yaml.safe_load("metadata: {name: dated}\nspec: {since: 2024-05-06}\n")
    assert document["spec"]["since"] == date(2024, 5, 6)

    stored = await store.apps.upsert(AppDefinition("dated", "default", document))

    assert stored.document["spec"]["since"] == "2024-05-06"


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        (AppDefinition("", "default", {}), "metadata.name"),
        (AppDefinition("x" * 254, "default", {}), "metadata.name"),
        (AppDefinition("guestbook", "", {}), "spec.project"),
        (AppDefinition("guestbook", "default", {}, history_limit=-1), "spec.revisionHistoryLimit"),
    ],
)
async def test_an_unusable_definition_is_refused_naming_the_field(
    store: Store, definition: AppDefinition, field: str
) -> None:
    with pytest.raises(StoreConfigError) as caught:
        await store.apps.upsert(definition)

    assert caught.value.where.field == field


async def test_a_definition_of_a_parsed_application_carries_its_history_limit(
    store: Store,
) -> None:
    document = application_document("guestbook", revisionHistoryLimit=2)
    document["metadata"]["labels"] = {"team": "web"}
    parsed = parse_application(document, file="apps/guestbook.yaml").value

    stored = await store.apps.upsert(AppDefinition.of(parsed, document, parent="root"))

    assert (stored.history_limit, stored.labels, stored.parent) == (2, {"team": "web"}, "root")
    assert stored.file == "apps/guestbook.yaml"


async def test_thousands_of_apps_list_in_order_and_filter_by_project(store: Store) -> None:
    await store.apps.upsert_many(app(f"app-{n:05d}", f"team-{n % 7}") for n in range(5000))

    everything = await store.apps.list()
    team = await store.apps.list(project="team-3")

    assert len(everything) == 5000
    assert everything[0].name == "app-00000"
    assert everything[-1].name == "app-04999"
    assert len(team) == len(range(3, 5000, 7))
    assert all(summary.project == "team-3" for summary in team)


async def test_many_apps_upsert_in_one_call_creating_and_replacing(store: Store) -> None:
    await store.apps.upsert(app("old"))
    await store.apps.set_status("old", AppStatus(sync_status="Synced"))

    versions = await store.apps.upsert_many([app("old", project="team"), app("new")])

    assert versions == {"old": 3, "new": 1}
    old = await store.apps.get("old")
    assert old is not None
    assert (old.project, old.status.sync_status) == ("team", "Synced")
    assert (await store.apps.get("new")) is not None


async def test_an_app_defined_twice_in_one_batch_is_refused_and_nothing_is_written(
    store: Store,
) -> None:
    with pytest.raises(StoreConfigError, match="defined twice"):
        await store.apps.upsert_many([app("other"), app("twice"), app("twice", project="b")])

    assert await store.apps.list() == []


async def test_a_status_with_a_naive_timestamp_is_refused(store: Store) -> None:
    await store.apps.upsert(app("guestbook"))
    status = AppStatus(reconciled_at=datetime(2025, 1, 1, 12, 0))

    with pytest.raises(StoreConfigError, match="no timezone") as caught:
        await store.apps.set_status("guestbook", status)

    assert caught.value.where.field == "reconciledAt"
