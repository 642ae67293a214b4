"""YAML/JSON streams to objects: documents, lists, located errors and the input guards."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitward.errors import ManifestError, SourceError
from gitward.render.limits import Limits
from gitward.render.manifests import load_file, parse_manifests, read_text

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"

BILLION_LAUGHS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: lol
data:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def error_of(text: str, **kwargs: object) -> ManifestError:
    with pytest.raises(ManifestError) as caught:
        parse_manifests(text, file="deploy/app.yaml", obj="Application demo", **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_every_document_of_a_stream_becomes_an_object_with_its_origin() -> None:
    text = CONFIGMAP.format(name="a") + "---\n" + CONFIGMAP.format(name="b")
    found = parse_manifests(text, file="deploy/app.yaml")
    assert [item.manifest["metadata"]["name"] for item in found] == ["a", "b"]
    assert [(item.origin.document, item.origin.line) for item in found] == [(0, 1), (1, 6)]
    assert found[1].origin.file == "deploy/app.yaml"


def test_empty_documents_and_comment_only_documents_are_skipped() -> None:
    text = "---\n# just a comment\n---\n" + CONFIGMAP.format(name="a") + "---\n---\n"
    assert [item.manifest["metadata"]["name"] for item in parse_manifests(text, file="x")] == ["a"]


def test_list_kinds_are_flattened_into_their_items() -> None:
    text = """\
