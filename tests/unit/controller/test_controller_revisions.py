"""The per-cycle revision cache: one resolution per (repository, revision) per cycle."""

from __future__ import annotations

import asyncio
from asyncio import Task
from typing import Any

import pytest

from gitward.controller.revisions import RevisionCache
from gitward.errors import GitUnavailableError, Location
from gitward.git.refs import RefKind, Revision

REPO = "https://github.com/example/infra.git"


class Remote:
    """A resolver that counts its calls and can be held or made to fail."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.sha = "a" * 40
        self.gate: asyncio.Event | None = None
        self.failing = False

    async def __call__(self, repo_url: str, revision: str, **_: Any) -> Revision:
        self.calls.append((repo_url, revision))
        if self.gate is not None:
            await self.gate.wait()
        if self.failing:
            raise GitUnavailableError("Could not resolve host: github.com")
        return Revision(self.sha, RefKind.BRANCH, f"refs/heads/{revision}", revision)


async def test_apps_on_one_repository_share_one_resolution_per_cycle() -> None:
    remote = Remote()
    cache = RevisionCache(remote)
    for spelling in (REPO, "https://github.com/example/infra", "https://GitHub.com/example/infra/"):
        assert (await cache.resolve(spelling, "main")).sha == "a" * 40
    assert len(remote.calls) == 1


async def test_a_new_cycle_resolves_again_and_sees_a_new_commit() -> None:
    remote = Remote()
    cache = RevisionCache(remote)
    await cache.resolve(REPO, "main")
    remote.sha = "b" * 40
    assert (await cache.resolve(REPO, "main")).sha == "a" * 40
    cache.next_cycle()
    assert (await cache.resolve(REPO, "main")).sha == "b" * 40
    assert len(remote.calls) == 2


async def test_a_hard_refresh_and_a_webhook_bypass_the_cycle() -> None:
    remote = Remote()
    cache = RevisionCache(remote)
    await cache.resolve(REPO, "main")
    remote.sha = "c" * 40
    assert (await cache.resolve(REPO, "main", hard=True)).sha == "c" * 40
    remote.sha = "d" * 40
    cache.forget("https://github.com/example/infra")
    assert (await cache.resolve(REPO, "main")).sha == "d" * 40
    assert len(remote.calls) == 3


async def test_concurrent_asks_wait_for_one_call() -> None:
    remote = Remote()
    remote.gate = asyncio.Event()
    cache = RevisionCache(remote)
    asks = [asyncio.create_task(cache.resolve(REPO, "main")) for _ in range(5)]
    await asyncio.sleep(0)
    remote.gate.set()
    found = await asyncio.gather(*asks)
    assert {item.sha for item in found} == {"a" * 40}
    assert len(remote.calls) == 1


async def test_failures_are_shared_by_waiters_but_never_kept() -> None:
    remote = Remote()
    remote.failing = True
    remote.gate = asyncio.Event()
    cache = RevisionCache(remote)
    asks = [asyncio.create_task(cache.resolve(REPO, "main")) for _ in range(3)]
    await asyncio.sleep(0)
    remote.gate.set()
    results = await asyncio.gather(*asks, return_exceptions=True)
    assert all(isinstance(item, GitUnavailableError) for item in results)
    remote.failing = False
    assert (await cache.resolve(REPO, "main")).sha == "a" * 40
    assert len(remote.calls) == 2


async def two_askers_of_one_resolution() -> tuple[Remote, Task[Revision], Task[Revision]]:
    """Two resolutions of one branch, the second waiting on the first's git call, which is
    held until ``remote.gate`` is set."""
    remote = Remote()
    remote.gate = asyncio.Event()
    cache = RevisionCache(remote)
    first = asyncio.create_task(cache.resolve(REPO, "main"))
    await asyncio.sleep(0)
    second = asyncio.create_task(cache.resolve(REPO, "main"))
    await asyncio.sleep(0)
    return remote, first, second


async def test_a_cancelled_first_asker_does_not_cancel_the_others() -> None:
    remote, first, second = await two_askers_of_one_resolution()
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    remote.gate.set()
    assert (await second).sha == "a" * 40
    assert len(remote.calls) == 2


async def test_askers_cancelled_together_all_stop_and_none_asks_git_again() -> None:
    """A controller cancelled while two workers wait on one resolution: the waiter must stop
    too, not take the shared call's cancellation for the only one and run git itself (it
    would go on reconciling, stepping operations, after its controller was cancelled)."""
    remote, first, second = await two_askers_of_one_resolution()
    first.cancel()
    second.cancel()
    remote.gate.set()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert [type(result) for result in results] == [asyncio.CancelledError] * 2
    assert len(remote.calls) == 1


async def test_an_answer_from_an_older_cycle_is_not_kept() -> None:
    remote = Remote()
    remote.gate = asyncio.Event()
    cache = RevisionCache(remote)
    asking = asyncio.create_task(cache.resolve(REPO, "main"))
    await asyncio.sleep(0)
    cache.next_cycle()
    remote.gate.set()
    await asking
    assert cache.known(REPO, "main") is None


async def test_a_shared_failure_names_each_asking_apps_own_source() -> None:
    gate = asyncio.Event()

    async def unreachable(repo_url: str, revision: str, *, where: Location | None = None) -> Any:
        await gate.wait()
        raise GitUnavailableError("Could not resolve host: github.com", where=where)

    cache = RevisionCache(unreachable)
    asking = [
        Location(file="apps.yaml", obj=f"Application {name}", field="spec.source")
        for name in ("dev", "staging", "prod")
    ]
    calls = [asyncio.create_task(cache.resolve(REPO, "main", where=where)) for where in asking]
    await asyncio.sleep(0)  # every caller is waiting on the one git call
    gate.set()
    errors = await asyncio.gather(*calls, return_exceptions=True)

    assert cache.calls == 1
    assert [str(err) for err in errors] == [
        f"apps.yaml: Application {name}: spec.source: Could not resolve host: github.com"
        for name in ("dev", "staging", "prod")
    ]
    assert all(isinstance(err, GitUnavailableError) for err in errors)


async def test_once_git_fails_the_cycle_no_longer_serves_what_it_said_before() -> None:
    """A hard refresh that finds git unreachable must not leave this cycle's earlier answer to
    the next normal refresh: that one would compare at the old commit, succeed, and clear the
    app's ComparisonError while git is still unreachable."""
    remote = Remote()
    cache = RevisionCache(remote)
    await cache.resolve(REPO, "main")
    await cache.resolve(REPO, "release")
    remote.failing = True
    with pytest.raises(GitUnavailableError):
        await cache.resolve(REPO, "main", hard=True)
    assert cache.known(REPO, "main") is None
    assert cache.known(REPO, "release") is None  # the repository is as unreachable for it
    with pytest.raises(GitUnavailableError):
        await cache.resolve(REPO, "main")
    with pytest.raises(GitUnavailableError):
        await cache.resolve(REPO, "release")
    remote.failing = False
    assert (await cache.resolve(REPO, "main")).sha == "a" * 40
    assert len(remote.calls) == 6


async def test_a_failure_forgets_only_its_own_repository() -> None:
    remote = Remote()
    cache = RevisionCache(remote)
    other = "https://github.com/example/charts.git"
    await cache.resolve(REPO, "main")
    await cache.resolve(other, "main")
    remote.failing = True
    with pytest.raises(GitUnavailableError):
        await cache.resolve(REPO, "main", hard=True)
    assert cache.known(other, "main") is not None
    assert (await cache.resolve(other, "main")).sha == "a" * 40
