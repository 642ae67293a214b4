"""``gitward app get|sync|history`` of a multi-source app against a running server: where the
API leaves ``revision`` empty and lists one commit per source in ``revisions``, the CLI shows
every source's short commit, in source order."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from cli_client_world import MANIFESTS, REPO_URL, World, application, commit_change

from support.repos import git


@pytest.fixture
def two_sources(world: World) -> World:
    """A logged-in CLI and app ``guestbook`` from two sources: the manifests from main, a
    ``ref: values`` source from branch ``values``, one commit behind main."""
    git(world.repo, "branch", "values")
    changed = copy.deepcopy(MANIFESTS["configmap.yaml"])
    changed["data"]["greeting"] = "bonjour"
    commit_change(world.repo, "configmap.yaml", changed, "say bonjour")
    document = application("guestbook")
    document["spec"].pop("source")
    document["spec"]["sources"] = [
        {"repoURL": REPO_URL, "targetRevision": "main", "path": "guestbook"},
        {"repoURL": REPO_URL, "targetRevision": "values", "ref": "values"},
    ]
    world.login()
    world.create_app(document)
    world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["status"] == "OutOfSync")
    return world


def commits(world: World) -> str:
    """The short commits of main and values, as the CLI joins them."""
    main, values = (git(world.repo, "rev-parse", branch)[:7] for branch in ("main", "values"))
    return f"{main}, {values}"


def is_synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"


def test_app_sync_of_two_sources_prints_both_commits_as_the_sync_revision(
    two_sources: World,
) -> None:
    result = two_sources.run("app", "sync", "guestbook", "--timeout", "60")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:4] == [
        "Operation:          Sync",
        f"Sync Revision:      {commits(two_sources)}",
        "Initiated By:       admin",
        "Phase:              Succeeded",
    ]


def test_app_get_of_two_sources_shows_each_source_and_both_commits(two_sources: World) -> None:
    assert two_sources.run("app", "sync", "guestbook", "--timeout", "60").exit_code == 0
    two_sources.wait_for_app("guestbook", is_synced_and_healthy)

    result = two_sources.run("app", "get", "guestbook")

    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n\n")[0] == (
        "Name:               guestbook\n"
        "Project:            default\n"
        "Server:             https://kubernetes.default.svc\n"
        "Namespace:          guestbook\n"
        f"Repo:               {REPO_URL}\n"
        "Target:             main\n"
        "Path:               guestbook\n"
        f"Repo:               {REPO_URL}\n"
        "Target:             values\n"
        "Path:\n"
        "Sync Policy:        manual\n"
        f"Sync Status:        Synced to main, values ({commits(two_sources)})\n"
        "Health Status:      Healthy"
    )


def test_app_history_of_two_sources_shows_both_targets_and_both_commits(
    two_sources: World,
) -> None:
    assert two_sources.run("app", "sync", "guestbook", "--timeout", "60").exit_code == 0

    result = two_sources.run("app", "history", "guestbook")

    [entry] = two_sources.app("guestbook")["status"]["history"]
    deployed = re.sub(r"\.\d+", "", entry["deployedAt"])  # shown to the second
    assert result.stdout == (
        "ID   DATE                   REVISION                          INITIATED BY\n"
        f"1    {deployed}   main, values ({commits(two_sources)})   admin\n"
    )


def test_app_list_of_two_sources_shows_the_first_sources_commit(two_sources: World) -> None:
    result = two_sources.run("app", "list")

    assert result.stdout == (
        "NAME        PROJECT   SYNC STATUS   HEALTH STATUS   REVISION\n"
        f"guestbook   default   OutOfSync     Missing         {commits(two_sources)[:7]}\n"
    )
