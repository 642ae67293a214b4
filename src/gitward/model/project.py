"""The AppProject: which repositories, clusters, namespaces and kinds a group of apps may use.

Parses ``argoproj.io/v1alpha1`` AppProject documents and answers the questions the rest of
gitward asks of a project (is this repository allowed? this destination? this kind?). Matching
uses Argo CD's glob rules (``*`` and ``?``, ``!`` to negate a destination). Sync windows are
checked here (a bad schedule, duration or time zone is an error naming the field) and evaluated by
:mod:`gitward.model.windows`. Pure data: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from gitward.errors import Location
from gitward.model import annotations as argocd
from gitward.model.application import Destination, validate_name
from gitward.model.fields import Fields, Parsed, Warnings, object_name
from gitward.model.sources import check_no_credentials
from gitward.model.windows import SyncWindow, check_window

__all__ = [
    "POLICIES_ANNOTATION",
    "AppProject",
    "GroupKind",
    "OrphanedResources",
    "ProjectDestination",
    "ProjectRole",
    "SyncWindow",
    "default_project",
    "parse_project",
]

POLICIES_ANNOTATION = "gitward.io/policies"
"""gitward's own AppProject annotation naming the built-in guardrail policies its apps pass."""


@dataclass(frozen=True, slots=True)
class ProjectDestination:
    """``spec.destinations[]``: a cluster (server or name) and namespace pattern."""

    server: str = "*"
    name: str = ""
    namespace: str = "*"

    def allows(self, destination: Destination, server_name: str = "") -> bool:
        cluster_ok = (
            _glob(self.name, destination.name or server_name)
            if self.name
            else _glob(self.server, destination.server)
        )
        return cluster_ok and _glob(self.namespace, destination.namespace)


@dataclass(frozen=True, slots=True)
class GroupKind:
    """A ``{group, kind}`` entry of the resource allow and deny lists (globs allowed)."""

    group: str
    kind: str

    def matches(self, group: str, kind: str) -> bool:
        return _glob(self.group, group) and _glob(self.kind, kind)


@dataclass(frozen=True, slots=True)
class ProjectRole:
    """``spec.roles[]``: a project role with its policy lines and SSO groups."""

    name: str
    description: str = ""
    policies: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OrphanedResources:
    """``spec.orphanedResources``: warn about live objects in the app's namespace that no app
    tracks, except those matching an ``ignore`` entry (group, kind and name globs)."""

    warn: bool = True
    ignore: tuple[tuple[str, str, str], ...] = ()

    def ignores(self, group: str, kind: str, name: str) -> bool:
        return any(
            _glob(g or "*", group) and _glob(k or "*", kind) and _glob(n or "*", name)
            for g, k, n in self.ignore
        )


@dataclass(frozen=True, slots=True)
class AppProject:
    """An Argo CD AppProject as gitward reads it."""

    name: str
    description: str = ""
    source_repos: tuple[str, ...] = ()
    destinations: tuple[ProjectDestination, ...] = ()
    cluster_resource_whitelist: tuple[GroupKind, ...] = ()
    cluster_resource_blacklist: tuple[GroupKind, ...] = ()
    namespace_resource_whitelist: tuple[GroupKind, ...] = ()
    namespace_resource_blacklist: tuple[GroupKind, ...] = ()
    roles: tuple[ProjectRole, ...] = ()
    sync_windows: tuple[SyncWindow, ...] = ()
    source_namespaces: tuple[str, ...] = ()
    orphaned_resources: OrphanedResources | None = None
    policies: tuple[str, ...] = ()
    """gitward's ``gitward.io/policies`` annotation: the built-in guardrail policies its apps
    must pass (``NAME`` or ``NAME:Deny|Warn|Audit``), see :mod:`gitward.guardrails`."""
    file: str | None = None

    def allows_repo(self, repo_url: str) -> bool:
        """``sourceRepos`` globs; a ``!pattern`` denies what it matches."""
        allowed = any(_glob(p, repo_url) for p in self.source_repos if not p.startswith("!"))
        denied = any(_glob(p[1:], repo_url) for p in self.source_repos if p.startswith("!"))
        return allowed and not denied

    def allows_destination(self, destination: Destination, server_name: str = "") -> bool:
        """Any allowing entry matches and no ``!``-negated namespace entry does."""
        allowing = [d for d in self.destinations if not d.namespace.startswith("!")]
        denying = [d for d in self.destinations if d.namespace.startswith("!")]
        negated = [ProjectDestination(d.server, d.name, d.namespace[1:]) for d in denying]
        return any(d.allows(destination, server_name) for d in allowing) and not any(
            d.allows(destination, server_name) for d in negated
        )

    def allows_kind(self, group: str, kind: str, *, namespaced: bool) -> bool:
        """Cluster-scoped kinds need a whitelist entry; namespaced kinds pass unless listed
        in the blacklist or missing from a non-empty whitelist (Argo CD's rules)."""
        if namespaced:
            whitelist, blacklist = (
                self.namespace_resource_whitelist,
                self.namespace_resource_blacklist,
            )
            listed = not whitelist or any(e.matches(group, kind) for e in whitelist)
        else:
            whitelist, blacklist = self.cluster_resource_whitelist, self.cluster_resource_blacklist
            listed = any(e.matches(group, kind) for e in whitelist)
        return listed and not any(e.matches(group, kind) for e in blacklist)


