"""What would change: the predicted live object, and the differences from live, as values and text.

:func:`predict` merges the desired object into the live one the way an apply does: fields the
desired object sets replace live's, fields the last applied object had and the desired one
dropped are removed, anything else live has (defaults, other writers' fields) stays. Lists with
a merge key are merged element by element (:mod:`gitward.diff.lists`). :func:`changes_between`
lists each differing leaf with a JSON pointer, and :func:`unified_diff` renders both objects as
YAML for a person. Pure: inputs are never changed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

import yaml

from gitward.diff import lists
from gitward.diff.paths import Path, format_pointer

__all__ = ["Change", "changes_between", "predict", "unified_diff"]

_ABSENT: Final = object()


@dataclass(frozen=True, slots=True)
class Change:
    """One field that differs: ``before`` is live's value, ``after`` the predicted one; None
    stands for an absent field (normalisation has removed every null)."""

    path: Path
    before: Any
    after: Any

    @property
    def pointer(self) -> str:
        """The RFC 6901 pointer of the field, usable as an ``ignoreDifferences`` entry."""
        return format_pointer(self.path)

    @property
    def kind(self) -> str:
        """``added``, ``removed`` or ``changed``."""
        if self.before is None:
            return "added"
        return "removed" if self.after is None else "changed"


def predict(live: Any, desired: Any, last: Any = None, field: str | int | None = None) -> Any:
    """Live after applying ``desired``, given that ``last`` was applied before (None: no record,
    so nothing is removed). Shares unchanged subtrees with its inputs."""
    if isinstance(desired, dict) and isinstance(live, dict):
        merged = dict(live)
        recorded = last if isinstance(last, dict) else {}
        for key, value in desired.items():
            merged[key] = (
                predict(live[key], value, recorded.get(key), key) if key in live else value
            )
        for key in recorded:
            if key not in desired and key in merged:
                _drop_recorded(merged, key, recorded[key], key)
        return merged
    if isinstance(desired, list) and isinstance(live, list):
        return _predict_list(live, desired, last if isinstance(last, list) else [], field)
    return desired


def _drop_recorded(merged: dict[str, Any], key: str, recorded: Any, field: str) -> None:
    """Remove what the last apply wrote under ``key``, keeping what other writers added to
    the same map or keyed list (as server-side apply does)."""
    current = merged[key]
    remaining: Any = None
    if isinstance(recorded, dict) and isinstance(current, dict):
        remaining = predict(current, {}, recorded, field)
    elif (
        isinstance(recorded, list)
        and isinstance(current, list)
        and (field in lists.SET_LISTS or lists.element_key(field, current, recorded) is not None)
    ):
        remaining = predict(current, [], recorded, field)
    if remaining:
        merged[key] = remaining
    else:
        del merged[key]


def _predict_list(live: list[Any], desired: list[Any], last: list[Any], field: Any) -> list[Any]:
    if field in lists.SET_LISTS:
        dropped = [item for item in last if item not in desired]
        kept = [item for item in live if item not in dropped]
        return kept + [item for item in desired if item not in kept]
    key = lists.element_key(field, live, desired)
    if key is None:
        if len(live) != len(desired):
            return desired
        return [
            predict(old, new, last[i] if i < len(last) else None)
            for i, (old, new) in enumerate(zip(live, desired, strict=True))
        ]
    wanted = {key(item): item for item in desired}
    recorded = {key(item): item for item in last if isinstance(item, dict)}
    merged: list[Any] = []
    for item in live:
        item_key = key(item)
        if item_key in wanted:
            merged.append(predict(item, wanted.pop(item_key), recorded.get(item_key)))
        elif item_key not in recorded:
            merged.append(item)
    merged.extend(wanted.values())
    return merged


def changes_between(before: Any, after: Any) -> list[Change]:
    """Every leaf that differs between ``before`` (live) and ``after`` (predicted)."""
    return list(_changes(before, after, (), None))


def _changes(before: Any, after: Any, path: Path, field: str | int | None) -> Iterator[Change]:
    if before is after or before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(before.keys() | after.keys()):
            yield from _changes(before.get(key), after.get(key), (*path, key), key)
        return
    if isinstance(before, list) and isinstance(after, list):
        pairs = lists.pair_elements(field, before, after)
        keyed = lists.element_key(field, before, after) is not None
        if keyed or len(before) == len(after):
            for i, j in pairs:
                old = before[i] if i is not None else None
                new = after[j] if j is not None else None
                index = j if j is not None else i
                assert index is not None
                yield from _changes(old, new, (*path, index), None)
            return
    yield Change(path, before, after)


def unified_diff(before: Any, after: Any, *, live_name: str, desired_name: str) -> str:
    """A unified diff of the two objects as YAML; ``""`` when they are equal."""
    if before == after:
        return ""
    lines = difflib.unified_diff(
        _yaml_lines(before), _yaml_lines(after), fromfile=live_name, tofile=desired_name
    )
    return "".join(lines)


def _yaml_lines(obj: Any) -> list[str]:
    if obj is None:
        return []
    text = yaml.dump(obj, Dumper=_Dumper, sort_keys=True, default_flow_style=False)
    return text.splitlines(keepends=True)


_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
