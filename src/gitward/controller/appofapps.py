"""App-of-apps: the Applications and AppProjects that a parent app's manifests declare.

A parent (the root app) renders a directory of Application and AppProject documents. gitward
does not apply those to the cluster: it reads them as its own applications and projects. This
module only picks them out of a rendered object list and parses them; what to do with them is
the caller's business, except one rule every caller applies (:func:`argo_object_problem`):
as in Argo CD, where a parent writes Application and AppProject objects into Argo CD's
namespace, the parent's project must permit those kinds and that namespace. A parent of a
team's project (destinations: its own namespaces) declares no app of another project and no
project, directly or through an ApplicationSet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from gitward.errors import GitwardError
from gitward.model import annotations as argocd
from gitward.model.application import Application, Destination, parse_application
from gitward.model.appsets import is_appset
from gitward.model.objects import Manifest, api_group
from gitward.model.project import AppProject, parse_project

__all__ = [
    "ARGOCD_NAMESPACE",
    "Declared",
    "argo_object_problem",
    "control_plane_problem",
    "declared_by",
    "is_argo_object",
    "namespace_problem",
]


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


ARGOCD_NAMESPACE = "argocd"


def is_argo_object(manifest: Manifest) -> bool:
    """An Application or AppProject (any version of the argoproj.io group)."""
    group = api_group(str(manifest.get("apiVersion", "")))
    return group == argocd.APP_GROUP and manifest.get("kind") in (
        argocd.APP_KIND,
        argocd.PROJECT_KIND,
    )


def argo_object_problem(parent: Application, project: AppProject, obj: Manifest) -> str | None:
    """Why ``parent``'s ``project`` does not permit the Application or AppProject ``obj``
    (None: it does): its kind, or its namespace on the parent's cluster."""
    kind = str(obj.get("kind"))
    metadata = obj.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    namespace = str(namespace or parent.destination.namespace or ARGOCD_NAMESPACE)
    if not project.allows_kind(argocd.APP_GROUP, kind, namespaced=True):
        why = "its resource whitelists and blacklists exclude the kind"
    else:
        where = Destination(parent.destination.server, parent.destination.name, namespace)
        if project.allows_destination(where):
            return None
        why = f"its destinations exclude namespace {namespace!r}, where {kind}s are kept"
    return (
        f"{kind} {name} is not permitted in project {project.name!r} of {parent.name} ({why}); "
        "declaring Applications and AppProjects needs a project that permits them"
    )


def namespace_problem(app: Application, project: AppProject, obj: Manifest) -> str | None:
    """Why ``app``'s ``project`` does not permit the namespace of the namespaced object ``obj``
    (None: it does), as Argo CD's sync checks every resource: the object's own
    ``metadata.namespace`` (else the app's destination namespace) on the app's cluster must be
    one of the project's destinations, so a chart cannot write outside them by naming another
    namespace."""
    metadata = obj.get("metadata")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    namespace = str(namespace or app.destination.namespace or "")
    if not namespace:
        return None
    where = Destination(app.destination.server, app.destination.name, namespace)
    if project.allows_destination(where):
        return None
    kind = obj.get("kind")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return (
        f"{kind} {name}: namespace {namespace!r} is not permitted in project {project.name!r} "
        "(its destinations exclude it)"
    )


def control_plane_problem(
    parent: Application, child: Application, project: AppProject | None
) -> str | None:
    """As Argo CD's apps in any namespace: an Application outside Argo CD's namespace counts
    only when its ``project`` lists that namespace in ``sourceNamespaces`` (so a team that may
    write its own namespace declares no app of another team's project there). None: it counts
    (or its project does not exist, which its own refresh reports)."""
    namespace = child.namespace or parent.destination.namespace or ARGOCD_NAMESPACE
    if namespace == ARGOCD_NAMESPACE or project is None:
        return None
    if any(fnmatchcase(namespace, pattern) for pattern in project.source_namespaces):
        return None
    return (
        f"{child.file or parent.name}: Application {child.name} is in namespace "
        f"{namespace!r}, which project {child.project!r} does not list in "
        "sourceNamespaces; declare it in Argo CD's namespace or add the namespace there"
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
