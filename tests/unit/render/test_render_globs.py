"""Argo CD's include/exclude globs: `*` crosses directories, braces list alternatives."""

from __future__ import annotations

import pytest

from gitward.render.globs import GlobError, compile_glob


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("*.yaml", "app.yaml", True),
        ("*.yaml", "sub/app.yaml", True),
        ("*.yaml", "app.json", False),
        ("{a.yaml,b.yaml}", "a.yaml", True),
        ("{a.yaml,b.yaml}", "b.yaml", True),
        ("{a.yaml,b.yaml}", "c.yaml", False),
        ("{prod/*,*.json}", "prod/x.yaml", True),
        ("{prod/*,*.json}", "dev/x.yaml", False),
        ("config?.yaml", "config1.yaml", True),
        ("config?.yaml", "config12.yaml", False),
        ("[ab]*.yaml", "b-x.yaml", True),
        ("[!ab]*.yaml", "b-x.yaml", False),
        ("[a-c].yaml", "c.yaml", True),
        ("\\*.yaml", "*.yaml", True),
        ("\\*.yaml", "x.yaml", False),
        ("**/crds/*", "base/crds/crd.yaml", True),
        ("app.yaml", "sub/app.yaml", False),
    ],
)
def test_patterns_match_whole_relative_paths(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_glob(pattern).fullmatch(path)) is matches


@pytest.mark.parametrize("pattern", ["[abc", "{a,b", "x\\", "[]"])
def test_malformed_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(GlobError):
        compile_glob(pattern)


def test_regex_characters_in_patterns_are_literal() -> None:
    assert compile_glob("a+b(1).yaml").fullmatch("a+b(1).yaml")
    assert not compile_glob("a+b(1).yaml").fullmatch("aab1.yaml")
