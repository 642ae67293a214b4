"""Write values into a file of a git work tree, commit, and push without losing anyone's update.

The push is optimistic: commit on the local head and push. When the remote refuses because
another writer got there first, gitward fetches the branch, moves the local branch onto the new
head (``git reset --keep``, which never touches other uncommitted files), applies *the same
edit* again to the file as it now is, commits and pushes again, at most ``attempts`` times,
waiting a jittered, growing delay between tries. Re-applying the edit, rather than rebasing the
commit, means two writers of neighbouring lines never conflict. An edit that finds every value
already there commits nothing.

It refuses to move the branch when the local branch holds commits the remote lacks (they would
be left behind), and gives up at once on a refusal that is not a race (credentials, a protected
branch, a hook). Every git call goes through :class:`gitward.git.commands.Git` (argv lists, no
shell, stderr scrubbed of credentials).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gitward.delivery.editing import Assignment, Edited, SetValue, edit_values
from gitward.delivery.messages import commit_message
from gitward.errors import ConfigError, GitUnavailableError, Location, UsageError
from gitward.git.commands import Git, summary
from gitward.git.running import GitRunner, run_git

__all__ = ["Backoff", "WriteBack", "WriteBackResult", "write_back"]

GIT_TIMEOUT_S = 120.0
_DEFAULT_IDENTITY = {
    "GIT_AUTHOR_NAME": "gitward",
    "GIT_AUTHOR_EMAIL": "gitward@localhost",
    "GIT_COMMITTER_NAME": "gitward",
    "GIT_COMMITTER_EMAIL": "gitward@localhost",
}
_RACE_WORDS = (
    "non-fast-forward", "fetch first", "cannot lock ref", "unable to create",
    "failed to update ref", "stale info", "incorrect old value", "reference already exists",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential delays between push attempts: uniform in [0, min(cap, base*2^n)]."""

    base_s: float = 0.2
    cap_s: float = 5.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        return rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))


@dataclass(frozen=True)
class WriteBack:
    """What to write where, and how far to take it (edit only, commit, or commit and push)."""

    file: Path
    assignments: tuple[Assignment, ...]
    repo: Path | None = None
    create: bool = False
    commit: bool = False
    push: bool = False
    subject: str | None = None
    ci_run: str | None = None
    trailers: tuple[tuple[str, str], ...] = ()
    """More ``Name: value`` trailers for the commit (a promotion names its source)."""
    remote: str | None = None
    branch: str | None = None
    attempts: int = 20
    backoff: Backoff = field(default_factory=Backoff)


@dataclass(frozen=True, slots=True)
class WriteBackResult:
    """What happened: the keys changed (empty for a no-op), the commit, the push attempts."""

    changed: tuple[SetValue, ...]
    path: str
    commit: str | None = None
    pushed_to: str | None = None
    attempts: int = 0


Sleep = Callable[[float], Awaitable[None]]


async def write_back(
    request: WriteBack,
    *,
    runner: GitRunner = run_git,
    rng: random.Random | None = None,
    sleep: Sleep = asyncio.sleep,
) -> WriteBackResult:
    """Apply ``request``; raise a located error when the file, the key or git refuses."""
    if not (request.commit or request.push):
        edited = _apply(request, request.file)
        return WriteBackResult(edited.changed, str(request.file))
    session = _Session(request, Git(runner, GIT_TIMEOUT_S))
    await session.open()
    return await session.run(rng or random.Random(), sleep)  # noqa: S311 - jitter only


def _apply(request: WriteBack, file: Path, shown: str | None = None) -> Edited:
    """Edit ``file`` in place (written only when something changed)."""
    name = shown or str(file)
    try:
        raw = file.read_bytes()
    except OSError as err:
        raise UsageError(
            f"{name}: cannot read it ({err.strerror})", hint="Name a value file"
        ) from err
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(
            "is not UTF-8 text", where=Location(file=name), hint="Value files are UTF-8 YAML"
        ) from err
    edited = edit_values(text, request.assignments, file=name, create=request.create)
    if edited.changed:
        file.write_bytes(edited.text.encode("utf-8"))
    return edited


