"""Directory sources: which files are read, what is skipped, and what is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from render_builders import application, configmap, directory_source, write

from gitward.errors import ManifestError, PathEscapeError, SourceError
from gitward.model.sources import Source
from gitward.render import Limits, Rendered, Renderer

JSON_CONFIGMAP = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}'


def names(rendered: Rendered) -> list[str]:
    return [o["metadata"]["name"] for o in rendered.objects]


@pytest.fixture
def tree(repo: Path) -> Path:
    return write(
        repo,
        {
            "manifests/a.yaml": configmap("a") + "\n---\n" + configmap("a2"),
            "manifests/b.yml": configmap("b"),
            "manifests/c.json": JSON_CONFIGMAP,
            "manifests/readme.md": "# not a manifest",
            "manifests/sub/d.yaml": configmap("d"),
            "manifests/sub/deeper/e.yaml": configmap("e"),
            "manifests/.hidden/h.yaml": configmap("hidden"),
        },
    )


def test_yaml_yml_and_json_files_of_the_directory_are_read_in_path_order(
    tree: Path, render: Callable[..., Rendered]
) -> None:
    rendered = render(directory_source())
    assert rendered.generator == "directory"
    assert names(rendered) == ["a", "a2", "b", "c"]
    assert rendered.origins == [
        "manifests/a.yaml",
        "manifests/a.yaml",
        "manifests/b.yml",
        "manifests/c.json",
    ]
    assert rendered.documents[1].document == 1


def test_recurse_reads_subdirectories_but_never_hidden_ones(
    tree: Path, render: Callable[..., Rendered]
) -> None:
    assert names(render(directory_source(recurse=True))) == ["a", "a2", "b", "c", "d", "e"]


@pytest.mark.parametrize(
    ("include", "exclude", "expected"),
    [
        ("*.yaml", "", ["a", "a2", "d", "e"]),
        ("{a.yaml,b.yml}", "", ["a", "a2", "b"]),
        ("", "sub/*", ["a", "a2", "b", "c"]),
        ("", "{*.json,*deeper*}", ["a", "a2", "b", "d"]),
        ("sub/*", "*/deeper/*", ["d"]),
    ],
)
def test_include_and_exclude_globs_match_paths_relative_to_the_source(
    tree: Path,
    render: Callable[..., Rendered],
    include: str,
    exclude: str,
    expected: list[str],
) -> None:
    source = directory_source(recurse=True, include=include, exclude=exclude)
    assert names(render(source)) == expected


def test_a_malformed_glob_names_its_field(tree: Path, render: Callable[..., Rendered]) -> None:
    with pytest.raises(ManifestError) as caught:
        render(directory_source(include="{a.yaml"))
    assert caught.value.where.field == "spec.source.directory.include"


def test_a_source_without_options_is_a_directory_when_it_has_no_chart(
    tree: Path, render: Callable[..., Rendered]
) -> None:
    rendered = render(Source(repo_url="https://example.invalid/r.git", path="manifests"))
    assert rendered.generator == "directory"


def test_invalid_yaml_in_a_manifest_names_the_file_and_line(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"manifests/bad.yaml": configmap("a") + "\n  key: [unclosed\n  more: 1\n"})
    with pytest.raises(ManifestError) as caught:
        render(directory_source())
    assert caught.value.where.file is not None
    assert caught.value.where.file.startswith("manifests/bad.yaml:")
    assert "Application demo" in caught.value.message


def test_an_incomplete_object_names_file_document_and_field(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(
        repo,
        {
            "manifests/x.yaml": configmap("a")
            + "\n---\napiVersion: v1\nkind: Secret\nmetadata: {}\n"
        },
    )
    with pytest.raises(ManifestError) as caught:
        render(directory_source())
    assert caught.value.where.field == "metadata.name"
    assert caught.value.where.file == "manifests/x.yaml:8"
    assert "document 2" in caught.value.message


def test_yaml_files_that_are_not_manifests_are_skipped_with_a_warning(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"manifests/values.yaml": "replicas: 3\n", "manifests/cm.yaml": configmap("a")})
    rendered = render(directory_source())
    assert names(rendered) == ["a"]
    assert rendered.warnings == ["manifests/values.yaml: not a Kubernetes manifest, skipped"]


def test_a_broken_json_file_is_always_an_error(repo: Path, render: Callable[..., Rendered]) -> None:
    write(repo, {"manifests/x.json": '{"replicas": '})
    with pytest.raises(ManifestError, match="invalid JSON"):
        render(directory_source())


def test_an_alias_bomb_in_a_manifest_is_refused(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    levels = "".join(
        f"  {chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    bomb = configmap("lol", seed="x") + "\n  a: &a [x,x,x,x,x,x,x,x,x]\n" + levels
    write(repo, {"manifests/bomb.yaml": bomb})
    with pytest.raises(ManifestError, match="alias"):
        render(directory_source())


def test_a_file_over_the_size_limit_is_refused(repo: Path) -> None:
    write(repo, {"manifests/big.yaml": configmap("big", data="x" * 500)})
    renderer = Renderer(limits=Limits(max_file_bytes=200))
    source = directory_source()
    with pytest.raises(SourceError, match="limit") as caught:
        renderer.render(application(source), source, repo, sha=None)
    assert caught.value.where.file == "manifests/big.yaml"


def test_files_adding_up_over_the_total_limit_are_refused(repo: Path) -> None:
    write(repo, {f"manifests/m{i}.yaml": configmap(f"m{i}") for i in range(10)})
    renderer = Renderer(limits=Limits(max_total_bytes=300))
    source = directory_source()
    with pytest.raises(SourceError, match="add up"):
        renderer.render(application(source), source, repo, sha=None)


def test_a_symlink_leaving_the_repository_is_refused(
    repo: Path, tmp_path: Path, render: Callable[..., Rendered]
) -> None:
    outside = write(tmp_path / "outside", {"x.yaml": configmap("stolen")}) / "x.yaml"
    write(repo, {"manifests/a.yaml": configmap("a")})
    (repo / "manifests" / "link.yaml").symlink_to(outside)
    with pytest.raises(PathEscapeError, match="outside"):
        render(directory_source())


def test_a_symlink_inside_the_repository_is_read_and_a_dangling_one_skipped(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"shared/s.yaml": configmap("shared"), "manifests/a.yaml": configmap("a")})
    (repo / "manifests" / "s.yaml").symlink_to(repo / "shared" / "s.yaml")
    (repo / "manifests" / "gone.yaml").symlink_to(repo / "nowhere.yaml")
    rendered = render(directory_source())
    assert names(rendered) == ["a", "shared"]
    assert any("gone.yaml" in warning for warning in rendered.warnings)


def test_a_path_climbing_out_of_the_repository_is_refused(render: Callable[..., Rendered]) -> None:
    with pytest.raises(PathEscapeError) as caught:
        render(directory_source("../.."))
    assert caught.value.where.field == "spec.source.path"


def test_a_path_that_is_a_file_is_refused(repo: Path, render: Callable[..., Rendered]) -> None:
    write(repo, {"manifests.yaml": configmap("a")})
    with pytest.raises(SourceError, match="not a directory"):
        render(directory_source("manifests.yaml"))


def test_the_same_object_in_two_files_is_an_error_naming_both(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    write(repo, {"manifests/a.yaml": configmap("dup"), "manifests/b.yaml": configmap("dup")})
    with pytest.raises(ManifestError, match="defined twice") as caught:
        render(directory_source())
    assert "manifests/a.yaml" in caught.value.message
    assert "manifests/b.yaml" in caught.value.message


def test_objects_differing_only_in_namespace_are_not_duplicates(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    pinned = configmap("dup").replace("  name: dup", "  name: dup\n  namespace: other")
    write(repo, {"manifests/a.yaml": configmap("dup"), "manifests/b.yaml": pinned})
    rendered = render(directory_source(), namespace="dev")
    assert sorted(o["metadata"]["namespace"] for o in rendered.objects) == ["dev", "other"]


def test_hooks_named_only_by_generate_name_may_repeat(
    repo: Path, render: Callable[..., Rendered]
) -> None:
    job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: smoke-\n"
    write(repo, {"manifests/a.yaml": job, "manifests/b.yaml": job})
    assert len(render(directory_source()).objects) == 2


def test_more_manifest_files_than_the_limit_are_refused_where_the_path_is_named(
    repo: Path,
) -> None:
    write(repo, {f"manifests/m{i}.yaml": configmap(f"m{i}") for i in range(6)})
    write(repo, {f"manifests/notes{i}.txt": "not counted" for i in range(20)})
    source = directory_source()
    assert (
        len(
            Renderer(limits=Limits(max_files=6))
            .render(application(source), source, repo, sha=None)
            .objects
        )
        == 6
    )

    with pytest.raises(SourceError, match="more than 5 manifest files") as caught:
        Renderer(limits=Limits(max_files=5)).render(application(source), source, repo, sha=None)

    assert caught.value.where.field == "spec.source.path"
    assert "GITWARD_RENDER_MAX_FILES" in str(caught.value)
