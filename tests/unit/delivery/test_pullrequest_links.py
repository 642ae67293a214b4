"""Recognising GitHub and GitLab repositories from repoURLs, the link a person opens to create
the pull request, and the stored secret that serves as the API token."""

from __future__ import annotations

import subprocess
import sys
import urllib.parse

import pytest

from gitward.delivery import pullrequests
from gitward.delivery.pullrequests import (
    GitHosts,
    HostKind,
    api_token,
    compare_link,
    host_of,
)
from gitward.errors import ConfigError
from gitward.git.credentials import Credentials as GitCredentials
from gitward.store.records import Credentials as StoredCredentials

GITHUB, GITLAB = HostKind.GITHUB, HostKind.GITLAB

RECOGNISED = [
    ("https://github.com/acme/infra.git", GITHUB, "https://github.com", "acme/infra"),
    ("https://github.com/acme/infra", GITHUB, "https://github.com", "acme/infra"),
    ("https://github.com/Acme/Infra/", GITHUB, "https://github.com", "Acme/Infra"),
    ("https://bot:s3cret@github.com/acme/infra.git", GITHUB, "https://github.com", "acme/infra"),
    ("git@github.com:acme/infra.git", GITHUB, "https://github.com", "acme/infra"),
    ("git@GitHub.com:acme/infra", GITHUB, "https://github.com", "acme/infra"),
    ("ssh://git@github.com/acme/infra.git", GITHUB, "https://github.com", "acme/infra"),
    ("ssh://git@github.com:22/acme/infra", GITHUB, "https://github.com", "acme/infra"),
    ("https://github.acme.com/acme/infra.git", GITHUB, "https://github.acme.com", "acme/infra"),
    ("https://gitlab.com/acme/infra.git", GITLAB, "https://gitlab.com", "acme/infra"),
    (
        "https://gitlab.com/acme/platform/team/infra.git",
        GITLAB,
        "https://gitlab.com",
        "acme/platform/team/infra",
    ),
    ("git@gitlab.com:acme/platform/infra.git", GITLAB, "https://gitlab.com", "acme/platform/infra"),
    (
        "ssh://git@gitlab.acme.io:2222/acme/infra.git",
        GITLAB,
        "https://gitlab.acme.io",
        "acme/infra",
    ),
    ("https://gitlab.acme.io:8443/acme/infra", GITLAB, "https://gitlab.acme.io:8443", "acme/infra"),
    ("http://gitlab.local/acme/infra.git", GITLAB, "http://gitlab.local", "acme/infra"),
]


@pytest.mark.parametrize(("url", "kind", "web", "project"), RECOGNISED)
def test_a_repo_url_names_its_host_and_project(
    url: str, kind: HostKind, web: str, project: str
) -> None:
    host = host_of(url)
    assert host is not None
    assert (host.kind, host.web_url, host.project) == (kind, web, project)


@pytest.mark.parametrize(
    "url",
    [
        "https://bitbucket.org/acme/infra.git",
        "https://git.acme.io/acme/infra.git",
        "https://github.com/acme",
        "https://github.com/acme/infra/extra",
        "https://gitlab.com/acme",
        "/srv/git/infra",
        "file:///srv/git/infra",
        "./infra",
        "",
        "https://github.com:notaport/acme/infra",
    ],
)
def test_an_unknown_host_or_a_path_without_a_project_is_none(url: str) -> None:
    assert host_of(url) is None
    assert compare_link(url, "promote/prod", "main") is None


def test_the_api_root_follows_the_host() -> None:
    roots = {
        url: getattr(host_of(url), "api_url", None)
        for url in (
            "https://github.com/acme/infra",
            "https://github.acme.com/acme/infra",
            "https://gitlab.com/acme/infra",
            "git@gitlab.acme.io:acme/infra.git",
        )
    }
    assert roots == {
        "https://github.com/acme/infra": "https://api.github.com",
        "https://github.acme.com/acme/infra": "https://github.acme.com/api/v3",
        "https://gitlab.com/acme/infra": "https://gitlab.com/api/v4",
        "git@gitlab.acme.io:acme/infra.git": "https://gitlab.acme.io/api/v4",
    }


