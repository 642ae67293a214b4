"""App-of-apps: the Applications and AppProjects that a parent app's manifests declare.

A parent (the root app) renders a directory of Application and AppProject documents. gitward
does not apply those to the cluster: it reads them as its own applications and projects. This
module only picks them out of a rendered object list and parses them; what to do with them is
the caller's business.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gitward.errors import GitwardError
from gitward.model import annotations as argocd
from gitward.model.application import Application, parse_application
from gitward.model.appsets import is_appset
from gitward.model.objects import Manifest, api_group
from gitward.model.project import AppProject, parse_project

__all__ = ["Declared", "declared_by", "is_argo_object"]


@dataclass
class Declared:
    """What a parent's manifests declare: parsed apps and projects, and the ones that failed."""

    apps: list[Application] = field(default_factory=list)
    projects: list[AppProject] = field(default_factory=list)
    app_warnings: dict[str, list[str]] = field(default_factory=dict)  # by app name
    warnings: list[str] = field(default_factory=list)  # about the projects
    errors: list[GitwardError] = field(default_factory=list)
    sets: list[tuple[Manifest, str | None]] = field(default_factory=list)
    """ApplicationSets, as written with their file (expanded by whoever has git at hand)."""


def is_argo_object(manifest: Manifest) -> bool:
    """An Application or AppProject (any version of the argoproj.io group)."""
    group = api_group(str(manifest.get("apiVersion", "")))
    return group == argocd.APP_GROUP and manifest.get("kind") in (
        argocd.APP_KIND,
        argocd.PROJECT_KIND,
    )


def declared_by(objects: Iterable[tuple[Manifest, str | None]]) -> Declared:
    """Parse every Application and AppProject among ``(object, file it came from)`` pairs and
    collect the ApplicationSets; other objects are ignored."""
    declared = Declared()
    for manifest, origin in objects:
        if is_appset(manifest):
            declared.sets.append((manifest, origin))
        if not is_argo_object(manifest):
            continue
        try:
            if manifest["kind"] == argocd.APP_KIND:
                app = parse_application(manifest, file=origin)
                declared.apps.append(app.value)
                declared.app_warnings.setdefault(app.value.name, []).extend(app.warnings)
            else:
                project = parse_project(manifest, file=origin)
                declared.projects.append(project.value)
                declared.warnings.extend(project.warnings)
        except GitwardError as error:
            declared.errors.append(error)
    return declared
