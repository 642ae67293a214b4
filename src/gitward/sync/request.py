"""A sync request: what one sync operation was asked to do, fixed when it starts.

The controller makes one from an automated policy (``prune`` from ``automated.prune``,
``allow_empty`` from ``automated.allowEmpty``, ``retry`` from ``syncPolicy.retry``) or from a
user's request (CLI, API, UI). It is stored with the operation, so a resumed sync does what was
asked. ``confirm_prune`` is the one field that may change while the operation runs (a user
confirming ``Prune=confirm`` resources). This module must not talk to a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gitward.errors import Location, ManifestError
from gitward.model.application import Backoff, Retry
from gitward.model.objects import ResourceKey

__all__ = ["DEFAULT_WAVE_TIMEOUT_S", "SyncRequest"]

DEFAULT_WAVE_TIMEOUT_S = 900.0
"""How long a wave may take to become healthy. Longer than a Deployment's default progress
deadline (600 s), so a stuck rollout fails with its own, more precise, Degraded message first."""

_HINT = "The stored sync request is damaged: start a new sync"


@dataclass(frozen=True, slots=True)
class SyncRequest:
    """What to sync and how.

    ``prune``: delete the app's objects that Git no longer declares (else they are reported as
    requiring pruning). ``allow_empty``: prune even when Git declares no resource at all.
    ``confirm_prune``: prune ``Prune=confirm`` resources. ``dry_run``: send everything as a
    server-side dry run, change nothing. ``force``: ``Force=true`` for every resource.
    ``resources``: selective sync of these keys only (hooks do not run). ``sync_options``: added
    to the app's ``syncPolicy.syncOptions`` (these win). ``wave_timeout_s``: how long one wave may
    wait to become healthy before the sync fails.
    """

    revision: str = ""
    prune: bool = False
    dry_run: bool = False
    allow_empty: bool = False
    confirm_prune: bool = False
    force: bool = False
    resources: frozenset[ResourceKey] | None = None
    sync_options: tuple[str, ...] = ()
    retry: Retry | None = None
    wave_timeout_s: float = DEFAULT_WAVE_TIMEOUT_S

    def selects(self, key: ResourceKey) -> bool:
        """Whether ``key`` takes part (always, unless this is a selective sync)."""
        return self.resources is None or key in self.resources

    def to_dict(self) -> dict[str, Any]:
        resources = None
        if self.resources is not None:
            resources = [
                {"group": k.group, "kind": k.kind, "namespace": k.namespace, "name": k.name}
                for k in sorted(self.resources)
            ]
        retry = None
        if self.retry is not None:
            backoff = self.retry.backoff
            retry = {
                "limit": self.retry.limit,
                "duration": backoff.duration_s,
                "factor": backoff.factor,
                "maxDuration": backoff.max_duration_s,
            }
        return {
            "revision": self.revision,
            "prune": self.prune,
            "dryRun": self.dry_run,
            "allowEmpty": self.allow_empty,
            "confirmPrune": self.confirm_prune,
            "force": self.force,
            "resources": resources,
            "syncOptions": list(self.sync_options),
            "retry": retry,
            "waveTimeout": self.wave_timeout_s,
        }

    @classmethod
    def from_dict(cls, data: Any, where: Location) -> SyncRequest:
        """Read a stored request; raises :class:`ManifestError` naming the field that is wrong."""
        if not isinstance(data, dict):
            raise ManifestError("the request is not a mapping", where=where, hint=_HINT)
        options = data.get("syncOptions") or []
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise ManifestError(
                "syncOptions is not a list of strings",
                where=_under(where, "syncOptions"),
                hint=_HINT,
            )
        return cls(
            revision=_value(data, "revision", str, "", where),
            prune=_value(data, "prune", bool, False, where),
            dry_run=_value(data, "dryRun", bool, False, where),
            allow_empty=_value(data, "allowEmpty", bool, False, where),
            confirm_prune=_value(data, "confirmPrune", bool, False, where),
            force=_value(data, "force", bool, False, where),
            resources=_resources(data.get("resources"), _under(where, "resources")),
            sync_options=tuple(options),
            retry=_retry(data.get("retry"), _under(where, "retry")),
            wave_timeout_s=float(
                _value(data, "waveTimeout", (int, float), DEFAULT_WAVE_TIMEOUT_S, where)
            ),
        )


def _under(where: Location, name: str) -> Location:
    return where.at(f"{where.field}.{name}" if where.field else name)


def _value(data: dict[str, Any], name: str, kind: Any, default: Any, where: Location) -> Any:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ManifestError(f"{name} has the wrong type", where=_under(where, name), hint=_HINT)
    return value


def _resources(raw: Any, where: Location) -> frozenset[ResourceKey] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ManifestError("resources is not a list", where=where, hint=_HINT)
    keys = []
    for index, item in enumerate(raw):
        at = where.at(f"{where.field}[{index}]")
        if not isinstance(item, dict):
            raise ManifestError("a resource is not a mapping", where=at, hint=_HINT)
        parts = [_value(item, name, str, "", at) for name in ("group", "kind", "namespace", "name")]
        keys.append(ResourceKey(*parts))
    return frozenset(keys)


def _retry(raw: Any, where: Location) -> Retry | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ManifestError("retry is not a mapping", where=where, hint=_HINT)
    default = Backoff()
    backoff = Backoff(
        duration_s=float(_value(raw, "duration", (int, float), default.duration_s, where)),
        factor=_value(raw, "factor", int, default.factor, where),
        max_duration_s=float(
            _value(raw, "maxDuration", (int, float), default.max_duration_s, where)
        ),
    )
    return Retry(limit=_value(raw, "limit", int, 0, where), backoff=backoff)
