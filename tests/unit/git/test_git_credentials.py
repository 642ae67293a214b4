"""Credentials reach git through its environment and short-lived private files only."""

from __future__ import annotations

import stat
from pathlib import Path

from gitward.git.credentials import Credentials, git_access

KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAkey\n-----END OPENSSH PRIVATE KEY-----"


def test_an_https_token_is_in_the_environment_and_not_in_the_options():
    credentials = Credentials(username="bot", password="t0ken-value")

    with git_access(credentials) as access:
        assert not any("t0ken-value" in option for option in access.options)
        assert "t0ken-value" in access.env.values()
        assert access.env["GIT_TERMINAL_PROMPT"] == "0"
        assert access.secrets == ("t0ken-value",)


def test_an_ssh_key_is_a_private_file_only_while_git_runs():
    credentials = Credentials(ssh_private_key=KEY)

    with git_access(credentials) as access:
        command = access.env["GIT_SSH_COMMAND"]
        key_file = Path(command.rsplit(" ", 1)[1])
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
        assert key_file.read_text() == KEY + "\n"
        assert "IdentitiesOnly=yes" in command
        assert "StrictHostKeyChecking=yes" in command

    assert not key_file.exists()
    assert not key_file.parent.exists()


def test_ignoring_the_host_key_is_asked_of_ssh_explicitly():
    credentials = Credentials(ssh_private_key=KEY, insecure_ignore_host_key=True)

    with git_access(credentials) as access:
        assert "StrictHostKeyChecking=no" in access.env["GIT_SSH_COMMAND"]


def test_no_credentials_leave_git_and_ssh_as_configured():
    with git_access(None) as access:
        assert access.options == ()
        assert "GITWARD_GIT_PASSWORD" not in access.env


def test_credentials_never_show_their_secrets_in_repr():
    shown = repr(Credentials(username="bot", password="t0ken-value", ssh_private_key=KEY))

    assert "t0ken-value" not in shown
    assert "AAAAkey" not in shown
    assert "bot" in shown