def default_project() -> AppProject:
    """Argo CD's built-in ``default`` project: every repository, destination and kind."""
    return AppProject(
        name=argocd.DEFAULT_PROJECT,
        description="Built-in project: allows every repository, destination and kind",
        source_repos=("*",),
        destinations=(ProjectDestination("*", "", "*"),),
        cluster_resource_whitelist=(GroupKind("*", "*"),),
    )


def parse_project(document: Any, *, file: str | None = None) -> Parsed[AppProject]:
    """Read one AppProject document; raises ``ManifestError`` naming file, object and field."""
    warnings = Warnings()
    name = object_name(document, file)
    top = Fields(document, Location(file=file, obj=f"AppProject {name}"), "", warnings)
    metadata = top.mapping("metadata", required=True)
    spec = top.mapping("spec") or Fields({}, top.where(), "spec", warnings)
    assert metadata is not None
    validate_name(metadata.text("name", required=True), metadata.where("name"))
    project = AppProject(
        name=name,
        description=spec.text("description"),
        source_repos=_source_repos(spec),
        destinations=tuple(_destination(item) for item in spec.mappings("destinations")),
        cluster_resource_whitelist=_kinds(spec, "clusterResourceWhitelist"),
        cluster_resource_blacklist=_kinds(spec, "clusterResourceBlacklist"),
        namespace_resource_whitelist=_kinds(spec, "namespaceResourceWhitelist"),
        namespace_resource_blacklist=_kinds(spec, "namespaceResourceBlacklist"),
        roles=tuple(_role(item) for item in spec.mappings("roles")),
        sync_windows=tuple(_window(item) for item in spec.mappings("syncWindows")),
        source_namespaces=spec.texts("sourceNamespaces"),
        orphaned_resources=_orphaned(spec),
        policies=_policies(document),
        file=file,
    )
    _finish(top, metadata, spec)
    return Parsed(project, tuple(str(w) for w in warnings))


def _source_repos(spec: Fields) -> tuple[str, ...]:
    repos = spec.texts("sourceRepos")
    for index, url in enumerate(repos):
        check_no_credentials(url, spec.where(f"sourceRepos[{index}]"))
    return repos


def _policies(document: Any) -> tuple[str, ...]:
    """The entries of the ``gitward.io/policies`` annotation (comma-separated names)."""
    annotations = (document.get("metadata") or {}).get("annotations") or {}
    text = annotations.get(POLICIES_ANNOTATION) if isinstance(annotations, dict) else None
    if not isinstance(text, str):
        return ()
    return tuple(part.strip() for part in text.replace("\n", ",").split(",") if part.strip())


def _destination(fields: Fields) -> ProjectDestination:
    destination = ProjectDestination(
        server=fields.text("server", default="" if fields.has("name") else "*").rstrip("/"),
        name=fields.text("name"),
        namespace=fields.text("namespace", default="*"),
    )
    fields.finish()
    return destination


def _kinds(spec: Fields, name: str) -> tuple[GroupKind, ...]:
    entries = []
    for item in spec.mappings(name):
        entries.append(GroupKind(item.text("group"), item.text("kind", required=True)))
        item.finish()
    return tuple(entries)


def _orphaned(spec: Fields) -> OrphanedResources | None:
    fields = spec.mapping("orphanedResources")
    if fields is None:
        return None
    ignore = []
    for item in fields.mappings("ignore"):
        ignore.append((item.text("group"), item.text("kind"), item.text("name")))
        item.finish()
    orphaned = OrphanedResources(warn=fields.flag("warn", default=True), ignore=tuple(ignore))
    fields.finish()
    return orphaned


def _role(fields: Fields) -> ProjectRole:
    fields.ignore("jwtTokens")
    role = ProjectRole(
        name=fields.text("name", required=True),
        description=fields.text("description"),
        policies=fields.texts("policies"),
        groups=fields.texts("groups"),
    )
    fields.finish()
    return role


def _window(fields: Fields) -> SyncWindow:
    window = SyncWindow(
        kind=fields.text("kind", required=True),
        schedule=fields.text("schedule", required=True),
        duration=fields.text("duration", required=True),
        applications=fields.texts("applications"),
        namespaces=fields.texts("namespaces"),
        clusters=fields.texts("clusters"),
        manual_sync=fields.flag("manualSync"),
        time_zone=fields.text("timeZone"),
        and_operator=fields.flag("andOperator"),
        sync_overrun=fields.flag("syncOverrun"),
        description=fields.text("description"),
    )
    check_window(window, fields.where)
    if not (window.applications or window.namespaces or window.clusters):
        fields.warnings.add(
            fields.where(),
            "this sync window names no applications, namespaces or clusters, so it applies to "
            "no app; list at least one",
        )
    fields.finish()
    return window


def _finish(top: Fields, metadata: Fields, spec: Fields) -> None:
    top.text("apiVersion")
    top.text("kind")
    top.ignore("status")
    metadata.ignore("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields")
    metadata.text("namespace")
    metadata.text_map("labels")
    metadata.text_map("annotations")
    metadata.texts("finalizers")
    for name, why in _PROJECT_NOT_YET.items():
        spec.unsupported(name, why)
    for fields in (metadata, spec, top):
        fields.finish()


_PROJECT_NOT_YET = {
    "signatureKeys": "commit signature verification is not supported yet",
    "destinationServiceAccounts": "impersonation is not supported yet",
    "permitOnlyProjectScopedClusters": "project-scoped clusters are not supported yet",
}


def _glob(pattern: str, value: str) -> bool:
    return fnmatchcase(value, pattern)
