"""Hand repository credentials to git without writing them where others can read them.

An HTTPS token reaches git through an inline credential helper that reads it from git's own
environment: it is never in argv (visible in ``ps``), in a URL or in a file. An SSH private key
has to be a file for ``ssh``: it lives in a fresh 0700 directory as a 0600 file for the duration
of one git command and is removed afterwards.

This module must not log and must not put a secret into any string other than the child's
environment; :meth:`Credentials.secrets` lists what callers must scrub from git's stderr.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Credentials", "GitAccess", "git_access"]

DEFAULT_HTTPS_USERNAME = "git"
# Transports a repoURL may use; ``ext::`` (runs a command) and the like are refused by git itself.
ALLOWED_PROTOCOLS = "https:http:ssh:git:file"
_USERNAME_VAR = "GITWARD_GIT_USERNAME"
_PASSWORD_VAR = "GITWARD_GIT_PASSWORD"  # noqa: S105 - the name of a variable, not a password
# git runs a helper starting with "!" through the shell with the action ("get", "store",
# "erase") as $1; only "get" answers. The helper text holds variable names, never values.
_HELPER = (
    '!f() { test "$1" = get || return 0; '
    f'printf \'username=%s\\npassword=%s\\n\' "${_USERNAME_VAR}" "${_PASSWORD_VAR}"; }}; f'
)


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """How to authenticate to one repository (Argo CD's repository secret, in short)."""

    username: str | None = None
    password: str | None = None
    ssh_private_key: str | None = None
    insecure_ignore_host_key: bool = False

    def secrets(self) -> tuple[str, ...]:
        """Every value that must never appear in a message."""
        return tuple(s for s in (self.password, self.ssh_private_key) if s)

    def __repr__(self) -> str:
        return (
            f"Credentials(username={self.username!r}, password={_shown(self.password)}, "
            f"ssh_private_key={_shown(self.ssh_private_key)}, "
            f"insecure_ignore_host_key={self.insecure_ignore_host_key})"
        )


@dataclass(frozen=True, slots=True)
class GitAccess:
    """What one git command needs to authenticate: options before the subcommand, environment."""

    options: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


@contextlib.contextmanager
def git_access(credentials: Credentials | None) -> Iterator[GitAccess]:
    """Options and environment for one git command; temporary key files vanish on exit."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_LFS_SKIP_SMUDGE": "1",
        "GIT_ALLOW_PROTOCOL": ALLOWED_PROTOCOLS,
    }
    if credentials is None:
        yield GitAccess(env=env)
        return
    options: tuple[str, ...] = ()
    if credentials.password:
        options = ("-c", "credential.helper=", "-c", f"credential.helper={_HELPER}")
        env[_USERNAME_VAR] = credentials.username or DEFAULT_HTTPS_USERNAME
        env[_PASSWORD_VAR] = credentials.password
    with _ssh_command(credentials) as ssh_command:
        if ssh_command:
            env["GIT_SSH_COMMAND"] = ssh_command
        yield GitAccess(options=options, env=env, secrets=credentials.secrets())


@contextlib.contextmanager
def _ssh_command(credentials: Credentials) -> Iterator[str | None]:
    """``GIT_SSH_COMMAND`` for these credentials, or None when plain ssh will do."""
    if not credentials.ssh_private_key and not credentials.insecure_ignore_host_key:
        yield None
        return
    words = ["ssh", "-o", "BatchMode=yes"]
    if credentials.insecure_ignore_host_key:
        words += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    else:
        words += ["-o", "StrictHostKeyChecking=yes"]
    if not credentials.ssh_private_key:
        yield shlex.join(words)
        return
    directory = Path(tempfile.mkdtemp(prefix="gitward-ssh-"))  # mode 0700
    try:
        key_file = directory / "key"
        _write_private(key_file, credentials.ssh_private_key)
        yield shlex.join([*words, "-o", "IdentitiesOnly=yes", "-i", str(key_file)])
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_private(path: Path, text: str) -> None:
    """Create ``path`` readable by this user only; ssh wants a final newline."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else f"{text}\n")


def _shown(secret: str | None) -> str:
    return "<hidden>" if secret else "None"
