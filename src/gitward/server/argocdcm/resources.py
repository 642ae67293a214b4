"""The ``resource.*`` keys of ``argocd-cm``: health checks, ignored differences, exclusions.

Both of Argo CD's spellings are read: one key per kind
(``resource.customizations.<health|ignoreDifferences|knownTypeFields>.<group>_<kind>``, ``<kind>``
alone for the core group, ``ignoreDifferences.all`` for every kind) and the structured
``resource.customizations`` map from ``<group>/<Kind>`` (globs allowed, as in Argo CD) to
``health.lua``, ``ignoreDifferences`` and ``knownTypeFields``. A per-kind key and the structured
form may both hold rules for one kind: the health script of the per-kind key wins; ignore rules
of both apply. ``knownTypeFields`` are checked and accepted but change nothing: gitward
normalises quantities and ports by field name in every kind, so it needs no field types.
Customizations gitward does not run (``actions``, ``useOpenLibs``, ``ignoreResourceUpdates``)
come back as warnings naming the key. Errors name the file, the ConfigMap and the key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitward.controller.overrides import ResourceOverrides
from gitward.errors import ConfigError, Location
from gitward.health import HealthCustomizations
from gitward.kube.filtering import FilteredResource, ResourceFilter
from gitward.model.application import IgnoreDifference
from gitward.server.argocdcm.document import SettingsDocument

__all__ = ["RESOURCE_KEYS", "ResourceSettings", "read_resources", "takes_key"]

CUSTOMIZATIONS = "resource.customizations"
HEALTH = f"{CUSTOMIZATIONS}.health."
IGNORE = f"{CUSTOMIZATIONS}.ignoreDifferences."
KNOWN_TYPES = f"{CUSTOMIZATIONS}.knownTypeFields."
NOT_RUN = {
    f"{CUSTOMIZATIONS}.actions.": "resource actions are not supported yet",
    f"{CUSTOMIZATIONS}.useOpenLibs.": "health scripts always run sandboxed, without open libraries",
    f"{CUSTOMIZATIONS}.ignoreResourceUpdates.": "every watch event triggers a refresh; "
    "the comparison still ignores the configured fields",
}
EXCLUSIONS = "resource.exclusions"
INCLUSIONS = "resource.inclusions"
COMPARE_OPTIONS = "resource.compareoptions"
RESOURCE_KEYS = (CUSTOMIZATIONS, EXCLUSIONS, INCLUSIONS, COMPARE_OPTIONS)
_STRUCTURED_FIELDS = {"health.lua", "ignoreDifferences", "knownTypeFields"}
_STATUS_FIELD_VALUES = {"all", "crd", "none", "off"}


@dataclass
class ResourceSettings:
    """What the ``resource.*`` keys said, and the warnings to show."""

    overrides: ResourceOverrides = field(default_factory=ResourceOverrides)
    warnings: list[str] = field(default_factory=list)
    known_type_fields: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def takes_key(key: str) -> bool:
    """Whether this module reads ``key``."""
    prefixes = (HEALTH, IGNORE, KNOWN_TYPES, *NOT_RUN)
    return key in RESOURCE_KEYS or key.startswith(prefixes)


def read_resources(document: SettingsDocument) -> ResourceSettings:
    """Parse every ``resource.*`` key of ``document`` (see the module docstring)."""
    data, found = document.data, ResourceSettings()
    health = HealthCustomizations.from_config(
        {k: v for k, v in data.items() if k == CUSTOMIZATIONS or k.startswith(HEALTH)},
        where=document.where,
    )
    rules = _structured(document, found)
    for key in sorted(data):
        suffix = _suffix(key, IGNORE)
        if suffix is not None:
            rules.append(_ignore_rule(_pattern(suffix, key, document), data[key], document.at(key)))
        suffix = _suffix(key, KNOWN_TYPES)
        if suffix is not None:
            pattern = _pattern(suffix, key, document)
            found.known_type_fields[pattern] = _known_types(data[key], document.at(key))
        for prefix, why in NOT_RUN.items():
            if key.startswith(prefix):
                found.warnings.append(f"argocd-cm key {key} is ignored: {why}")
    compare = _compare_options(document, found.warnings)
    found.overrides = ResourceOverrides(
        health=health,
        ignore_differences=tuple(rules),
        resource_filter=ResourceFilter(
            _filtered(document, EXCLUSIONS), _filtered(document, INCLUSIONS)
        ),
        ignore_aggregated_roles=compare.get("ignoreAggregatedRoles") is True,
    )
    return found


def _suffix(key: str, prefix: str) -> str | None:
    return key.removeprefix(prefix) if key.startswith(prefix) else None


def _pattern(suffix: str, key: str, document: SettingsDocument) -> str:
    """``<group>_<kind>`` (or ``all``) as ``group/Kind`` (``Kind`` for the core group)."""
    if suffix == "all":
        return "*/*"
    group, _, kind = suffix.rpartition("_")
    if not kind:
        raise ConfigError(
            f"{key} names no kind",
            where=document.at(key),
            hint=f"Write {key.removesuffix(suffix)}<group>_<kind>, e.g. apps_Deployment",
        )
    return f"{group}/{kind}" if group else kind


def _yaml(text: str, where: Location, hint: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigError(f"not valid YAML: {err}", where=where, hint=hint) from err


def _ignore_rule(pattern: str, text: object, where: Location) -> IgnoreDifference:
    hint = "Write a YAML map with jsonPointers, jqPathExpressions or managedFieldsManagers"
    value = _yaml(text, where, hint) if isinstance(text, str) else text
    if not isinstance(value, dict):
        raise ConfigError("ignoreDifferences is not a map", where=where, hint=hint)
    unknown = set(value) - {"jsonPointers", "jqPathExpressions", "managedFieldsManagers"}
    if unknown:
        raise ConfigError(f"unknown fields {sorted(unknown)}", where=where, hint=hint)
    group, slash, kind = pattern.rpartition("/")
    return IgnoreDifference(
        kind=kind if slash else pattern,
        group=group if slash else "",
        json_pointers=_texts(value, "jsonPointers", where, hint),
        jq_path_expressions=_texts(value, "jqPathExpressions", where, hint),
        managed_fields_managers=_texts(value, "managedFieldsManagers", where, hint),
    )


def _texts(value: Mapping[str, Any], name: str, where: Location, hint: str) -> tuple[str, ...]:
    items = value.get(name) or []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ConfigError(f"{name} is not a list of strings", where=where, hint=hint)
    return tuple(items)


def _known_types(text: object, where: Location) -> list[dict[str, str]]:
    hint = "Write a YAML list of {field: spec.some.path, type: core/v1/PodSpec}"
    value = _yaml(text, where, hint) if isinstance(text, str) else text
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and isinstance(item.get("field"), str) and item.get("type")
        for item in value
    ):
        raise ConfigError("knownTypeFields is not a list of field and type", where=where, hint=hint)
    return [{"field": str(item["field"]), "type": str(item["type"])} for item in value]


def _structured(document: SettingsDocument, found: ResourceSettings) -> list[IgnoreDifference]:
    """The ignore rules (and known types) of the structured ``resource.customizations``."""
    text = document.data.get(CUSTOMIZATIONS)
    if text is None:
        return []
    where = document.at(CUSTOMIZATIONS)
    entries = _yaml(text, where, "Write a YAML map from <group>/<Kind> to its customizations")
    rules = []
    for pattern, settings in (entries or {}).items():
        if not isinstance(settings, dict):
            continue  # the health reader has refused it already
        place = where.at(f"{where.field}.{pattern}")
        for name in sorted(set(settings) - _STRUCTURED_FIELDS):
            why = "is not supported" if name in ("actions", "useOpenLibs") else "is unknown"
            found.warnings.append(f"argocd-cm key {CUSTOMIZATIONS} {pattern} {name} {why}")
        if "ignoreDifferences" in settings:
            rule = _ignore_rule(str(pattern), settings["ignoreDifferences"], place)
            rules.append(rule)
        if "knownTypeFields" in settings:
            found.known_type_fields[str(pattern)] = _known_types(settings["knownTypeFields"], place)
    return rules


def _filtered(document: SettingsDocument, key: str) -> tuple[FilteredResource, ...]:
    text = document.data.get(key)
    if not text:
        return ()
    where = document.at(key)
    hint = "Write a YAML list of {apiGroups: [...], kinds: [...], clusters: [...]}"
    value = _yaml(text, where, hint) or []
    if not isinstance(value, list):
        raise ConfigError(f"{key} is not a list", where=where, hint=hint)
    entries = []
    for index, item in enumerate(value):
        place = where.at(f"{where.field}[{index}]")
        if not isinstance(item, dict) or set(item) - {"apiGroups", "kinds", "clusters"}:
            raise ConfigError(
                "not an entry of apiGroups, kinds and clusters", where=place, hint=hint
            )
        entries.append(
            FilteredResource(
                _texts(item, "apiGroups", place, hint),
                _texts(item, "kinds", place, hint),
                _texts(item, "clusters", place, hint),
            )
        )
    return tuple(entries)


def _compare_options(document: SettingsDocument, warnings: list[str]) -> dict[str, Any]:
    text = document.data.get(COMPARE_OPTIONS)
    if not text:
        return {}
    where = document.at(COMPARE_OPTIONS)
    hint = "Write ignoreAggregatedRoles: true, ignoreResourceStatusField: all ..."
    value = _yaml(text, where, hint) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"{COMPARE_OPTIONS} is not a map", where=where, hint=hint)
    checks: dict[str, Callable[[Any], str | None]] = {
        "ignoreAggregatedRoles": _boolean,
        "ignoreDifferencesOnResourceUpdates": _boolean,
        "ignoreResourceStatusField": _status_field,
    }
    for name, option in value.items():
        check = checks.get(str(name))
        problem = f"{name} is not an option gitward knows" if check is None else check(option)
        if problem:
            warnings.append(f"argocd-cm key {COMPARE_OPTIONS}: {problem}; it is ignored")
    return value


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"{value!r} is not true or false"


def _status_field(value: Any) -> str | None:
    if str(value) not in _STATUS_FIELD_VALUES:
        return f"ignoreResourceStatusField {value!r} is not all, crd, none or off"
    if str(value) in ("none", "off"):
        return f"ignoreResourceStatusField {value}: gitward never compares status (as with all)"
    return None
