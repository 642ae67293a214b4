"""Turn a targetRevision into a commit SHA, given what ``git ls-remote`` advertised.

Argo CD's rules, applied to one ls-remote listing: empty or ``HEAD`` means the remote's HEAD; a
40-hex string is a commit and needs no network; otherwise the first advertised ref whose full
name (``refs/heads/main``) or short name (``main``, ``v1.2.0``) matches wins, branches before tags
as git lists them, annotated tags peeled to their commit. A 7 to 39-hex string that names no ref
is a short commit SHA that only a fetched mirror can expand.

Pure functions over text: no git, no disk.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "Advertised",
    "RefKind",
    "Revision",
    "is_commit_sha",
    "is_short_sha",
    "match_revision",
    "parse_ls_remote",
]

_FULL_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
_SHORT_SHA = re.compile(r"^[0-9a-fA-F]{7,39}$")
_PEELED = "^{}"
_SHORT_PREFIXES = ("refs/heads/", "refs/tags/")


class RefKind(enum.StrEnum):
    """What a targetRevision turned out to name."""

    HEAD = "HEAD"
    BRANCH = "branch"
    TAG = "tag"
    COMMIT = "commit"
    REF = "ref"  # another full ref name, e.g. refs/pull/12/head


@dataclass(frozen=True, slots=True)
class Revision:
    """A targetRevision resolved to a commit.

    ``requested`` is what the Application wrote, ``ref`` the full ref it matched
    (``refs/heads/main``; for HEAD the branch HEAD points to, when the remote says; for a commit,
    the SHA itself).
    """

    sha: str
    kind: RefKind
    ref: str
    requested: str


@dataclass(frozen=True, slots=True)
class Advertised:
    """One remote's refs, as ``git ls-remote --symref`` lists them (annotated tags peeled)."""

    refs: tuple[tuple[str, str], ...]  # (full ref name, commit sha) in git's order
    head_target: str | None = None  # "refs/heads/main" when HEAD is a symbolic ref


def is_commit_sha(text: str) -> bool:
    """A full 40-hex SHA-1."""
    return bool(_FULL_SHA.match(text))


def is_short_sha(text: str) -> bool:
    """A 7 to 39-hex abbreviation of a commit SHA."""
    return bool(_SHORT_SHA.match(text))


def parse_ls_remote(output: str) -> Advertised:
    """Parse ``git ls-remote --symref`` output; annotated tags map to the commit they point to."""
    refs: dict[str, str] = {}
    head_target: str | None = None
    for line in output.splitlines():
        value, _, name = line.partition("\t")
        if value.startswith("ref: "):
            if name == "HEAD":
                head_target = value.removeprefix("ref: ")
            continue
        if not name or not value:
            continue
        if name.endswith(_PEELED):
            refs[name.removesuffix(_PEELED)] = value  # the commit wins over the tag object
        else:
            refs.setdefault(name, value)
    return Advertised(refs=tuple(refs.items()), head_target=head_target)


def match_revision(advertised: Advertised, requested: str) -> Revision | None:
    """The advertised ref that ``requested`` names, or None (try it as a short SHA then)."""
    wanted = requested.strip() or "HEAD"
    if is_commit_sha(wanted):
        return Revision(wanted.lower(), RefKind.COMMIT, wanted.lower(), requested)
    for name, sha in advertised.refs:
        if name == "HEAD":
            if wanted == "HEAD":
                return Revision(sha, RefKind.HEAD, advertised.head_target or "HEAD", requested)
            continue
        if wanted == name or wanted == _short_name(name):
            return Revision(sha, _kind(name), name, requested)
    return None


def _short_name(ref: str) -> str | None:
    for prefix in _SHORT_PREFIXES:
        if ref.startswith(prefix):
            return ref.removeprefix(prefix)
    return None


def _kind(ref: str) -> RefKind:
    if ref.startswith("refs/heads/"):
        return RefKind.BRANCH
    if ref.startswith("refs/tags/"):
        return RefKind.TAG
    return RefKind.REF
