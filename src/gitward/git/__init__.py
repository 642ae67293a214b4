"""The git layer: the only part of gitward that runs git.

It turns an Application's (repoURL, targetRevision) into a commit SHA and a directory holding that
commit's files (``repo``), keeps paths named by Applications inside that directory (``paths``)
and refuses repoURLs on this machine's disk unless they are allowed (``locality``). Everything
goes through the ``git`` program in subprocesses (``running`` is the one seam); nothing here
renders or parses manifests.
"""

from gitward.git.credentials import Credentials
from gitward.git.locality import LocalRepoPolicy
from gitward.git.paths import check_tree_inside, join_source_path, looks_like_url, resolve_inside
from gitward.git.refs import RefKind, Revision
from gitward.git.repo import Checkout, CredentialsLookup, Repositories
from gitward.git.running import GitResult, GitRunner, run_git
from gitward.git.urls import normalize_repo_url, same_repo_url
from gitward.git.worktrees import WorkTree

__all__ = [
    "Checkout",
    "Credentials",
    "CredentialsLookup",
    "GitResult",
    "GitRunner",
    "LocalRepoPolicy",
    "RefKind",
    "Repositories",
    "Revision",
    "WorkTree",
    "check_tree_inside",
    "join_source_path",
    "looks_like_url",
    "normalize_repo_url",
    "resolve_inside",
    "run_git",
    "same_repo_url",
]
