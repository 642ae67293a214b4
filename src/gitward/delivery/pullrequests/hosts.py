"""Which Git host serves a repository, and where its web pages and its API are.

A promotion to a manual environment pushes a branch and hands a person (or the host's API) a
pull request. For that gitward must tell from a repoURL whether GitHub or GitLab serves it and
what the project is called there: ``https://github.com/acme/infra.git``,
``git@github.com:acme/infra.git`` and ``ssh://git@github.com/acme/infra`` all name GitHub's
``acme/infra``; ``https://gitlab.com/acme/platform/infra.git`` names GitLab's project
``acme/platform/infra`` (subgroups included).

Recognised without configuration: github.com, gitlab.com, and hosts whose first DNS label starts
with ``github`` or ``gitlab`` (``github.acme.com`` is taken for GitHub Enterprise,
``gitlab.acme.io`` for a self-managed GitLab). Any other host is recognised when configured
(:class:`GitHosts`, ``GITWARD_GIT_HOSTS``): ``gitlab=https://git.acme.io`` or, for an install
under a path, ``gitlab=https://acme.io/gitlab``.

This module only computes strings: no network, no credentials (userinfo is dropped).
"""

from __future__ import annotations

import enum
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from gitward import settings

__all__ = ["GitHosts", "Host", "HostKind", "host_of"]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?(?P<host>[^@/:]+):(?P<path>.*)$")
_GIT_SCHEMES = frozenset({"http", "https", "ssh", "git", "git+ssh", "ssh+git"})


class HostKind(enum.StrEnum):
    """The Git hosts whose API gitward speaks."""

    GITHUB = "github"
    GITLAB = "gitlab"

    @property
    def label(self) -> str:
        """How people write it: ``GitHub``, ``GitLab``."""
        return {"github": "GitHub", "gitlab": "GitLab"}[self.value]


@dataclass(frozen=True, slots=True)
class Host:
    """One repository on a Git host: where its pages are and where the host's API is.

    ``web_url`` is the host's address without a trailing slash (``https://github.com``,
    ``https://acme.io/gitlab``); ``project`` the repository's path there (``acme/infra``,
    ``group/subgroup/project``); ``api_url`` the API root that paths are appended to
    (``https://api.github.com``, ``https://HOST/api/v3``, ``https://HOST/api/v4``).
    """

    kind: HostKind
    web_url: str
    api_url: str
    project: str

    @property
    def hostname(self) -> str:
        return urllib.parse.urlsplit(self.web_url).netloc

    @property
    def described(self) -> str:
        """For messages: ``GitHub repository github.com/acme/infra``."""
        return f"{self.kind.label} repository {self.hostname}/{self.project}"


@dataclass(frozen=True, slots=True)
class GitHosts:
    """Self-hosted GitHub Enterprise and GitLab installs, as ``(kind, web URL)`` pairs."""

    servers: tuple[tuple[HostKind, str], ...] = ()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]]) -> GitHosts:
        """From settings' (kind, URL) pairs (``Settings.git.hosts``)."""
        return cls(tuple((HostKind(kind), url.rstrip("/")) for kind, url in pairs))

    @classmethod
    def parse(cls, entries: Iterable[str], given_as: str) -> GitHosts:
        """``KIND=URL`` entries (``github=https://ghe.acme.com``); ``given_as`` names the flag
        or variable for errors."""
        return cls.of(settings.parse_git_hosts(entries, given_as))


def host_of(repo_url: str, hosts: GitHosts | None = None) -> Host | None:
    """The Git host serving ``repo_url`` (https, http, ssh or scp-like ``git@host:path``);
    None when the host is neither GitHub nor GitLab, or the path names no project."""
    parts = _split(repo_url)
    if parts is None:
        return None
    scheme, netloc, path = parts
    hostname = netloc.rsplit("@", 1)[-1].split(":")[0]
    for kind, server in (hosts or GitHosts()).servers:
        found = _on_server(kind, server, scheme, hostname, path)
        if found is not None:
            return found
    known = _known_kind(hostname)
    if known is None:
        return None
    web_scheme = scheme if scheme in ("http", "https") else "https"
    web_host = netloc if scheme in ("http", "https") else hostname
    return _host(known, f"{web_scheme}://{web_host}", path)


def _split(repo_url: str) -> tuple[str, str, str] | None:
    """(scheme, host[:port], path) with userinfo dropped; None for local paths and the like."""
    text = repo_url.strip()
    if not _SCHEME.match(text):
        scp = _SCP_LIKE.match(text)
        if scp is None or text.startswith(("/", ".")):
            return None
        return "ssh", scp["host"].lower(), scp["path"]
    try:
        split = urllib.parse.urlsplit(text)
        port = split.port
    except ValueError:
        return None
    scheme = split.scheme.lower()
    if scheme not in _GIT_SCHEMES or not split.hostname:
        return None
    netloc = split.hostname if port is None else f"{split.hostname}:{port}"
    return scheme, netloc, split.path


def _on_server(kind: HostKind, server: str, scheme: str, hostname: str, path: str) -> Host | None:
    configured = urllib.parse.urlsplit(server)
    if (configured.hostname or "") != hostname:
        return None
    prefix = configured.path.rstrip("/")
    if scheme in ("http", "https") and prefix:
        if not (path + "/").startswith(prefix + "/"):
            return None
        path = path[len(prefix) :]
    return _host(kind, server.rstrip("/"), path)


def _known_kind(hostname: str) -> HostKind | None:
    first = hostname.removeprefix("www.").split(".")[0]
    for kind in HostKind:
        if first.startswith(kind.value):
            return kind
    return None


def _host(kind: HostKind, web_url: str, path: str) -> Host | None:
    project = _project(path)
    segments = project.split("/")
    if not project or "" in segments or (kind is HostKind.GITHUB and len(segments) != 2):
        return None
    if kind is HostKind.GITLAB and len(segments) < 2:
        return None
    return Host(kind, web_url, default_api_url(kind, web_url), project)


def _project(path: str) -> str:
    cleaned = urllib.parse.unquote(path).strip("/")
    cleaned = cleaned.split("/-/")[0]
    return cleaned.removesuffix(".git").strip("/")


def default_api_url(kind: HostKind, web_url: str) -> str:
    """``https://api.github.com`` for github.com, ``WEB/api/v3`` for GitHub Enterprise,
    ``WEB/api/v4`` for GitLab."""
    if kind is HostKind.GITHUB:
        hostname = urllib.parse.urlsplit(web_url).hostname or ""
        if hostname in ("github.com", "www.github.com"):
            return "https://api.github.com"
        return f"{web_url}/api/v3"
    return f"{web_url}/api/v4"
