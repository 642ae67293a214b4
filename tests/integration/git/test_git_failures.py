"""Unreachable remotes, deadlines and credentials: errors that help and never leak a secret."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gitward.errors import GitUnavailableError, TransientError
from gitward.git import Credentials, GitResult, Repositories, run_git
from gitward.git.commands import Git

if TYPE_CHECKING:
    from conftest import GitHttp, Upstream


class RecordingRunner:
    """The real runner, remembering every argv and environment it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[Sequence[str], Mapping[str, str]]] = []

    async def __call__(
        self, args: Sequence[str], *, cwd: Path | None, env: Mapping[str, str]
    ) -> GitResult:
        self.calls.append((list(args), dict(env)))
        return await run_git(args, cwd=cwd, env=env)

    def argv_mentions(self, text: str) -> bool:
        return any(text in arg for args, _ in self.calls for arg in args)


async def test_an_unreachable_remote_is_transient_and_hides_the_credentials(tmp_path: Path):
    repositories = Repositories(tmp_path / "cache", timeout=30)

    with pytest.raises(GitUnavailableError) as raised:
        await repositories.resolve("http://user:secret@127.0.0.1:9/x.git", "main")

    assert isinstance(raised.value, TransientError)
    assert "secret" not in str(raised.value)
    assert "127.0.0.1:9/x.git" in raised.value.message
    assert raised.value.hint


async def test_a_missing_local_repository_is_unavailable(tmp_path: Path):
    repositories = Repositories(tmp_path / "cache", timeout=30)

    with pytest.raises(GitUnavailableError) as raised:
        await repositories.checkout(str(tmp_path / "nowhere"), "main")

    assert str(tmp_path / "nowhere") in raised.value.message


async def test_https_credentials_authenticate_without_entering_argv(
    git_http: GitHttp, tmp_path: Path, upstream: Upstream
):
    runner = RecordingRunner()
    url = git_http.url("upstream")
    credentials = {url: Credentials(username=git_http.username, password=git_http.password)}
    repositories = Repositories(tmp_path / "cache", credentials=credentials, runner=runner)

    checkout = await repositories.checkout(url, "main")

    assert checkout.sha == upstream.head()
    assert not runner.argv_mentions(git_http.password)


async def test_credentials_written_into_the_url_are_moved_out_of_argv(
    git_http: GitHttp, tmp_path: Path, upstream: Upstream
):
    runner = RecordingRunner()
    url = git_http.url("upstream").replace("http://", f"http://bot:{git_http.password}@")
    repositories = Repositories(tmp_path / "cache", runner=runner)

    revision = await repositories.resolve(url, "main")

    assert revision.sha == upstream.head()
    assert not runner.argv_mentions(git_http.password)


async def test_rejected_credentials_are_unavailable_without_echoing_the_password(
    git_http: GitHttp, tmp_path: Path
):
    url = git_http.url("upstream")
    wrong = {url: Credentials(username="bot", password="wrong-password-value")}
    repositories = Repositories(tmp_path / "cache", credentials=wrong)

    with pytest.raises(GitUnavailableError) as raised:
        await repositories.resolve(url, "main")

    assert "wrong-password-value" not in str(raised.value)
    assert url in raised.value.message
    assert git_http.requests, "the server was asked"


async def test_a_git_command_past_its_deadline_is_killed_with_what_it_started(tmp_path: Path):
    pid_file = tmp_path / "pid"
    stall = f"!echo $$ > {pid_file}; exec sleep 600"

    with pytest.raises(GitUnavailableError) as raised:
        await Git(run_git, timeout=2).call(["-c", f"alias.stall={stall}", "stall"], cwd=tmp_path)

    assert "timed out" in raised.value.message
    pid = int(pid_file.read_text())
    await wait_until_gone(pid)


async def wait_until_gone(pid: int) -> None:
    """Wait (bounded) until ``pid`` has exited (a zombie counts: it runs no more)."""
    for _ in range(200):
        if has_exited(pid):
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"process {pid} still runs after its deadline")


def has_exited(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "\nState:\tZ" in status.read_text()


async def test_a_repo_url_that_would_run_a_command_is_refused(tmp_path: Path):
    planted = tmp_path / "planted"
    repositories = Repositories(tmp_path / "cache", timeout=30)

    with pytest.raises(GitUnavailableError):
        await repositories.resolve(f"ext::sh -c touch% {planted}", "main")

    assert not planted.exists()
