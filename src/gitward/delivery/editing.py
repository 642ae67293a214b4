"""Set keys of a YAML file by changing only the bytes of the values set.

The file is parsed (ruamel's composer, which keeps every node's position in the text), each key
is followed down to its scalar, and only that scalar's characters are replaced, in the style the
rule of :mod:`gitward.delivery.scalars` picks. Comments, key order, quoting, indentation, line
endings and everything else stay byte for byte: the file is never dumped again. A key created by
``--create`` is inserted as new lines at the end of the deepest mapping that exists.

A missing key (without ``create``), a non-YAML file, a file of several documents, a key that
leads into a scalar, or a value that is a mapping, a list, an anchor or a block scalar is a
:class:`~gitward.errors.ConfigError` naming the file and the key, with what to do. It only edits
text; it must not read or write files or run git.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from gitward.delivery.keys import Step, parse_key, show_key
from gitward.delivery.scalars import as_string, written
from gitward.errors import ConfigError, Location, UsageError

__all__ = [
    "Assignment",
    "Edited",
    "SetValue",
    "edit_values",
    "parse_assignment",
    "read_values",
]


@dataclass(frozen=True, slots=True)
class Assignment:
    """``KEY=VALUE`` from the command line, the key parsed."""

    key: tuple[Step, ...]
    value: str

    @property
    def shown(self) -> str:
        return f"{show_key(self.key)}={self.value}"


@dataclass(frozen=True, slots=True)
class SetValue:
    """One key the edit changed: its old text (None when created) and its new text."""

    key: str
    old: str | None
    new: str


@dataclass(frozen=True, slots=True)
class Edited:
    """The file's new text and the keys that changed (empty: every value was already there)."""

    text: str
    changed: tuple[SetValue, ...]


def parse_assignment(text: str) -> Assignment:
    """``KEY=VALUE`` (the first ``=`` outside quotes splits)."""
    position = _split_at(text)
    if position < 0:
        raise UsageError(
            f"{text!r} is not KEY=VALUE", hint="Write backend.image.tag=abc123 (no spaces)"
        )
    value = text[position + 1 :]
    if any(ord(char) < 32 for char in value):
        raise UsageError(
            f"the value of {text[:position]!r} holds a line break or control character",
            hint="Values set from the command line are one line of text",
        )
    return Assignment(parse_key(text[:position]), value)


def _split_at(text: str) -> int:
    quote = ""
    for position, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "=":
            return position
    return -1


def edit_values(
    text: str, assignments: Sequence[Assignment], *, file: str, create: bool = False
) -> Edited:
    """``text`` with every assignment applied; see the module docstring for what fails."""
    keys = ", ".join(show_key(item.key) for item in assignments)
    root = _compose(text, Location(file=file, field=keys or None))
    splices: list[tuple[int, int, str]] = []
    changed: list[SetValue] = []
    missing: list[Assignment] = []
    for assignment in assignments:
        found = _follow(root, assignment.key, file)
        if found.node is None:
            missing.append(assignment)
            continue
        splice = _replacement(found.node, assignment, file)
        if splice is not None:
            splices.append(splice)
            changed.append(SetValue(show_key(assignment.key), found.node.value, assignment.value))
    for start, end, new in sorted(splices, reverse=True):
        text = text[:start] + new + text[end:]
    for assignment in missing:
        if not create:
            raise _missing(assignment, file)
        text = _create(text, assignment, file)
        changed.append(SetValue(show_key(assignment.key), None, assignment.value))
    return Edited(text, tuple(changed))


def read_values(text: str, keys: Sequence[tuple[Step, ...]], *, file: str) -> list[str | None]:
    """The text of each key's scalar in ``text`` (None where the key is missing), read with the
    same rules as :func:`edit_values` writes (a key that holds a mapping or a list fails)."""
    root = _compose(text, Location(file=file))
    return [_value_of(_follow(root, key, file).node) for key in keys]


def _value_of(node: ScalarNode | None) -> str | None:
    return None if node is None else str(node.value)


def _compose(text: str, where: Location) -> Node:
    try:
        documents = list(YAML().compose_all(text))
    except YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = str(getattr(err, "problem", None) or "is not valid YAML")
        raise ConfigError(
            f"{line}not valid YAML ({problem})",
            where=where,
            hint="Fix the file's syntax first; gitward changes only valid YAML files",
        ) from err
    documents = [doc for doc in documents if doc is not None]
    if len(documents) != 1 or not isinstance(documents[0], MappingNode):
        what = f"{len(documents)} documents" if len(documents) != 1 else "no mapping at its top"
        raise ConfigError(
            f"holds {what}",
            where=where,
            hint="A value file is one YAML document whose top is a mapping of keys",
        )
    return documents[0]


