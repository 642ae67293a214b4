"""``gitward proj``, ``repo``, ``cluster`` and ``account`` against a running server: exact
output, and credentials that go in but never come out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_client_world import World, application


@pytest.fixture
def admin(world: World) -> World:
    world.login()
    return world


def project(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "description": "The dev environment",
            "sourceRepos": ["https://github.com/org/*"],
            "destinations": [
                {"server": "https://kubernetes.default.svc", "namespace": "dev"},
                {"server": "https://kubernetes.default.svc", "namespace": "dev-jobs"},
            ],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "roles": [{"name": "developer", "policies": []}],
        },
    }


def test_proj_create_list_get_and_delete(admin: World, tmp_path: Path) -> None:
    file = tmp_path / "project.yaml"
    file.write_text(yaml.safe_dump(project("dev")), encoding="utf-8")

    created = admin.run("proj", "create", "-f", str(file))
    listed = admin.run("proj", "list")
    shown = admin.run("proj", "get", "dev")
    deleted = admin.run("proj", "delete", "dev")

    assert created.stdout == "project 'dev' created\n"
    destinations = "https://kubernetes.default.svc,dev, https://kubernetes.default.svc,dev-jobs"
    assert listed.stdout == (
        f"NAME   DESCRIPTION           {'DESTINATIONS':<{len(destinations)}}   SOURCES\n"
        f"dev    The dev environment   {destinations}   https://github.com/org/*\n"
    )
    assert shown.stdout == (
        "Name:                        dev\n"
        "Description:                 The dev environment\n"
        "Destinations:                https://kubernetes.default.svc,dev\n"
        "                             https://kubernetes.default.svc,dev-jobs\n"
        "Repositories:                https://github.com/org/*\n"
        "Allowed Cluster Resources:   /Namespace\n"
        "Denied Cluster Resources:    <none>\n"
        "Denied Namespaced Resources: <none>\n"
        "Roles:                       developer\n"
        "Orphaned Resources:          disabled\n"
    )
    assert deleted.stdout == "project 'dev' deleted\n"
    assert admin.run("proj", "list", "-o", "name").stdout == ""


def test_proj_delete_of_a_project_in_use_is_refused_in_one_line(
    admin: World, tmp_path: Path
) -> None:
    file = tmp_path / "project.yaml"
    in_use = project("dev")
    in_use["spec"]["sourceRepos"] = ["*"]
    in_use["spec"]["destinations"] = [{"server": "*", "namespace": "*"}]
    file.write_text(yaml.safe_dump(in_use), encoding="utf-8")
    admin.run("proj", "create", "-f", str(file))
    app = application("web")
    app["spec"]["project"] = "dev"
    admin.create_app(app)

    result = admin.run("proj", "delete", "dev")

    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_repo_add_list_and_rm_never_print_the_password(admin: World) -> None:
    url = "https://github.com/org/private.git"

    added = admin.run("repo", "add", url, "--username", "bot", "--password", "hunter2-password")
    listed = admin.run("repo", "list")
    as_json = admin.run("repo", "list", "-o", "json")
    removed = admin.run("repo", "rm", url)

    assert added.stdout == f"Repository '{url}' added\n"
    assert listed.stdout == (
        "TYPE   NAME   REPO                                 INSECURE   CREDS   PROJECT\n"
        f"git           {url}   false      true\n"
    )
    [repo] = json.loads(as_json.stdout)
    assert repo["repo"] == url
    assert repo["hasCredentials"] is True
    for output in (added.output, listed.output, as_json.output, removed.output):
        assert "hunter2-password" not in output
    assert removed.stdout == f"Repository '{url}' removed\n"
    assert admin.run("repo", "list", "-o", "name").stdout == ""


def test_a_helm_chart_repository_and_an_oci_registry_are_added_with_their_type(
    admin: World,
) -> None:
    charts = "https://charts.example.com/stable"
    registry = "registry.example.com/charts"

    helm_repo = admin.run("repo", "add", charts, "--type", "helm", "--name", "stable")
    oci = admin.run("repo", "add", registry, "--type", "helm", "--enable-oci")
    [first, second] = sorted(
        json.loads(admin.run("repo", "list", "-o", "json").stdout), key=lambda r: r["repo"]
    )

    assert helm_repo.exit_code == 0 and oci.exit_code == 0, helm_repo.output + oci.output
    assert (first["repo"], first["type"], first["name"]) == (charts, "helm", "stable")
    assert (second["repo"], second["type"]) == (registry, "oci")


def test_repo_add_prompts_for_the_password_when_a_username_is_given(admin: World) -> None:
    url = "https://github.com/org/private.git"

    result = admin.run("repo", "add", url, "--username", "bot", input="hunter2-password\n")

    assert result.exit_code == 0, result.output
    assert "hunter2-password" not in result.stdout
    assert admin.run("repo", "list", "-o", "name").stdout == f"{url}\n"


def test_cluster_add_list_and_rm_with_a_token_file(admin: World, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("cluster-bearer-token-value\n", encoding="utf-8")
    server = "https://prod.example.com:6443"

    added = admin.run(
        "cluster", "add", server, "--name", "prod", "--bearer-token-file", str(token_file)
    )
    listed = admin.run("cluster", "list")
    as_yaml = admin.run("cluster", "list", "-o", "yaml")
    removed = admin.run("cluster", "rm", server)

    assert added.stdout == f"Cluster '{server}' added\n"
    assert listed.stdout == (
        "SERVER                          NAME   STATUS    MESSAGE   PROJECT\n"
        f"{server}   prod   Unknown\n"
    )
    [cluster] = yaml.safe_load(as_yaml.stdout)
    assert cluster["config"]["hasBearerToken"] is True
    for output in (added.output, listed.output, as_yaml.output):
        assert "cluster-bearer-token-value" not in output
    assert removed.stdout == f"Cluster '{server}' removed\n"


def test_cluster_add_names_a_token_file_it_cannot_read(admin: World, tmp_path: Path) -> None:
    missing = tmp_path / "missing"

    result = admin.run(
        "cluster", "add", "https://x.example.com", "--bearer-token-file", str(missing)
    )

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {missing}: cannot read the file: No such file or directory. "
        "Give --bearer-token-file a readable file\n"
    )


def test_account_create_then_list(admin: World) -> None:
    created = admin.run(
        "account", "create", "ci", "--password", "a-long-ci-password-1", "--capabilities",
        "apiKey",
    )  # fmt: skip
    listed = admin.run("account", "list")

    assert created.exit_code == 0, created.output
    assert created.stdout == "account 'ci' created\n"
    assert listed.stdout == (
        "NAME    ENABLED   CAPABILITIES\nadmin   true      login\nci      true      apiKey\n"
    )


def test_account_generate_token_prints_a_token_that_works(admin: World) -> None:
    admin.run(
        "account", "create", "ci", "--password", "a-long-ci-password-1", "--capabilities",
        "apiKey",
    )  # fmt: skip

    generated = admin.run("account", "generate-token", "--account", "ci", "--expires-in", "1h")

    assert generated.exit_code == 0, generated.output
    token = generated.stdout.strip()
    assert generated.stdout == f"{token}\n"
    used = admin.run("app", "list", "--auth-token", token, "--server", admin.url)
    assert used.exit_code == 0, used.output


def test_account_generate_token_refuses_a_duration_it_cannot_read(admin: World) -> None:
    result = admin.run("account", "generate-token", "--expires-in", "soon")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: --expires-in 'soon' is not a duration. Write 30m, 12h, 7d or 0\n"
    )


def test_update_password_logs_in_again_and_keeps_the_new_token(admin: World) -> None:
    new = "a-brand-new-password-42"

    result = admin.run(
        "account",
        "update-password",
        "--current-password",
        admin.server.admin_password,
        "--new-password",
        new,
    )

    assert result.exit_code == 0, result.output
    context = yaml.safe_load(admin.config_file.read_text())["contexts"][0]
    assert result.stdout == f"Password updated\nContext '{context['name']}' updated\n"
    assert admin.run("app", "list").exit_code == 0
    old = admin.run(
        "login", admin.url, "--username", "admin", "--password",
        admin.server.admin_password, "--insecure",
    )  # fmt: skip
    assert old.exit_code == 1


def test_an_account_without_rights_is_denied_in_one_line(admin: World) -> None:
    admin.create_app(application("guestbook"))
    admin.run("account", "create", "dev", "--password", "a-long-dev-password-1")
    admin.run(
        "login", admin.url, "--username", "dev", "--password", "a-long-dev-password-1",
        "--insecure", "--name", "as-dev",
    )  # fmt: skip

    listed = admin.run("app", "list", "-o", "name")
    synced = admin.run("app", "sync", "guestbook")

    assert listed.stdout == ""
    assert synced.exit_code == 1
    assert synced.stderr == (
        "error: permission denied. It does not exist, or your account may not do this\n"
    )