apiVersion: v1
kind: ConfigMapList
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: one}}
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: two}}
"""
    found = parse_manifests(text, file="list.yaml")
    assert [item.manifest["metadata"]["name"] for item in found] == ["one", "two"]


def test_an_object_named_only_by_generate_name_is_accepted() -> None:
    text = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n"
    assert parse_manifests(text, file="job.yaml")[0].manifest["metadata"]["generateName"] == (
        "migrate-"
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("kind: ConfigMap\nmetadata: {name: a}\n", "apiVersion"),
        ("apiVersion: v1\nmetadata: {name: a}\n", "kind"),
        ("apiVersion: v1\nkind: ConfigMap\n", "metadata"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {}}\n", "metadata.name"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ''}\n", "metadata.name"),
        ("apiVersion: 1\nkind: ConfigMap\nmetadata: {name: a}\n", "apiVersion"),
    ],
)
def test_an_incomplete_object_names_file_document_line_and_field(text: str, field: str) -> None:
    error = error_of(CONFIGMAP.format(name="ok") + "---\n" + text)
    assert error.where.file == "deploy/app.yaml:6"
    assert error.where.field == field
    assert "document 2" in error.message
    assert "Application demo" in error.message
    assert "apiVersion" in error.hint


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    error = error_of("- just\n- a list\n")
    assert "document 1 is a list, not a Kubernetes object" in error.message


def test_invalid_yaml_names_the_line_of_the_problem() -> None:
    error = error_of(CONFIGMAP.format(name="a") + "data:\n  key: [unclosed\n  other: 1\n")
    assert error.where.file is not None
    assert error.where.file.startswith("deploy/app.yaml:")
    assert int(error.where.file.rsplit(":", 1)[1]) >= 6
    assert "invalid YAML" in error.message


def test_a_billion_laughs_alias_bomb_is_refused_before_expansion() -> None:
    error = error_of(BILLION_LAUGHS)
    assert "alias" in error.message
    assert error.where.file == "deploy/app.yaml:1"


def test_a_recursive_alias_is_refused() -> None:
    error = error_of("&a [*a]\n")
    assert "refers to itself" in error.message


def test_modest_aliases_are_expanded_into_independent_copies() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {app: x}\n"
        "  annotations: *l\n"
    )
    manifest = parse_manifests(text, file="x")[0].manifest
    assert manifest["metadata"]["annotations"] == {"app": "x"}
    manifest["metadata"]["labels"]["extra"] = "1"
    assert manifest["metadata"]["annotations"] == {"app": "x"}


def test_the_alias_budget_is_configurable() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {a: x, b: y}\n"
        "  annotations: *l\n"
    )
    assert parse_manifests(text, file="x", limits=Limits(max_alias_nodes=10))
    error = error_of(text, limits=Limits(max_alias_nodes=2))
    assert "alias" in error.message


def test_timestamps_stay_strings_and_keys_become_strings_as_in_go_yaml() -> None:
    text = CONFIGMAP.format(name="a") + "data:\n  date: 2024-01-01\n  80: http\n  true: yes\n"
    data = parse_manifests(text, file="x")[0].manifest["data"]
    assert data == {"date": "2024-01-01", "80": "http", "true": True}


def test_text_over_the_size_limit_is_refused() -> None:
    with pytest.raises(SourceError, match="limit"):
        parse_manifests(CONFIGMAP.format(name="a"), file="x", limits=Limits(max_file_bytes=10))


def test_too_many_objects_are_refused() -> None:
    text = "---\n".join(CONFIGMAP.format(name=f"c{i}") for i in range(5))
    error = error_of(text, limits=Limits(max_objects=3))
    assert "more than 3 objects" in error.message


def test_json_is_read_as_one_document_with_located_errors() -> None:
    good = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}}'
    assert parse_manifests(good, file="x.json", json_only=True)[0].manifest["metadata"] == {
        "name": "j"
    }
    error = error_of('{\n  "apiVersion": "v1",\n  oops\n}', json_only=True)
    assert error.where.file == "deploy/app.yaml:3"


def test_read_text_refuses_oversized_files_before_reading_them(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a" * 100)
    with pytest.raises(SourceError) as caught:
        read_text(big, shown="big.yaml", limits=Limits(max_file_bytes=50))
    assert caught.value.where.file == "big.yaml"
    assert "over the" in caught.value.message


def test_read_text_refuses_text_that_is_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: \xff\xfe\n")
    with pytest.raises(ManifestError, match="UTF-8"):
        read_text(bad, shown="bad.yaml")


def test_load_file_reads_yaml_and_json_files_by_suffix(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CONFIGMAP.format(name="y"))
    (tmp_path / "b.json").write_text(
        '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}'
    )
    assert load_file(tmp_path / "a.yaml", shown_as="a.yaml")[0]["metadata"]["name"] == "y"
    assert load_file(tmp_path / "b.json", shown_as="b.json")[0]["metadata"]["name"] == "j"


TYPED_SCALARS = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: typed, labels: {"quoted": "123", plain: word}}
data:
  ints: [1, -2, 0x1f, 0o17, +3]
  floats: [1.5, .inf, -.Inf, 1e3]
  flags: [true, False, yes, off, "true"]
  empty: [~, null, ""]
  keys: {1: one, true: yes, null: none, 2.5: half}
  stamp: 2024-01-02T03:04:05Z
  text: |
    two
    lines
"""

MERGED_AND_TAGGED = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: merged}
data:
  <<: {a: 1}
  b: 2
---
apiVersion: v1
kind: ConfigMap
metadata: {name: binary}
data: {blob: !!binary aGVsbG8=, set: !!set {a, b}}
"""


def test_plain_documents_are_built_as_pyyaml_builds_them_with_keys_as_go_spells_them() -> None:
    found = parse_manifests(TYPED_SCALARS, file="f.yaml")[0].manifest
    expected = yaml.load(TYPED_SCALARS, Loader=yaml.SafeLoader)
    data = found["data"]
    assert data["keys"] == {"1": "one", "true": True, "null": "none", "2.5": "half"}
    assert data["stamp"] == "2024-01-02T03:04:05Z"  # not a datetime, as in Go
    for name in ("ints", "floats", "flags", "empty", "text"):
        assert data[name] == expected["data"][name], name
    assert found["metadata"] == expected["metadata"]


def test_merge_keys_and_other_tags_are_built_by_pyyaml() -> None:
    merged, tagged = (item.manifest for item in parse_manifests(MERGED_AND_TAGGED, file="f.yaml"))
    assert merged["data"] == {"a": 1, "b": 2}
    assert tagged["data"] == {"blob": b"hello", "set": {"a", "b"}}
