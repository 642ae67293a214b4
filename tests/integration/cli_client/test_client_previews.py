"""``gitward app diff APP --revision REV`` and ``?revision=``: what a branch would change on the
live cluster before it merges, through a real server, real git and the sandbox cluster."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cli_client_world import MANIFESTS, SECRET_VALUE, World, application, commit_change

from support.repos import git

NEW_SECRET = "n3w-secret-never-shown"


@pytest.fixture
def synced(world: World) -> World:
    """The guestbook app synced from main; a branch ``release`` changes a ConfigMap and the
    Secret's value, and main does not move."""
    world.login()
    world.create_app(application("guestbook"))
    world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["status"] == "OutOfSync")
    result = world.run("app", "sync", "guestbook", "--timeout", "60")
    assert result.exit_code == 0, result.output
    world.wait_for_app("guestbook", _synced_and_healthy)
    git(world.repo, "checkout", "-q", "-b", "release")
    config = copy.deepcopy(MANIFESTS["configmap.yaml"])
    config["data"]["greeting"] = "bonjour"
    commit_change(world.repo, "configmap.yaml", config, "say bonjour")
    secret = copy.deepcopy(MANIFESTS["secret.yaml"])
    secret["stringData"]["password"] = NEW_SECRET
    commit_change(world.repo, "secret.yaml", secret, "rotate the password")
    git(world.repo, "checkout", "-q", "main")
    return world


def _synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"


def test_a_branch_preview_shows_what_it_would_change_on_the_live_cluster(synced: World) -> None:
    result = synced.run("app", "diff", "guestbook", "--revision", "release")

    assert result.exit_code == 1, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("=====")]
    assert headers == [
        "===== /ConfigMap guestbook/guestbook-config ======",
        "===== /Secret guestbook/guestbook-secret ======",
    ]
    assert "-  greeting: hello\n+  greeting: bonjour\n" in result.stdout
    assert SECRET_VALUE not in result.stdout and NEW_SECRET not in result.stdout
    assert synced.run("app", "diff", "guestbook").exit_code == 0  # main still matches live


def test_a_commit_preview_through_the_api_and_the_manifests_at_that_commit(synced: World) -> None:
    commit = git(synced.repo, "rev-parse", "release~1")  # the greeting, not the password
    api = synced.api()

    answer = api.get(
        "/api/v1/applications/guestbook/managed-resources", params={"revision": commit}
    )
    manifests = api.get("/api/v1/applications/guestbook/manifests", params={"revision": commit})

    assert answer.status_code == 200, answer.text
    differing = {item["name"] for item in answer.json()["items"] if item["status"] != "Synced"}
    assert differing == {"guestbook-config"}
    assert manifests.status_code == 200, manifests.text
    assert any('"greeting": "bonjour"' in text for text in manifests.json()["manifests"])
    assert not any(SECRET_VALUE in text for text in manifests.json()["manifests"])


def test_an_unknown_revision_is_exit_2_naming_it(synced: World) -> None:
    result = synced.run("app", "diff", "guestbook", "--revision", "no-such-branch")

    assert result.exit_code == 2
    assert "no-such-branch" in result.stderr
    assert result.stderr.startswith("error: ")


def test_app_manifests_revision_prints_that_branchs_objects(synced: World) -> None:
    result = synced.run("app", "manifests", "guestbook", "--revision", "release")
    at_target = synced.run("app", "manifests", "guestbook")

    assert result.exit_code == 0, result.output
    assert "greeting: bonjour\n" in result.stdout
    assert "greeting: hello\n" in at_target.stdout
    assert NEW_SECRET not in result.stdout and SECRET_VALUE not in at_target.stdout
