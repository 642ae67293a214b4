"""``gitward login``/``logout`` and how every client command finds its server and token: the
config file, ``--server``/``--auth-token`` and ``GITWARD_SERVER``/``GITWARD_AUTH_TOKEN``."""

from __future__ import annotations

import stat
from urllib.parse import urlsplit

import yaml
from cli_client_world import World


def context_name(world: World) -> str:
    return urlsplit(world.url).netloc


def test_login_stores_the_token_in_a_private_config_and_names_the_context(world: World) -> None:
    result = world.login()

    assert result.stdout == (
        f"'admin:login' logged in successfully\nContext '{context_name(world)}' updated\n"
    )
    assert stat.S_IMODE(world.config_file.stat().st_mode) == 0o600
    config = yaml.safe_load(world.config_file.read_text())
    assert config["current-context"] == context_name(world)
    [context] = config["contexts"]
    assert context["server"] == world.url
    assert context["user"] == "admin"
    assert context["auth-token"]
    assert context["auth-token"] not in result.output


def test_login_prompts_for_username_and_password_when_not_given(world: World) -> None:
    answers = f"admin\n{world.server.admin_password}\n"

    result = world.run("login", world.url, "--insecure", input=answers)

    assert result.exit_code == 0, result.output
    assert "'admin:login' logged in successfully" in result.stdout
    assert world.server.admin_password not in result.stdout


def test_a_wrong_password_is_one_error_line(world: World) -> None:
    result = world.run(
        "login", world.url, "--username", "admin", "--password", "wrong", "--insecure"
    )

    assert result.exit_code == 1
    assert result.stderr == "error: wrong username or password. check them and try again\n"
    assert not world.config_file.exists()


def test_plain_http_needs_insecure_because_the_password_would_cross_unencrypted(
    world: World,
) -> None:
    result = world.run("login", world.url, "--username", "admin", "--password", "x")

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {world.url} is plain HTTP: the password and token would cross the network "
        "unencrypted. Pass --insecure to allow it (for a server on this machine, say)\n"
    )


def test_host_and_port_with_insecure_means_http(world: World) -> None:
    result = world.run(
        "login",
        context_name(world),
        "--username",
        "admin",
        "--password",
        world.server.admin_password,
        "--insecure",
    )

    assert result.exit_code == 0, result.output
    config = yaml.safe_load(world.config_file.read_text())
    assert config["contexts"][0]["server"] == world.url


def test_commands_use_the_stored_context(world: World) -> None:
    world.login()

    result = world.run("app", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout == "NAME   PROJECT   SYNC STATUS   HEALTH STATUS   REVISION\n"


def test_logout_ends_the_session_and_forgets_the_token(world: World) -> None:
    world.login()
    token = yaml.safe_load(world.config_file.read_text())["contexts"][0]["auth-token"]

    result = world.run("logout")

    assert result.exit_code == 0, result.output
    assert result.stdout == f"Logged out from '{context_name(world)}'\n"
    assert yaml.safe_load(world.config_file.read_text())["contexts"][0]["auth-token"] == ""
    reused = world.run("app", "list", "--auth-token", token)
    assert reused.exit_code == 1
    assert reused.stderr.startswith("error: ")
    assert reused.stderr.endswith(". Run gitward login SERVER, or pass another --auth-token\n")


def test_with_no_config_and_no_server_the_command_says_how_to_start(world: World) -> None:
    result = world.run("app", "list")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: no gitward server to talk to. "
        "Run gitward login SERVER, or pass --server (or set GITWARD_SERVER)\n"
    )


def test_the_environment_names_server_and_token_without_any_config(world: World) -> None:
    with world.api() as client:
        token = client.headers["Authorization"].removeprefix("Bearer ")

    result = world.run("app", "list", GITWARD_SERVER=world.url, GITWARD_AUTH_TOKEN=token)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("NAME ")
    assert not world.config_file.exists()


def test_flags_win_over_the_stored_context(world: World) -> None:
    world.login()
    world.run("logout")
    with world.api() as client:
        token = client.headers["Authorization"].removeprefix("Bearer ")

    refused = world.run("app", "list")
    accepted = world.run("app", "list", "--server", world.url, "--auth-token", token)

    assert refused.exit_code == 1
    assert accepted.exit_code == 0, accepted.output


def test_a_bad_token_is_refused_in_one_line_that_does_not_echo_it(world: World) -> None:
    result = world.run("app", "list", "--server", world.url, "--auth-token", "abc.def.ghi")

    assert result.exit_code == 1
    assert result.stderr == (
        "error: the token was refused (malformed). log in again, or ask for a new API token. "
        "Run gitward login SERVER, or pass another --auth-token\n"
    )


def test_an_unreachable_server_is_named_with_what_to_check(world: World) -> None:
    result = world.run("app", "list", "--server", "http://127.0.0.1:9", "--auth-token", "x")

    assert result.exit_code == 1
    assert result.stderr == (
        "error: cannot reach the gitward server at http://127.0.0.1:9: Connection refused. "
        "Check the address (--server, GITWARD_SERVER or gitward login) and that it runs\n"
    )


def test_a_broken_config_file_is_named_with_its_field(world: World) -> None:
    world.config_file.parent.mkdir(parents=True)
    world.config_file.write_text("current-context: x\ncontexts:\n- name: x\n")

    result = world.run("app", "list")

    assert result.exit_code == 1
    assert result.stderr == (
        f"error: {world.config_file}: contexts[0].server: must be a non-empty string. "
        "Fix the file, or delete it and run gitward login again\n"
    )


def test_the_installed_command_logs_in_and_lists_as_separate_processes(world: World) -> None:
    login = world.subprocess(
        "login",
        world.url,
        "--username",
        "admin",
        "--password",
        world.server.admin_password,
        "--insecure",
    )
    listed = world.subprocess("app", "list", "-o", "json")

    assert login.returncode == 0, login.stderr
    assert login.stdout.endswith(f"Context '{context_name(world)}' updated\n")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout == "[]\n"
