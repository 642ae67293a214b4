"""Which commit each (repository, targetRevision) names now: one ``ls-remote`` per cycle.

A hundred apps on one repository and branch must not run a hundred ``git ls-remote`` every
reconciliation period. Resolutions are kept for the current cycle (the controller starts a new
one every period) and shared by every app that asks; apps that ask at the same moment share one
call. A hard refresh resolves again, and a webhook's "this repository changed" forgets the
repository's entries. Failures are never kept: the next ask tries again. A failure also
forgets what git said about that repository earlier in the cycle: once a hard refresh has found
git unreachable, a normal refresh later in the cycle (a sibling's change, a live-cache event, the
retry) must ask git again and report the outage too, never compare at the commit named before it
(that comparison succeeds from the local mirror and would clear the app's ComparisonError while
git is still unreachable). A failure of a shared call reaches every app that waited on it as its
own: the error names the asking app's source, never the app whose call ran git.

It must not check out or render anything.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable

from gitward.errors import GitwardError, Location
from gitward.git import normalize_repo_url
from gitward.git.refs import Revision

__all__ = ["Resolve", "RevisionCache"]

Resolve = Callable[..., Awaitable[Revision]]
"""``Repositories.resolve``: ``(repo_url, revision, *, where=...) -> Revision``."""

_Key = tuple[str, str]


class RevisionCache:
    """Resolutions of the current cycle, by normalised repository URL and revision."""

    def __init__(self, resolve: Resolve) -> None:
        self._resolve = resolve
        self._cycle = 0
        self._known: dict[_Key, Revision] = {}
        self._pending: dict[_Key, asyncio.Future[Revision]] = {}
        self.calls = 0
        """How many resolutions reached git (for tests and metrics)."""

    @property
    def cycle(self) -> int:
        return self._cycle

    def next_cycle(self) -> None:
        """Start a new cycle: every revision is resolved again when next asked for."""
        self._cycle += 1
        self._known.clear()

    def forget(self, repo_url: str) -> None:
        """The repository changed (a webhook said so): resolve its revisions again."""
        url = normalize_repo_url(repo_url)
        for key in [key for key in self._known if key[0] == url]:
            del self._known[key]

    def known(self, repo_url: str, revision: str) -> Revision | None:
        """The resolution of this cycle, if there is one (no git call)."""
        return self._known.get((normalize_repo_url(repo_url), revision))

    async def resolve(
        self, repo_url: str, revision: str, *, where: Location | None = None, hard: bool = False
    ) -> Revision:
        """The commit ``revision`` names; from this cycle's answers unless ``hard``."""
        key = (normalize_repo_url(repo_url), revision)
        if not hard and key in self._known:
            return self._known[key]
        while (pending := self._pending.get(key)) is not None:
            try:
                return await asyncio.shield(pending)
            except GitwardError as err:
                raise _for_caller(err, where) from err
            except asyncio.CancelledError:
                if not pending.cancelled() or _cancelling():
                    raise  # this caller was cancelled (perhaps with the one that ran git)
                # only the caller that ran git was cancelled: try again, ourselves
        return await self._call(key, repo_url, revision, where)

    async def _call(
        self, key: _Key, repo_url: str, revision: str, where: Location | None
    ) -> Revision:
        pending: asyncio.Future[Revision] = asyncio.get_running_loop().create_future()
        self._pending[key] = pending
        cycle = self._cycle
        self.calls += 1
        try:
            found = await self._resolve(repo_url, revision, where=where)
        except asyncio.CancelledError:
            pending.cancel()
            raise
        except BaseException as err:
            self.forget(repo_url)  # git did not answer: nothing it said before is served now
            pending.set_exception(err)
            pending.exception()  # marked as retrieved: only waiters re-raise it
            raise
        finally:
            self._pending.pop(key, None)
        if cycle == self._cycle:
            self._known[key] = found
        pending.set_result(found)
        return found


def _cancelling() -> bool:
    """Whether the running task was asked to stop. Its own cancellation must never be taken for
    the shared call's: a controller cancelled with every worker asking for the same revision
    would otherwise keep one worker running (stepping operations) after it stopped."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _for_caller(err: GitwardError, where: Location | None) -> GitwardError:
    """The shared call's error, located at this caller's source instead of the first one's."""
    if where is None or err.where == where:
        return err
    mine = copy.copy(err)
    mine.where = where
    mine.args = (mine.message,)
    return mine
