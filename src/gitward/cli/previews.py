"""``gitward diff``: what a change to the repository would change, app by app, with no cluster.

Renders the app-of-apps tree of ROOT_APP_FILE twice, as ``gitward render --revision`` does: at
``--base`` and at ``--head`` (the files on disk when no head is given), reading the root file
itself at each revision; then compares the two renders per app and object
(:mod:`gitward.delivery.previews`) and prints text, Markdown for a pull-request comment, or JSON
(:mod:`gitward.delivery.reports`). Exit 0: no change, 1: changes, 2: an error (a bad command
line, git, or an app that failed to render on either side; the others are still shown).

Everything heavy (the controller's tree renderer, the Helm SDK) is imported when it runs.
"""

from __future__ import annotations

import asyncio
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gitward.cli.failing import EXIT_USAGE, abort
from gitward.cli.treeoptions import CacheDir, HelmRepoDirs, RootAppFile, parse_helm_repos
from gitward.errors import GitwardError, UsageError

if TYPE_CHECKING:
    from gitward.controller.appofapps import Declared
    from gitward.delivery.previews import RenderedApp

__all__ = ["DiffFormat", "diff"]

EXIT_CHANGES = 1
EXIT_ERROR = 2
GIT_TIMEOUT_S = 60.0


class DiffFormat(StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


def diff(
    root_app_file: RootAppFile,
    base: Annotated[str, typer.Option(help="The revision to compare from (e.g. the PR's base).")],
    head: Annotated[
        str | None, typer.Option(help="The revision to compare to (default: files on disk).")
    ] = None,
    repo: Annotated[
        list[str] | None,
        typer.Option(
            "--repo", metavar="URL=DIR", help="Serve repoURL URL from the clone DIR (repeatable)."
        ),
    ] = None,
    helm_repo: HelmRepoDirs = None,
    out: Annotated[DiffFormat, typer.Option("-o", "--output")] = DiffFormat.TEXT,
    cache_dir: CacheDir = None,
) -> None:
    """Show what a change would deploy, per app and object. Exit 0: none, 1: changes, 2: error."""
    from gitward.delivery import previews, reports  # noqa: PLC0415 - loaded when run
    from gitward.settings import default_cache_dir  # noqa: PLC0415

    cache = cache_dir or default_cache_dir()
    try:
        for revision in (base, head or "HEAD"):
            _check_revision(revision)
        if not root_app_file.is_file():
            raise UsageError(f"{root_app_file}: no such file", hint="Name the root app's file")
        root_app_file = root_app_file.resolve()
        helm_repos = parse_helm_repos(helm_repo)
        before, after = asyncio.run(_both(root_app_file, repo or [], base, head, cache, helm_repos))
    except GitwardError as error:
        abort(error.message, EXIT_USAGE)
    compared = previews.compare_renders(before, after)
    if out is DiffFormat.JSON:
        sys.stdout.write(reports.as_json(compared))
    elif out is DiffFormat.MARKDOWN:
        title = f"gitward diff: `{_short(base)}` → `{_short(head) if head else 'working tree'}`"
        sys.stdout.write(reports.as_markdown(compared, title=title))
    else:
        sys.stdout.write(reports.as_text(compared))
    if reports.has_errors(compared):
        raise typer.Exit(EXIT_ERROR)
    if reports.has_changes(compared):
        raise typer.Exit(EXIT_CHANGES)


async def _both(
    root_file: Path,
    mappings: list[str],
    base: str,
    head: str | None,
    cache: Path,
    helm_repos: dict[str, Path],
) -> tuple[list[RenderedApp], list[RenderedApp]]:
    local = dict(_parse_mapping(text) for text in mappings)
    at_base = await _commit_of(root_file, base)
    before = await _render_at(root_file, local, at_base, cache, helm_repos)
    fixed = await _commit_of(root_file, head) if head is not None else None
    after = await _render_at(root_file, local, fixed, cache, helm_repos)
    return before, after


async def _commit_of(root_file: Path, revision: str) -> str:
    """The commit ``revision`` names in the root file's clone (so ``HEAD~1`` and
    ``origin/main`` work), or ``revision`` unchanged outside a clone."""
    from gitward.git.commands import Git  # noqa: PLC0415
    from gitward.git.running import run_git  # noqa: PLC0415

    found = await Git(run_git, GIT_TIMEOUT_S).attempt(
        ["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], cwd=root_file.parent
    )
    return found.stdout.strip() if found.ok and found.stdout.strip() else revision


async def _render_at(
    root_file: Path,
    local: dict[str, Path],
    revision: str | None,
    cache: Path,
    helm_repos: dict[str, Path],
) -> list[RenderedApp]:
    """Every app of the tree at ``revision`` (None: the files on disk), as plain objects."""
    from gitward.charts import ChartRepositories  # noqa: PLC0415
    from gitward.controller.preview import TreeRenderer  # noqa: PLC0415
    from gitward.controller.sources import GitWorkspace, SourceRendering  # noqa: PLC0415
    from gitward.delivery.previews import RenderedApp  # noqa: PLC0415
    from gitward.git.repo import Repositories  # noqa: PLC0415
    from gitward.render import Renderer  # noqa: PLC0415

    declared = await _root_at(root_file, revision)
    local = dict(local)
    work_tree = await Repositories(cache).worktree_info(root_file)
    if work_tree is not None:
        for remote in work_tree.remotes:
            local.setdefault(remote, work_tree.root)
    repos = Repositories(cache, local=local)
    charts = ChartRepositories(cache, local=helm_repos)
    tree = TreeRenderer(GitWorkspace(repos, revision, charts), SourceRendering(Renderer(), charts))
    renders = await tree.render_tree(
        declared.apps, declared.projects, declared.app_warnings, sets=declared.sets
    )
    return [
        RenderedApp(item.name, item.app.destination.namespace, item.objects, item.errors)
        for item in renders
    ]


async def _root_at(root_file: Path, revision: str | None) -> Declared:
    """The root file's Applications as committed at ``revision`` (on disk when None)."""
    from gitward.controller.appofapps import declared_by  # noqa: PLC0415
    from gitward.controller.sources import read_root_file  # noqa: PLC0415
    from gitward.git.commands import Git  # noqa: PLC0415
    from gitward.git.running import run_git  # noqa: PLC0415
    from gitward.render import manifests  # noqa: PLC0415

    if revision is None:
        return read_root_file(root_file)
    shown = f"{root_file} at {revision}"
    found = await Git(run_git, GIT_TIMEOUT_S).attempt(
        ["show", f"{revision}:./{root_file.name}"], cwd=root_file.parent
    )
    if not found.ok:
        raise UsageError(
            f"{shown}: git cannot read it ({found.stderr.strip().splitlines()[-1:]})",
            hint="Name a revision of the clone holding the file (a branch, tag or commit)",
        )
    parsed = manifests.parse_manifests(found.stdout, file=shown)
    declared = declared_by((item.manifest, shown) for item in parsed)
    if declared.errors:
        raise declared.errors[0]
    if not declared.apps and not declared.sets:
        raise UsageError(f"{shown}: no Application found", hint="Name the root app's file")
    return declared


def _short(revision: str) -> str:
    """A full commit SHA shortened to 12 characters, as git shows it; any other name as is."""
    is_sha = len(revision) == 40 and all(c in "0123456789abcdef" for c in revision.lower())
    return revision[:12] if is_sha else revision


def _check_revision(revision: str) -> None:
    """Refuse what git could read as an option or that holds spaces or control characters."""
    if (
        not revision
        or revision.startswith("-")
        or any(c.isspace() or ord(c) < 32 for c in revision)
    ):
        raise UsageError(
            f"{revision!r} is not a revision", hint="Name a branch, tag or commit (e.g. main)"
        )


def _parse_mapping(text: str) -> tuple[str, Path]:
    url, separator, directory = text.partition("=")
    path = Path(directory).expanduser()
    if not separator or not url or not path.is_dir():
        raise UsageError(
            f"--repo {text!r} is not URL=DIR with DIR a directory",
            hint="Write --repo https://github.com/org/repo.git=./path/to/clone",
        )
    return url, path.resolve()