class _Session:
    """One write-back in one work tree: the repository root, the branch, the identity."""

    def __init__(self, request: WriteBack, git: Git) -> None:
        self.request = request
        self.git = git
        self.root = Path()
        self.path = ""
        self.remote = ""
        self.branch = ""
        self.env: dict[str, str] = {}

    async def open(self) -> None:
        start = self.request.repo or self.request.file.resolve().parent
        top = await self.git.attempt(["rev-parse", "--show-toplevel"], cwd=start)
        if not top.ok:
            raise UsageError(
                f"{start} is not inside a git work tree",
                hint="Run it in a clone of the repository, or name one with --repo DIR",
            )
        self.root = Path(top.stdout.strip())
        self.path = _relative(self.request.file, self.root)
        self.branch = _name("branch", self.request.branch or await self._current_branch())
        self.remote = _name("remote", self.request.remote or await self._remote_of(self.branch))
        self.env = await self._identity()

    async def run(self, rng: random.Random, sleep: Sleep) -> WriteBackResult:
        edited = _apply(self.request, self.root / self.path, self.path)
        if not edited.changed:
            return WriteBackResult((), self.path)
        commit = await self._commit(edited.changed)
        if not self.request.push:
            return WriteBackResult(edited.changed, self.path, commit)
        refusal = ""
        for attempt in range(1, self.request.attempts + 1):
            refused = await self._push()
            if refused is None:
                target = f"{self.remote}/{self.branch}"
                return WriteBackResult(edited.changed, self.path, commit, target, attempt)
            refusal = refused
            if attempt == self.request.attempts:
                break
            await sleep(self.request.backoff.delay(attempt - 1, rng))
            edited = await self._replay(refusal)
            if not edited.changed:
                return WriteBackResult((), self.path, None, None, attempt)
            commit = await self._commit(edited.changed)
        if not _looks_like_race(refusal):
            raise self._refused(refusal)
        raise GitUnavailableError(
            f"could not push to {self.remote}/{self.branch} after {self.request.attempts} "
            "attempts: other writers kept moving the branch",
            where=Location(file=self.path),
            hint="Run it again, or raise --attempts",
        )

    async def _commit(self, changed: Sequence[SetValue]) -> str:
        message = commit_message(
            self.path,
            changed,
            subject=self.request.subject,
            ci_run=self.request.ci_run,
            trailers=self.request.trailers,
        )
        subject, _, body = message.partition("\n\n")
        await self._git(["add", "--", self.path])
        await self._git(["commit", "--quiet", "-m", subject, "-m", body.strip(), "--", self.path])
        return (await self._git(["rev-parse", "HEAD"])).strip()

    async def _push(self) -> str | None:
        """None when pushed; git's complaint when refused."""
        args = ["push", "--porcelain", self.remote, f"HEAD:refs/heads/{self.branch}"]
        result = await self.git.attempt(args, cwd=self.root, env=self.env)
        return None if result.ok else (result.stderr + result.stdout or "git push failed")

    async def _replay(self, refusal: str) -> Edited:
        """Move onto the remote's new head and edit the file again there."""
        fetched = await self.git.attempt(
            ["fetch", "--quiet", self.remote, f"refs/heads/{self.branch}"], cwd=self.root
        )
        if not fetched.ok:
            raise self._refused(refusal + fetched.stderr)
        ahead = await self._git(["rev-list", "--count", "FETCH_HEAD..HEAD~1"])
        moved = (await self._git(["rev-parse", "FETCH_HEAD"])).strip() != (
            await self._git(["rev-parse", "HEAD~1"])
        ).strip()
        if not moved and not _looks_like_race(refusal):
            raise self._refused(refusal)
        if int(ahead.strip() or "0") > 0:
            raise GitUnavailableError(
                f"the local branch {self.branch} holds {ahead.strip()} commit(s) that "
                f"{self.remote} lacks; gitward will not leave them behind",
                where=Location(file=self.path),
                hint="Push or drop those commits first, then run it again",
            )
        await self._git(["reset", "--quiet", "--keep", "FETCH_HEAD"])
        return _apply(self.request, self.root / self.path, self.path)

    def _refused(self, stderr: str) -> GitUnavailableError:
        return GitUnavailableError(
            f"{self.remote} refused the push to {self.branch}: {summary(stderr)}",
            where=Location(file=self.path),
            hint="Check the credentials and that the branch accepts pushes (protection, hooks)",
        )

    async def _git(self, args: list[str]) -> str:
        return await self.git.call(args, cwd=self.root, env=self.env)

    async def _current_branch(self) -> str:
        found = await self.git.attempt(
            ["symbolic-ref", "--quiet", "--short", "HEAD"], cwd=self.root
        )
        if not found.ok or not found.stdout.strip():
            raise UsageError(
                "HEAD is detached, so there is no branch to push",
                hint="Check out the branch, or name it with --branch",
            )
        return found.stdout.strip()

    async def _remote_of(self, branch: str) -> str:
        found = await self.git.attempt(
            ["config", "--get", f"branch.{branch}.remote"], cwd=self.root
        )
        return found.stdout.strip() if found.ok and found.stdout.strip() else "origin"

    async def _identity(self) -> dict[str, str]:
        """Git's own identity when configured, else ``gitward <gitward@localhost>``."""
        found = await self.git.attempt(["config", "--get", "user.email"], cwd=self.root)
        if found.ok or "GIT_COMMITTER_EMAIL" in os.environ or "EMAIL" in os.environ:
            return {}
        return dict(_DEFAULT_IDENTITY)


def _relative(file: Path, root: Path) -> str:
    absolute = file.resolve()
    try:
        return absolute.relative_to(root.resolve()).as_posix()
    except ValueError as err:
        raise UsageError(
            f"{file} is not inside the repository {root}", hint="Name a file of that work tree"
        ) from err


def _name(what: str, value: str) -> str:
    """``value`` when it can only be read as a name by git (never as an option)."""
    if not value or value.startswith("-") or any(c.isspace() or ord(c) < 32 for c in value):
        raise UsageError(f"{what} {value!r} is not a valid name", hint=f"Name a git {what}")
    return value


def _looks_like_race(stderr: str) -> bool:
    lowered = stderr.lower()
    return any(word in lowered for word in _RACE_WORDS)
