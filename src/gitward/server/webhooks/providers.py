"""Turn each provider's push payload into ``Push`` values.

One function per provider, reading only the fields Argo CD reads (and the clone URLs it misses):

- GitHub ``push`` and ``ping``: ``repository.{html_url,clone_url,ssh_url,git_url}``, ``ref``,
  ``after``, ``repository.default_branch``, files from ``commits[].{added,modified,removed}``.
- GitLab ``Push Hook``, ``Tag Push Hook`` (and a ``System Hook`` of either kind):
  ``project.{web_url,git_http_url,git_ssh_url}`` (``repository.*`` in older payloads),
  ``project.default_branch``, files from ``commits``; GitLab lists at most 20 commits, so when
  ``total_commits_count`` says more were pushed the files are left unknown.
- Bitbucket Cloud ``repo:push``: ``repository.links.html.href``, one push per
  ``push.changes[]`` entry; no file list and no default branch in the payload.
- Bitbucket Server ``repo:refs_changed`` and ``diagnostics:ping``:
  ``repository.links.clone[].href``, one push per ``changes[]`` entry.

Never follows a URL of the payload: it only copies strings.
"""

from __future__ import annotations

from gitward.errors import Location
from gitward.server.webhooks.errors import UNSUPPORTED_EVENT, WebhookError
from gitward.server.webhooks.payloads import Fields
from gitward.server.webhooks.pushes import (
    BITBUCKET,
    BITBUCKET_SERVER,
    BRANCH_PREFIX,
    GITHUB,
    GITLAB,
    TAG_PREFIX,
    Push,
)

__all__ = ["bitbucket_pushes", "bitbucket_server_pushes", "github_pushes", "gitlab_pushes"]

GITHUB_MAX_COMMITS = 2048
"""GitHub lists at most this many commits; a push with more has an incomplete file list."""
_ZERO_SHA = "0" * 40
_GITLAB_PUSH_KINDS = {"Push Hook": "push", "Tag Push Hook": "tag_push"}


def github_pushes(event: str, payload: Fields) -> tuple[Push, ...]:
    if event == "ping":
        repository = payload.mapping("repository")
        urls = _urls(repository, ("html_url", "clone_url", "ssh_url", "git_url"), False)
        return (Push(GITHUB, urls, ping=True),)
    if event != "push":
        raise _unsupported(GITHUB, event, "push and ping")
    repository = payload.child("repository")
    commits = payload.objects("commits")
    complete = len(commits) < GITHUB_MAX_COMMITS
    return (
        Push(
            GITHUB,
            _urls(repository, ("html_url", "clone_url", "ssh_url", "git_url")),
            ref=payload.text("ref", required=True),
            revision=payload.text("after"),
            changed_files=_changed_files(commits) if complete else frozenset(),
            default_branch=repository.text("default_branch") or None,
            deleted=payload.flag("deleted") or payload.text("after") == _ZERO_SHA,
        ),
    )


def gitlab_pushes(event: str, payload: Fields) -> tuple[Push, ...]:
    kind = payload.text("object_kind")
    expected = _GITLAB_PUSH_KINDS.get(event)
    if event == "System Hook" and kind in _GITLAB_PUSH_KINDS.values():
        expected = kind
    if expected is None or (kind and kind != expected):
        raise _unsupported(GITLAB, event, "Push Hook and Tag Push Hook")
    project = payload.mapping("project")
    repository = payload.mapping("repository")
    urls = _urls(project, ("web_url", "git_http_url", "git_ssh_url"), False)
    urls += _urls(repository, ("homepage", "git_http_url", "git_ssh_url", "url"), False)
    if not urls:
        raise payload.error("project", "is missing: the payload names no repository URL")
    commits = payload.objects("commits")
    total = payload.number("total_commits_count")
    after = payload.text("after")
    return (
        Push(
            GITLAB,
            tuple(dict.fromkeys(urls)),
            ref=payload.text("ref", required=True),
            revision=payload.text("checkout_sha") or after,
            changed_files=_changed_files(commits) if (total or 0) <= len(commits) else frozenset(),
            default_branch=(project.text("default_branch") if project else "") or None,
            deleted=after == _ZERO_SHA,
        ),
    )


def bitbucket_pushes(event: str, payload: Fields) -> tuple[Push, ...]:
    if event != "repo:push":
        raise _unsupported(BITBUCKET, event, "repo:push")
    repository = payload.child("repository")
    url = repository.child("links").child("html").text("href", required=True)
    push = payload.child("push")
    changes = push.objects("changes", required=True)
    if not changes:
        raise push.error("changes", "is empty: the payload names no ref")
    return tuple(_bitbucket_change(change, url) for change in changes)


def bitbucket_server_pushes(event: str, payload: Fields) -> tuple[Push, ...]:
    if event == "diagnostics:ping":
        return (Push(BITBUCKET_SERVER, (), ping=True),)
    if event != "repo:refs_changed":
        raise _unsupported(BITBUCKET_SERVER, event, "repo:refs_changed and diagnostics:ping")
    repository = payload.child("repository")
    links = repository.mapping("links")
    clones = links.objects("clone") if links else []
    urls = tuple(link.text("href") for link in clones if link.text("name") in ("http", "ssh"))
    if not any(urls):
        raise repository.error("links.clone", "names no http or ssh clone URL")
    changes = payload.objects("changes", required=True)
    if not changes:
        raise payload.error("changes", "is empty: the payload names no ref")
    return tuple(_bitbucket_server_change(change, urls) for change in changes)


def _bitbucket_change(change: Fields, url: str) -> Push:
    new = change.mapping("new")
    old = change.mapping("old")
    side = new or old
    if side is None:
        raise change.error("new", "and old are both missing")
    kind = side.text("type", required=True)
    prefix = TAG_PREFIX if kind in ("tag", "annotated_tag") else BRANCH_PREFIX
    target = new.mapping("target") if new else None
    return Push(
        BITBUCKET,
        (url,),
        ref=prefix + side.text("name", required=True),
        revision=target.text("hash") if target else "",
        deleted=new is None,
    )


def _bitbucket_server_change(change: Fields, urls: tuple[str, ...]) -> Push:
    ref = change.child("ref")
    return Push(
        BITBUCKET_SERVER,
        urls,
        ref=ref.text("id", required=True),
        revision=change.text("toHash"),
        deleted=change.text("type") == "DELETE",
    )


def _urls(fields: Fields | None, keys: tuple[str, ...], required: bool = True) -> tuple[str, ...]:
    if fields is None:
        return ()
    urls = tuple(dict.fromkeys(url for key in keys if (url := fields.text(key))))
    if required and not urls:
        raise fields.error(keys[0], "is missing: the payload names no repository URL")
    return urls


def _changed_files(commits: list[Fields]) -> frozenset[str]:
    files: set[str] = set()
    for commit in commits:
        for key in ("added", "modified", "removed"):
            files.update(commit.texts(key))
    return frozenset(files)


def _unsupported(provider: str, event: str, supported: str) -> WebhookError:
    return WebhookError(
        UNSUPPORTED_EVENT,
        f"gitward reads {supported} events, not {event!r}",
        where=Location(obj=f"{provider} webhook"),
        hint="send only push events to gitward's webhook",
    )
