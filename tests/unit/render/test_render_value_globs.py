"""Glob patterns in `helm.valueFiles`, expanded as Argo CD documents it: in place, in
doublestar's order (a directory's files sorted, then its subdirectories), explicit entries
placing their own file, no escape from the repository, no match an error unless
`ignoreMissingValueFiles`. Checked through a real render whose chart echoes `.Values`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from render_builders import chart_files, helm_source, write

from gitward.errors import PathEscapeError, SourceError
from gitward.render import Rendered


@pytest.fixture
def layered(repo: Path) -> Path:
    """Value files that each append their name to `order` and set `winner`."""
    files = {
        name: f"winner: {name}\nfrom_{name.replace('/', '_').replace('.yaml', '')}: true\n"
        for name in (
            "envs/b.yaml",
            "envs/a.yaml",
            "envs/z.yaml",
            "envs/nested/c.yaml",
            "envs/nested/deeper/d.yaml",
            "envs/notes.txt",
            "base.yaml",
        )
    }
    write(repo, {**chart_files("charts/app", values="winner: chart\n"), **files})
    return repo


def values_of(rendered: Rendered) -> dict[str, Any]:
    (echo,) = [o for o in rendered.objects if o["metadata"]["name"].endswith("-values")]
    decoded: dict[str, Any] = json.loads(echo["data"]["values.json"])
    return decoded


def winner(render: Callable[..., Rendered], *value_files: str, **options: Any) -> Any:
    return values_of(render(helm_source("charts/app", value_files=value_files, **options)))


@pytest.mark.parametrize(
    ("value_files", "expected"),
    [
        (("../../envs/*.yaml",), "envs/z.yaml"),
        (("/envs/*.yaml",), "envs/z.yaml"),
        (("../../envs/[ab].yaml",), "envs/b.yaml"),
        (("../../envs/?.yaml", "../../base.yaml"), "base.yaml"),
        # ** : a directory's own files, then its subdirectories, depth first
        (("../../envs/**/*.yaml",), "envs/nested/deeper/d.yaml"),
        # the glob leaves envs/a.yaml to its explicit entry, which comes last
        (("../../envs/*.yaml", "../../envs/a.yaml"), "envs/a.yaml"),
        # a file two globs match comes at the first: z stays before nested/c
        (("../../envs/*.yaml", "../../envs/**/c.yaml"), "envs/nested/c.yaml"),
        (("../../envs/**/c.yaml", "../../envs/*.yaml"), "envs/z.yaml"),
    ],
)
def test_a_glob_expands_in_place_in_argo_cds_order(
    layered: Path, render: Callable[..., Rendered], value_files: tuple[str, ...], expected: str
) -> None:
    assert winner(render, *value_files)["winner"] == expected


def test_every_match_is_read_and_other_files_are_not(
    layered: Path, render: Callable[..., Rendered]
) -> None:
    values = winner(render, "../../envs/**/*.yaml")
    read = sorted(key for key in values if key.startswith("from_"))
    assert read == [
        "from_envs_a",
        "from_envs_b",
        "from_envs_nested_c",
        "from_envs_nested_deeper_d",
        "from_envs_z",
    ]


def test_a_glob_that_matches_nothing_is_an_error_naming_it(
    layered: Path, render: Callable[..., Rendered]
) -> None:
    with pytest.raises(SourceError) as caught:
        winner(render, "../../nowhere/*.yaml")
    assert "values file glob '../../nowhere/*.yaml' matched no files" in caught.value.message
    assert "spec.source.helm.valueFiles[0]" in caught.value.message


def test_ignore_missing_value_files_skips_a_glob_that_matches_nothing(
    layered: Path, render: Callable[..., Rendered]
) -> None:
    rendered = render(
        helm_source(
            "charts/app",
            value_files=("../../nowhere/*.yaml", "../../base.yaml"),
            ignore_missing_value_files=True,
        )
    )
    assert values_of(rendered)["winner"] == "base.yaml"
    assert any("matched no files, skipped" in w for w in rendered.warnings)


def test_a_glob_never_leaves_the_repository(
    layered: Path, render: Callable[..., Rendered], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text("winner: stolen\n")
    with pytest.raises(PathEscapeError):
        winner(render, "../../../*.yaml")
    (layered / "envs" / "zz-link.yaml").symlink_to(outside / "secret.yaml")
    with pytest.raises(PathEscapeError):
        winner(render, "../../envs/*.yaml")
