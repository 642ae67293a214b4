"""Key paths as a person writes them on a command line: ``backend.image.tag``,
``containers[0].image`` or ``containers.0.image``, ``"a.b".c`` or ``a\\.b.c``.

A path is a tuple of :class:`Step`: a mapping key, or a list index written in brackets. A plain
segment made of digits (``containers.0``) is a key that also indexes a list when the node it
meets is one; the editor decides. This module only parses; it knows nothing of YAML.
"""

from __future__ import annotations

from dataclasses import dataclass

from gitward.errors import UsageError

__all__ = ["Step", "parse_key", "show_key"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step down a YAML tree: ``key`` in a mapping, or ``index`` in a list."""

    key: str = ""
    index: int | None = None

    @property
    def is_index(self) -> bool:
        return self.index is not None

    def list_index(self) -> int | None:
        """The list index this step names: ``[2]``, or a plain key made of digits."""
        if self.index is not None:
            return self.index
        return int(self.key) if self.key.isdigit() else None


def parse_key(text: str) -> tuple[Step, ...]:
    """The steps of ``text``; a :class:`UsageError` naming the key when it is malformed."""
    steps: list[Step] = []
    position = 0
    expect_key = True
    while position < len(text):
        char = text[position]
        if char == "[":
            position = _index(text, position, steps)
            expect_key = False
        elif char == ".":
            if expect_key:
                raise _bad(text, "an empty segment (two dots, or a dot at the start)")
            position += 1
            expect_key = True
        elif expect_key:
            position = _segment(text, position, steps)
            expect_key = False
        else:
            raise _bad(text, f"{char!r} at position {position} should follow a dot")
    if expect_key:
        raise _bad(text, "it ends with a dot" if text else "it is empty")
    return tuple(steps)


def _segment(text: str, position: int, steps: list[Step]) -> int:
    """Read one key (quoted, or plain with ``\\.`` escapes) from ``position``."""
    if text[position] in "\"'":
        quote = text[position]
        end = text.find(quote, position + 1)
        if end < 0:
            raise _bad(text, f"the quote at position {position} is not closed")
        steps.append(Step(key=text[position + 1 : end]))
        return end + 1
    chars: list[str] = []
    while position < len(text) and text[position] not in ".[":
        if text[position] == "\\" and position + 1 < len(text):
            position += 1
        chars.append(text[position])
        position += 1
    steps.append(Step(key="".join(chars)))
    return position


def _index(text: str, position: int, steps: list[Step]) -> int:
    end = text.find("]", position)
    inside = text[position + 1 : end] if end > 0 else ""
    if end < 0 or not inside.isdigit():
        raise _bad(text, f"a list index is written [N] with N a number (at position {position})")
    steps.append(Step(index=int(inside)))
    return end + 1


def show_key(steps: tuple[Step, ...]) -> str:
    """The path written back in its plainest form (``a.b[0].c``, ``"x.y".z``)."""
    shown = ""
    for step in steps:
        if step.index is not None:
            shown += f"[{step.index}]"
            continue
        key = f'"{step.key}"' if any(c in step.key for c in ".[]\\\"'") else step.key
        shown += f".{key}" if shown else key
    return shown


def _bad(text: str, problem: str) -> UsageError:
    return UsageError(
        f"key {text!r} is malformed: {problem}",
        hint='Write keys like backend.image.tag, containers[0].image or "a.b".c',
    )
