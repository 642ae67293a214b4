"""``gitward check``: the guardrail policies, checked on an app-of-apps tree before it merges.

Renders the tree as ``gitward render`` does (same ``--repo`` and ``--revision``), then checks every
rendered object against the built-in policies each app's project enables (``gitward.io/policies``)
and the ValidatingAdmissionPolicies given with ``--policy``. Exit 0 when nothing is denied (Warn
and Audit violations are shown), 1 when a Deny violation is found, 2 for usage errors and for
an app that does not render (its objects cannot be checked). Heavy modules are imported when the
command runs, not when the CLI starts.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gitward.cli.treeoptions import (
    CacheDir,
    HelmRepoDirs,
    RepoDirs,
    RootAppFile,
    parse_helm_repos,
)

if TYPE_CHECKING:
    from gitward.controller.preview import AppRender
    from gitward.guardrails import Guardrails, Violation

__all__ = ["CheckFormat", "check"]

EXIT_DENIED = 1
EXIT_ERROR = 2


class CheckFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def check(
    root_app_file: RootAppFile,
    repo: RepoDirs = None,
    helm_repo: HelmRepoDirs = None,
    revision: Annotated[
        str | None,
        typer.Option(help="Check this commit of the local repositories, not their files."),
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option(
            "--policy",
            metavar="FILE_OR_DIR",
            help="ValidatingAdmissionPolicy and binding YAML files, or folders of them "
            "(repeatable).",
        ),
    ] = None,
    out: Annotated[CheckFormat, typer.Option("-o", "--output")] = CheckFormat.TEXT,
    cache_dir: CacheDir = None,
) -> None:
    """Check every app of an app-of-apps tree against the guardrail policies, with no cluster."""
    import asyncio  # noqa: PLC0415 - the CLI starts without the engines

    from gitward.cli.failing import EXIT_USAGE, abort  # noqa: PLC0415
    from gitward.cli.render import render_tree  # noqa: PLC0415
    from gitward.errors import GitwardError  # noqa: PLC0415
    from gitward.guardrails import Guardrails  # noqa: PLC0415
    from gitward.settings import default_cache_dir  # noqa: PLC0415

    try:
        guardrails = Guardrails.from_paths(policy or [])
        renders = asyncio.run(
            render_tree(
                root_app_file,
                repo or [],
                revision,
                cache_dir or default_cache_dir(),
                helm_repos=parse_helm_repos(helm_repo),
            )
        )
    except GitwardError as error:
        abort(error.message, EXIT_USAGE)
    violations = _violations(guardrails, renders, _root_projects(root_app_file))
    failed = [item for item in renders if not item.ok]
    if out is CheckFormat.JSON:
        _show_json(renders, violations, guardrails)
    else:
        _show_text(renders, violations, guardrails)
    if failed:
        raise typer.Exit(EXIT_ERROR)
    if any(v.denies for v in violations):
        raise typer.Exit(EXIT_DENIED)


def _root_projects(root_app_file: Path) -> dict[str, tuple[str, ...]]:
    """The policies of the AppProjects declared beside the root Application."""
    from gitward.controller.sources import read_root_file  # noqa: PLC0415

    return {p.name: p.policies for p in read_root_file(root_app_file).projects}


def _violations(
    guardrails: Guardrails, renders: list[AppRender], enabled: dict[str, tuple[str, ...]]
) -> list[Violation]:
    from gitward.errors import GitwardError  # noqa: PLC0415
    from gitward.model.project import parse_project  # noqa: PLC0415

    for item in renders:
        for obj in item.objects:
            if obj.get("kind") == "AppProject":
                try:
                    project = parse_project(obj).value
                except GitwardError:
                    continue  # the render of its parent reports it
                enabled[project.name] = project.policies
    found: list[Violation] = []
    for item in renders:
        if item.ok:
            found.extend(
                guardrails.check(
                    item.name,
                    item.objects,
                    project=item.app.project,
                    enabled=enabled,
                    namespace=item.app.destination.namespace,
                )
            )
    return found


def _show_text(
    renders: list[AppRender], violations: list[Violation], guardrails: Guardrails
) -> None:
    for name in guardrails.unbound():
        typer.echo(f"warning: policy {name} has no ValidatingAdmissionPolicyBinding: not checked")
    for item in renders:
        for error in item.errors:
            typer.echo(f"ERROR  {item.name}: {error}", err=True)
    for violation in violations:
        label = "DENY " if violation.denies else "WARN " if violation.warns else "AUDIT"
        typer.echo(
            f"{label}  policy {violation.policy}: app {violation.app}: {violation.obj}: "
            f"{violation.message}"
        )
    denied = sum(1 for v in violations if v.denies)
    typer.echo(
        f"{len(renders)} apps checked: {denied} denied, {len(violations) - denied} warnings, "
        f"{sum(1 for r in renders if not r.ok)} not rendered"
    )


def _show_json(
    renders: list[AppRender], violations: list[Violation], guardrails: Guardrails
) -> None:
    document: dict[str, Any] = {
        "apps": [
            {
                "name": r.name,
                "project": r.app.project,
                "objects": len(r.objects),
                "errors": r.errors,
            }
            for r in renders
        ],
        "violations": [v.to_dict() for v in violations],
        "unbound": guardrails.unbound(),
        "denied": any(v.denies for v in violations),
    }
    sys.stdout.write(json.dumps(document, indent=2) + "\n")
