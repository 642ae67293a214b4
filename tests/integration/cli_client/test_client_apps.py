"""``gitward app list|get|create|delete|set|manifests|terminate-op`` against a running server,
asserting the exact text a user sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_client_world import REPO_URL, SECRET_VALUE, World, application

from support.repos import git


@pytest.fixture
def guestbook(world: World) -> World:
    """A logged-in CLI and the guestbook app, compared with Git (not yet synced)."""
    world.login()
    world.create_app(application("guestbook"))
    world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["status"] == "OutOfSync")
    return world


def synced(world: World) -> dict[str, Any]:
    result = world.run("app", "sync", "guestbook", "--timeout", "60")
    assert result.exit_code == 0, result.output
    return world.wait_for_app("guestbook", is_synced_and_healthy)


def is_synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"


def head(world: World) -> str:
    """The commit the world's repository's main branch is at."""
    return git(world.repo, "rev-parse", "HEAD")


def write_file(path: Path, *documents: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    return path


def test_app_list_shows_name_project_sync_health_and_revision(guestbook: World) -> None:
    result = guestbook.run("app", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "NAME        PROJECT   SYNC STATUS   HEALTH STATUS   REVISION\n"
        f"guestbook   default   OutOfSync     Missing         {head(guestbook)[:7]}\n"
    )


def test_app_list_wide_adds_destination_and_sync_policy_columns(guestbook: World) -> None:
    guestbook.create_app(application("auto", automated=True))
    guestbook.wait_for_app("auto", lambda app: bool(app["status"]["sync"].get("revision")))

    result = guestbook.run("app", "list", "-o", "wide")

    assert result.exit_code == 0, result.output
    [auto, guestbook_row] = result.stdout.splitlines()[1:]
    assert result.stdout.splitlines()[0] == (
        "NAME        PROJECT   SYNC STATUS   HEALTH STATUS   REVISION   "
        "DESTINATION" + " " * 32 + "SYNC POLICY"
    )
    assert guestbook_row == (
        f"guestbook   default   OutOfSync     Missing         {head(guestbook)[:7]}    "
        "https://kubernetes.default.svc/guestbook   manual"
    )
    assert auto.startswith("auto        default   ")
    assert auto.endswith(
        f"{head(guestbook)[:7]}    https://kubernetes.default.svc/auto        "
        "auto (prune, selfHeal)"
    )


def test_app_list_as_json_carries_what_argo_cd_scripts_read(guestbook: World) -> None:
    result = guestbook.run("app", "list", "-o", "json")

    [app] = json.loads(result.stdout)
    assert app["metadata"]["name"] == "guestbook"
    assert app["spec"]["source"] == {
        "repoURL": REPO_URL,
        "path": "guestbook",
        "targetRevision": "main",
    }
    assert app["spec"]["destination"] == {
        "server": "https://kubernetes.default.svc",
        "namespace": "guestbook",
    }
    assert "syncPolicy" not in app["spec"]
    assert app["status"]["sync"] == {"status": "OutOfSync", "revision": head(guestbook)}
    assert app["status"]["health"]["status"] == "Missing"


def test_app_list_by_name_prints_one_name_a_line(guestbook: World) -> None:
    guestbook.create_app(application("another"))

    result = guestbook.run("app", "list", "-o", "name")

    assert sorted(result.stdout.splitlines()) == ["another", "guestbook"]


def test_app_get_prints_the_summary_and_the_resources_like_argocd(guestbook: World) -> None:
    app = synced(guestbook)
    revision = app["status"]["sync"]["revision"][:7]

    result = guestbook.run("app", "get", "guestbook")

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "Name:               guestbook\n"
        "Project:            default\n"
        "Server:             https://kubernetes.default.svc\n"
        "Namespace:          guestbook\n"
        f"Repo:               {REPO_URL}\n"
        "Target:             main\n"
        "Path:               guestbook\n"
        "Sync Policy:        manual\n"
        f"Sync Status:        Synced to main ({revision})\n"
        "Health Status:      Healthy\n"
        "\n"
        "GROUP   KIND         NAMESPACE   NAME               STATUS   HEALTH    MESSAGE\n"
        "        ConfigMap    guestbook   guestbook-config   Synced   Healthy   created\n"
        "        Secret       guestbook   guestbook-secret   Synced   Healthy   created\n"
        "        Service      guestbook   guestbook-ui       Synced   Healthy   created\n"
        "apps    Deployment   guestbook   guestbook-ui       Synced   Healthy   created\n"
    )


def test_app_get_as_json_keeps_argo_cds_field_paths_for_scripts(guestbook: World) -> None:
    synced(guestbook)

    result = guestbook.run("app", "get", "guestbook", "-o", "json")

    app = json.loads(result.stdout)
    assert app["metadata"]["name"] == "guestbook"
    assert app["spec"]["source"]["path"] == "guestbook"
    assert app["status"]["sync"]["status"] == "Synced"
    assert app["status"]["health"]["status"] == "Healthy"
    assert app["status"]["operationState"]["phase"] == "Succeeded"
    assert [entry["id"] for entry in app["status"]["history"]] == [1]


def test_app_get_as_yaml_is_the_same_document(guestbook: World) -> None:
    as_json = json.loads(guestbook.run("app", "get", "guestbook", "-o", "json").stdout)

    as_yaml = yaml.safe_load(guestbook.run("app", "get", "guestbook", "-o", "yaml").stdout)

    assert as_yaml["spec"] == as_json["spec"]
    assert as_yaml["metadata"]["name"] == "guestbook"


def test_app_get_of_an_unknown_app_is_one_error_line(guestbook: World) -> None:
    """The admin may see every app, so it is told the app is not found (issue 12)."""
    result = guestbook.run("app", "get", "nope")

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "error: application nope not found\n"


def test_app_create_from_a_file_then_again_needs_upsert(world: World, tmp_path: Path) -> None:
    world.login()
    file = write_file(tmp_path / "app.yaml", application("web"))

    created = world.run("app", "create", "-f", str(file))
    again = world.run("app", "create", "-f", str(file))
    upserted = world.run("app", "create", "-f", str(file), "--upsert")

    assert created.exit_code == 0, created.output
    assert created.stdout == "application 'web' created\n"
    assert again.exit_code == 1
    assert again.stderr == "error: Application web exists already; use upsert\n"
    assert upserted.exit_code == 0, upserted.output


def test_app_create_names_the_file_document_and_field_that_are_wrong(
    world: World, tmp_path: Path
) -> None:
    world.login()
    nameless = application("web")
    del nameless["metadata"]["name"]
    file = write_file(tmp_path / "apps.yaml", application("ok"), nameless)

    result = world.run("app", "create", "-f", str(file))

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {file}: document 2: metadata.name: the Application has no name\n"
    )
    assert world.run("app", "list", "-o", "name").stdout == ""


def test_app_create_refuses_a_document_of_another_kind(world: World, tmp_path: Path) -> None:
    world.login()
    file = write_file(tmp_path / "cm.yaml", {"apiVersion": "v1", "kind": "ConfigMap"})

    result = world.run("app", "create", "-f", str(file))

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {file}: document 1: kind: is a ConfigMap, not a Application. "
        "gitward reads Application documents here (apiVersion argoproj.io/v1alpha1)\n"
    )


def test_app_create_reports_what_the_server_refuses(world: World, tmp_path: Path) -> None:
    world.login()
    document = application("web")
    document["spec"]["project"] = "missing"
    file = write_file(tmp_path / "app.yaml", document)

    result = world.run("app", "create", "-f", str(file))

    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "project 'missing' does not exist" in result.stderr
    assert result.stderr.count("\n") == 1


def test_app_manifests_prints_the_desired_objects_with_secret_values_masked(
    guestbook: World,
) -> None:
    result = guestbook.run("app", "manifests", "guestbook")

    assert result.exit_code == 0, result.output
    objects = list(yaml.safe_load_all(result.stdout))
    assert sorted(obj["kind"] for obj in objects) == [
        "ConfigMap",
        "Deployment",
        "Secret",
        "Service",
    ]
    secret = next(obj for obj in objects if obj["kind"] == "Secret")
    assert set(secret.get("data", {}) | secret.get("stringData", {})) == {"password"}
    assert SECRET_VALUE not in result.stdout


def test_app_set_changes_revision_path_namespace_and_sync_policy(guestbook: World) -> None:
    result = guestbook.run(
        "app",
        "set",
        "guestbook",
        "--revision",
        "v1.0",
        "--path",
        "other",
        "--dest-namespace",
        "guests",
        "--sync-policy",
        "automated",
        "--self-heal",
        "--no-auto-prune",
    )

    assert result.exit_code == 0, result.output
    assert result.stdout == "application 'guestbook' updated\n"
    spec = guestbook.app("guestbook")["spec"]
    assert spec["source"]["targetRevision"] == "v1.0"
    assert spec["source"]["path"] == "other"
    assert spec["destination"]["namespace"] == "guests"
    assert spec["syncPolicy"]["automated"] == {"selfHeal": True, "prune": False}
    assert spec["syncPolicy"]["syncOptions"] == ["CreateNamespace=true"]


def test_app_set_sync_policy_none_turns_automation_off(world: World) -> None:
    world.login()
    world.create_app(application("auto", automated=True))

    result = world.run("app", "set", "auto", "--sync-policy", "none")

    assert result.exit_code == 0, result.output
    assert "automated" not in world.app("auto")["spec"]["syncPolicy"]


def test_app_set_self_heal_needs_an_automated_policy(guestbook: World) -> None:
    result = guestbook.run("app", "set", "guestbook", "--self-heal")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: cannot set --self-heal: app 'guestbook' does not sync automatically. "
        "Add --sync-policy automated\n"
    )


def test_app_set_with_nothing_to_set_says_what_it_takes(guestbook: World) -> None:
    result = guestbook.run("app", "set", "guestbook")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: nothing to set. Give --revision, --path, --dest-namespace, --sync-policy, "
        "--self-heal or --auto-prune\n"
    )


def test_app_delete_asks_first_and_can_be_cancelled(guestbook: World) -> None:
    result = guestbook.run("app", "delete", "guestbook", input="n\n")

    assert result.exit_code == 0
    assert result.stdout == (
        "Are you sure you want to delete 'guestbook' and all its resources? [y/N]: n\n"
        "The command to delete 'guestbook' was cancelled.\n"
    )
    assert guestbook.app("guestbook")["metadata"]["name"] == "guestbook"


def test_app_delete_with_yes_deletes(guestbook: World) -> None:
    result = guestbook.run("app", "delete", "guestbook", "--yes", "--no-cascade")

    assert result.exit_code == 0, result.output
    assert result.stdout == "application 'guestbook' deleted\n"
    gone = guestbook.wait_for_app_gone("guestbook")
    assert gone


def test_app_terminate_op_without_an_operation_says_so(guestbook: World) -> None:
    result = guestbook.run("app", "terminate-op", "guestbook")

    assert result.exit_code == 1
    assert result.stderr == "error: Application guestbook has no running operation\n"
