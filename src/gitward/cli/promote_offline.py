"""``gitward promote APP --from APP --repo DIR``: the same promotion with no server.

The Applications (and the target's AppProject) are read from the YAML files of the clone DIR,
the source's values from its value files at DIR's ``HEAD`` commit, and the target's files are
written through :mod:`gitward.delivery.promotion` in a scratch clone of DIR's ``origin``, with
the git credentials the person's own git uses. Without a server there is no status to look at,
so the source's Synced+Healthy gate cannot be checked: the offline form needs ``--force`` and
records the promotion as forced in the commit. The project's semver rule still applies.

Everything heavy is imported when it runs; it must not reach a server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitward.errors import GitwardError, UsageError

if TYPE_CHECKING:
    from gitward.model.application import Application
    from gitward.model.project import AppProject

__all__ = ["promote_offline"]

_SKIPPED = {".git", "node_modules", "templates", "charts"}
_LIMIT = 1_000_000
_GIT_TIMEOUT_S = 60.0


def promote_offline(
    repo: Path, target: str, source: str, keys: Sequence[str], *, force: bool
) -> dict[str, Any]:
    """The promotion's answer, as the server would give it (see the module docstring)."""
    if not force:
        raise UsageError(
            f"offline, gitward cannot see whether {source} is Synced and Healthy",
            hint="Promote through the server (without --repo), or pass --force to promote "
            "what DIR's HEAD holds (recorded as forced)",
        )
    return asyncio.run(_promote(repo.resolve(), target, source, keys))


async def _promote(repo: Path, target: str, source: str, keys: Sequence[str]) -> dict[str, Any]:
    from gitward.controller.promoting import Promoted, promote_keys  # noqa: PLC0415
    from gitward.delivery.gates import check_semver  # noqa: PLC0415
    from gitward.delivery.promotion import PromotionRequest, promote  # noqa: PLC0415
    from gitward.delivery.valuefiles import locate_keys, value_files_of  # noqa: PLC0415

    apps, projects = _declared(repo)
    source_app, target_app = _named(apps, source), _named(apps, target)
    wanted = tuple(keys) or promote_keys(target_app)
    if not wanted:
        raise UsageError(f"no keys to promote into {target}", hint="Name them with --keys")
    files = value_files_of(source_app)
    revision = await _git(repo, "rev-parse", "HEAD")
    texts = {}
    for file in await _present(repo, files.files):
        texts[file] = await _git(repo, "show", f"{revision}:{file}", strip=False)
    values = locate_keys(texts, files.files, wanted, app=source)
    project = projects.get(target_app.project)
    if project is not None:
        check_semver(project, values, target=target)
    target_files = value_files_of(target_app)
    branch = target_files.revision
    if branch in ("", "HEAD"):
        branch = await _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    request = PromotionRequest(
        source_app=source,
        source_revision=revision,
        target_app=target,
        repo_url=target_files.repo_url,
        branch=branch,
        files=target_files.files,
        values=tuple((v.key, v.value) for v in values),
        actor=await _git(repo, "config", "user.email", check=False) or "offline",
        by_branch=not target_app.sync_policy.is_automated,
        forced=True,
        clone_from=await _git(repo, "remote", "get-url", "origin"),
    )
    result = await promote(request)
    return Promoted(source, target, revision, result, tuple(values), forced=True).as_json()


def _declared(repo: Path) -> tuple[dict[str, Application], dict[str, AppProject]]:
    """Every Application and AppProject in the clone's YAML files (files that fail to read as
    Kubernetes objects, such as Helm templates, are skipped)."""
    from gitward.model.application import parse_application  # noqa: PLC0415
    from gitward.model.project import parse_project  # noqa: PLC0415
    from gitward.render import manifests  # noqa: PLC0415

    apps: dict[str, Application] = {}
    projects: dict[str, AppProject] = {}
    for path in _yaml_files(repo):
        shown = str(path.relative_to(repo))
        try:
            for item in manifests.load_file(path, shown_as=shown):
                if item.get("kind") == "Application":
                    app = parse_application(item, file=shown).value
                    apps[app.name] = app
                elif item.get("kind") == "AppProject":
                    project = parse_project(item, file=shown).value
                    projects[project.name] = project
        except GitwardError:
            continue
    return apps, projects


def _yaml_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.y*ml")):
        parts = set(path.relative_to(root).parts[:-1])
        if not parts & _SKIPPED and path.is_file() and path.stat().st_size <= _LIMIT:
            yield path


def _named(apps: dict[str, Application], name: str) -> Application:
    if name not in apps:
        raise UsageError(
            f"no Application {name!r} in the repository's YAML files",
            hint=f"Check the name; known: {', '.join(sorted(apps)) or 'none'}",
        )
    return apps[name]


async def _present(repo: Path, files: Sequence[str]) -> list[str]:
    listed = await _git(repo, "ls-tree", "-r", "--name-only", "HEAD", "--", *files)
    return [line for line in listed.splitlines() if line]


async def _git(repo: Path, *args: str, check: bool = True, strip: bool = True) -> str:
    from gitward.git.commands import Git  # noqa: PLC0415
    from gitward.git.running import run_git  # noqa: PLC0415

    done = await Git(run_git, _GIT_TIMEOUT_S).attempt(list(args), cwd=repo)
    if not done.ok and check:
        reason = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise UsageError(
            f"{repo}: git {args[0]} failed ({reason[0]})",
            hint="Name a clone of the repository with an `origin` remote",
        )
    return done.stdout.strip() if strip else done.stdout