def test_configured_hosts_are_recognised_with_their_path_prefix() -> None:
    hosts = GitHosts.parse(
        ["gitlab=https://acme.io/gitlab/", "github=https://code.acme.com"], "GITWARD_GIT_HOSTS"
    )
    under_prefix = host_of("https://acme.io/gitlab/platform/infra.git", hosts)
    by_ssh = host_of("git@acme.io:platform/infra.git", hosts)
    enterprise = host_of("ssh://git@code.acme.com/acme/infra.git", hosts)
    assert under_prefix is not None and by_ssh is not None and enterprise is not None
    assert (under_prefix.kind, under_prefix.web_url, under_prefix.project) == (
        GITLAB,
        "https://acme.io/gitlab",
        "platform/infra",
    )
    assert under_prefix.api_url == "https://acme.io/gitlab/api/v4"
    assert (by_ssh.web_url, by_ssh.project) == ("https://acme.io/gitlab", "platform/infra")
    assert (enterprise.kind, enterprise.api_url) == (GITHUB, "https://code.acme.com/api/v3")
    assert host_of("https://acme.io/other/infra.git", hosts) is None


@pytest.mark.parametrize(
    "entry", ["gitea=https://git.acme.io", "gitlab", "gitlab=git.acme.io", "github=ftp://x/"]
)
def test_a_malformed_host_entry_names_the_setting(entry: str) -> None:
    with pytest.raises(ConfigError) as raised:
        GitHosts.parse([entry], "GITWARD_GIT_HOSTS")
    assert "GITWARD_GIT_HOSTS" in raised.value.message
    assert "github=https://" in raised.value.message


def test_the_github_compare_link_puts_the_target_first() -> None:
    assert (
        compare_link("git@github.com:acme/infra.git", "promote/prod-1.4.0", "main")
        == "https://github.com/acme/infra/compare/main...promote/prod-1.4.0?expand=1"
    )


def test_github_branch_names_are_percent_encoded_but_keep_their_slashes() -> None:
    link = compare_link("https://github.com/acme/infra", "promote/prod#2+hot fix", "release/1.x")
    assert link == (
        "https://github.com/acme/infra/compare/release/1.x...promote/prod%232%2Bhot%20fix?expand=1"
    )


def test_the_gitlab_link_opens_the_new_merge_request_form() -> None:
    link = compare_link("https://gitlab.com/acme/platform/infra.git", "promote/prod&x", "main")
    assert link is not None
    page, _, query = link.partition("?")
    assert page == "https://gitlab.com/acme/platform/infra/-/merge_requests/new"
    assert query == (
        "merge_request%5Bsource_branch%5D=promote%2Fprod%26x&merge_request%5Btarget_branch%5D=main"
    )
    assert urllib.parse.parse_qs(query) == {
        "merge_request[source_branch]": ["promote/prod&x"],
        "merge_request[target_branch]": ["main"],
    }


def test_a_compare_link_never_carries_the_urls_credentials() -> None:
    link = compare_link("https://bot:s3cret@gitlab.com/acme/infra.git", "promote/prod", "main")
    assert link is not None
    assert "s3cret" not in link
    assert "bot" not in link


def test_the_https_password_of_either_credentials_type_is_the_api_token() -> None:
    assert api_token(GitCredentials(username="bot", password="ghp_abc")) == "ghp_abc"
    assert api_token(StoredCredentials(username="bot", password="glpat-xyz")) == "glpat-xyz"


def test_an_ssh_key_or_no_credentials_give_no_token() -> None:
    assert api_token(GitCredentials(ssh_private_key="-----BEGIN KEY-----")) is None
    assert api_token(StoredCredentials(password="  ")) is None
    assert api_token(None) is None


def test_the_public_surface_is_what_promotion_codes_against() -> None:
    assert set(pullrequests.__all__) >= {
        "PullRequest",
        "PullRequestLink",
        "host_of",
        "compare_link",
        "open_pull_request",
        "api_token",
    }
    assert all(hasattr(pullrequests, name) for name in pullrequests.__all__)


def test_recognising_hosts_and_links_loads_no_http_client() -> None:
    code = (
        "import sys, gitward.delivery.pullrequests as p\n"
        "p.compare_link('https://github.com/a/b', 'x', 'main')\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    loaded = done.stdout.splitlines()
    assert "gitward.delivery.pullrequests.links" in loaded
    assert [m for m in loaded if m.startswith(("httpx", "gitward.store", "gitward.server"))] == []
