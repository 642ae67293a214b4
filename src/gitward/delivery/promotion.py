"""Promotion: write the values one app runs into another app's value files, through Git.

The values were read by the caller (from the source app's value files at the revision it is
synced to); this module writes them on the target's side. It clones the target's branch into a
scratch directory (credentials passed to git as :mod:`gitward.git.credentials` does, never in
a URL or a file), finds the target's value file that sets each key (the last one, as Helm reads
them: :mod:`gitward.delivery.valuefiles`), and for each file uses the write-back of
:mod:`gitward.delivery.writeback`:
a structured edit that keeps the file byte for byte elsewhere, a commit with a conventional
message and trailers naming the source app, its revision and who promoted, and a push that
retries by re-applying the edit on the new head. Values already there commit nothing.

An automated target gets the commit on its own branch, and its sync policy does the rest. A
manual target never does: the change goes to a new branch, ``gitward/promote/<target>/<hash>``
(the hash of the target and the values, so the same promotion always names the same branch and
running it again finds the branch already there: then nothing is pushed and the result says it
was ``already_proposed``), for a release manager to review as a pull request. It must not read
the store or render anything: previews and records are the caller's.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from gitward.delivery.editing import Assignment, SetValue
from gitward.delivery.keys import parse_key
from gitward.delivery.messages import SUBJECT_LIMIT
from gitward.delivery.valuefiles import FoundValue, locate_keys
from gitward.delivery.writeback import WriteBack, write_back
from gitward.errors import ConfigError, Location
from gitward.git.commands import Git
from gitward.git.credentials import Credentials, git_access
from gitward.git.running import GitResult, GitRunner, run_git
from gitward.redaction import redact

__all__ = [
    "BRANCH_PREFIX",
    "Outcome",
    "PromotionRequest",
    "PromotionResult",
    "promote",
    "promotion_branch",
]

BRANCH_PREFIX = "gitward/promote/"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")
GIT_TIMEOUT_S = 120.0


class Outcome(StrEnum):
    """What a promotion did to the target's repository."""

    COMMITTED = "committed"
    """Committed and pushed to the target's own branch (an automated target)."""
    PROPOSED = "proposed"
    """Pushed to a promotion branch, for a pull request (a manual target)."""
    UNCHANGED = "unchanged"
    """The target's files already held every value: nothing written."""


@dataclass(frozen=True, slots=True)
class PromotionRequest:
    """Which values go into which app's files, and who asked."""

    source_app: str
    source_revision: str
    target_app: str
    repo_url: str
    branch: str
    """The target's branch (its targetRevision)."""
    files: tuple[str, ...]
    """The target's value files, in Helm's order (repository-relative)."""
    values: tuple[tuple[str, str], ...]
    """The source's values: (key, value)."""
    actor: str
    by_branch: bool
    forced: bool = False
    credentials: Credentials | None = None
    clone_from: str | None = None
    """Where to clone and push instead of ``repo_url`` (a repoURL served from a local clone)."""


@dataclass(frozen=True, slots=True)
class PromotionResult:
    """What happened: the keys that differ, the commits before and after, the branch pushed."""

    outcome: Outcome
    changed: tuple[SetValue, ...]
    base: str
    """The target branch's commit the change is made on."""
    head: str
    """The commit holding the promoted values (``base`` when unchanged)."""
    branch: str
    """The branch pushed: the target's own, or the promotion branch."""
    target_branch: str
    already_proposed: bool = False
    """The promotion branch was there already, holding these values: nothing was pushed (the
    same values, proposed again from a later source revision, name the same branch)."""


def promotion_branch(target: str, values: Sequence[FoundValue]) -> str:
    """``gitward/promote/<target>/<12 hex>``: the same for the same target and values."""
    text = "\n".join([target, *sorted(f"{v.file}\0{v.key}={v.value}" for v in values)])
    return f"{BRANCH_PREFIX}{target}/{hashlib.sha256(text.encode()).hexdigest()[:12]}"


async def promote(request: PromotionRequest, *, runner: GitRunner = run_git) -> PromotionResult:
    """Write ``request.values`` into the target's files (see the module docstring)."""
    _check_one_line(request)
    credentialed = _credentialed(runner, request.credentials)
    with tempfile.TemporaryDirectory(prefix="gitward-promote-") as scratch:
        work = Path(scratch) / "work"
        session = _Clone(Git(credentialed, GIT_TIMEOUT_S), work)
        base = await session.clone(request.clone_from or request.repo_url, request.branch)
        wanted, changed = _compare(work, request)
        if not changed:
            return PromotionResult(
                Outcome.UNCHANGED, (), base, base, request.branch, request.branch
            )
        branch, pushed_before = request.branch, ""
        if request.by_branch:
            branch = promotion_branch(request.target_app, wanted)
            pushed_before = await session.start_branch(branch)
        for file, values in _by_file(wanted).items():
            await write_back(
                WriteBack(
                    file=work / file,
                    assignments=tuple(Assignment(parse_key(v.key), v.value) for v in values),
                    repo=work,
                    commit=True,
                    push=True,
                    subject=_subject(request, changed),
                    trailers=_trailers(request),
                    remote="origin",
                    branch=branch,
                ),
                runner=credentialed,
            )
        head = await session.head()
    outcome = Outcome.PROPOSED if request.by_branch else Outcome.COMMITTED
    repeated = bool(pushed_before) and head == pushed_before
    return PromotionResult(outcome, changed, base, head, branch, request.branch, repeated)


