"""Argo CD's repository URL helpers for notifications, which need no repository access:
``repo.RepoURLToHTTPS`` (any git URL as ``https://host/path``, credentials dropped) and
``repo.FullNameByRepoURL`` (``owner/name``: the first two parts of the path, without
``.git``). Pure; used by trigger conditions and by templates.
"""

from __future__ import annotations

import re

__all__ = ["full_name_by_repo_url", "repo_url_to_https"]

_SCP = re.compile(r"^(?:[^/:@]+@)?(?P<host>[^/:]+):(?!//)/?(?P<path>.*)$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/]*@)?(?P<host>[^/]*)/?(?P<path>.*)$")


def _split(url: str) -> tuple[str, str]:
    """(host with port, path) of an ``scheme://`` or scp-like (``git@host:path``) URL."""
    text = url.strip()
    found = _URL.match(text) or _SCP.match(text)
    if found is None:
        return "", text
    return found.group("host"), found.group("path")


def repo_url_to_https(url: str) -> str:
    host, path = _split(url)
    if not host:
        return url
    return f"https://{host}/{path}" if path else f"https://{host}"


def full_name_by_repo_url(url: str) -> str:
    _, path = _split(url)
    parts = [part for part in re.sub(r"\.git$", "", path).split("/") if part]
    return "/".join(parts[:2]) if len(parts) >= 2 else "/".join(parts)
