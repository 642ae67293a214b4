"""The Application: what to deploy (sources), where (destination) and how (sync policy).

Parses ``argoproj.io/v1alpha1`` Application documents as Argo CD users write them, including the
strategy document's ``syncPolicy: manual: {}`` (which Argo CD silently ignores). Pure data: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitward.errors import Location, ManifestError
from gitward.model import annotations as argocd
from gitward.model.backoffs import MAX_RETRY_DELAY_S, MIN_RETRY_DELAY_S, clamp_delay
from gitward.model.fields import Fields, Parsed, Warnings, object_name, parse_duration
from gitward.model.sources import Source, parse_source

__all__ = [
    "Application",
    "Automated",
    "Backoff",
    "Destination",
    "IgnoreDifference",
    "ManagedNamespaceMetadata",
    "Retry",
    "SyncPolicy",
    "parse_application",
    "sync_wave",
    "validate_name",
]

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@dataclass(frozen=True, slots=True)
class Destination:
    """``spec.destination``: a cluster by API ``server`` URL or by ``name``, and a namespace."""

    server: str = ""
    name: str = ""
    namespace: str = ""

    def __str__(self) -> str:
        cluster = self.server or self.name
        return f"{cluster}/{self.namespace}" if self.namespace else cluster


@dataclass(frozen=True, slots=True)
class Automated:
    """``syncPolicy.automated``."""

    enabled: bool = True
    prune: bool = False
    self_heal: bool = False
    allow_empty: bool = False


@dataclass(frozen=True, slots=True)
class Backoff:
    """``syncPolicy.retry.backoff``, durations in seconds (Argo CD defaults: 5s, x2, 3m)."""

    duration_s: float = 5.0
    factor: int = 2
    max_duration_s: float = 180.0


@dataclass(frozen=True, slots=True)
class Retry:
    """``syncPolicy.retry``; a negative limit retries forever, as in Argo CD."""

    limit: int = 0
    backoff: Backoff = field(default_factory=Backoff)


@dataclass(frozen=True, slots=True)
class ManagedNamespaceMetadata:
    """``syncPolicy.managedNamespaceMetadata``, applied to a namespace made by CreateNamespace."""

    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SyncPolicy:
    """``spec.syncPolicy``. ``automated is None`` means manual: sync only on request."""

    automated: Automated | None = None
    sync_options: tuple[str, ...] = ()
    retry: Retry | None = None
    managed_namespace_metadata: ManagedNamespaceMetadata | None = None

    @property
    def is_automated(self) -> bool:
        return self.automated is not None and self.automated.enabled

    def has_option(self, option: str) -> bool:
        """Whether ``option`` (e.g. ``"CreateNamespace=true"``) is set, case-insensitively."""
        return option.lower() in (item.lower() for item in self.sync_options)


@dataclass(frozen=True, slots=True)
class IgnoreDifference:
    """``spec.ignoreDifferences[]``: fields of matching resources left out of the comparison."""

    kind: str
    group: str = ""
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_path_expressions: tuple[str, ...] = ()
    managed_fields_managers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Application:
    """An Argo CD Application as gitward reads it."""

    name: str
    project: str
    sources: tuple[Source, ...]
    destination: Destination
    namespace: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    finalizers: tuple[str, ...] = ()
    multi_source: bool = False
    sync_policy: SyncPolicy = field(default_factory=SyncPolicy)
    ignore_differences: tuple[IgnoreDifference, ...] = ()
    revision_history_limit: int = 10
    sync_wave: int = 0
    file: str | None = None

    @property
    def source(self) -> Source:
        """The first (for single-source apps, the only) source."""
        return self.sources[0]

    @property
    def deletes_resources(self) -> bool:
        """Whether deleting the app deletes its resources (the resources finalizer)."""
        return any(f.startswith(argocd.RESOURCES_FINALIZER) for f in self.finalizers)


def validate_name(name: str, where: Location) -> str:
    """Kubernetes object names: lower-case DNS subdomains of at most 253 characters."""
    if len(name) > 253 or not _NAME.fullmatch(name):
        raise ManifestError(
            f"{name!r} is not a valid name",
            where=where,
            hint="Use lower-case letters, digits, '-' and '.', starting and ending with a "
            "letter or digit (at most 253 characters)",
        )
    return name


def parse_application(document: Any, *, file: str | None = None) -> Parsed[Application]:
    """Read one Application document; raises ``ManifestError`` naming file, object and field."""
    warnings = Warnings()
    name = object_name(document, file)
    top = Fields(document, Location(file=file, obj=f"Application {name}"), "", warnings)
    metadata = top.mapping("metadata", required=True)
    assert metadata is not None
    validate_name(metadata.text("name", required=True), metadata.where("name"))
    spec = top.mapping("spec", required=True)
    assert spec is not None
    application = _application(name, metadata, spec, file)
    _finish_top(top, metadata, spec)
    return Parsed(application, tuple(str(w) for w in warnings))


def _application(name: str, metadata: Fields, spec: Fields, file: str | None) -> Application:
    notes = metadata.text_map("annotations")
    sources, multi = _sources(spec)
    return Application(
        name=name,
        namespace=metadata.text("namespace"),
        labels=metadata.text_map("labels"),
        annotations=notes,
        finalizers=metadata.texts("finalizers"),
        project=spec.text("project") or argocd.DEFAULT_PROJECT,
        sources=sources,
        multi_source=multi,
        destination=_destination(spec),
        sync_policy=_sync_policy(spec),
        ignore_differences=tuple(_ignore(item) for item in spec.mappings("ignoreDifferences")),
        revision_history_limit=_history_limit(spec),
        sync_wave=sync_wave(notes, metadata.where("annotations")),
        file=file,
    )


_WAVE_MIN, _WAVE_MAX = -(2**63), 2**63 - 1  # Go's int on 64-bit, which Argo CD parses into


def sync_wave(notes: Mapping[str, str], where: Location) -> int:
    """The ``argocd.argoproj.io/sync-wave`` annotation as an integer (default 0).

    Argo CD reads it with Go's ``strconv.Atoi`` (a 64-bit int) and silently uses 0 for anything
    else; gitward refuses a wave that is not an integer in that range, naming the annotation.
    """
    text = str(notes.get(argocd.SYNC_WAVE, "0")).strip() or "0"
    field = where.at(f"{where.field}[{argocd.SYNC_WAVE}]")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ManifestError(
            f"sync wave {text[:40]!r} is not an integer",
            where=field,
            hint='Write the wave as a quoted integer, e.g. "1" or "-5"',
        )
    digits = text.lstrip("+-").lstrip("0")
    wave = int(text) if len(digits) <= 19 else _WAVE_MAX + 1  # int() refuses 4,300+ digits
    if not _WAVE_MIN <= wave <= _WAVE_MAX:
        raise ManifestError(
            f"sync wave {text[:40]} is outside the 64-bit integer range Argo CD reads waves in",
            where=field,
            hint=f"Use a wave between {_WAVE_MIN} and {_WAVE_MAX}; small numbers such as "
            '"-1", "0" and "5" are usual',
        )
    return wave


def _sources(spec: Fields) -> tuple[tuple[Source, ...], bool]:
    listed = spec.mappings("sources")
    if listed:
        if spec.has("source"):
            spec.warnings.add(spec.where("source"), "ignored because `sources` is set")
            spec.ignore("source")
        return tuple(parse_source(item) for item in listed), True
    single = spec.mapping("source")
    if single is None:
        raise ManifestError(
            "the application has no source",
            where=spec.where("source"),
            hint="Set `spec.source` (repoURL, path, targetRevision) or `spec.sources`",
        )
    return (parse_source(single),), False


def _destination(spec: Fields) -> Destination:
    fields = spec.mapping("destination", required=True)
    assert fields is not None
    destination = Destination(
        server=fields.text("server").rstrip("/"),
        name=fields.text("name"),
        namespace=fields.text("namespace"),
    )
    fields.finish()
    if destination.server and destination.name:
        raise ManifestError(
            "both `server` and `name` are set",
            where=fields.where("name"),
            hint="Name the cluster by `server` URL or by `name`, not both",
        )
    if not destination.server and not destination.name:
        raise ManifestError(
            "no cluster is named",
            where=fields.where("server"),
            hint=f"Set `server` (e.g. {argocd.IN_CLUSTER_SERVER}) or `name`",
        )
    return destination


def _sync_policy(spec: Fields) -> SyncPolicy:
    fields = spec.mapping("syncPolicy")
    if fields is None:
        return SyncPolicy()
    if fields.has("manual"):
        fields.ignore("manual")
        fields.warnings.add(
            fields.where("manual"),
            "`manual` is not an Argo CD field (Argo CD ignores it); gitward reads it as manual "
            "sync, which is what an Application without `automated` already gets",
        )
    policy = SyncPolicy(
        automated=_automated(fields),
        sync_options=_sync_options(fields),
        retry=_retry(fields),
        managed_namespace_metadata=_namespace_metadata(fields),
    )
    fields.finish()
    if fields.has("manual") and policy.automated is not None:
        raise ManifestError(
            "both `manual` and `automated` are set",
            where=fields.where("manual"),
            hint="Remove one: `automated` syncs by itself, no `automated` waits for a request",
        )
    return policy


def _automated(policy: Fields) -> Automated | None:
    fields = policy.mapping("automated")
    if fields is None:
        return None
    automated = Automated(
        enabled=fields.flag("enabled", default=True),
        prune=fields.flag("prune"),
        self_heal=fields.flag("selfHeal"),
        allow_empty=fields.flag("allowEmpty"),
    )
    fields.finish()
    return automated


def _sync_options(policy: Fields) -> tuple[str, ...]:
    options = policy.texts("syncOptions")
    for index, option in enumerate(options):
        key = option.split("=", 1)[0].strip()
        if key not in argocd.SyncOption.KNOWN_KEYS:
            policy.warnings.add(
                policy.where(f"syncOptions[{index}]"),
                f"unknown sync option {option!r}, ignored",
            )
    return options


def _retry(policy: Fields) -> Retry | None:
    fields = policy.mapping("retry")
    if fields is None:
        return None
    backoff_fields = fields.mapping("backoff")
    backoff = Backoff()
    if backoff_fields is not None:
        backoff = Backoff(
            duration_s=_delay(backoff_fields, "duration", backoff.duration_s),
            factor=_factor(backoff_fields, backoff.factor),
            max_duration_s=_delay(backoff_fields, "maxDuration", backoff.max_duration_s),
        )
        backoff_fields.finish()
    retry = Retry(limit=fields.integer("limit", default=0) or 0, backoff=backoff)
    fields.finish()
    return retry


def _factor(fields: Fields, default: int) -> int:
    """``backoff.factor``: an integer of at least 1 (Argo CD's default 2)."""
    factor = fields.integer("factor", default=default)
    if factor is None:
        return default
    if factor < 1:
        raise ManifestError(
            f"backoff factor {factor} is less than 1: each retry would wait less than the one "
            "before",
            where=fields.where("factor"),
            hint="Use a factor of 1 (a constant delay) or more (Argo CD's default is 2)",
        )
    return factor


def _delay(fields: Fields, name: str, default: float) -> float:
    """A backoff duration, raised to 1 s or lowered to 24 h with a warning when outside.

    ``maxDuration: 0`` (no cap, in Argo CD) is kept as 0 and means the 24 h ceiling.
    """
    text = fields.scalar_text(name)
    if not text:
        return default
    seconds = parse_duration(text, fields.where(name))
    if name == "maxDuration" and seconds == 0:
        return 0.0
    clamped = clamp_delay(seconds)
    if clamped != seconds:
        fields.warnings.add(
            fields.where(name),
            f"{text!r} is outside gitward's bounds for a retry delay ({MIN_RETRY_DELAY_S:g}s to "
            f"{MAX_RETRY_DELAY_S / 3600:g}h); {clamped:g}s is used",
        )
    return clamped


def _namespace_metadata(policy: Fields) -> ManagedNamespaceMetadata | None:
    fields = policy.mapping("managedNamespaceMetadata")
    if fields is None:
        return None
    metadata = ManagedNamespaceMetadata(
        labels=fields.text_map("labels"), annotations=fields.text_map("annotations")
    )
    fields.finish()
    return metadata


def _ignore(fields: Fields) -> IgnoreDifference:
    rule = IgnoreDifference(
        kind=fields.text("kind", required=True),
        group=fields.text("group"),
        name=fields.text("name"),
        namespace=fields.text("namespace"),
        json_pointers=fields.texts("jsonPointers"),
        jq_path_expressions=fields.texts("jqPathExpressions"),
        managed_fields_managers=fields.texts("managedFieldsManagers"),
    )
    fields.finish()
    return rule


def _history_limit(spec: Fields) -> int:
    limit = spec.integer("revisionHistoryLimit", default=10)
    if limit is None or limit < 0:
        raise ManifestError(
            "must not be negative",
            where=spec.where("revisionHistoryLimit"),
            hint="Use 0 or more history entries (default 10)",
        )
    return limit


def _finish_top(top: Fields, metadata: Fields, spec: Fields) -> None:
    top.text("apiVersion")
    top.text("kind")
    top.ignore("status", "operation")
    metadata.ignore(
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "managedFields",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "ownerReferences",
        "selfLink",
        "generateName",
    )
    spec.ignore("info")
    spec.unsupported("sourceHydrator", "source hydration is not supported yet")
    for fields in (metadata, spec, top):
        fields.finish()
