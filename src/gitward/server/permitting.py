"""AppProject restrictions, enforced by the API on create, update and sync: the app's sources
must be among the project's ``sourceRepos``, its destination among its ``destinations``, and
every object a sync would apply (hooks included) of a kind the project's cluster and namespace
resource allow and deny lists let through.

The controller reports the same violations as conditions when it refreshes; the API refuses
them before anything is stored or started, with a ``ConfigError`` naming the field (400). A sync
or rollback that a sync window of the project blocks is refused first, before anything is
rendered, with a ``SyncWindowError`` naming the window (409).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gitward.controller.appofapps import argo_object_problem, is_argo_object, namespace_problem
from gitward.controller.loop import Controller
from gitward.controller.windows import check_manual
from gitward.errors import ConfigError, Location
from gitward.git import Repositories
from gitward.model.application import Application
from gitward.model.kinds import is_namespaced
from gitward.model.objects import Manifest, ResourceKey
from gitward.model.project import AppProject, default_project, parse_project
from gitward.store import Store

__all__ = ["check_app", "check_objects", "check_rollback", "check_sync", "project_of"]

DEFAULT_PROJECT = "default"


async def project_of(store: Store, app: Application) -> AppProject:
    """The app's project; the built-in ``default`` when it is not stored."""
    where = Location(file=app.file, obj=f"Application {app.name}", field="spec.project")
    stored = await store.projects.get(app.project)
    if stored is not None:
        return parse_project(dict(stored.document), file=stored.file).value
    if app.project == DEFAULT_PROJECT:
        return default_project()
    raise ConfigError(
        f"project {app.project!r} does not exist",
        where=where,
        hint=f"Create the AppProject {app.project!r} first, or name an existing project",
    )


def check_app(app: Application, project: AppProject, repos: Repositories | None = None) -> None:
    """Refuse sources or a destination the project does not permit, and (given ``repos``)
    repoURLs on the server's disk that the operator did not allow."""
    where = Location(file=app.file, obj=f"Application {app.name}")
    for index, source in enumerate(app.sources):
        field = f"spec.sources[{index}].repoURL" if app.multi_source else "spec.source.repoURL"
        if repos is not None:
            repos.check_url(source.repo_url, where=where.at(field))
        if not project.allows_repo(source.repo_url):
            raise ConfigError(
                f"repository {source.repo_url} is not permitted in project {project.name!r}",
                where=where.at(field),
                hint="Add it to the project's sourceRepos, or use a permitted repository",
            )
    if not project.allows_destination(app.destination):
        raise ConfigError(
            f"destination {app.destination} is not permitted in project {project.name!r}",
            where=where.at("spec.destination"),
            hint="Add it to the project's destinations, or deploy to a permitted one",
        )


def check_objects(app: Application, project: AppProject, objects: Sequence[Manifest]) -> None:
    """Refuse objects (hooks included) of kinds the project's resource lists exclude, or in
    namespaces its destinations exclude."""
    for obj in objects:
        if is_argo_object(obj):
            problem = argo_object_problem(app, project, obj)
            if problem is not None:
                raise ConfigError(
                    problem,
                    where=Location(file=app.file, obj=f"Application {app.name}"),
                    hint="Allow argoproj.io Applications and AppProjects and Argo CD's "
                    "namespace in the parent's project, or declare them from another app",
                )
            continue
        key = ResourceKey.of(obj)
        namespaced = is_namespaced(key.group, key.kind)
        if not project.allows_kind(key.group, key.kind, namespaced=namespaced):
            raise ConfigError(
                f"{key} is not permitted in project {project.name!r}",
                where=Location(file=app.file, obj=f"Application {app.name}"),
                hint="Allow the kind in the project's resource whitelists (and out of its "
                "blacklists), or remove the object from Git",
            )
        problem = namespace_problem(app, project, obj) if namespaced else None
        if problem is not None:
            raise ConfigError(
                problem,
                where=Location(file=app.file, obj=f"Application {app.name}"),
                hint="Add the namespace to the project's destinations, or deploy the object "
                "into a permitted one",
            )


async def check_sync(
    store: Store,
    controller: Controller,
    app: Application,
    revision: str = "",
    *,
    dry_run: bool = False,
) -> None:
    """Refuse a sync the project does not permit now, looking at what it would apply."""
    project = await project_of(store, app)
    check_app(app, project)
    check_manual(project, app, controller.clock(), dry_run=dry_run)
    if revision and not app.multi_source:
        where = Location(file=app.file, obj=f"Application {app.name}", field="spec.source")
        source = dataclasses.replace(app.source, target_revision=revision)
        revisions: tuple[str, ...] = (
            await controller.git.resolve_source(source, where, hard=True),
        )
    else:
        revisions = await controller.git.resolve(app)
    rendered = await controller.git.render(app, revisions)
    check_objects(app, project, rendered.objects)


async def check_rollback(
    store: Store, controller: Controller, app: Application, *, dry_run: bool = False
) -> None:
    """Refuse a rollback the project does not permit now (an automated app's rollback is
    refused by the controller, with its own reason)."""
    project = await project_of(store, app)
    check_app(app, project)
    if not app.sync_policy.is_automated:
        check_manual(project, app, controller.clock(), what="rollback", dry_run=dry_run)
