"""The one seam through which gitward runs the git program.

Everything in ``gitward.git`` that talks to git goes through a :class:`GitRunner`, so a test can
inject a fake one; the real one is :func:`run_git`. It runs ``git`` with an argv list (never a
shell), no stdin and no terminal prompt, and it kills git together with the ``ssh`` or helper
processes git started when the caller is cancelled (which is how deadlines reach it).

It must not interpret git's output or build error messages: callers know which URL to name and
which secrets to scrub.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = ["GitNotInstalledError", "GitResult", "GitRunner", "run_git"]


@dataclass(frozen=True, slots=True)
class GitResult:
    """What one git invocation left behind."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class GitNotInstalledError(Exception):
    """There is no ``git`` program on PATH."""


class GitRunner(Protocol):
    """Runs ``git <args>`` in ``cwd`` with exactly the environment ``env``.

    The caller bounds it with ``asyncio.timeout``; a runner must stop its process when cancelled.
    """

    async def __call__(
        self, args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> GitResult: ...


async def run_git(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]) -> GitResult:
    """Run ``git *args``; if cancelled (a deadline passed), kill git and what it started."""
    environment = {**env, "GIT_TERMINAL_PROMPT": "0"}
    try:
        process = await asyncio.create_subprocess_exec(
            "git",
            *args,
            cwd=cwd,
            env=environment,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError as err:
        raise GitNotInstalledError("git is not installed") from err
    try:
        stdout, stderr = await process.communicate()
    except BaseException:
        await _kill(process)
        raise
    return GitResult(
        returncode=process.returncode if process.returncode is not None else -1,
        stdout=stdout.decode("utf-8", "surrogateescape"),
        stderr=stderr.decode("utf-8", "replace"),
    )


async def _kill(process: asyncio.subprocess.Process) -> None:
    """Kill git and everything it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        await process.wait()
