"""``metadata.managedFields``: who owns which fields, kept per (manager, operation, subresource).

Updates (create, PUT, non-apply patches) give the writer the fields it changed and take them
from everyone else, without conflicts, as the real API server does; fields that disappear are
dropped from every manager. Server-side apply has its own rules in :mod:`apply` but stores its
result through the same :class:`Entry` list. This module must not merge objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitward.sandbox import fieldsets

__all__ = ["Entry", "parse", "record_update", "render"]


@dataclass(slots=True)
class Entry:
    """One ``managedFields`` item, with its field set decoded."""

    manager: str
    operation: str
    api_version: str
    subresource: str = ""
    time: str = ""
    paths: set[fieldsets.Path] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)


def parse(obj: dict[str, Any] | None) -> list[Entry]:
    """The entries of ``obj``'s managedFields (malformed items are skipped)."""
    raw = ((obj or {}).get("metadata") or {}).get("managedFields") or []
    entries = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("fieldsV1", {}), dict):
            continue
        entries.append(
            Entry(
                manager=str(item.get("manager", "")),
                operation=str(item.get("operation", "Update")),
                api_version=str(item.get("apiVersion", "")),
                subresource=str(item.get("subresource", "")),
                time=str(item.get("time", "")),
                paths=fieldsets.decode(item.get("fieldsV1") or {}),
            )
        )
    return entries


def render(entries: list[Entry]) -> list[dict[str, Any]]:
    """Entries back to ``managedFields`` items, empty ones dropped."""
    items = []
    for entry in entries:
        if not entry.paths:
            continue
        item: dict[str, Any] = {
            "manager": entry.manager,
            "operation": entry.operation,
            "apiVersion": entry.api_version,
            "time": entry.time,
            "fieldsType": "FieldsV1",
            "fieldsV1": fieldsets.encode(entry.paths),
        }
        if entry.subresource:
            item["subresource"] = entry.subresource
        items.append(item)
    return items


def find(entries: list[Entry], key: tuple[str, str, str], api_version: str, now: str) -> Entry:
    """The entry for ``key``, added when missing; its apiVersion and time are refreshed."""
    for entry in entries:
        if entry.key == key:
            entry.api_version, entry.time = api_version, now
            return entry
    entry = Entry(key[0], key[1], api_version, key[2], now)
    entries.append(entry)
    return entry


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
) -> None:
    """Write ``new``'s managedFields after a non-apply write by ``manager``."""
    entries = parse(old)
    if old is None:
        changed, removed = fieldsets.field_set(new), set[fieldsets.Path]()
    else:
        changed, removed = fieldsets.changed_paths(old, new)
    if changed or removed or old is None:
        for entry in entries:
            entry.paths -= removed
            entry.paths -= changed
        if changed:
            mine = find(entries, (manager, "Update", subresource), api_version, now)
            mine.paths |= changed
    new.setdefault("metadata", {})["managedFields"] = render(entries)
    if not new["metadata"]["managedFields"]:
        del new["metadata"]["managedFields"]