@dataclass(frozen=True, slots=True)
class _Found:
    """Where following a key ended: its scalar (``node``), or the deepest mapping that exists
    (``parent``) and how many steps led there."""

    node: ScalarNode | None
    parent: Node
    depth: int


def _follow(root: Node, key: tuple[Step, ...], file: str) -> _Found:
    node: Node = root
    for depth, step in enumerate(key):
        child = _child(node, step, key[: depth + 1], file)
        if child is None:
            return _Found(None, node, depth)
        node = child
    if not isinstance(node, ScalarNode):
        kind = "a mapping" if isinstance(node, MappingNode) else "a list"
        raise ConfigError(
            f"holds {kind}, not a single value",
            where=Location(file=file, field=show_key(key)),
            hint="Name a key whose value is a scalar (a string, number or boolean)",
        )
    return _Found(node, node, len(key))


def _child(node: Node, step: Step, so_far: tuple[Step, ...], file: str) -> Node | None:
    where = Location(file=file, field=show_key(so_far[:-1]) or "(top)")
    if isinstance(node, MappingNode):
        if step.is_index:
            raise ConfigError(
                f"is a mapping; [{step.index}] indexes lists only",
                where=where,
                hint="Name the key instead",
            )
        return next((v for k, v in node.value if _key_text(k) == step.key), None)
    if isinstance(node, SequenceNode):
        index = step.list_index()
        if index is None:
            raise ConfigError(
                f"is a list; {step.key!r} is not an index", where=where, hint="Write [N]"
            )
        if index >= len(node.value):
            raise ConfigError(
                f"is a list of {len(node.value)} items; [{index}] is past its end",
                where=where,
                hint="gitward does not add list items; add it by hand",
            )
        child: Node = node.value[index]
        return child
    raise ConfigError(
        f"holds a single value, so it has no key {show_key(so_far[-1:])!r}",
        where=where,
        hint="Check the key's spelling",
    )


def _key_text(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else ""


def _replacement(
    node: ScalarNode, assignment: Assignment, file: str
) -> tuple[int, int, str] | None:
    """The (start, end, text) splice that writes the new value, or None when it is there."""
    where = Location(file=file, field=show_key(assignment.key))
    if node.anchor is not None or node.style in ("|", ">"):
        what = f"anchor &{node.anchor}" if node.anchor is not None else "a block scalar"
        raise ConfigError(
            f"the value is {what}", where=where, hint="gitward does not rewrite it; edit by hand"
        )
    if node.value == assignment.value:
        return None
    start, end = node.start_mark.index, node.end_mark.index
    return start, end, written(assignment.value, node.style, str(node.tag))


def _missing(assignment: Assignment, file: str) -> ConfigError:
    return ConfigError(
        "no such key",
        where=Location(file=file, field=show_key(assignment.key)),
        hint="Check the key's spelling, or pass --create to add it",
    )


def _create(text: str, assignment: Assignment, file: str) -> str:
    """``text`` with the missing end of the key added as new lines in its deepest mapping."""
    where = Location(file=file, field=show_key(assignment.key))
    found = _follow(_compose(text, where), assignment.key, file)
    rest = assignment.key[found.depth :]
    parent = found.parent
    if not isinstance(parent, MappingNode) or parent.flow_style or not parent.value:
        raise ConfigError(
            "cannot be created there (its parent is not a block mapping with keys)",
            where=where,
            hint="Add the key by hand",
        )
    if any(step.is_index for step in rest):
        raise ConfigError("cannot create list items", where=where, hint="Add them by hand")
    column = parent.value[0][0].start_mark.column
    lines = _new_lines(rest, assignment.value, column, _indent_step(parent))
    at = _end_of_line(text, _last_scalar(parent).end_mark.index)
    newline = "\r\n" if "\r\n" in text else "\n"
    if at == len(text) and not text.endswith("\n"):
        return text + newline + newline.join(lines) + newline
    return text[:at] + newline.join(lines) + newline + text[at:]


def _new_lines(steps: Sequence[Step], value: str, column: int, step: int) -> list[str]:
    lines = []
    for depth, item in enumerate(steps):
        pad = " " * (column + depth * step)
        last = depth == len(steps) - 1
        lines.append(f"{pad}{as_string(item.key)}:" + (f" {as_string(value)}" if last else ""))
    return lines


def _indent_step(mapping: MappingNode) -> int:
    """The file's indentation step, read from the first nested block mapping found, else 2."""
    for key, value in mapping.value:
        if isinstance(value, MappingNode) and value.value and not value.flow_style:
            return int(value.value[0][0].start_mark.column - key.start_mark.column)
    return 2


def _last_scalar(node: Node) -> Node:
    while isinstance(node, MappingNode | SequenceNode) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return node


def _end_of_line(text: str, index: int) -> int:
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1
