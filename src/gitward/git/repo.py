"""The git port: from (repoURL, targetRevision) to a commit SHA and a directory of its files.

:class:`Repositories` is what the rest of gitward calls. It resolves a targetRevision with one
``git ls-remote``, keeps a bare mirror per repository (``mirrors``), writes each commit's files
once per SHA (``trees``) and can serve a repoURL from a directory on this machine instead
(``local``): as it is, uncommitted changes included, or, for a clone, at a given revision. A
repoURL that is itself a path or ``file://`` URL is read only as ``local_policy`` allows
(``gitward.git.locality``); the cache directory is never readable that way.

It must not render, parse manifests or judge paths inside a checkout (``gitward.git.paths`` does);
every message it raises names the repository with its credentials redacted.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from gitward.errors import Location, RevisionNotFoundError, SourceError
from gitward.git.commands import REACH_HINT, Git
from gitward.git.commits import COMMIT_FORMAT, CommitInfo, parse_commit
from gitward.git.credentials import Credentials
from gitward.git.locality import LocalRepoPolicy
from gitward.git.mirrors import Mirrors
from gitward.git.refs import (
    RefKind,
    Revision,
    is_commit_sha,
    is_short_sha,
    match_revision,
    parse_ls_remote,
)
from gitward.git.running import GitRunner, run_git
from gitward.git.trees import Trees
from gitward.git.treeuses import Collected
from gitward.git.urls import normalize_repo_url, split_credentials
from gitward.git.worktrees import WorkTree, find_work_tree
from gitward.redaction import redact_url

__all__ = ["DEFAULT_TIMEOUT", "Checkout", "CredentialsLookup", "Repositories"]

CredentialsLookup = Callable[[str], Credentials | None]
DEFAULT_TIMEOUT = 90.0


@dataclass(frozen=True, slots=True)
class Checkout:
    """The files of a source: ``root`` is the repository root as the Application sees it.

    ``sha`` is the commit they came from, or None when they are a local directory served as is.
    ``revision`` is the targetRevision that was asked for. ``complete`` is False when ``root``
    holds only the one directory that was asked for (``checkout_commit(..., only=...)``).
    """

    root: Path
    sha: str | None
    revision: str
    complete: bool = True


@dataclass(frozen=True, slots=True)
class _Remote:
    """Where a repoURL's commits are fetched from, and how."""

    url: str  # without userinfo
    credentials: Credentials | None
    subdirectory: PurePosixPath | None = None  # a local mapping below its clone's root


