"""Argo CD's glob patterns for ``directory.include`` and ``directory.exclude``.

Argo CD matches these with gobwas/glob and no path separators, so ``*`` also crosses ``/``:
``*.yaml`` matches ``a/b.yaml``. Supported: ``*`` and ``**`` (any text), ``?`` (one character),
``[abc]``, ``[a-z]``, ``[!abc]`` (character classes), ``{a.yaml,b/*.yaml}`` (alternatives, which
may hold patterns) and ``\\`` escapes. Patterns are matched against the whole path relative to
the source directory. It must not touch the file system.
"""

from __future__ import annotations

import re

__all__ = ["GlobError", "compile_glob"]


class GlobError(ValueError):
    """The pattern is malformed (an unclosed ``[`` or ``{``, a trailing ``\\``)."""


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A regular expression matching exactly what ``pattern`` matches."""
    regex, end = _translate(pattern, 0, inside_braces=False)
    if end != len(pattern):
        raise GlobError(f"unexpected {pattern[end]!r} at position {end + 1}")
    return re.compile(regex, re.DOTALL)


def _translate(pattern: str, start: int, *, inside_braces: bool) -> tuple[str, int]:
    """Translate from ``start`` up to the end (or, inside braces, a ``,`` or ``}``)."""
    parts: list[str] = []
    index = start
    while index < len(pattern):
        char = pattern[index]
        if inside_braces and char in ",}":
            break
        if char == "*":
            while index < len(pattern) and pattern[index] == "*":
                index += 1
            parts.append(".*")
            continue
        if char == "?":
            parts.append(".")
        elif char == "[":
            part, index = _char_class(pattern, index)
            parts.append(part)
            continue
        elif char == "{":
            part, index = _alternatives(pattern, index)
            parts.append(part)
            continue
        elif char == "\\":
            if index + 1 >= len(pattern):
                raise GlobError("the pattern ends with a lone backslash")
            index += 1
            parts.append(re.escape(pattern[index]))
        else:
            parts.append(re.escape(char))
        index += 1
    return "".join(parts), index


def _char_class(pattern: str, start: int) -> tuple[str, int]:
    end = pattern.find("]", start + 1)
    if end == -1:
        raise GlobError(f"'[' at position {start + 1} is never closed")
    body = pattern[start + 1 : end]
    negate = body.startswith("!")
    if negate:
        body = body[1:]
    if not body:
        raise GlobError(f"empty character class at position {start + 1}")
    escaped = "".join("\\" + c if c in "\\^[]" else c for c in body)
    return f"[{'^' if negate else ''}{escaped}]", end + 1


def _alternatives(pattern: str, start: int) -> tuple[str, int]:
    options: list[str] = []
    index = start + 1
    while True:
        option, index = _translate(pattern, index, inside_braces=True)
        options.append(option)
        if index >= len(pattern):
            raise GlobError(f"'{{' at position {start + 1} is never closed")
        if pattern[index] == "}":
            return f"(?:{'|'.join(options)})", index + 1
        index += 1  # past the ","
