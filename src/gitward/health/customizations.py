"""Custom Lua health checks configured the way Argo CD's ``argocd-cm`` configures them.

Two forms are read, so a team moving from Argo CD can paste its ConfigMap data as it is:

- one key per kind: ``resource.customizations.health.<group>_<kind>`` (``<kind>`` alone for the
  core group), whose value is the Lua script;
- the older structured key ``resource.customizations``, a YAML map from ``<group>/<Kind>`` to
  ``{health.lua: <script>, ...}``.

Keys may use glob wildcards (``*``, ``?``, ``[...]``) in the group and the kind, as Argo CD allows
in the structured form (``"*.aws.crossplane.io/*"``); Kubernetes forbids ``*`` in ConfigMap keys,
so in practice wildcards come from the structured form. An exact key beats every wildcard, and among
wildcards the longest pattern wins (Argo CD picks whichever its map yields first). A per-kind key
beats the structured form for the same kind. Other customization keys (actions, ignoreDifferences,
``useOpenLibs``: scripts here always run sandboxed) are left to the modules that need them.
Parsing raises ``ConfigError`` naming the key; running a script never raises (see ``scripts``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import yaml

from gitward.errors import ConfigError, Location
from gitward.health.scripts import LuaLimits, run_health_script
from gitward.health.status import Health
from gitward.model.objects import Manifest, api_group

__all__ = ["Customization", "HealthCustomizations"]

HEALTH_PREFIX = "resource.customizations.health."
STRUCTURED_KEY = "resource.customizations"
_WILDCARDS = "*?["


@dataclass(frozen=True, slots=True)
class Customization:
    """One script: ``pattern`` is ``group/Kind`` (``Kind`` for the core group), maybe a glob."""

    pattern: str
    script: str
    name: str
    """Where it was configured, for messages: the ConfigMap key (and entry)."""

    @property
    def is_wildcard(self) -> bool:
        return any(char in self.pattern for char in _WILDCARDS)


def resource_pattern(group: str, kind: str) -> str:
    """Argo CD's override key for a kind: ``apps/Deployment``, or ``Pod`` in the core group."""
    return f"{group}/{kind}" if group else kind


def _from_health_key(key: str, value: object, where: Location) -> Customization:
    suffix = key.removeprefix(HEALTH_PREFIX)
    group, _, kind = suffix.rpartition("_")
    if not kind or not isinstance(value, str):
        problem = "names no kind" if not kind else "is not a Lua script (a string)"
        raise ConfigError(
            f"{key} {problem}",
            where=where.at(f"data[{key}]"),
            hint="Write resource.customizations.health.<group>_<kind>: | followed by the script",
        )
    return Customization(resource_pattern(group, kind), value, key)


def _from_structured(text: object, where: Location) -> list[Customization]:
    field = where.at(f"data[{STRUCTURED_KEY}]")
    hint = "Write a YAML map from <group>/<Kind> to {health.lua: <script>}"
    if not isinstance(text, str):
        raise ConfigError(f"{STRUCTURED_KEY} is not YAML text", where=field, hint=hint)
    try:
        entries = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        raise ConfigError(
            f"{STRUCTURED_KEY} is not valid YAML: {err}", where=field, hint=hint
        ) from err
    if not isinstance(entries, dict):
        raise ConfigError(f"{STRUCTURED_KEY} is not a map of kinds", where=field, hint=hint)
    found = []
    for pattern, settings in entries.items():
        if not isinstance(settings, dict):
            raise ConfigError(f"entry {pattern} is not a map", where=field, hint=hint)
        script = settings.get("health.lua")
        if script is None:
            continue
        if not isinstance(script, str):
            raise ConfigError(f"{pattern} health.lua is not a string", where=field, hint=hint)
        found.append(Customization(str(pattern), script, f"{STRUCTURED_KEY} {pattern} health.lua"))
    return found


class HealthCustomizations:
    """The configured Lua health checks, looked up by an object's group and kind."""

    def __init__(self, checks: Iterable[Customization] = (), *, limits: LuaLimits | None = None):
        self.limits = limits or LuaLimits()
        self._exact: dict[str, Customization] = {}
        wildcards: dict[str, Customization] = {}
        for check in checks:
            (wildcards if check.is_wildcard else self._exact)[check.pattern] = check
        self._wildcards = sorted(wildcards.values(), key=lambda c: (-len(c.pattern), c.pattern))

    @classmethod
    def from_config(
        cls,
        data: Mapping[str, object],
        *,
        where: Location | None = None,
        limits: LuaLimits | None = None,
    ) -> HealthCustomizations:
        """Read ``argocd-cm``-style data; later (per-kind) keys override the structured form."""
        where = where or Location(obj="ConfigMap argocd-cm")
        checks: list[Customization] = []
        if STRUCTURED_KEY in data:
            checks.extend(_from_structured(data[STRUCTURED_KEY], where))
        for key in sorted(data):
            if key.startswith(HEALTH_PREFIX):
                checks.append(_from_health_key(key, data[key], where))
        return cls(checks, limits=limits)

    def __len__(self) -> int:
        return len(self._exact) + len(self._wildcards)

    def find(self, group: str, kind: str) -> Customization | None:
        """The script for this kind: the exact key, else the most specific wildcard, else None."""
        target = resource_pattern(group, kind)
        if exact := self._exact.get(target):
            return exact
        return next((c for c in self._wildcards if fnmatch.fnmatchcase(target, c.pattern)), None)

    def assess(self, obj: Manifest) -> Health | None:
        """The custom verdict for ``obj``, or None when no script is configured for its kind."""
        check = self.find(api_group(str(obj.get("apiVersion", ""))), str(obj.get("kind", "")))
        if check is None:
            return None
        return run_health_script(check.name, check.script, obj, self.limits)