class _Clone:
    """The scratch clone of the target's branch."""

    def __init__(self, git: Git, work: Path) -> None:
        self.git = git
        self.work = work

    async def clone(self, url: str, branch: str) -> str:
        args = ["clone", "--quiet", "--no-tags", "--single-branch", "--branch", branch]
        await self.git.call([*args, "--", url, str(self.work)], url=url)
        return await self.head()

    async def start_branch(self, branch: str) -> str:
        """Check out ``branch``: as pushed before when it exists (its commit is returned),
        else new from here (``""``)."""
        listed = await self.git.call(
            ["ls-remote", "--heads", "origin", f"refs/heads/{branch}"], cwd=self.work
        )
        pushed = ""
        if listed.strip():
            await self.git.call(
                ["fetch", "--quiet", "origin", f"refs/heads/{branch}"], cwd=self.work
            )
            await self.git.call(["checkout", "--quiet", "-B", branch, "FETCH_HEAD"], cwd=self.work)
            pushed = await self.head()
        else:
            await self.git.call(["checkout", "--quiet", "-b", branch], cwd=self.work)
        await self.git.call(["config", f"branch.{branch}.remote", "origin"], cwd=self.work)
        return pushed

    async def head(self) -> str:
        return (await self.git.call(["rev-parse", "HEAD"], cwd=self.work)).strip()


def _compare(
    work: Path, request: PromotionRequest
) -> tuple[list[FoundValue], tuple[SetValue, ...]]:
    """Each promoted value with the target file it goes to, and the keys whose value differs."""
    keys = [key for key, _ in request.values]
    now = locate_keys(_texts(work, request.files), request.files, keys, app=request.target_app)
    pairs = zip(now, request.values, strict=True)
    wanted = [FoundValue(found.key, found.file, value) for found, (_, value) in pairs]
    changed = tuple(
        SetValue(found.key, found.value, want.value)
        for found, want in zip(now, wanted, strict=True)
        if found.value != want.value
    )
    return wanted, changed


def _texts(work: Path, files: Sequence[str]) -> dict[str, str]:
    """The text of each value file that exists in the clone (a missing one sets nothing)."""
    texts = {}
    for file in files:
        path = work / file
        if path.is_file() and work.resolve() in path.resolve().parents:
            texts[file] = path.read_text(encoding="utf-8")
    return texts


def _check_one_line(request: PromotionRequest) -> None:
    """Refuse a key or value with a line break or another control character: it would go into
    the commit's subject and trailers (a forged ``Gitward-Promoted-By``) and the pull request."""
    for key, value in request.values:
        if _CONTROL.search(key) or _CONTROL.search(value):
            raise ConfigError(
                f"{key}={value!r} holds a line break or another control character; promotion "
                "copies one-line values only (they go into the commit message)",
                where=Location(obj=f"Application {request.source_app}", field=key),
                hint="Promote single-line values such as image tags",
            )


def _credentialed(runner: GitRunner, credentials: Credentials | None) -> GitRunner:
    """``runner`` with ``credentials`` handed to every git command (and scrubbed from stderr)."""
    if credentials is None:
        return runner

    async def run(args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]) -> GitResult:
        with git_access(credentials) as access:
            result = await runner([*access.options, *args], cwd=cwd, env={**access.env, **env})
            stderr = redact(result.stderr, *access.secrets)
        return GitResult(result.returncode, result.stdout, stderr)

    return run


def _by_file(values: Sequence[FoundValue]) -> dict[str, list[FoundValue]]:
    grouped: dict[str, list[FoundValue]] = {}
    for found in values:
        grouped.setdefault(found.file, []).append(found)
    return grouped


def _subject(request: PromotionRequest, changed: Sequence[SetValue]) -> str:
    """``promote: KEY=VALUE from SOURCE`` (the target is the file's, and a trailer's)."""
    pairs = ", ".join(f"{item.key}={item.new}" for item in changed)
    subject = f"promote: {pairs} from {request.source_app}"
    if len(subject) <= SUBJECT_LIMIT:
        return subject
    count = f"{len(changed)} key" + ("s" if len(changed) > 1 else "")
    return f"promote: {count} from {request.source_app}"


def _trailers(request: PromotionRequest) -> tuple[tuple[str, str], ...]:
    trailers = [
        ("Gitward-Promoted-From", f"{request.source_app}@{request.source_revision}"),
        ("Gitward-Promoted-To", request.target_app),
        ("Gitward-Promoted-By", request.actor),
    ]
    if request.forced:
        trailers.append(("Gitward-Promotion-Forced", "true"))
    return tuple(trailers)
