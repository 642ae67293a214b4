"""Bare mirrors: one local copy of each remote's branches and tags, kept current by fetching.

A mirror lives at ``<cache>/mirrors/<hash of the normalized URL>`` and is fetched with
``--prune`` and forced refspecs, so force-pushed branches, moved tags and deleted refs all follow
the remote. The remote URL is passed on each fetch and never written into the mirror's config,
so no credential ever lands on disk. One asyncio lock per mirror serialises fetches in this
process; several processes must not share one cache directory.

This module must not decide which revision an Application wants; it only fetches and answers
"is this commit here?".
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import uuid
from pathlib import Path

from gitward.errors import Location
from gitward.git.commands import Git
from gitward.git.credentials import Credentials
from gitward.git.urls import normalize_repo_url

__all__ = ["Mirrors"]

_REFSPECS = ("+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*")
_PINNED = "refs/gitward/pinned/"


class Mirrors:
    """The mirrors under one cache directory."""

    def __init__(self, directory: Path, git: Git) -> None:
        self._directory = directory
        self._git = git
        self._locks: dict[Path, asyncio.Lock] = {}

    def path_for(self, url: str) -> Path:
        """Where the mirror of ``url`` lives (whether or not it exists yet)."""
        digest = hashlib.sha256(normalize_repo_url(url).encode()).hexdigest()[:32]
        return self._directory / digest

    async def fetch(
        self, url: str, credentials: Credentials | None, *, where: Location | None = None
    ) -> Path:
        """Bring the mirror of ``url`` up to date with every branch and tag; returns its path."""
        mirror = self.path_for(url)
        async with self._lock(mirror):
            await self._ensure_initialised(mirror, where=where)
            await self._git.call(
                ["fetch", "--prune", "--no-write-fetch-head", "--quiet", "--", url, *_REFSPECS],
                cwd=mirror,
                credentials=credentials,
                url=url,
                where=where,
            )
        return mirror

    async def fetch_one(
        self,
        url: str,
        source: str,
        credentials: Credentials | None,
        *,
        where: Location | None = None,
    ) -> bool:
        """Fetch one ref or commit (``refs/pull/1/head``, a SHA) and pin it against gc.

        Returns False when the remote refuses (it does not have it, or does not serve bare SHAs).
        """
        mirror = self.path_for(url)
        pin = _PINNED + hashlib.sha256(source.encode()).hexdigest()[:16]
        async with self._lock(mirror):
            await self._ensure_initialised(mirror, where=where)
            result = await self._git.attempt(
                ["fetch", "--no-write-fetch-head", "--quiet", "--", url, f"+{source}:{pin}"],
                cwd=mirror,
                credentials=credentials,
                url=url,
                where=where,
            )
        return result.ok

    async def has_commit(self, mirror: Path, sha: str) -> bool:
        """Whether ``sha`` is a commit already present in ``mirror``."""
        if not (mirror / "HEAD").exists():
            return False
        result = await self._git.attempt(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=mirror)
        return result.ok

    async def expand(self, mirror: Path, short_sha: str) -> str | None:
        """The full SHA of the one commit ``short_sha`` abbreviates, or None (absent, ambiguous)."""
        result = await self._git.attempt(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{short_sha}^{{commit}}"],
            cwd=mirror,
        )
        return result.stdout.strip() if result.ok else None

    def _lock(self, mirror: Path) -> asyncio.Lock:
        return self._locks.setdefault(mirror, asyncio.Lock())

    async def _ensure_initialised(self, mirror: Path, *, where: Location | None) -> None:
        """Create an empty bare repository at ``mirror``, atomically (init aside, then rename)."""
        if (mirror / "HEAD").exists():
            return
        shutil.rmtree(mirror, ignore_errors=True)  # a leftover that never became a repository
        self._directory.mkdir(parents=True, exist_ok=True)
        incoming = self._directory / f".incoming-{uuid.uuid4().hex}"
        try:
            await self._git.call(["init", "--quiet", "--bare", "--", str(incoming)], where=where)
            await self._git.call(["config", "gc.autoDetach", "false"], cwd=incoming, where=where)
            try:
                incoming.rename(mirror)
            except OSError:
                if not (mirror / "HEAD").exists():
                    raise
        finally:
            shutil.rmtree(incoming, ignore_errors=True)
