"""Read Argo CD's ``argocd-cm`` ConfigMap from a file, as it is kept for Argo CD.

The file is a YAML ConfigMap (``kind: ConfigMap``, ``data:`` of strings); a bare map of keys
(the ``data`` alone) is read too. Values Kubernetes would keep as strings but YAML reads as
numbers or booleans (``admin.enabled: false``) are taken as their text, as ``kubectl`` would
refuse them. Every error names the file, the ConfigMap and the key. This module only reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ConfigError, Location

__all__ = ["SettingsDocument", "read_document", "read_file"]


@dataclass(frozen=True)
class SettingsDocument:
    """The ConfigMap's ``data`` and where it came from."""

    data: Mapping[str, str]
    where: Location

    def at(self, key: str) -> Location:
        """The location of one key, for messages."""
        return self.where.at(f"data[{key}]")


def read_file(path: Path) -> SettingsDocument:
    """The settings in ``path``; ``ConfigError`` naming the file when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"cannot read the settings file: {err}",
            where=Location(file=str(path)),
            hint="Give --settings (GITWARD_SETTINGS) a readable argocd-cm ConfigMap YAML file",
        ) from err
    return read_document(text, file=str(path))


def read_document(text: str, *, file: str = "argocd-cm.yaml") -> SettingsDocument:
    """The ``data`` of the ConfigMap in ``text`` (see the module docstring)."""
    where = Location(file=file)
    hint = "Write the argocd-cm ConfigMap as Argo CD reads it: kind ConfigMap with data:"
    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as err:
        raise ConfigError(f"not valid YAML: {err}", where=where, hint=hint) from err
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise ConfigError("expected one YAML document, a ConfigMap", where=where, hint=hint)
    document: dict[str, Any] = documents[0]
    if "kind" not in document and "data" not in document:
        return SettingsDocument(_strings(document, where), where)
    if document.get("kind") != "ConfigMap":
        raise ConfigError(
            f"kind is {document.get('kind')!r}, not ConfigMap", where=where.at("kind"), hint=hint
        )
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    where = Location(file=file, obj=f"ConfigMap {name or 'argocd-cm'}")
    data = document.get("data") or {}
    if not isinstance(data, dict):
        raise ConfigError("data is not a map of keys", where=where.at("data"), hint=hint)
    return SettingsDocument(_strings(data, where), where)


def _strings(data: Mapping[Any, Any], where: Location) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict | list):
            raise ConfigError(
                "the value is a YAML structure, not a string",
                where=where.at(f"data[{key}]"),
                hint="ConfigMap values are strings: write the value as a block (key: |)",
            )
        if isinstance(value, bool):
            found[str(key)] = "true" if value else "false"
        else:
            found[str(key)] = "" if value is None else str(value)
    return found
