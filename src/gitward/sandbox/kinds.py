"""The kinds the sandbox serves: a data table of built-ins plus whatever CRDs define at runtime.

Everything that differs between kinds (URL plural, scope, short names, whether ``/status`` is a
subresource) is a row here, so the HTTP layer, discovery and the store never name a kind. This
module must not know how objects are stored or served.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["BUILTIN_KINDS", "SCALABLE", "Registry", "ResourceType", "types_from_crd"]

# Resources with a ``/scale`` subresource (group, plural).
SCALABLE = frozenset({("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets")})


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served resource: ``group``/``version``/``plural`` in URLs, ``kind`` in bodies."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    has_status: bool = True
    categories: tuple[str, ...] = ()
    builtin: bool = True
    storage_version: str = ""
    printer_columns: tuple[dict[str, Any], ...] = field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        """``apps/v1`` or ``v1`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def group_resource(self) -> tuple[str, str]:
        """The storage identity: the same objects whatever version they are read in."""
        return (self.group, self.plural)

    @property
    def qualified(self) -> str:
        """``deployments.apps`` as in API error messages; bare plural for the core group."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified_kind(self) -> str:
        """``Deployment.apps`` as in ``Invalid`` messages; bare kind for the core group."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


def _row(
    api_version: str,
    kind: str,
    plural: str,
    namespaced: bool,
    short: str = "",
    *,
    status: bool = True,
    categories: str = "",
) -> ResourceType:
    group, _, version = api_version.rpartition("/")
    return ResourceType(
        group=group,
        version=version,
        kind=kind,
        plural=plural,
        namespaced=namespaced,
        short_names=tuple(short.split()),
        has_status=status,
        categories=tuple(categories.split()),
    )


BUILTIN_KINDS: tuple[ResourceType, ...] = (
    _row("v1", "Namespace", "namespaces", False, "ns"),
    _row("v1", "Node", "nodes", False, "no"),
    _row("v1", "ConfigMap", "configmaps", True, "cm", status=False),
    _row("v1", "Secret", "secrets", True, status=False),
    _row("v1", "Service", "services", True, "svc", categories="all"),
    _row("v1", "ServiceAccount", "serviceaccounts", True, "sa", status=False),
    _row("v1", "Pod", "pods", True, "po", categories="all"),
    _row("v1", "ResourceQuota", "resourcequotas", True, "quota"),
    _row("v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, "pvc"),
    _row("v1", "Event", "events", True, "ev", status=False),
    _row("apps/v1", "Deployment", "deployments", True, "deploy", categories="all"),
    _row("apps/v1", "ReplicaSet", "replicasets", True, "rs", categories="all"),
    _row("apps/v1", "StatefulSet", "statefulsets", True, "sts", categories="all"),
    _row("apps/v1", "DaemonSet", "daemonsets", True, "ds", categories="all"),
    _row("batch/v1", "Job", "jobs", True, categories="all"),
    _row("batch/v1", "CronJob", "cronjobs", True, "cj", categories="all"),
    _row("networking.k8s.io/v1", "Ingress", "ingresses", True, "ing"),
    _row("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies", True, "netpol", status=False),
    _row("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, "hpa"),
    _row("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets", True, "pdb"),
    _row("rbac.authorization.k8s.io/v1", "Role", "roles", True, status=False),
    _row("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings", True, status=False),
    _row("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False, status=False),
    _row(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        False,
        status=False,
    ),
    _row(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        False,
        "crd crds",
    ),
)


def types_from_crd(crd: dict[str, Any]) -> list[ResourceType]:
    """The resource types a CustomResourceDefinition serves: one per served version."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    versions = [v for v in spec.get("versions") or [] if v.get("served", True)]
    storage = next((v["name"] for v in versions if v.get("storage")), "")
    return [
        ResourceType(
            group=str(spec.get("group", "")),
            version=str(v["name"]),
            kind=str(names.get("kind", "")),
            plural=str(names.get("plural", "")),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            has_status="status" in (v.get("subresources") or {}),
            categories=tuple(names.get("categories") or ()),
            builtin=False,
            storage_version=storage or str(v["name"]),
            printer_columns=tuple(v.get("additionalPrinterColumns") or ()),
        )
        for v in versions
        if v.get("name")
    ]


class Registry:
    """The served types, looked up by URL (group, version, plural) or by body (apiVersion, kind).

    CRD types are replaced wholesale whenever a CRD changes, so discovery always shows exactly
    what the stored CRDs say.
    """

    def __init__(self, builtins: Iterable[ResourceType] = BUILTIN_KINDS) -> None:
        self._builtins = tuple(builtins)
        self._custom: dict[str, list[ResourceType]] = {}

    def set_crd(self, crd_name: str, types: list[ResourceType]) -> None:
        """Serve ``types`` for the CRD named ``crd_name`` (replacing what it served before)."""
        if types:
            self._custom[crd_name] = types
        else:
            self._custom.pop(crd_name, None)

    def remove_crd(self, crd_name: str) -> None:
        self._custom.pop(crd_name, None)

    def __iter__(self) -> Iterator[ResourceType]:
        yield from self._builtins
        for types in self._custom.values():
            yield from types

    def by_url(self, group: str, version: str, plural: str) -> ResourceType | None:
        return next(
            (t for t in self if (t.group, t.version, t.plural) == (group, version, plural)), None
        )

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        return next((t for t in self if (t.api_version, t.kind) == (api_version, kind)), None)

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        """Every served version of one stored resource."""
        return [t for t in self if t.group_resource == (group, plural)]

    def groups(self) -> dict[str, list[str]]:
        """Group name -> served versions, in first-seen order (core group under "")."""
        found: dict[str, list[str]] = {}
        for t in self:
            versions = found.setdefault(t.group, [])
            if t.version not in versions:
                versions.append(t.version)
        return found