class Repositories:
    """Mirrors, resolution and checkouts for every repository, under one cache directory.

    ``credentials`` maps a repoURL to its credentials (a function, or a mapping keyed by any
    spelling of the URL); ``local`` maps repoURLs to directories on this machine;
    ``local_policy`` says which path and ``file://`` repoURLs may be read (default: any);
    ``clock`` (seconds since the epoch) dates the uses of commits' trees.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        credentials: CredentialsLookup | Mapping[str, Credentials] | None = None,
        local: Mapping[str, Path] | None = None,
        local_policy: LocalRepoPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        runner: GitRunner = run_git,
        reach_hint: str = REACH_HINT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._git = Git(runner, timeout, reach_hint)
        self._mirrors = Mirrors(cache_dir / "mirrors", self._git)
        self._trees = Trees(cache_dir / "trees", self._git, clock=clock)
        self._credentials = _lookup(credentials)
        self._local = {normalize_repo_url(url): Path(path) for url, path in (local or {}).items()}
        policy = local_policy or LocalRepoPolicy()
        self._policy = replace(policy, forbidden=(*policy.forbidden, cache_dir))

    def check_url(self, repo_url: str, *, where: Location | None = None) -> None:
        """Raise when ``repo_url`` names a repository on this machine that may not be read
        (a mapped repoURL always may)."""
        if self.local_path(repo_url) is None:
            self._policy.check(repo_url, where=where)

    def local_path(self, repo_url: str) -> Path | None:
        """The directory ``repo_url`` is served from, when it is mapped to one."""
        return self._local.get(normalize_repo_url(repo_url))

    async def resolve(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Revision:
        """The commit ``revision`` names now (branch, tag, full or short SHA, HEAD or empty)."""
        remote = await self._remote(repo_url, where=where)
        return await self._resolve(remote, repo_url, revision, where=where)

    async def fetch(self, repo_url: str, *, where: Location | None = None) -> None:
        """Bring the mirror of ``repo_url`` up to date (branches and tags, pruned, forced)."""
        remote = await self._remote(repo_url, where=where)
        await self._mirrors.fetch(remote.url, remote.credentials, where=where)

    async def checkout(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> Checkout:
        """The files of ``repo_url`` at ``revision``; a local mapping is served as it is."""
        directory = self.local_path(repo_url)
        if directory is None:
            return await self.checkout_commit(repo_url, revision, where=where)
        if not directory.is_dir():
            raise _missing_local(repo_url, directory, where)
        return Checkout(root=directory.resolve(), sha=None, revision=revision)

    async def checkout_commit(
        self,
        repo_url: str,
        revision: str,
        *,
        where: Location | None = None,
        only: str | None = None,
    ) -> Checkout:
        """The files of the commit ``revision`` names, even when ``repo_url`` maps to a clone.

        ``only`` (a directory of the repository) says the caller reads nothing else: the
        checkout may then hold that directory alone (``complete`` False; ``gitward.git.trees``
        says when)."""
        remote = await self._remote(repo_url, where=where)
        resolved = await self._resolve(remote, repo_url, revision, where=where)
        mirror = await self._ensure_commit(remote, resolved, repo_url, where=where)
        part = _part_path(remote.subdirectory, only)
        tree = None
        if part is not None:
            tree = await self._trees.materialise_part(mirror, resolved.sha, part, url=remote.url)
        complete = tree is None
        if tree is None:
            tree = await self._trees.materialise(mirror, resolved.sha, url=remote.url, where=where)
        root = tree / remote.subdirectory if remote.subdirectory else tree
        if not root.is_dir():
            raise SourceError(
                f"directory {remote.subdirectory} does not exist at commit {resolved.sha[:12]}",
                where=where,
                hint="Commit the directory, or choose a revision that has it",
            )
        return Checkout(root=root, sha=resolved.sha, revision=revision, complete=complete)

    def used(self, checkout: Checkout) -> None:
        """A checkout remembered by the caller is used again: its tree is kept as if it were
        checked out now (a local directory served as it is is not the cache's)."""
        if checkout.sha is not None:
            self._trees.used(checkout.root)

    def trees_on_disk(self) -> int:
        """Commits' trees and parts in the cache now."""
        return self._trees.count()

    async def collect_trees(self) -> Collected:
        """Remove the commits' trees not used lately (``gitward.git.treeuses``)."""
        return await self._trees.collect()

    async def commit_info(
        self, repo_url: str, revision: str, *, where: Location | None = None
    ) -> CommitInfo:
        """Author, date and message of the commit ``revision`` names."""
        remote = await self._remote(repo_url, where=where)
        resolved = await self._resolve(remote, repo_url, revision, where=where)
        mirror = await self._ensure_commit(remote, resolved, repo_url, where=where)
        shown = await self._git.call(
            ["show", "-s", f"--format={COMMIT_FORMAT}", resolved.sha, "--"],
            cwd=mirror,
            url=remote.url,
            where=where,
        )
        return parse_commit(shown)

    async def worktree_info(self, path: Path) -> WorkTree | None:
        """The git work tree enclosing ``path`` and its remotes, or None outside any."""
        return await find_work_tree(self._git, path)

    async def _resolve(
        self, remote: _Remote, repo_url: str, revision: str, *, where: Location | None
    ) -> Revision:
        if is_commit_sha(revision.strip()):
            sha = revision.strip().lower()
            return Revision(sha, RefKind.COMMIT, sha, revision)
        listing = await self._git.call(
            ["ls-remote", "--symref", "--", remote.url],
            credentials=remote.credentials,
            url=remote.url,
            where=where,
        )
        found = match_revision(parse_ls_remote(listing), revision)
        if found is not None:
            return found
        if is_short_sha(revision.strip()):
            mirror = await self._mirrors.fetch(remote.url, remote.credentials, where=where)
            expanded = await self._mirrors.expand(mirror, revision.strip())
            if expanded is not None:
                return Revision(expanded, RefKind.COMMIT, expanded, revision)
        raise _not_found(repo_url, revision, where)

    async def _ensure_commit(
        self, remote: _Remote, resolved: Revision, repo_url: str, *, where: Location | None
    ) -> Path:
        """The mirror, fetched until it holds ``resolved.sha`` (or the revision is unknown)."""
        mirror = self._mirrors.path_for(remote.url)
        if await self._mirrors.has_commit(mirror, resolved.sha):
            return mirror
        await self._mirrors.fetch(remote.url, remote.credentials, where=where)
        if await self._mirrors.has_commit(mirror, resolved.sha):
            return mirror
        # Not on any branch or tag: a pull-request ref, or a commit a force-push orphaned.
        source = resolved.ref if resolved.kind is RefKind.REF else resolved.sha
        fetched = await self._mirrors.fetch_one(remote.url, source, remote.credentials, where=where)
        if fetched and await self._mirrors.has_commit(mirror, resolved.sha):
            return mirror
        raise _not_found(repo_url, resolved.requested, where)

    async def _remote(self, repo_url: str, *, where: Location | None) -> _Remote:
        directory = self.local_path(repo_url)
        if directory is None:
            self._policy.check(repo_url, where=where)
            split = split_credentials(repo_url)
            embedded = Credentials(username=split.username, password=split.password)
            found = self._credentials(repo_url) or (embedded if split.password else None)
            return _Remote(url=split.url, credentials=found)
        if not directory.is_dir():
            raise _missing_local(repo_url, directory, where)
        work_tree = await find_work_tree(self._git, directory)
        if work_tree is None:
            raise SourceError(
                f"{redact_url(repo_url)} is served from {directory}, which is not a git clone "
                "and so has no revisions",
                where=where,
                hint="Map the repoURL to a git clone to choose a revision, or serve it as it is",
            )
        inner = directory.resolve().relative_to(work_tree.root.resolve())
        subdirectory = PurePosixPath(inner.as_posix()) if inner.parts else None
        return _Remote(url=str(work_tree.root), credentials=None, subdirectory=subdirectory)


def _part_path(subdirectory: PurePosixPath | None, only: str | None) -> PurePosixPath | None:
    """The repository directory a part would hold, or None when ``only`` names no plain
    directory below the root (``.``, ``..``, empty, or nothing asked)."""
    if only is None:
        return None
    parts = [part for part in only.strip("/").split("/") if part]
    if not parts or any(part in (".", "..") for part in parts):
        return None
    return PurePosixPath(*(subdirectory.parts if subdirectory else ()), *parts)


def _lookup(
    credentials: CredentialsLookup | Mapping[str, Credentials] | None,
) -> CredentialsLookup:
    if credentials is None:
        return lambda _url: None
    if isinstance(credentials, Mapping):
        table = {normalize_repo_url(url): found for url, found in credentials.items()}
        return lambda url: table.get(normalize_repo_url(url))
    return credentials


def _not_found(repo_url: str, revision: str, where: Location | None) -> RevisionNotFoundError:
    return RevisionNotFoundError(
        f"revision {revision!r} is not a branch, tag or commit of {redact_url(repo_url)}",
        where=where,
        hint=(
            "Set targetRevision to an existing branch, tag, commit SHA or HEAD; a commit must be "
            "pushed, and a short SHA must be unambiguous"
        ),
    )


def _missing_local(repo_url: str, directory: Path, where: Location | None) -> SourceError:
    return SourceError(
        f"{redact_url(repo_url)} is mapped to {directory}, which is not a directory",
        where=where,
        hint="Fix the local mapping (--repo URL=DIR) to name an existing directory",
    )
