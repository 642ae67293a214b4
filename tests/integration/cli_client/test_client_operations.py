"""``gitward app diff|sync|wait|history|rollback``: starting operations, following them to the
end, and the exit codes pipelines rely on."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cli_client_world import MANIFESTS, SECRET_VALUE, World, application, commit_change


@pytest.fixture
def guestbook(world: World) -> World:
    """A logged-in CLI and the guestbook app, compared with Git (not yet synced)."""
    world.login()
    world.create_app(application("guestbook"))
    world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["status"] == "OutOfSync")
    return world


def is_synced_and_healthy(app: dict[str, Any]) -> bool:
    status = app["status"]
    return status["sync"]["status"] == "Synced" and status["health"]["status"] == "Healthy"


def sync(world: World, *extra: str) -> Any:
    result = world.run("app", "sync", "guestbook", "--timeout", "60", *extra)
    assert result.exit_code == 0, result.output
    return result


def test_app_sync_follows_the_operation_and_prints_its_result(guestbook: World) -> None:
    result = sync(guestbook)

    app = guestbook.app("guestbook")
    state = app["status"]["operationState"]
    assert result.stdout == (
        "Operation:          Sync\n"
        f"Sync Revision:      {state['operation']['sync']['revision'] or state['syncResult']['revision']}\n"  # noqa: E501
        "Initiated By:       admin\n"
        "Phase:              Succeeded\n"
        f"Start:              {state['startedAt']}\n"
        f"Finished:           {state['finishedAt']}\n"
        f"Message:            {state['message']}\n"
        "\n"
        "GROUP   KIND         NAMESPACE   NAME               STATUS   HOOK   MESSAGE\n"
        "        Namespace                guestbook          Synced          created\n"
        "        Secret       guestbook   guestbook-secret   Synced          created\n"
        "        ConfigMap    guestbook   guestbook-config   Synced          created\n"
        "        Service      guestbook   guestbook-ui       Synced          created\n"
        "apps    Deployment   guestbook   guestbook-ui       Synced          created\n"
    )


def test_app_sync_shows_progress_as_plain_lines_on_stderr_when_not_a_terminal(
    guestbook: World,
) -> None:
    result = sync(guestbook)

    lines = result.stderr.splitlines()
    assert lines
    assert all(line.startswith("guestbook: operation ") for line in lines)
    assert lines[-1].startswith("guestbook: operation Succeeded, sync ")


def test_app_sync_dry_run_changes_nothing(guestbook: World) -> None:
    result = sync(guestbook, "--dry-run")

    assert "Phase:              Succeeded\n" in result.stdout
    app = guestbook.app("guestbook")
    assert app["status"]["operationState"]["operation"]["sync"]["dryRun"] is True
    assert guestbook.run("app", "diff", "guestbook").exit_code == 1


def test_app_sync_resource_syncs_only_the_resources_named(guestbook: World) -> None:
    result = sync(guestbook, "--resource", ":ConfigMap:guestbook-config")

    rows = result.stdout.split("\n\n")[1].splitlines()[1:]
    applied = [row.split()[:3] for row in rows if row.split()[0] != "Namespace"]
    assert applied == [["ConfigMap", "guestbook", "guestbook-config"]]
    asked = guestbook.app("guestbook")["status"]["operationState"]["operation"]["sync"]
    assert asked["resources"] == [
        {"group": "", "kind": "ConfigMap", "namespace": "guestbook", "name": "guestbook-config"}
    ]


def test_app_sync_resource_globs_and_exclusions_follow_argocd(guestbook: World) -> None:
    result = sync(guestbook, "--resource", "*:*:*", "--resource", "!apps:Deployment:*")

    kinds = {row.split()[0] for row in result.stdout.split("\n\n")[1].splitlines()[1:]}
    assert "Deployment" not in kinds
    assert {"ConfigMap", "Secret", "Service"} <= kinds


def test_app_sync_resource_that_matches_nothing_is_refused_before_asking(
    guestbook: World,
) -> None:
    result = guestbook.run("app", "sync", "guestbook", "--resource", "apps:Deployment:nope")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: no resource of app 'guestbook' matches --resource apps:Deployment:nope. "
        "See its resources with gitward app get guestbook\n"
    )
    assert "operationState" not in guestbook.app("guestbook")["status"]


def test_app_sync_resource_must_be_group_kind_name(guestbook: World) -> None:
    result = guestbook.run("app", "sync", "guestbook", "--resource", "Deployment/web")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: --resource 'Deployment/web' is not GROUP:KIND:NAME. "
        "Write apps:Deployment:web, :Service:web or apps:Deployment:dev/web\n"
    )


def test_app_sync_async_asks_and_returns_at_once(guestbook: World) -> None:
    result = guestbook.run("app", "sync", "guestbook", "--async")

    assert result.exit_code == 0, result.output
    assert result.stdout == "Sync of app 'guestbook' requested\n"
    app = guestbook.wait_for_app("guestbook", is_synced_and_healthy)
    assert app["status"]["operationState"]["phase"] == "Succeeded"


def test_a_failing_sync_prints_the_result_and_exits_1(guestbook: World) -> None:
    broken = copy.deepcopy(MANIFESTS["deployment.yaml"])
    broken["spec"]["replicas"] = "three"
    commit_change(guestbook.repo, "deployment.yaml", broken, "break the deployment")
    guestbook.run("app", "get", "guestbook", "--hard-refresh")

    result = guestbook.run("app", "sync", "guestbook", "--timeout", "60")

    assert result.exit_code == 1
    phase = guestbook.app("guestbook")["status"]["operationState"]["phase"]
    assert f"Phase:              {phase}\n" in result.stdout
    assert result.stderr.splitlines()[-1].startswith(
        f"error: sync of app 'guestbook' ended {phase}: "
    )


def test_app_diff_exits_1_and_shows_each_resource_that_differs(guestbook: World) -> None:
    result = guestbook.run("app", "diff", "guestbook")

    assert result.exit_code == 1
    headers = [line for line in result.stdout.splitlines() if line.startswith("=====")]
    assert headers == [
        "===== /ConfigMap guestbook/guestbook-config ======",
        "===== /Secret guestbook/guestbook-secret ======",
        "===== /Service guestbook/guestbook-ui ======",
        "===== apps/Deployment guestbook/guestbook-ui ======",
    ]
    assert "+  greeting: hello\n" in result.stdout
    assert SECRET_VALUE not in result.stdout


def test_app_diff_exits_0_with_no_output_once_in_sync(guestbook: World) -> None:
    sync(guestbook)
    guestbook.wait_for_app("guestbook", is_synced_and_healthy)

    result = guestbook.run("app", "diff", "guestbook", "--refresh")

    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def compared_at(world: World, sha: str) -> dict[str, Any]:
    """Ask for a hard refresh and wait until the app is compared at ``sha``."""
    world.run("app", "get", "guestbook", "--hard-refresh")
    return world.wait_for_app("guestbook", lambda app: app["status"]["sync"]["revision"] == sha)


def test_app_diff_shows_a_key_git_dropped_as_removed_until_a_sync_removes_it(
    guestbook: World,
) -> None:
    config = copy.deepcopy(MANIFESTS["configmap.yaml"])
    config["data"] = {"greeting": "hello", "farewell": "bye"}
    compared_at(guestbook, commit_change(guestbook.repo, "configmap.yaml", config, "farewell"))
    sync(guestbook)
    guestbook.wait_for_app("guestbook", is_synced_and_healthy)
    dropped = commit_change(guestbook.repo, "configmap.yaml", MANIFESTS["configmap.yaml"], "no")
    app = compared_at(guestbook, dropped)

    result = guestbook.run("app", "diff", "guestbook")

    assert app["status"]["sync"]["status"] == "OutOfSync"
    assert result.exit_code == 1, result.output
    headers = [line for line in result.stdout.splitlines() if line.startswith("=====")]
    assert headers == ["===== /ConfigMap guestbook/guestbook-config ======"]
    assert "-  farewell: bye\n" in result.stdout
    sync(guestbook)
    guestbook.wait_for_app("guestbook", is_synced_and_healthy)
    assert guestbook.run("app", "diff", "guestbook").exit_code == 0


def test_app_diff_errors_exit_2_to_tell_them_from_a_difference(guestbook: World) -> None:
    result = guestbook.run("app", "diff", "nope")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: permission denied. It does not exist, or your account may not do this\n"
    )


def test_app_wait_returns_once_synced_and_healthy_and_prints_the_app(guestbook: World) -> None:
    guestbook.run("app", "sync", "guestbook", "--async")

    result = guestbook.run("app", "wait", "guestbook", "--sync", "--health", "--timeout", "60")

    assert result.exit_code == 0, result.output
    assert "Sync Status:        Synced to main (" in result.stdout
    assert "Health Status:      Healthy\n" in result.stdout
    assert result.stderr.splitlines()[-1].endswith(", sync Synced, health Healthy")


def test_app_wait_times_out_with_one_line_and_exit_1(guestbook: World) -> None:
    result = guestbook.run("app", "wait", "guestbook", "--health", "--timeout", "0.5")

    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: timed out (0.5s) waiting for app 'guestbook' to be healthy"
    )


def test_app_history_lists_each_deployment_with_its_revision(guestbook: World) -> None:
    sync(guestbook)
    first = guestbook.wait_for_app("guestbook", is_synced_and_healthy)
    changed = copy.deepcopy(MANIFESTS["configmap.yaml"])
    changed["data"]["greeting"] = "bonjour"
    second_sha = commit_change(guestbook.repo, "configmap.yaml", changed, "say bonjour")
    guestbook.run("app", "get", "guestbook", "--refresh")
    sync(guestbook)

    result = guestbook.run("app", "history", "guestbook")

    history = guestbook.app("guestbook")["status"]["history"]
    assert (
        result.stdout
        == (
            "ID   DATE                          REVISION         INITIATED BY\n"
            f"1    {history[0]['deployedAt']}   main ({first['status']['sync']['revision'][:7]})   admin\n"  # noqa: E501
            f"2    {history[1]['deployedAt']}   main ({second_sha[:7]})   admin\n"
        )
    )


def test_app_rollback_deploys_the_previous_revision_again(guestbook: World) -> None:
    sync(guestbook)
    first = guestbook.wait_for_app("guestbook", is_synced_and_healthy)["status"]["sync"]
    changed = copy.deepcopy(MANIFESTS["configmap.yaml"])
    changed["data"]["greeting"] = "bonjour"
    commit_change(guestbook.repo, "configmap.yaml", changed, "say bonjour")
    guestbook.run("app", "get", "guestbook", "--refresh")
    sync(guestbook)

    result = guestbook.run("app", "rollback", "guestbook", "--timeout", "60")

    assert result.exit_code == 0, result.output
    assert "Phase:              Succeeded\n" in result.stdout
    state = guestbook.app("guestbook")["status"]["operationState"]
    assert first["revision"] in (
        state["syncResult"]["revision"],
        state["operation"]["sync"].get("revision"),
    )


def test_app_rollback_to_an_unknown_id_is_refused(guestbook: World) -> None:
    sync(guestbook)

    result = guestbook.run("app", "rollback", "guestbook", "7")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: app 'guestbook' has no deployment with history ID 7. "
        "See the IDs with gitward app history guestbook\n"
    )


def test_app_rollback_with_one_deployment_has_nowhere_to_go(guestbook: World) -> None:
    sync(guestbook)

    result = guestbook.run("app", "rollback", "guestbook")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: app 'guestbook' has no earlier deployment to roll back to. "
        "See gitward app history guestbook\n"
    )


def test_a_pipeline_of_processes_gets_argocds_exit_codes(guestbook: World) -> None:
    before = guestbook.subprocess("app", "diff", "guestbook")
    synced = guestbook.subprocess("app", "sync", "guestbook", "--timeout", "60", "-o", "json")
    waited = guestbook.subprocess("app", "wait", "guestbook", "--timeout", "60")
    after = guestbook.subprocess("app", "diff", "guestbook", "--refresh")

    assert before.returncode == 1
    assert synced.returncode == 0, synced.stderr
    assert json.loads(synced.stdout)["status"]["operationState"]["phase"] == "Succeeded"
    assert waited.returncode == 0, waited.stderr
    assert after.returncode == 0, after.stdout + after.stderr
    assert after.stdout == ""
