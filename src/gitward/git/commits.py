"""A commit's metadata — author, date, message — as the UI and the API show a revision (Argo
CD's ``RevisionMetadata``). Parsing only: :class:`gitward.git.repo.Repositories` runs git."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COMMIT_FORMAT", "MESSAGE_LIMIT", "CommitInfo", "parse_commit"]

COMMIT_FORMAT = "%H%x00%an <%ae>%x00%aI%x00%B"
"""``git show -s --format=`` for :func:`parse_commit`: NUL-separated, the message last."""

MESSAGE_LIMIT = 4096
"""Characters of a message kept (a commit message can be megabytes)."""


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """Who made a commit, when, and why."""

    sha: str
    author: str
    date: str
    """ISO 8601 with the author's offset."""
    message: str


def parse_commit(text: str) -> CommitInfo:
    """The :data:`COMMIT_FORMAT` output of one commit."""
    sha, author, date, message = ([*text.split("\0", 3), "", "", ""])[:4]
    return CommitInfo(sha.strip(), author.strip(), date.strip(), message.strip()[:MESSAGE_LIMIT])
