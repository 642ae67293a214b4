"""How a policy token matches a request value: Argo CD's two ``policy.matchMode`` values.

``glob`` (the default) follows the gobwas/glob rules Argo CD uses, with no separators: ``*``
matches any run of characters *including* ``/`` (so ``action/apps/*`` matches
``action/apps/Deployment/restart``), ``?`` one character, ``[a-z]`` / ``[!a-z]`` a class,
``{dev,staging}`` alternatives and ``\\`` escapes the next character. ``regex`` is Go's
``regexp.MatchString``: an unanchored search.

Compiled patterns are cached (bounded). A pattern that does not compile matches nothing; loading
a policy checks every pattern first, so that case only concerns callers that bypass loading.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["GLOB", "MATCH_MODES", "REGEX", "compile_pattern", "is_pattern", "matcher"]

GLOB = "glob"
REGEX = "regex"
MATCH_MODES = (GLOB, REGEX)
_GLOB_SPECIALS = frozenset("*?[{\\")


def is_pattern(token: str, mode: str = GLOB) -> bool:
    """Whether a policy token is a pattern rather than a plain word."""
    if mode == REGEX:
        return re.escape(token) != token
    return any(char in _GLOB_SPECIALS for char in token)


def compile_pattern(pattern: str, mode: str = GLOB) -> re.Pattern[str]:
    """The compiled form of a policy token; raises ``ValueError`` saying what is wrong."""
    return _compile(pattern, mode)


def matcher(mode: str) -> Callable[[str, str], bool]:
    """A ``(value, pattern) -> bool`` function for Casbin's matcher."""
    if mode == REGEX:
        return _regex_matches
    return _glob_matches


def _glob_matches(value: str, pattern: str) -> bool:
    if value == pattern:
        return True
    try:
        return _compile(pattern, GLOB).fullmatch(value) is not None
    except ValueError:
        return False


def _regex_matches(value: str, pattern: str) -> bool:
    try:
        return _compile(pattern, REGEX).search(value) is not None
    except ValueError:
        return False


@functools.lru_cache(maxsize=10_000)
def _compile(pattern: str, mode: str) -> re.Pattern[str]:
    if mode == REGEX:
        try:
            return re.compile(pattern)
        except re.error as err:
            raise ValueError(f"not a valid regular expression: {err}") from None
    return re.compile(_GlobTranslator(pattern).translate(), re.DOTALL)


class _GlobTranslator:
    """gobwas/glob syntax to a Python regular expression (anchored by ``fullmatch``)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.depth = 0

    def translate(self) -> str:
        out: list[str] = []
        while self.pos < len(self.pattern):
            out.append(self._next())
        if self.depth:
            raise ValueError("an alternative group '{' is never closed with '}'")
        return "".join(out)

    def _next(self) -> str:
        char = self.pattern[self.pos]
        self.pos += 1
        if char == "\\":
            if self.pos >= len(self.pattern):
                raise ValueError("the pattern ends with a lone '\\'")
            self.pos += 1
            return re.escape(self.pattern[self.pos - 1])
        if char == "*":
            while self.pos < len(self.pattern) and self.pattern[self.pos] == "*":
                self.pos += 1
            return ".*"
        if char == "?":
            return "."
        if char == "[":
            return self._char_class()
        return self._alternation(char)

    def _alternation(self, char: str) -> str:
        if char == "{":
            self.depth += 1
            return "(?:"
        if char == "," and self.depth:
            return "|"
        if char == "}" and self.depth:
            self.depth -= 1
            return ")"
        return re.escape(char)

    def _char_class(self) -> str:
        end = self.pattern.find("]", self.pos + 1)
        if end < 0:
            raise ValueError("a character class '[' is never closed with ']'")
        body = self.pattern[self.pos : end]
        self.pos = end + 1
        negate = body.startswith("!")
        body = body[1:] if negate else body
        if not body:
            raise ValueError("a character class '[]' is empty")
        escaped = "".join("-" if c == "-" else re.escape(c) for c in body)
        return f"[{'^' if negate else ''}{escaped}]"
