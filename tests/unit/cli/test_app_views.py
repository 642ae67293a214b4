"""``app_views``' revision text for documents in Argo CD's multi-source shape (``revision``
empty, one commit per source in ``revisions``), which gitward's app list does not send (its
items carry the first source's commit) but an app's own JSON does."""

from __future__ import annotations

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
