"""Compare repository URLs the way Argo CD does, and pull credentials out of them.

An Application may write its repoURL as ``https://github.com/org/repo.git``, ``git@github.com:
org/repo`` or ``ssh://git@github.com/org/repo/``; gitward must know when two of them name the same
repository (one mirror, one set of credentials, one local mapping). Like Argo CD's
``NormalizeGitURL`` the comparison ignores case, a trailing ``.git`` and the scp-like spelling of
SSH URLs. Unlike it, userinfo of HTTP(S) URLs is dropped (it is a credential, not an identity) and
default ports are dropped. Local paths and ``file://`` URLs keep their case.

This module only computes strings: it never touches the network or the disk, and the normalized
form never carries a password.
"""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from dataclasses import dataclass

__all__ = [
    "UrlCredentials",
    "is_local_path",
    "is_local_url",
    "local_url_path",
    "normalize_repo_url",
    "same_repo_url",
    "split_credentials",
]

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# git's own rule: ``[user@]host:path`` with no slash before the first colon is SSH.
_SCP_LIKE = re.compile(r"^(?P<user>[^@/:]+@)?(?P<host>[^@/:]+):(?P<path>.*)$")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ssh": 22, "git": 9418}
_CREDENTIAL_SCHEMES = frozenset({"http", "https"})


def normalize_repo_url(url: str) -> str:
    """One spelling per repository, for comparing and hashing; never for fetching.

    ``git@GitHub.com:Org/Repo.git`` and ``ssh://git@github.com/org/repo/`` both become
    ``ssh://git@github.com/org/repo``; ``https://user:token@github.com/org/repo.git`` becomes
    ``https://github.com/org/repo``; ``/srv/repo/.git`` becomes ``file:///srv/repo``.
    """
    text = url.strip()
    if not text:
        return ""
    if is_local_path(text):
        return _normalize_local(text)
    if not _SCHEME.match(text):
        scp = _SCP_LIKE.match(text)
        if scp is None:
            return _strip_suffixes(text.lower())
        text = f"ssh://{scp['user'] or ''}{scp['host']}/{scp['path'].lstrip('/')}"
    if text.lower().startswith("file://"):
        return _normalize_local(text)
    return _normalize_remote(text)


def same_repo_url(left: str, right: str) -> bool:
    """Whether two repoURLs name the same repository (empty URLs name none)."""
    normal_left = normalize_repo_url(left)
    return bool(normal_left) and normal_left == normalize_repo_url(right)


def is_local_path(url: str) -> bool:
    """Whether git would read ``url`` as a path on this machine rather than a remote."""
    text = url.strip()
    return text.startswith(("/", "./", "../", "~")) or text in {".", ".."}


def is_local_url(url: str) -> bool:
    """Whether git would read ``url`` from this machine's disk rather than over a network.

    git's own rule: a URL with a scheme is local only as ``file://``; without one, ``host:path``
    (no slash before the first colon) is SSH and anything else (``/srv/repo``, ``./repo``,
    ``repo``) is a path.
    """
    text = url.strip()
    if not text:
        return False
    if _SCHEME.match(text):
        return text.lower().startswith("file://")
    return is_local_path(text) or _SCP_LIKE.match(text) is None


def local_url_path(url: str) -> str:
    """The path a local repoURL names (``file:///srv/r.git`` -> ``/srv/r.git``), as written."""
    text = url.strip()
    if text.lower().startswith("file://"):
        return urllib.parse.unquote(text[len("file://") :])
    return text


@dataclass(frozen=True, slots=True, repr=False)
class UrlCredentials:
    """A URL with its userinfo taken out, and that userinfo."""

    url: str
    username: str | None
    password: str | None

    def __repr__(self) -> str:
        return f"UrlCredentials(url={self.url!r}, username={self.username!r}, password=<hidden>)"


def split_credentials(url: str) -> UrlCredentials:
    """Take ``user:token@`` out of an HTTP(S) URL so the token never reaches git's argv.

    Other URLs (SSH, where the user is part of the address; local paths) come back unchanged.
    """
    if not _SCHEME.match(url.strip()):
        return UrlCredentials(url, None, None)
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() not in _CREDENTIAL_SCHEMES or "@" not in parts.netloc:
        return UrlCredentials(url, None, None)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    username, has_password, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=hostport))
    return UrlCredentials(
        clean,
        urllib.parse.unquote(username) or None,
        urllib.parse.unquote(password) if has_password else None,
    )


def _normalize_remote(url: str) -> str:
    parts = urllib.parse.urlsplit(url.lower())
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or _DEFAULT_PORTS.get(parts.scheme) == port else f"{host}:{port}"
    if parts.username and parts.scheme not in _CREDENTIAL_SCHEMES:
        netloc = f"{parts.username}@{netloc}"
    path = _strip_suffixes(parts.path)
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def _normalize_local(url: str) -> str:
    path = url.strip()
    if path.lower().startswith("file://"):
        path = urllib.parse.unquote(path[len("file://") :])
    path = posixpath.normpath(path)
    path = _strip_suffixes(path) or "/"
    return f"file://{path}" if path.startswith("/") else path


def _strip_suffixes(path: str) -> str:
    """``/org/repo.git/`` -> ``/org/repo``; ``/srv/repo/.git`` -> ``/srv/repo``."""
    trimmed = path.rstrip("/")
    trimmed = trimmed.removesuffix(".git")
    return trimmed.rstrip("/")
