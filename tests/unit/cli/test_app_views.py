"""``app_views``' revision text for documents in Argo CD's multi-source shape (``revision``
empty, one commit per source in ``revisions``), which gitward's app list does not send (its
items carry the first source's commit) but an app's own JSON does; and the progress line of a
running sync."""

from __future__ import annotations

import re
from typing import Any

from gitward.cli import app_views

MAIN, VALUES = "1a2b3c4" + "d" * 33, "5e6f7a8" + "b" * 33


def listed(sync: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "guestbook"},
        "spec": {"project": "default"},
        "status": {"sync": {"status": "Synced", **sync}, "health": {"status": "Healthy"}},
    }


def test_the_list_revision_column_joins_every_sources_short_commit() -> None:
    shown = app_views.app_list([listed({"revision": "", "revisions": [MAIN, VALUES]})], wide=False)

    assert shown == (
        "NAME        PROJECT   SYNC STATUS   HEALTH STATUS   REVISION\n"
        "guestbook   default   Synced        Healthy         1a2b3c4, 5e6f7a8\n"
    )


def test_the_list_revision_column_is_a_dash_before_any_commit_is_known() -> None:
    shown = app_views.app_list([listed({"revision": "", "revisions": []})], wide=False)

    assert shown.splitlines()[1].split() == ["guestbook", "default", "Synced", "Healthy", "-"]


def running(results: list[dict[str, Any]], *, chosen: int = 0) -> dict[str, Any]:
    resources = [{"kind": "ConfigMap", "name": f"c{index}"} for index in range(4)]
    operation = {"sync": {"resources": resources[:chosen]}} if chosen else {"sync": {}}
    return {
        "metadata": {"name": "web"},
        "status": {
            "sync": {"status": "OutOfSync"},
            "health": {"status": "Missing"},
            "resources": resources,
            "operationState": {
                "phase": "Running",
                "operation": operation,
                "syncResult": {"resources": results},
            },
        },
    }


def test_a_running_syncs_progress_counts_up_against_every_resource_from_the_start() -> None:
    synced = {"status": "Synced"}
    lines = [
        app_views.progress_line(running(results))
        for results in ([], [synced], [synced, synced, {"status": "SyncFailed"}])
    ]

    assert [line.rsplit(", ", 1)[1] for line in lines] == [
        "0/4 resources synced",
        "1/4 resources synced",
        "2/4 resources synced",
    ]


def test_a_sync_of_chosen_resources_counts_against_those_only() -> None:
    line = app_views.progress_line(running([{"status": "Synced"}], chosen=2))

    assert line == "web: operation Running, sync OutOfSync, health Missing, 1/2 resources synced"


def test_history_shows_times_to_the_second() -> None:
    assert app_views.to_the_second("2026-12-07T14:05:01.123456Z") == "2026-12-07T14:05:01Z"
    assert app_views.to_the_second("2026-12-07T14:05:01+01:00") == "2026-12-07T14:05:01+01:00"
    assert app_views.to_the_second("2026-12-07T14:05:01.5+01:00") == "2026-12-07T14:05:01+01:00"


def deployment(number: int, at: str, sha: str) -> dict[str, Any]:
    return {
        "id": number,
        "deployedAt": at,
        "revision": sha,
        "targetRevision": "main",
        "initiatedBy": {"username": "automated"},
    }


def promotion(at: str, outcome: str, **fields: Any) -> dict[str, Any]:
    return {
        "promotedAt": at,
        "source": "staging",
        "sourceRevision": MAIN,
        "outcome": outcome,
        "values": [{"key": "backend.image.tag", "value": "v1.2.0"}],
        "initiatedBy": {"username": "rita"},
        **fields,
    }


def test_history_interleaves_promotions_by_time_without_an_id() -> None:
    app = {
        "status": {
            "history": [
                deployment(1, "2026-12-07T14:00:00Z", MAIN),
                deployment(2, "2026-12-07T14:10:00Z", VALUES),
            ],
            "promotions": [
                promotion("2026-12-07T14:05:00.5Z", "committed", commit=VALUES, forced=True),
                promotion(
                    "2026-12-07T14:20:00Z",
                    "proposed",
                    branch="gitward/promote/prod/abc",
                    pullRequest="https://example.com/pr/7",
                ),
            ],
        }
    }

    rows = app_views.history_table(app).splitlines()

    assert [row.split()[0] for row in rows] == ["ID", "1", "-", "2", "-"]
    assert re.split(r"\s{3,}", rows[2].strip())[1:] == [
        "2026-12-07T14:05:00Z",
        "promoted backend.image.tag=v1.2.0 from staging@1a2b3c4: committed 5e6f7a8 (forced)",
        "rita",
    ]
    assert rows[4].endswith(
        "from staging@1a2b3c4: proposed on branch gitward/promote/prod/abc, "
        "pull request https://example.com/pr/7   rita"
    )


def test_a_refused_promotion_says_why() -> None:
    refused = promotion("2026-12-07T14:05:00Z", "refused", message="from staging refused:\n no")

    assert app_views.promotion_text(refused) == "refused: from staging refused: no"


def test_a_promotion_names_the_keys_it_changed_rather_than_all_it_read() -> None:
    committed = promotion(
        "2026-12-07T14:05:00Z",
        "committed",
        values=[{"key": "a.tag", "value": "v2"}, {"key": "b.tag", "value": "v1"}],
        changed=[{"key": "a.tag", "old": "v1", "new": "v2"}],
        commit=VALUES,
    )

    assert app_views.promotion_text(committed) == (
        "promoted a.tag=v2 from staging@1a2b3c4: committed 5e6f7a8"
    )
