"""What a change to the repository would change in each app: two renders compared per object.

``gitward diff`` renders an app-of-apps tree at a base and a head revision; this module takes
both renders (plain objects per app, no git, no cluster) and says, per app, which objects are
added, removed or changed, with a unified diff of their YAML. Secret ``data`` and
``stringData`` values are masked before anything is derived from them (the same value keeps the
same mask on both sides, a changed value gets a different one), so a preview never carries a
secret. An app that failed to render on either side is reported with its errors and not
compared.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml

from gitward.diff.masking import Masker
from gitward.model.objects import Manifest, ResourceKey

__all__ = ["AppPreview", "Change", "ObjectChange", "RenderedApp", "compare_renders"]


class Change(StrEnum):
    """What happens to an app or an object between base and head."""

    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class RenderedApp:
    """One app as rendered at one revision: where it deploys, its objects, what failed."""

    name: str
    environment: str
    objects: Sequence[Manifest] = ()
    errors: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class ObjectChange:
    """One object that differs: its key, how, and the unified diff of its YAML (masked)."""

    key: ResourceKey
    change: Change
    diff: str


@dataclass(frozen=True)
class AppPreview:
    """One app's verdict and the objects that differ, in a stable order."""

    name: str
    environment: str
    change: Change
    objects: list[ObjectChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, change: Change) -> int:
        return sum(1 for item in self.objects if item.change is change)


def compare_renders(base: Iterable[RenderedApp], head: Iterable[RenderedApp]) -> list[AppPreview]:
    """Every app of either side, in head's order then base's leftovers."""
    before = {app.name: app for app in base}
    after = {app.name: app for app in head}
    names = list(after) + [name for name in before if name not in after]
    return [
        _compare_app(after.get(name) or before[name], before.get(name), after.get(name))
        for name in names
    ]


def _compare_app(
    shown: RenderedApp, base: RenderedApp | None, head: RenderedApp | None
) -> AppPreview:
    errors = [f"base: {e}" for e in (base.errors if base else ())]
    errors += [f"head: {e}" for e in (head.errors if head else ())]
    if errors:
        return AppPreview(shown.name, shown.environment, Change.ERROR, errors=errors)
    objects = _compare_objects(_by_key(base), _by_key(head))
    if base is None:
        verdict = Change.ADDED
    elif head is None:
        verdict = Change.REMOVED
    else:
        verdict = Change.CHANGED if objects else Change.UNCHANGED
    return AppPreview(shown.name, shown.environment, verdict, objects)


def _by_key(app: RenderedApp | None) -> dict[ResourceKey, Manifest]:
    return {ResourceKey.of(obj): obj for obj in (app.objects if app else ())}


def _compare_objects(
    base: Mapping[ResourceKey, Manifest], head: Mapping[ResourceKey, Manifest]
) -> list[ObjectChange]:
    found = []
    for key in sorted(set(base) | set(head), key=_order):
        masker = Masker()
        old, new = masker.mask_raw(base.get(key)), masker.mask_raw(head.get(key))
        if old == new:
            continue
        change = Change.ADDED if old is None else Change.REMOVED if new is None else Change.CHANGED
        found.append(ObjectChange(key, change, _unified(key, old, new)))
    return found


def _order(key: ResourceKey) -> tuple[str, str, str, str]:
    return (key.namespace, key.kind, key.group, key.name)


def _unified(key: ResourceKey, old: Manifest | None, new: Manifest | None) -> str:
    label = f"{key.group_kind}/{key.name}"
    lines = difflib.unified_diff(
        _yaml_lines(old), _yaml_lines(new), fromfile=f"base/{label}", tofile=f"head/{label}"
    )
    return "".join(lines)


def _yaml_lines(obj: Any) -> list[str]:
    if obj is None:
        return []
    text = yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, allow_unicode=True)
    return text.splitlines(keepends=True)
