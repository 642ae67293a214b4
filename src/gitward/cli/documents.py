"""Reading the YAML (or JSON) files that ``app create -f`` and ``proj create -f`` send.

A file may hold several documents; each must be of the expected kind and carry a name. A bad
file is a :class:`ManifestError` naming the file, the document and the field, never a trace.
It must not talk to the server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import Location, ManifestError

__all__ = ["read_documents"]


def read_documents(source: str, kind: str) -> list[dict[str, Any]]:
    """The ``kind`` documents of file ``source`` (``-`` for stdin), in order; at least one."""
    where = Location(file=source)
    text = _read(source, where)
    try:
        loaded = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        raise ManifestError(f"not valid YAML{line}", where=where) from error
    if not loaded:
        raise ManifestError(f"holds no {kind}", where=where, hint=f"Put a {kind} document in it")
    return [_checked(doc, kind, where, index) for index, doc in enumerate(loaded)]


def _read(source: str, where: Location) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ManifestError("no such file", where=where) from error
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(f"cannot read the file: {error}", where=where) from error


def _checked(doc: object, kind: str, where: Location, index: int) -> dict[str, Any]:
    place = Location(where.file, f"document {index + 1}")
    if not isinstance(doc, dict):
        raise ManifestError(f"must be a {kind} mapping", where=place)
    if doc.get("kind") != kind:
        raise ManifestError(
            f"is a {doc.get('kind') or 'document without kind'}, not a {kind}",
            where=place.at("kind"),
            hint=f"gitward reads {kind} documents here (apiVersion argoproj.io/v1alpha1)",
        )
    metadata = doc.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not isinstance(name, str) or not name:
        raise ManifestError(f"the {kind} has no name", where=place.at("metadata.name"))
    return doc
