"""``ignoreDifferences``: fields left out of the comparison, and kept as live when syncing.

A rule matches a resource by group and kind (shell globs, ``*`` for all), and by name and
namespace when it gives them. It names fields three ways: RFC 6901 JSON pointers, jq path
expressions (evaluated with a time limit by :mod:`gitward.diff.jq`) and field managers whose
fields in the live object's ``managedFields`` are trusted (an HPA's ``spec.replicas``). All
three become :data:`~gitward.diff.paths.Path` s, so ignoring a field and keeping its live value
(``RespectIgnoreDifferences=true``) are the same code.

Unlike Argo CD, the rules of an application and the global ones are all applied (Argo CD lets a
global override replace the application's rules), and an empty group matches every group
(Argo CD matches it to the core group only, so ``kind: Deployment`` without ``group: apps``
silently ignores nothing). Pure apart from the jq seam it is given.
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gitward.diff import fieldsets, lists
from gitward.diff.jq import JqRunner
from gitward.diff.masking import is_secret
from gitward.diff.paths import Path, get_at, has_path, parse_pointer, remove_paths, set_at
from gitward.errors import ConfigError, Location
from gitward.model.application import IgnoreDifference
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["Ignored", "matching_rules", "respect_ignored"]


def matching_rules(
    rules: Sequence[IgnoreDifference], key: ResourceKey
) -> tuple[IgnoreDifference, ...]:
    """The rules that apply to the resource ``key``."""
    return tuple(rule for rule in rules if _matches(rule, key))


def _matches(rule: IgnoreDifference, key: ResourceKey) -> bool:
    return (
        (not rule.group or fnmatch.fnmatchcase(key.group, rule.group))
        and fnmatch.fnmatchcase(key.kind, rule.kind or "*")
        and (not rule.name or rule.name == key.name)
        and (not rule.namespace or rule.namespace == key.namespace)
    )


@dataclass(frozen=True, slots=True)
class Ignored:
    """The ignore rules of one resource, ready to find their fields in any object.

    ``managed_fields`` are the ``fieldsV1`` trees of the trusted managers, taken from the raw
    live object (normalisation drops ``managedFields``).
    """

    rules: tuple[IgnoreDifference, ...]
    managed_fields: tuple[dict[str, Any], ...] = ()

    @classmethod
    def of(
        cls, rules: Sequence[IgnoreDifference], key: ResourceKey, live: Manifest | None
    ) -> Ignored:
        matched = matching_rules(rules, key)
        managers = [manager for rule in matched for manager in rule.managed_fields_managers]
        trees = fieldsets.manager_fields(live, managers) if live is not None else []
        return cls(matched, tuple(trees))

    def __bool__(self) -> bool:
        return bool(self.rules)

    def paths(self, obj: Any, jq: JqRunner) -> list[Path]:
        """Every ignored path that exists in ``obj``; a ``ConfigError`` names a bad rule."""
        found: list[Path] = []
        for index, rule in enumerate(self.rules):
            where = Location(field=f"ignoreDifferences[{index}]")
            for number, pointer in enumerate(rule.json_pointers):
                path = parse_pointer(
                    pointer, where=where.at(f"{where.field}.jsonPointers[{number}]")
                )
                if has_path(obj, path):
                    found.append(path)
            for number, expression in enumerate(rule.jq_path_expressions):
                field = f"{where.field}.jqPathExpressions[{number}]"
                found.extend(_jq_paths(jq, expression, obj, where.at(field)))
        for tree in self.managed_fields:
            found.extend(fieldsets.owned_paths(tree, obj))
        return found

    def remove_from(self, obj: Manifest | None, jq: JqRunner) -> None:
        """Remove every ignored field from ``obj`` in place."""
        if obj is not None and self.rules:
            remove_paths(obj, self.paths(obj, jq))


def _jq_paths(jq: JqRunner, expression: str, obj: Any, where: Location) -> list[Path]:
    try:
        return jq.paths(expression, obj)
    except ConfigError as error:
        problem = error.problem
        if is_secret(obj):
            # jq's words can quote a value it was given, even transformed beyond redaction.
            problem = (
                f"the jq expression {expression!r} failed on a Secret; the evaluator's message "
                "is withheld because it could quote Secret data"
            )
        raise ConfigError(problem, where=where, hint=error.hint) from error


def respect_ignored(
    desired: Manifest,
    live: Manifest | None,
    rules: Sequence[IgnoreDifference],
    jq: JqRunner,
) -> Manifest:
    """``desired`` with each ignored field set to its live value, or removed when live has
    none: what sync applies under ``RespectIgnoreDifferences=true`` so that it does not undo
    what the rules ignore. Raises ``ConfigError`` for a bad rule."""
    result = copy.deepcopy(desired)
    if live is None:
        return result
    metadata = live.get("metadata")
    if not isinstance(metadata, dict):
        return result
    ignored = Ignored.of(rules, ResourceKey.of(live), live)
    if not ignored:
        return result
    kept: set[Path] = set()
    for path in sorted(set(ignored.paths(live, jq)), key=len):
        target = translate(path, live, result)
        if target is not None and set_at(result, target, copy.deepcopy(get_at(live, path))):
            kept.add(target)
    remove_paths(result, (path for path in ignored.paths(desired, jq) if path not in kept))
    return result


def translate(path: Path, source: Any, target: Any) -> Path | None:
    """``path`` in ``source`` as the same field in ``target``: list positions are mapped by
    merge key (``containers`` by name...), so index 1 of live may be index 0 of desired.
    None when ``target`` has no such list element."""
    translated: list[str | int] = []
    for depth, step in enumerate(path):
        if not isinstance(step, int):
            translated.append(step)
            continue
        field = path[depth - 1] if depth else None
        source_list = get_at(source, path[:depth])
        target_list = get_at(target, tuple(translated))
        if not isinstance(source_list, list) or not isinstance(target_list, list):
            return None
        mapped = dict(lists.pair_elements(field, source_list, target_list)).get(step)
        if mapped is None:
            return None
        translated.append(mapped)
    return tuple(translated)
