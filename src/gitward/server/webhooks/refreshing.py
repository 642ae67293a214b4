"""Decide which Applications a push concerns: same repository, tracked revision pushed, and
(optionally) a changed file under the app's ``manifest-generate-paths``.

Repository: any URL of the push names the app's repoURL, compared like Argo CD's webhook does:
scheme (https, http, ssh, git), user, port, case, a trailing ``.git`` and an ``ssh.`` or
``altssh.`` host prefix do not matter; host and path do. (``gitward.git.urls`` decides equality
of spellings of one URL; the webhook also equates the web page with the clone URLs.)

Revision (Argo CD's rules, made stricter for SHAs and kinder to tag constraints):

- ``HEAD`` or empty: the default branch, when the payload names it; else any branch push.
- ``refs/heads/x`` or ``refs/tags/x``: exactly that ref.
- a full commit SHA: only a push whose new revision is that commit.
- anything else: the pushed branch or tag of that name (or a pushed commit with that
  abbreviated SHA); a semver constraint such as ``1.*`` or ``>=1.2`` matches any tag push.

Pure string work: no URL is ever contacted.
"""

from __future__ import annotations

import functools
import posixpath
import re
import urllib.parse
from collections.abc import Iterable

from gitward.git.urls import normalize_repo_url, same_repo_url
from gitward.server.webhooks.pushes import BRANCH_PREFIX, Push

__all__ = ["matches", "paths_match", "refresh_paths", "same_repository"]

_HEAD = "HEAD"
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{7,39}")
_CONSTRAINT = re.compile(r"[*^~<>=|,\s]|(^|\.)[xX](\.|$)")
_REMOTE_SCHEMES = frozenset({"http", "https", "ssh", "git"})
_SSH_HOST_PREFIXES = ("ssh.", "altssh.")


def matches(push: Push, app_repo_url: str, app_target_revision: str) -> bool:
    """Whether ``push`` changed what an app with this repoURL and targetRevision tracks."""
    if push.ping or not push.ref:
        return False
    if not any(same_repository(url, app_repo_url) for url in push.repo_urls):
        return False
    return _revision_matches(push, app_target_revision.strip())


def same_repository(payload_url: str, repo_url: str) -> bool:
    """Whether a URL from a payload and an app's repoURL name the same repository."""
    if same_repo_url(payload_url, repo_url):
        return True
    left, right = _identity(payload_url), _identity(repo_url)
    return left is not None and left == right


def refresh_paths(annotation_value: str, source_paths: str | Iterable[str]) -> tuple[str, ...]:
    """The repository paths of ``argocd.argoproj.io/manifest-generate-paths``: ``;``-separated,
    absolute ones from the repository root, relative ones from each source's path."""
    paths = [source_paths] if isinstance(source_paths, str) else list(source_paths)
    result: list[str] = []
    for item in (part.strip() for part in annotation_value.split(";")):
        if not item:
            continue
        if item.startswith("/"):
            result.append(posixpath.normpath(item))
        else:
            result.extend(posixpath.normpath("/" + posixpath.join(p, item)) for p in paths)
    return tuple(dict.fromkeys(result))


def paths_match(
    annotation_value: str, app_source_path: str | Iterable[str], changed_files: Iterable[str]
) -> bool:
    """Whether a push with these changed files needs the app refreshed: always when the push
    lists no files or the app has no annotation; otherwise when a file is one of the paths,
    under one of them, or matches one as a pattern (``*`` stays within a directory)."""
    files = [posixpath.normpath("/" + name.lstrip("/")) for name in changed_files if name]
    paths = refresh_paths(annotation_value, app_source_path)
    if not files or not paths:
        return True
    return any(_covers(path, name) for name in files for path in paths)


def _revision_matches(push: Push, target: str) -> bool:
    if target in ("", _HEAD):
        if push.default_branch:
            return push.ref == BRANCH_PREFIX + push.default_branch
        return push.is_branch
    if target.startswith("refs/"):
        return push.ref == target
    if _FULL_SHA.fullmatch(target):
        return push.revision.lower() == target.lower()
    return push.ref_name == target or _loosely_matches(push, target)


def _loosely_matches(push: Push, target: str) -> bool:
    """An abbreviated SHA of the pushed commit, or a tag constraint and a pushed tag."""
    if _SHORT_SHA.fullmatch(target) and push.revision.lower().startswith(target.lower()):
        return True
    return push.is_tag and _CONSTRAINT.search(target) is not None


def _identity(url: str) -> tuple[str, str] | None:
    parts = urllib.parse.urlsplit(normalize_repo_url(url))
    if parts.scheme not in _REMOTE_SCHEMES or not parts.hostname:
        return None
    host = parts.hostname
    for prefix in _SSH_HOST_PREFIXES:
        host = host.removeprefix(prefix)
    return host, parts.path.strip("/")


def _covers(path: str, name: str) -> bool:
    if path in (name, "/") or name.startswith(path + "/"):
        return True
    pattern = _path_pattern(path)
    return pattern is not None and pattern.fullmatch(name) is not None


@functools.lru_cache(maxsize=1024)
def _path_pattern(path: str) -> re.Pattern[str] | None:
    """Go's ``filepath.Match`` syntax; ``None`` when ``path`` has no pattern or a bad one."""
    if not any(char in path for char in "*?["):
        return None
    out, pos = [], 0
    while pos < len(path):
        char = path[pos]
        pos += 1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = path.find("]", pos + 1)
            if end < 0:
                return None
            body = path[pos:end]
            negate = body.startswith("^")
            escaped = "".join("-" if c == "-" else re.escape(c) for c in body.lstrip("^"))
            out.append(f"[{'^' if negate else ''}{escaped}]")
            pos = end + 1
        else:
            out.append(re.escape(char))
    try:
        return re.compile("".join(out))
    except re.error:
        return None
