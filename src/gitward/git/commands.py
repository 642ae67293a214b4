"""git commands with credentials applied and failures turned into gitward errors.

Sits between the raw runner (``running``) and the operations (mirrors, trees, resolution): it
adds the credential options and environment, scrubs git's stderr of every secret and of URL
userinfo, and raises :class:`GitUnavailableError` naming the repository (redacted) with a hint.

It must not decide what a failure means beyond "git could not do it"; callers that expect a
command to fail (``cat-file -e``) use :meth:`Git.attempt` and read the result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from gitward.errors import GitUnavailableError, Location, ToolUnavailableError
from gitward.git.credentials import Credentials, git_access
from gitward.git.running import GitNotInstalledError, GitResult, GitRunner
from gitward.redaction import redact, redact_url

__all__ = ["REACH_HINT", "Git"]

REACH_HINT = (
    "Check that the repoURL is right and reachable from gitward and that its credentials are "
    "configured; gitward retries with backoff"
)
_STDERR_LIMIT = 400


class Git:
    """Runs git commands for one :class:`Repositories`, with its runner and deadline."""

    def __init__(self, runner: GitRunner, timeout: float, reach_hint: str = REACH_HINT) -> None:
        self._runner = runner
        self._timeout = timeout
        self._reach_hint = reach_hint  # what to do about an unreachable repository

    async def attempt(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        credentials: Credentials | None = None,
        url: str = "",
        where: Location | None = None,
        env: Mapping[str, str] | None = None,
    ) -> GitResult:
        """Run git; a non-zero exit is returned (stderr scrubbed), a timeout raises."""
        with git_access(credentials) as access:
            try:
                async with asyncio.timeout(self._timeout):
                    result = await self._runner(
                        [*access.options, *args], cwd=cwd, env={**access.env, **(env or {})}
                    )
            except TimeoutError as err:
                raise GitUnavailableError(
                    f"git timed out after {self._timeout:g}s on {_shown(url)}",
                    where=where,
                    hint=self._reach_hint,
                ) from err
            except GitNotInstalledError as err:
                raise ToolUnavailableError(
                    "the git program is not installed",
                    where=where,
                    hint="Install git and make sure it is on PATH",
                ) from err
            stderr = redact(result.stderr, *access.secrets)
        return GitResult(result.returncode, result.stdout, stderr)

    async def call(
        self,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        credentials: Credentials | None = None,
        url: str = "",
        where: Location | None = None,
        env: Mapping[str, str] | None = None,
    ) -> str:
        """Run git and return its stdout; a non-zero exit is a :class:`GitUnavailableError`."""
        result = await self.attempt(
            args, cwd=cwd, credentials=credentials, url=url, where=where, env=env
        )
        if not result.ok:
            raise GitUnavailableError(
                f"git {args[0]} failed on {_shown(url)}: {summary(result.stderr)}",
                where=where,
                hint=self._reach_hint,
            )
        return result.stdout


def summary(stderr: str) -> str:
    """git's complaint on one bounded line (already scrubbed by the caller)."""
    lines = [line.strip().rstrip(".") for line in stderr.splitlines() if line.strip()]
    text = "; ".join(lines) or "no message"
    return text if len(text) <= _STDERR_LIMIT else f"{text[:_STDERR_LIMIT]}…"


def _shown(url: str) -> str:
    return redact_url(url) if url else "a local repository"
