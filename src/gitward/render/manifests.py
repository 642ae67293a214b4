"""YAML and JSON streams -> Kubernetes objects, each remembering where it came from.

Every generator (Helm, directory, kustomize) ends here: text in, validated object dicts out. The
text comes from repositories gitward does not control, so this module guards against oversized
input and YAML alias bombs, and every complaint names the file, the document, its line and the
missing field.

YAML is read with PyYAML's C parser for speed, with two changes that bring it closer to the Go
YAML that Argo CD and ``kubectl`` use: timestamps stay strings, and non-string mapping keys become
strings. It must not decide anything about namespaces or sources: that is ``rendering``'s job.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import Location, ManifestError, SourceError
from gitward.model.objects import Manifest
from gitward.render.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "Origin",
    "Sourced",
    "decode_text",
    "load_file",
    "objects_of",
    "parse_manifests",
    "read_text",
]

_MANIFEST_HINT = "Every Kubernetes object needs `apiVersion`, `kind` and `metadata.name`"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object was written: a file (or template), the document in it, its first line."""

    file: str
    document: int = 0
    line: int = 1

    def __str__(self) -> str:
        return f"{self.file} (document {self.document + 1}, line {self.line})"


@dataclass(frozen=True, slots=True)
class Sourced:
    """One object and where it came from."""

    manifest: Manifest
    origin: Origin


class _Loader(yaml.CSafeLoader):
    """PyYAML's C safe loader, reading timestamps as strings and every key as a string."""

    def construct_text_map(self, node: yaml.MappingNode) -> Iterator[dict[str, Any]]:
        data: dict[str, Any] = {}
        yield data
        value = self.construct_mapping(node)
        data.update(
            (key if type(key) is str else _key_text(key), item) for key, item in value.items()
        )

    def construct_timestamp_text(self, node: yaml.ScalarNode) -> str:
        return str(self.construct_scalar(node))


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_text_map)
_Loader.add_constructor(_TIMESTAMP, _Loader.construct_timestamp_text)


