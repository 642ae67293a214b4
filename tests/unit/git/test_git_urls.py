"""repoURLs compare the way Argo CD compares them, and never keep a password."""

from __future__ import annotations

import pytest

from gitward.git.urls import is_local_url, normalize_repo_url, same_repo_url, split_credentials


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("https://github.com/org/repo.git", "https://github.com/org/repo"),
        ("https://github.com/org/repo", "https://github.com/org/repo"),
        ("https://github.com/org/repo/", "https://github.com/org/repo"),
        ("https://github.com/org/repo.git/", "https://github.com/org/repo"),
        ("  HTTPS://GitHub.COM/Org/Repo.git  ", "https://github.com/org/repo"),
        ("https://github.com:443/org/repo", "https://github.com/org/repo"),
        ("https://git.example.com:8443/org/repo", "https://git.example.com:8443/org/repo"),
        ("https://user:token@github.com/org/repo.git", "https://github.com/org/repo"),
        ("git@github.com:org/repo.git", "ssh://git@github.com/org/repo"),
        ("ssh://git@github.com/org/repo", "ssh://git@github.com/org/repo"),
        ("ssh://git@github.com:22/org/repo.git", "ssh://git@github.com/org/repo"),
        (
            "ssh://git@gitlab.example.com:2222/org/repo",
            "ssh://git@gitlab.example.com:2222/org/repo",
        ),
        ("github.com:org/repo", "ssh://github.com/org/repo"),
        ("/srv/git/Repo.git", "file:///srv/git/Repo"),
        ("/srv/git/Repo/.git", "file:///srv/git/Repo"),
        ("file:///srv/git/Repo/", "file:///srv/git/Repo"),
        ("", ""),
    ],
)
def test_a_repo_url_normalizes_to_one_spelling(url: str, normalized: str):
    assert normalize_repo_url(url) == normalized


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("git@github.com:org/repo.git", "ssh://git@github.com/org/repo"),
        ("https://github.com/Org/Repo", "https://github.com/org/repo.git/"),
        ("https://bot:token@github.com/org/repo", "https://github.com/org/repo"),
        ("/srv/git/repo", "file:///srv/git/repo.git"),
    ],
)
def test_spellings_of_one_repository_are_the_same_url(left: str, right: str):
    assert same_repo_url(left, right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("https://github.com/org/repo", "git@github.com:org/repo"),
        ("https://github.com/org/repo", "https://github.com/org/repo-two"),
        ("https://github.com/org/repo", "https://gitlab.com/org/repo"),
        ("ssh://git@host/org/repo", "ssh://deploy@host/org/repo"),
        ("/srv/git/Repo", "/srv/git/repo"),
        ("", ""),
    ],
)
def test_different_repositories_are_not_the_same_url(left: str, right: str):
    assert not same_repo_url(left, right)


def test_credentials_are_taken_out_of_an_https_url():
    split = split_credentials("https://bot:p%40ss@github.com/org/repo.git")

    assert split.url == "https://github.com/org/repo.git"
    assert (split.username, split.password) == ("bot", "p@ss")
    assert "p@ss" not in repr(split)


@pytest.mark.parametrize(
    "url",
    ["git@github.com:org/repo.git", "ssh://git@github.com/org/repo", "/srv/repo", "https://h/r"],
)
def test_urls_without_https_credentials_are_left_alone(url: str):
    split = split_credentials(url)

    assert (split.url, split.username, split.password) == (url, None, None)


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("file:///srv/repo", True),
        ("FILE:///srv/repo.git", True),
        ("/srv/repo", True),
        ("./repo", True),
        ("../repo", True),
        ("repo", True),
        ("~/repo", True),
        ("https://github.com/org/repo.git", False),
        ("ssh://git@github.com/org/repo", False),
        ("git@github.com:org/repo.git", False),
        ("github.com:org/repo", False),
        ("", False),
    ],
)
def test_local_urls_are_the_ones_git_reads_from_disk(url: str, local: bool) -> None:
    assert is_local_url(url) is local
