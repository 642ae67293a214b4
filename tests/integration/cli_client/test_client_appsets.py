"""``gitward appset list|get`` and ``/api/v1/applicationsets`` against a real server: a parent
app whose directory holds an ApplicationSet, the Applications it generates, and the set's
conditions and applications as the API and the CLI show them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from cli_client_world import REPO_URL, World, application

from support import applications
from support.repos import git

SET = applications.application_set(
    "guestbooks",
    [{"list": {"elements": [{"team": "blue"}, {"team": "green"}]}}],
    applications.application(
        "guestbook-{{.team}}",
        repo_url=REPO_URL,
        path="guestbook",
        namespace="guestbook-{{.team}}",
        sync_options=applications.CREATE_NAMESPACE,
    ),
    app_namespace="argocd",
    goTemplate=True,
    goTemplateOptions=["missingkey=error"],
)


def with_set(world: World, document: dict[str, Any]) -> None:
    """The set committed under sets/, and a parent app that syncs that directory by itself."""
    (world.repo / "sets").mkdir(exist_ok=True)
    (world.repo / "sets" / "guestbooks.yaml").write_text(yaml.safe_dump(document))
    git(world.repo, "add", "-A")
    git(world.repo, "commit", "-q", "-m", "the guestbooks set")
    parent = application("platform", namespace="argocd", automated=True)
    parent["spec"]["source"]["path"] = "sets"
    world.create_app(parent)


def sync_status(app: dict[str, Any]) -> Any:
    return app.get("status", {}).get("sync", {}).get("status")


def conditions_of(app: dict[str, Any]) -> list[Any]:
    return list(app.get("status", {}).get("conditions") or [])


def conditions(found: dict[str, Any]) -> dict[str, str]:
    return {c["type"]: c["status"] for c in found["status"]["conditions"]}


def test_the_api_and_cli_show_a_set_its_conditions_and_the_apps_it_generated(
    world: World,
) -> None:
    world.login()
    with_set(world, SET)
    world.wait_for_app("guestbook-green", lambda app: sync_status(app) not in ("", None))
    with world.api() as client:
        listed = client.get("/api/v1/applicationsets").json()["items"]
        found = client.get("/api/v1/applicationsets/guestbooks").json()
        missing = client.get("/api/v1/applicationsets/nope")
    assert [item["metadata"]["name"] for item in listed] == ["guestbooks"]
    assert conditions(found) == {
        "ErrorOccurred": "False",
        "ParametersGenerated": "True",
        "ResourcesUpToDate": "True",
    }
    assert [r["name"] for r in found["status"]["resources"]] == [
        "guestbook-blue",
        "guestbook-green",
    ]
    assert found["status"]["declaredBy"] == {"app": "platform", "file": "sets/guestbooks.yaml"}
    assert missing.status_code == 404  # an admin may get any set: told it is not found
    app = world.app("guestbook-blue")
    assert app["metadata"]["ownerReferences"][0]["name"] == "guestbooks"

    table = world.run("appset", "list")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[1].split() == [
        "guestbooks",
        "default",
        "platform",
        "2",
        "ParametersGenerated,ResourcesUpToDate",
    ]
    shown = world.run("appset", "get", "guestbooks")
    assert shown.exit_code == 0, shown.output
    assert "platform" in shown.output
    assert "guestbook-green" in shown.output
    as_json = json.loads(world.run("appset", "get", "guestbooks", "-o", "json").output)
    assert as_json["kind"] == "ApplicationSet"


def test_a_set_that_fails_shows_error_occurred_with_the_reason(world: World) -> None:
    world.login()
    broken = json.loads(json.dumps(SET))
    broken["spec"]["template"]["spec"]["destination"]["namespace"] = "{{.nothing}}"
    with_set(world, broken)
    world.wait_for_app("platform", lambda app: bool(conditions_of(app)))
    with world.api() as client:
        found = client.get("/api/v1/applicationsets/guestbooks").json()
    assert conditions(found)["ErrorOccurred"] == "True"
    failed = next(c for c in found["status"]["conditions"] if c["type"] == "ErrorOccurred")
    assert "map has no entry for key 'nothing'" in failed["message"]
    shown = world.run("appset", "list")
    assert "ErrorOccurred" in shown.output


def test_appset_create_dry_run_shows_the_apps_and_creates_nothing(
    world: World, tmp_path: Path
) -> None:
    world.login()
    file = tmp_path / "guestbooks.yaml"
    file.write_text(yaml.safe_dump(SET))

    shown = world.run("appset", "create", "-f", str(file), "--dry-run")
    as_json = world.run("appset", "create", "-f", str(file), "--dry-run", "-o", "json")

    assert shown.exit_code == 0, shown.output
    assert "ApplicationSet 'guestbooks' would generate 2 application(s)" in shown.output
    assert ["guestbook-blue", "argocd"] in [line.split() for line in shown.output.splitlines()]
    names = [r["name"] for r in json.loads(as_json.output)["status"]["resources"]]
    assert names == ["guestbook-blue", "guestbook-green"]
    assert "guestbook-blue" not in app_names(world)
    assert world.run("appset", "get", "guestbooks").exit_code != 0


def test_appset_create_then_delete_writes_and_removes_the_apps(
    world: World, tmp_path: Path
) -> None:
    world.login()
    file = tmp_path / "guestbooks.yaml"
    preserved = json.loads(json.dumps(SET))
    preserved["spec"]["syncPolicy"] = {"preserveResourcesOnDeletion": True}
    file.write_text(yaml.safe_dump(preserved))

    created = world.run("appset", "create", "-f", str(file))
    listed = world.run("appset", "list")
    deleted = world.run("appset", "delete", "guestbooks", "-y")

    assert created.exit_code == 0, created.output
    assert "ApplicationSet 'guestbooks' created, generating 2 application(s)" in created.output
    assert "guestbooks" in listed.output
    assert deleted.exit_code == 0, deleted.output
    assert "applicationset 'guestbooks' deleted" in deleted.output
    assert "guestbook-blue" not in app_names(world)
    missing = world.run("appset", "delete", "guestbooks", "-y")
    assert missing.exit_code != 0
    assert "not found" in missing.output


def app_names(world: World) -> list[str]:
    with world.api() as client:
        listed = client.get("/api/v1/applications").json()["items"] or []
    return [app["metadata"]["name"] for app in listed]


def test_appset_create_of_a_bad_set_names_the_object_and_field(
    world: World, tmp_path: Path
) -> None:
    world.login()
    broken = json.loads(json.dumps(SET))
    broken["spec"]["template"]["spec"]["destination"]["namespace"] = "{{.nothing}}"
    file = tmp_path / "broken.yaml"
    file.write_text(yaml.safe_dump(broken))

    answer = world.run("appset", "create", "-f", str(file), "--dry-run")

    assert answer.exit_code != 0
    assert "ApplicationSet guestbooks" in answer.output
    assert "map has no entry for key 'nothing'" in answer.output
