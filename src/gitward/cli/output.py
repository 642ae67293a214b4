"""How the CLI shows things: tables for people, YAML and JSON for programs.

Only presentation lives here: commands decide what to show, this module decides how.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from enum import StrEnum
from typing import Any

import yaml

from gitward.controller.preview import AppRender
from gitward.diff.masking import Masker
from gitward.model.application import Application
from gitward.redaction import MASK

__all__ = [
    "Format",
    "fields",
    "objects_by_kind",
    "show_document",
    "show_renders",
    "sync_policy_text",
    "table",
    "without_credentials",
]

CREDENTIAL_FIELDS = frozenset(
    {"password", "sshPrivateKey", "bearerToken", "keyData", "tlsClientCertKey", "token"}
)


class Format(StrEnum):
    """``-o`` of the client commands: ``wide`` tables, the documents as JSON or YAML, or names."""

    WIDE = "wide"
    JSON = "json"
    YAML = "yaml"
    NAME = "name"


def show_renders(renders: list[AppRender], fmt: str, *, show_secrets: bool = False) -> None:
    """Print rendered apps as a table, a YAML stream of objects, or JSON.

    Secret ``data`` and ``stringData`` values are masked as the server masks them (one
    ``Masker`` per app, so equal values share a mask) unless ``show_secrets``.
    """
    if not show_secrets:
        renders = [_masked(item) for item in renders]
    if fmt == "json":
        sys.stdout.write(json.dumps({"apps": [_render_json(r) for r in renders]}, indent=2))
        sys.stdout.write("\n")
    elif fmt == "yaml":
        sys.stdout.write(_renders_yaml(renders))
    else:
        _renders_table(renders)


def _masked(item: AppRender) -> AppRender:
    masker = Masker()
    objects = [masker.mask_raw(obj) or obj for obj in item.objects]
    return dataclasses.replace(item, objects=objects)


def sync_policy_text(app: Application) -> str:
    """``auto (prune, selfHeal)`` or ``manual``."""
    automated = app.sync_policy.automated
    if automated is None or not automated.enabled:
        return "manual"
    flags = [
        name
        for name, on in (
            ("prune", automated.prune),
            ("selfHeal", automated.self_heal),
            ("allowEmpty", automated.allow_empty),
        )
        if on
    ]
    return f"auto ({', '.join(flags)})" if flags else "auto"


def objects_by_kind(objects: list[dict[str, Any]]) -> str:
    """``Deployment 4, Service 4``: counts per kind, most frequent first."""
    counts = Counter(str(obj.get("kind", "?")) for obj in objects)
    return ", ".join(f"{kind} {count}" for kind, count in counts.most_common())


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain, kubectl-style table: left-aligned columns three spaces apart, never wrapped."""
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = [
        "   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    return "\n".join(lines) + "\n"


def show_document(value: object, fmt: str) -> None:
    """Print a server document (or a list of them) as indented JSON or as YAML."""
    if fmt == "json":
        sys.stdout.write(json.dumps(value, indent=2) + "\n")
    else:
        sys.stdout.write(yaml.safe_dump(value, sort_keys=False))


def fields(pairs: list[tuple[str, str]]) -> str:
    """An Argo CD-style summary block: ``Label:`` padded to one column, then the value; an
    empty label continues the value above on a line of its own."""
    width = max([20, *(len(label) + 2 for label, _ in pairs)])
    return "".join(
        f"{label + ':' if label else '':<{width}}{value}".rstrip() + "\n" for label, value in pairs
    )


def without_credentials(value: Any) -> Any:
    """A copy of a server document with every credential field masked, however deep."""
    if isinstance(value, dict):
        return {
            key: MASK if key in CREDENTIAL_FIELDS and item else without_credentials(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_credentials(item) for item in value]
    return value


def _renders_table(renders: list[AppRender]) -> None:
    headers = ["APP", "PROJECT", "DESTINATION", "WAVE", "SYNC POLICY", "OBJECTS", "STATUS"]
    rows = [
        [
            item.name,
            item.app.project,
            str(item.app.destination),
            str(item.app.sync_wave),
            sync_policy_text(item.app),
            objects_by_kind(item.objects) or "-",
            "ok" if item.ok else f"{len(item.errors)} error(s)",
        ]
        for item in renders
    ]
    sys.stdout.write(table(headers, rows))
    for item in renders:
        for error in item.errors:
            sys.stdout.write(f"error   {item.name}: {error}\n")
        for warning in item.warnings:
            sys.stdout.write(f"warning {item.name}: {warning}\n")


def _renders_yaml(renders: list[AppRender]) -> str:
    parts = []
    for item in renders:
        header = (
            f"# Application {item.name} (project {item.app.project}, "
            f"destination {item.app.destination}, {len(item.objects)} objects)\n"
        )
        for error in item.errors:
            header += f"# error: {error}\n"
        body = yaml.safe_dump_all(item.objects, sort_keys=False) if item.objects else ""
        parts.append(header + body)
    return "---\n".join(parts)


def _render_json(item: AppRender) -> dict[str, Any]:
    automated = item.app.sync_policy.automated
    return {
        "name": item.name,
        "parent": item.parent,
        "project": item.app.project,
        "destination": {
            "server": item.app.destination.server,
            "name": item.app.destination.name,
            "namespace": item.app.destination.namespace,
        },
        "syncWave": item.app.sync_wave,
        "syncPolicy": {
            "automated": item.app.sync_policy.is_automated,
            "prune": bool(automated and automated.prune),
            "selfHeal": bool(automated and automated.self_heal),
            "syncOptions": list(item.app.sync_policy.sync_options),
        },
        "revisions": item.revisions,
        "objects": item.objects,
        "errors": item.errors,
        "warnings": item.warnings,
    }
