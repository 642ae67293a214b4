"""``gitward app get --refresh`` and ``--hard-refresh``: a refresh resolves the branch again
and the answer waits for it, so the command prints the state at the new commit (as ``argocd
app get --refresh`` does). The server's reconciliation period is an hour here: nothing else
would look at Git again during the test."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cli_client_world import (
    FAST,
    MANIFESTS,
    World,
    application,
    commit_change,
    guestbook_server,
    make_repository,
)

SLOW = replace(FAST, reconciliation_s=3600.0, jitter_s=0.0)


@pytest.fixture
def slow_world(tmp_path: Path) -> Iterator[World]:
    repo = make_repository(tmp_path)
    with guestbook_server(tmp_path, repo, controller=SLOW) as server:
        world = World(tmp_path, server, repo, tmp_path / "cli" / "config.yaml")
        world.login()
        world.create_app(application("guestbook"))
        world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["status"] != "Unknown")
        yield world


def _greet(world: World, greeting: str) -> str:
    changed = copy.deepcopy(MANIFESTS["configmap.yaml"])
    changed["data"]["greeting"] = greeting
    return commit_change(world.repo, "configmap.yaml", changed, f"say {greeting}")


@pytest.mark.parametrize("flag", ["--refresh", "--hard-refresh"])
def test_app_get_refresh_prints_the_state_at_a_commit_pushed_a_moment_ago(
    slow_world: World, flag: str
) -> None:
    new_sha = _greet(slow_world, "bonjour")

    result = slow_world.run("app", "get", "guestbook", flag, "-o", "json")

    assert result.exit_code == 0, result.output
    assert '"revision": "' + new_sha + '"' in result.stdout


def test_app_get_without_refresh_shows_the_last_compared_commit(slow_world: World) -> None:
    before = slow_world.app("guestbook")["status"]["sync"]["revision"]
    _greet(slow_world, "hola")

    result = slow_world.run("app", "get", "guestbook", "-o", "json")

    assert result.exit_code == 0, result.output
    assert '"revision": "' + before + '"' in result.stdout


def test_app_get_shows_a_warning_for_fields_gitward_ignores(slow_world: World) -> None:
    document = application("guestbook")
    document["spec"]["syncPolicy"]["manual"] = {}
    document["spec"]["source"]["directory"] = {"recurse": False, "exlude": "*.json"}
    with slow_world.api() as client:
        answer = client.put("/api/v1/applications/guestbook", json=document)
        assert answer.status_code == 200, answer.text

    result = slow_world.run("app", "get", "guestbook", "--refresh")

    assert result.exit_code == 0, result.output
    [row] = [line for line in result.stdout.splitlines() if line.startswith("SpecWarning")]
    assert "Application guestbook: spec.syncPolicy.manual: `manual` is not an Argo CD" in row
    assert "spec.source.directory.exlude: unknown field, ignored; did you mean `exclude`?" in row
