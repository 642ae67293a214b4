"""``gitward values set``'s edit: only the values set change, byte for byte, with a sane type."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitward.delivery.editing import edit_values, parse_assignment
from gitward.delivery.keys import Step, parse_key, show_key
from gitward.errors import ConfigError, UsageError

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "ai-chatbot-infra" / "gitops"
VALUE_FILES = sorted(EXAMPLE.glob("*/values.yaml"))


def edit(text: str, *assignments: str, create: bool = False) -> str:
    parsed = [parse_assignment(item) for item in assignments]
    return edit_values(text, parsed, file="values.yaml", create=create).text


def changed_lines(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("backend.image.tag", (Step("backend"), Step("image"), Step("tag"))),
        ("containers[0].image", (Step("containers"), Step(index=0), Step("image"))),
        ("containers.0.image", (Step("containers"), Step("0"), Step("image"))),
        ('"a.b".c', (Step("a.b"), Step("c"))),
        ("a\\.b.c", (Step("a.b"), Step("c"))),
        ("'x.y'[2]", (Step("x.y"), Step(index=2))),
    ],
)
def test_keys_are_read_as_a_person_writes_them(text: str, steps: tuple[Step, ...]) -> None:
    assert parse_key(text) == steps


@pytest.mark.parametrize("text", ["", "a..b", ".a", "a.", "a[x]", "a[0", '"a.b', "a[0]b"])
def test_a_malformed_key_is_a_usage_error_naming_it(text: str) -> None:
    with pytest.raises(UsageError, match="is malformed"):
        parse_key(text)


def test_a_key_is_shown_back_in_its_plainest_form() -> None:
    assert show_key(parse_key('"a.b".c[0].d')) == '"a.b".c[0].d'


@pytest.mark.parametrize("path", VALUE_FILES, ids=lambda p: p.parent.name)
def test_setting_every_image_tag_changes_those_lines_and_no_other_byte(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    services = ("backend", "frontend", "ml", "worker")
    after = edit(before, *(f"{name}.image.tag=abc123" for name in services))
    changes = changed_lines(before, after)
    assert len(changes) == 4
    for old, new in changes:
        assert new == old.replace(old.split("tag: ")[1].rstrip("\n"), "abc123")
    assert yaml.safe_load(after)["ml"]["image"]["tag"] == "abc123"


@pytest.mark.parametrize("path", VALUE_FILES, ids=lambda p: p.parent.name)
def test_list_items_and_quoted_values_are_set_in_place(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    after = edit(
        before,
        "ingress.hosts[0].paths.1.path=/web",
        "ml.resources.limits.cpu=3",
        "backend.replicaCount=4",
    )
    changes = changed_lines(before, after)
    assert [new.strip() for _, new in changes] == ["replicaCount: 4", 'cpu: "3"', "- path: /web"]
    loaded = yaml.safe_load(after)
    assert loaded["backend"]["replicaCount"] == 4
    assert loaded["ml"]["resources"]["limits"]["cpu"] == "3"


@pytest.mark.parametrize(
    ("line", "value", "expected"),
    [
        ("tag: latest", "1.10", 'tag: "1.10"'),  # a string stays a string
        ("tag: latest", "abc123", "tag: abc123"),
        ("tag: latest", "yes", 'tag: "yes"'),  # YAML 1.1 (Helm) reads yes as true
        ("tag: latest", "a: b", 'tag: "a: b"'),
        ("tag: latest", "0777", 'tag: "0777"'),
        ("tag: 'v1'", "it's", "tag: 'it''s'"),  # the old quotes are kept
        ('tag: "v1"', "v2", 'tag: "v2"'),
        ("count: 1", "3", "count: 3"),  # a number stays a number
        ("on: false", "true", "on: true"),
        ("tag: v1  # pinned", "v2", "tag: v2  # pinned"),
    ],
)
def test_the_new_value_keeps_the_old_scalars_type_and_quotes(
    line: str, value: str, expected: str
) -> None:
    key = line.split(":", maxsplit=1)[0]
    assert edit(f"{line}\nother: x\n", f"{key}={value}") == f"{expected}\nother: x\n"


def test_a_value_already_there_changes_nothing() -> None:
    text = "a:\n  tag: abc123  # keep\n"
    result = edit_values(text, [parse_assignment("a.tag=abc123")], file="values.yaml")
    assert result.changed == ()
    assert result.text == text


def test_crlf_line_endings_survive() -> None:
    assert edit("a:\r\n  tag: old\r\nb: 1\r\n", "a.tag=new") == "a:\r\n  tag: new\r\nb: 1\r\n"


def test_a_missing_key_is_an_error_naming_file_and_key_unless_created() -> None:
    with pytest.raises(ConfigError) as caught:
        edit("backend:\n  image:\n    tag: v1\n", "backend.image.tagg=v2")
    assert caught.value.message == (
        "values.yaml: backend.image.tagg: no such key. "
        "Check the key's spelling, or pass --create to add it"
    )


def test_create_adds_the_missing_keys_at_the_end_of_the_deepest_mapping() -> None:
    text = "backend:\n    image:\n        tag: v1  # note\n\nfrontend: {}\n"
    after = edit(text, "backend.image.digest=sha256:abc", "backend.pull.policy=on", create=True)
    assert after == (
        "backend:\n    image:\n        tag: v1  # note\n        digest: sha256:abc\n"
        '    pull:\n        policy: "on"\n\nfrontend: {}\n'
    )


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("a: [1, 2\n", "a=1", "values.yaml: a: line 2: not valid YAML"),
        ("a: 1\n---\nb: 2\n", "a=2", "values.yaml: a: holds 2 documents"),
        ("- 1\n", "a=2", "values.yaml: a: holds no mapping at its top"),
        ("a:\n  b: 1\n", "a=2", "values.yaml: a: holds a mapping, not a single value"),
        ("a: 1\n", "a.b=2", "values.yaml: a: holds a single value, so it has no key 'b'"),
        ("a: [1]\n", "a[3]=2", "values.yaml: a: is a list of 1 items; [3] is past its end"),
        ("a: &x 1\nb: *x\n", "a=2", "values.yaml: a: the value is anchor &x"),
        ("a: |\n  text\n", "a=2", "values.yaml: a: the value is a block scalar"),
    ],
)
def test_what_cannot_be_edited_is_a_located_error(text: str, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        edit(text, key)
    assert caught.value.message.startswith(problem)


def test_a_value_with_a_line_break_is_refused_before_anything_is_read() -> None:
    with pytest.raises(UsageError, match="line break or control character"):
        parse_assignment("a.tag=v1\nGitward-Values: forged")


@pytest.mark.parametrize("path", VALUE_FILES, ids=lambda p: p.parent.name)
def test_a_created_key_is_one_new_line_and_every_other_byte_stays(path: Path) -> None:
    before = path.read_text(encoding="utf-8")
    after = edit(before, "backend.image.digest=sha256:0a1b", create=True)
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    (added,) = [line for line in new_lines if "digest" in line]
    at = new_lines.index(added)
    assert new_lines[:at] + new_lines[at + 1 :] == old_lines
    assert added == "    digest: sha256:0a1b\n"
    assert new_lines[at - 1].lstrip().startswith(("tag:", "pullPolicy:"))


def test_flow_collections_document_markers_and_a_byte_order_mark_survive() -> None:
    text = "\ufeff---\n# c\nimage: {repository: x, tag: latest}  # flow\nlist: [a, 'b']\n...\n"
    after = edit(text, "image.tag=1.2", "list[1]=c")
    assert after == (
        "\ufeff---\n# c\nimage: {repository: x, tag: \"1.2\"}  # flow\nlist: [a, 'c']\n...\n"
    )
