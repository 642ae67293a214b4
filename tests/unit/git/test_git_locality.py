"""Which repoURLs on this machine's disk may be read (issue 11.3): none by default on the
server, those under an allowed directory (after symlinks are followed), never gitward's cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitward.errors import ConfigError, Location
from gitward.git import LocalRepoPolicy

WHERE = Location("apps.yaml", "Application a", "spec.sources[1]")


def test_nothing_local_is_allowed_when_no_directory_is(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        LocalRepoPolicy(allowed=()).check(str(tmp_path), where=WHERE)

    assert caught.value.where == WHERE.at("spec.sources[1].repoURL")
    assert "--allow-local-repos" in str(caught.value)


@pytest.mark.parametrize("spelling", ["{d}/repo", "file://{d}/repo", "file://{d}/repo/.git"])
def test_repositories_under_an_allowed_directory_pass(tmp_path: Path, spelling: str) -> None:
    LocalRepoPolicy(allowed=(tmp_path,)).check(spelling.format(d=tmp_path), where=WHERE)


def test_a_symlink_out_of_an_allowed_directory_is_followed_and_refused(tmp_path: Path) -> None:
    allowed, elsewhere = tmp_path / "allowed", tmp_path / "elsewhere"
    allowed.mkdir()
    elsewhere.mkdir()
    (allowed / "link").symlink_to(elsewhere)

    with pytest.raises(ConfigError):
        LocalRepoPolicy(allowed=(allowed,)).check(f"file://{allowed}/link", where=WHERE)


def test_the_forbidden_cache_wins_over_an_allowed_parent(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    policy = LocalRepoPolicy(allowed=(tmp_path,), forbidden=(cache,))

    with pytest.raises(ConfigError):
        policy.check(f"{cache}/mirrors/0123", where=WHERE)


@pytest.mark.parametrize("url", ["https://github.com/org/r.git", "git@github.com:org/r.git"])
def test_remote_urls_are_never_judged(url: str) -> None:
    LocalRepoPolicy(allowed=()).check(url, where=WHERE)


def test_a_path_no_file_system_holds_is_refused_in_a_bounded_message() -> None:
    with pytest.raises(ConfigError) as caught:
        LocalRepoPolicy(allowed=()).check("/" + "x" * 5000, where=WHERE)

    assert len(str(caught.value)) < 800