def _key_text(key: object) -> str:
    """How Go's YAML-to-JSON conversion spells a non-string key."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


def read_text(path: Path, *, shown: str, limits: Limits = DEFAULT_LIMITS) -> str:
    """The UTF-8 text of ``path``, refusing files over ``limits.max_file_bytes``.

    ``shown`` is the repository-relative name used in messages.
    """
    where = Location(file=shown)
    try:
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise _too_large(shown, size, limits.max_file_bytes)
        data = path.read_bytes()
    except OSError as err:
        raise SourceError(
            f"cannot read the file: {err.strerror or err}",
            where=where,
            hint="Check that the file exists in the repository and is a regular file",
        ) from err
    return decode_text(data, shown=shown)


def load_file(path: Path, *, shown_as: str, limits: Limits = DEFAULT_LIMITS) -> list[Manifest]:
    """The Kubernetes objects of one YAML or JSON file (by its suffix), ``shown_as`` in messages."""
    text = read_text(path, shown=shown_as, limits=limits)
    json_only = path.suffix.lower() == ".json"
    found = parse_manifests(text, file=shown_as, limits=limits, json_only=json_only)
    return [item.manifest for item in found]


def decode_text(data: bytes, *, shown: str) -> str:
    """``data`` as text (UTF-8, an optional byte-order mark dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ManifestError(
            f"not UTF-8 text (byte {err.start})",
            where=Location(file=shown),
            hint="Save the file as UTF-8",
        ) from err


def _too_large(shown: str, size: int, limit: int) -> SourceError:
    return SourceError(
        f"the file is {_mib(size)}, over the {_mib(limit)} limit",
        where=Location(file=shown),
        hint="Split it into smaller files, or raise gitward's render limits",
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def parse_manifests(
    text: str,
    *,
    file: str,
    obj: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    json_only: bool = False,
) -> list[Sourced]:
    """The Kubernetes objects in a YAML (or JSON) stream; ``List`` kinds are flattened.

    ``file`` names the text in messages and origins; ``obj`` (e.g. ``"Application dev"``) says
    whose render it belongs to. Empty documents are skipped. ``json_only`` reads one JSON value.
    """
    if len(text) > limits.max_file_bytes:
        raise _too_large(file, len(text.encode()), limits.max_file_bytes)
    documents = (
        _json_document(text, file, obj) if json_only else _yaml_documents(text, file, obj, limits)
    )
    found: list[Sourced] = []
    for index, line, data in documents:
        if data is None:
            continue
        origin = Origin(file, index, line)
        found.extend(_objects(data, origin, obj))
        if len(found) > limits.max_objects:
            raise ManifestError(
                f"more than {limits.max_objects} objects",
                where=Location(file=file, obj=obj),
                hint="Split the source into several applications, or raise gitward's render limits",
            )
    return found


def _json_document(text: str, file: str, obj: str | None) -> Iterator[tuple[int, int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ManifestError(
            f"invalid JSON: {err.msg} (column {err.colno})",
            where=Location(file=f"{file}:{err.lineno}", obj=obj),
            hint="Fix the JSON syntax; a .json file holds exactly one object",
        ) from err
    except RecursionError as err:
        raise _too_deep(file, obj) from err
    yield 0, 1, data


def _yaml_documents(
    text: str, file: str, obj: str | None, limits: Limits
) -> Iterator[tuple[int, int, Any]]:
    loader = _Loader(text)
    may_alias = "*" in text
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                break
            line = node.start_mark.line + 1
            if may_alias:
                added = _alias_growth(node, Origin(file, index, line), obj)
                if added > limits.max_alias_nodes:
                    raise _alias_bomb(Origin(file, index, line), obj, limits.max_alias_nodes)
            data = loader.construct_document(node)
            yield index, line, _unshared(data) if may_alias else data
            index += 1
    except yaml.MarkedYAMLError as err:
        raise _yaml_error(err, file, obj) from err
    except yaml.YAMLError as err:
        raise ManifestError(
            f"invalid YAML: {err}", where=Location(file=file, obj=obj), hint=_YAML_HINT
        ) from err
    except RecursionError as err:
        raise _too_deep(file, obj) from err
    finally:
        loader.dispose()


_YAML_HINT = "Fix the YAML syntax (indentation, quoting, `---` between documents)"


def _yaml_error(err: yaml.MarkedYAMLError, file: str, obj: str | None) -> ManifestError:
    mark = err.problem_mark or err.context_mark
    line = f":{mark.line + 1}" if mark is not None else ""
    column = f" (column {mark.column + 1})" if mark is not None else ""
    problem = " ".join(part for part in (err.context, err.problem) if part)
    return ManifestError(
        f"invalid YAML: {problem}{column}",
        where=Location(file=f"{file}{line}", obj=obj),
        hint=_YAML_HINT,
    )


def _too_deep(file: str, obj: str | None) -> ManifestError:
    return ManifestError(
        "the document is nested too deeply to read",
        where=Location(file=file, obj=obj),
        hint="Flatten the structure; Kubernetes objects are never this deep",
    )


def _alias_bomb(origin: Origin, obj: str | None, limit: int) -> ManifestError:
    return ManifestError(
        f"document {origin.document + 1}: YAML aliases expand to more than {limit} extra nodes "
        "(an alias bomb?)",
        where=Location(file=f"{origin.file}:{origin.line}", obj=obj),
        hint="Write the repeated parts out, or use fewer nested anchors and aliases",
    )


def _alias_growth(root: yaml.Node, origin: Origin, obj: str | None) -> int:
    """How many nodes aliases add once expanded (nodes counted through every path)."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        children = _children(node)
        if finished:
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            visiting.discard(key)
            continue
        if key in sizes:
            continue
        if key in visiting:
            raise ManifestError(
                f"document {origin.document + 1}: a YAML alias refers to itself",
                where=Location(file=f"{origin.file}:{origin.line}", obj=obj),
                hint="Remove the recursive anchor",
            )
        visiting.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)
    return sizes[id(root)] - len(sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _unshared(data: Any) -> Any:
    """A copy in which no dict or list appears twice (aliases share them), so edits stay local."""
    if isinstance(data, dict):
        return {key: _unshared(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_unshared(item) for item in data]
    return data


def objects_of(data: Any, origin: Origin, obj: str | None = None) -> list[Sourced]:
    """The Kubernetes objects of one decoded document (a ``List`` kind is flattened)."""
    return _objects(data, origin, obj)


def _objects(data: Any, origin: Origin, obj: str | None) -> list[Sourced]:
    if not isinstance(data, dict):
        raise _invalid(origin, obj, None, f"is {_describe(data)}, not a Kubernetes object")
    kind = data.get("kind")
    items = data.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        found: list[Sourced] = []
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise _invalid(
                    origin, obj, f"items[{position}]", f"{_describe(item)}, not an object"
                )
            _check_object(item, origin, obj, prefix=f"items[{position}].")
            found.append(Sourced(item, origin))
        return found
    _check_object(data, origin, obj, prefix="")
    return [Sourced(data, origin)]


def _check_object(data: dict[str, Any], origin: Origin, obj: str | None, *, prefix: str) -> None:
    for name in ("apiVersion", "kind"):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise _invalid(origin, obj, prefix + name, _missing(value))
    metadata = data.get("metadata")
    if not isinstance(metadata, dict):
        raise _invalid(origin, obj, prefix + "metadata", _missing(metadata))
    object_name = metadata.get("name") or metadata.get("generateName")
    if not isinstance(object_name, str) or not object_name:
        raise _invalid(origin, obj, prefix + "metadata.name", _missing(object_name))


def _missing(value: object) -> str:
    return "missing" if value is None else f"{_describe(value)}, not a non-empty value"


def _invalid(origin: Origin, obj: str | None, field: str | None, problem: str) -> ManifestError:
    subject = f"document {origin.document + 1}"
    return ManifestError(
        f"{subject} {problem}" if field is None else f"{problem} in {subject}",
        where=Location(file=f"{origin.file}:{origin.line}", obj=obj, field=field),
        hint=_MANIFEST_HINT,
    )


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "an empty string" if not value else "a string"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return type(value).__name__
