"""``gitward render``: every application of an app-of-apps repository, as it would be deployed.

Reads a root Application file, renders it, finds the Applications and AppProjects in its output
and renders each of them in turn. No cluster is needed. Exit 0 when every app rendered, 1 when
any failed (all others are still rendered and shown), 2 for usage errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gitward.cli import output
from gitward.cli.failing import EXIT_FAILED, EXIT_USAGE, abort, abort_on
from gitward.cli.treeoptions import (
    CacheDir,
    HelmRepoDirs,
    RepoDirs,
    RootAppFile,
    parse_helm_repos,
)
from gitward.errors import GitwardError, UsageError
from gitward.settings import default_cache_dir

if TYPE_CHECKING:
    from gitward.controller.preview import AppRender

__all__ = ["OutputFormat", "render", "render_tree"]


# render runs once: it does not retry, and it can read a repository from a directory instead.
_REACH_HINT = (
    "Check that the repoURL is right and reachable and that its credentials are configured, "
    "or render a local copy of it: --repo URL=DIR"
)


class OutputFormat(StrEnum):
    TABLE = "table"
    YAML = "yaml"
    JSON = "json"


def render(
    root_app_file: RootAppFile,
    repo: RepoDirs = None,
    helm_repo: HelmRepoDirs = None,
    revision: Annotated[
        str | None,
        typer.Option(help="Render this commit of the local repositories, not their files."),
    ] = None,
    app_name: Annotated[str | None, typer.Option("--app", help="Show only this app.")] = None,
    out: Annotated[OutputFormat, typer.Option("-o", "--output")] = OutputFormat.TABLE,
    cache_dir: CacheDir = None,
    show_secrets: Annotated[
        bool,
        typer.Option(
            "--show-secrets",
            help="Print Secret data and stringData values (masked as ++++++++ by default).",
        ),
    ] = False,
) -> None:
    """Render every application of an app-of-apps tree, with no cluster."""
    import asyncio  # noqa: PLC0415 - loaded only when a render runs

    try:
        renders = asyncio.run(
            render_tree(
                root_app_file,
                repo or [],
                revision,
                cache_dir or default_cache_dir(),
                helm_repos=parse_helm_repos(helm_repo),
            )
        )
        shown = _select(renders, app_name)
    except GitwardError as error:
        abort_on(error)
    except OSError as error:  # a path of the command line the system cannot look at
        abort(_os_problem(error), EXIT_USAGE)
    output.show_renders(shown, out.value, show_secrets=show_secrets)
    if not all(item.ok for item in shown):
        raise typer.Exit(EXIT_FAILED)


async def render_tree(
    root_file: Path,
    mappings: list[str],
    revision: str | None,
    cache_dir: Path,
    *,
    helm_repos: Mapping[str, Path] | None = None,
) -> list[AppRender]:
    """Every app of the tree; ``helm_repos`` serves chart repository URLs from directories."""
    # The controller, git and the Helm SDK load only when a render runs (a fast CLI).
    from gitward.charts import ChartRepositories  # noqa: PLC0415
    from gitward.controller.preview import TreeRenderer  # noqa: PLC0415
    from gitward.controller.sources import (  # noqa: PLC0415
        GitWorkspace,
        SourceRendering,
        read_root_file,
    )
    from gitward.git.repo import Repositories  # noqa: PLC0415
    from gitward.render import Limits, Renderer  # noqa: PLC0415
    from gitward.settings import RenderSettings  # noqa: PLC0415

    declared = read_root_file(root_file)
    local = dict(_parse_mapping(text) for text in mappings)
    work_tree = await Repositories(cache_dir).worktree_info(root_file)
    if work_tree is not None:
        for remote in work_tree.remotes:
            local.setdefault(remote, work_tree.root)
    repos = Repositories(cache_dir, local=local, reach_hint=_REACH_HINT)
    limits = Limits(max_files=RenderSettings.from_env(os.environ).max_files)
    charts = ChartRepositories(cache_dir, local=helm_repos)
    tree = TreeRenderer(
        GitWorkspace(repos, revision, charts), SourceRendering(Renderer(limits=limits), charts)
    )
    return await tree.render_tree(
        declared.apps, declared.projects, declared.app_warnings, sets=declared.sets
    )


def _parse_mapping(text: str) -> tuple[str, Path]:
    url, separator, directory = text.partition("=")
    if not separator or not url or not directory:
        raise UsageError(
            f"--repo {text!r} is not URL=DIR",
            hint="Write --repo https://github.com/org/repo.git=./path/to/checkout",
        )
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise UsageError(f"--repo {text!r}: {directory} is not a directory")
    return url, path.resolve()


def _os_problem(error: OSError) -> str:
    name = str(error.filename or "")
    shown = name if len(name) <= 100 else f"{name[:100]}…"
    return f"{shown}: {error.strerror or type(error).__name__}" if shown else str(error)


def _select(renders: list[AppRender], app_name: str | None) -> list[AppRender]:
    if app_name is None:
        return renders
    chosen = [item for item in renders if item.name == app_name]
    if not chosen:
        names = ", ".join(item.name for item in renders)
        raise UsageError(f"no application named {app_name!r} in the tree", hint=f"Apps: {names}")
    return chosen
