"""An app list's summary columns: copied from the document on every write, and by the migration
that added them, so that listing never reads documents."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import create_async_engine
from store_builders import app

from gitward.store import AppDefinition, AppStatus, AppSummary, Store
from gitward.store.database import database_url
from gitward.store.migrating import SCRIPT_LOCATION

HELM_SOURCE = {
    "repoURL": "https://charts.example.com",
    "chart": "redis",
    "targetRevision": "18.1.0",
}
GIT_SOURCE = {"repoURL": "https://github.com/org/values", "path": "redis", "ref": "values"}


async def summary_of(store: Store, name: str) -> AppSummary:
    return next(summary for summary in await store.apps.list() if summary.name == name)


async def test_the_list_carries_the_source_destination_policy_and_revision(store: Store) -> None:
    await store.apps.upsert(
        app(
            "guestbook",
            source={
                "repoURL": "https://github.com/org/repo",
                "path": "guestbook",
                "targetRevision": "main",
            },
            destination={"name": "prod", "namespace": "web"},
            syncPolicy={
                "automated": {"prune": True, "selfHeal": False},
                "syncOptions": ["CreateNamespace=true"],
            },
        )
    )
    await store.apps.set_status("guestbook", AppStatus(observed_revisions=("1a2b3c4d", "ffff")))

    summary = await summary_of(store, "guestbook")

    assert (summary.repo_url, summary.source_path, summary.target_revision) == (
        "https://github.com/org/repo",
        "guestbook",
        "main",
    )
    assert (summary.dest_server, summary.dest_name, summary.dest_namespace) == ("", "prod", "web")
    assert summary.sync_policy == {"automated": {"prune": True, "selfHeal": False}}
    assert summary.revision == "1a2b3c4d"


async def test_a_multi_source_app_lists_its_first_source(store: Store) -> None:
    await store.apps.upsert(app("redis", sources=[HELM_SOURCE, GIT_SOURCE]))

    summary = await summary_of(store, "redis")

    assert (summary.repo_url, summary.source_chart, summary.target_revision) == (
        "https://charts.example.com",
        "redis",
        "18.1.0",
    )
    assert summary.source_path == ""


async def test_a_manual_app_lists_no_policy_and_no_revision_before_it_is_looked_at(
    store: Store,
) -> None:
    await store.apps.upsert(app("manual", syncPolicy={"syncOptions": ["Validate=false"]}))

    summary = await summary_of(store, "manual")

    assert summary.sync_policy is None
    assert summary.revision == ""


async def test_a_replaced_definition_replaces_its_summary_columns(store: Store) -> None:
    await store.apps.upsert(app("guestbook", syncPolicy={"automated": {"prune": True}}))
    await store.apps.upsert_many([app("guestbook", destination={"server": "https://other"})])

    summary = await summary_of(store, "guestbook")

    assert summary.dest_server == "https://other"
    assert summary.dest_namespace == ""
    assert summary.sync_policy is None


async def test_odd_shapes_list_as_empty_fields_rather_than_failing(store: Store) -> None:
    document: dict[str, Any] = {
        "metadata": {"name": "odd"},
        "spec": {
            "source": {"repoURL": 42, "path": ["a"]},
            "destination": "in-cluster",
            "syncPolicy": {"automated": {"prune": "yes", "selfHeal": True}},
        },
    }
    await store.apps.upsert(AppDefinition(name="odd", project="default", document=document))

    summary = await summary_of(store, "odd")

    assert (summary.repo_url, summary.source_path, summary.dest_server) == ("", "", "")
    assert summary.sync_policy == {"automated": {"selfHeal": True}}


async def test_upgrading_from_the_previous_revision_fills_the_columns_from_the_documents(
    store: Store, store_url: str, data_dir: Path
) -> None:
    await store.apps.upsert(
        app("guestbook", sources=[HELM_SOURCE], syncPolicy={"automated": {"selfHeal": True}})
    )
    await store.close()

    def down_and_up(connection: sa.Connection) -> None:
        config = Config()
        config.set_main_option("script_location", SCRIPT_LOCATION)
        config.attributes["connection"] = connection
        command.downgrade(config, "0002")
        assert "repo_url" not in {c["name"] for c in sa.inspect(connection).get_columns("apps")}
        command.upgrade(config, "head")

    engine = create_async_engine(database_url(store_url))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(down_and_up)
    finally:
        await engine.dispose()

    async with await Store.open(store_url, data_dir=data_dir, env={}) as reopened:
        summary = await summary_of(reopened, "guestbook")
    assert (summary.repo_url, summary.source_chart) == ("https://charts.example.com", "redis")
    assert (summary.dest_server, summary.dest_namespace) == (
        "https://kubernetes.default.svc",
        "guestbook",
    )
    assert summary.sync_policy == {"automated": {"selfHeal": True}}
