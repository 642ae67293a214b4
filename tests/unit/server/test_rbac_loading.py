"""Loading a policy: policy.csv text, the argocd-rbac-cm ConfigMap, files of either kind, and
errors that name the file, the line and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitward.errors import ConfigError
from gitward.server.rbac import Policy, Subject

DEVOPS = Subject("dana", ("devops-team",))

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-rbac-cm
data:
  policy.default: role:readonly
  scopes: '[groups, email]'
  policy.csv: |
    # ops may sync
    p, role:ops, applications, sync, */*, allow

    g, devops-team, role:ops
  policy.zz-extra.csv: |
    p, role:ops, applications, delete, dev/*, allow
"""


def _error(call: object) -> ConfigError:
    assert callable(call)
    with pytest.raises(ConfigError) as caught:
        call()
    return caught.value


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("p, role:x, applications, sync, */*, permit", "the effect must be 'allow' or 'deny'"),
        ("p, role:x, applications, sync, */*, Allow", "the effect must be 'allow' or 'deny'"),
        ("p, role:x, application, sync, */*, allow", "unknown resource 'application'"),
        ("p, role:x, applications, synch, */*, allow", "unknown action 'synch'"),
        ("p, role:x, applications, logs, */*, allow", "'logs' is a resource, not an action"),
        ("p, role:x, applications, sync, */*", "a p line has 6 fields"),
        ("p, role:x, applications, sync, */*, allow, extra", "a p line has 6 fields"),
        ("p, , applications, sync, */*, allow", "the subject is empty"),
        ("p, role:x, applications, sync, , allow", "the object is empty"),
        ("p, role:x, applications, sync, {dev/*, allow", "is invalid"),
        ("p, role:x, applications, sync, dev[/*, allow", "is invalid"),
        ("g, devops-team", "a g line has 3 fields"),
        ("g, devops-team, , ", "a g line has 3 fields"),
        ("g, , role:x", "the member is empty"),
        ("x, role:x, applications, sync, */*, allow", "starts with 'p' or 'g', not 'x'"),
        ('p, "role:x, applications, sync, */*, allow', "not valid CSV"),
    ],
)
def test_a_malformed_line_is_a_config_error_naming_file_line_and_problem(line: str, problem: str):
    text = f"# comment\n\np, role:ok, applications, get, */*, allow\n{line}\n"

    error = _error(lambda: Policy.from_csv(text, file="team-policy.csv"))

    assert error.where.file == "team-policy.csv:4"
    assert problem in error.problem


def test_a_typo_in_a_resource_comes_with_a_suggestion():
    error = _error(lambda: Policy.from_csv("p, role:x, clusterz, get, *, allow"))

    assert error.hint == "did you mean 'clusters'?"


def test_comments_blank_lines_quotes_and_spaces_are_accepted():
    text = (
        "  # leading comment\n"
        "\n"
        'p, "my-org:team, alpha", applications, get, */*, allow   \n'
        '   g,   "my-org:team, alpha",   "my-org:team, alpha"\n'
    )

    policy = Policy.from_csv(text)

    member = Subject("ann", ("my-org:team, alpha",))
    assert policy.allowed(member, "applications", "get", "dev/app").allowed
    assert policy.warnings == ()


def test_a_configmap_reads_default_role_scopes_and_overlays_in_key_order():
    policy = Policy.from_configmap(CONFIGMAP)

    assert policy.default_role == "role:readonly"
    assert policy.scopes == ("groups", "email")
    assert policy.allowed(DEVOPS, "applications", "sync", "prod/app").allowed
    assert policy.allowed(DEVOPS, "applications", "delete", "dev/app").allowed
    assert not policy.allowed(DEVOPS, "applications", "delete", "prod/app").allowed


def test_a_bad_line_in_a_configmap_block_names_the_line_of_the_file():
    text = CONFIGMAP.replace("delete, dev/*, allow", "delete, dev/*, allows")

    error = _error(lambda: Policy.from_configmap(text, file="rbac.yaml"))

    assert error.where.file == "rbac.yaml:14"
    assert error.where.obj == "ConfigMap argocd-rbac-cm"
    assert error.where.field == "data.policy.zz-extra.csv line 1"
    assert "rbac.yaml:14: ConfigMap argocd-rbac-cm: data.policy.zz-extra.csv line 1" in str(error)


def test_a_bad_line_in_a_quoted_configmap_value_names_the_line_within_the_key():
    text = (
        "kind: ConfigMap\nmetadata: {name: argocd-rbac-cm}\n"
        'data:\n  policy.csv: "p, role:x, applications, get, */*, allow\\ng, a"\n'
    )

    error = _error(lambda: Policy.from_configmap(text, file="cm.yaml"))

    assert error.where.file == "cm.yaml"
    assert error.where.field == "data.policy.csv line 2"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kind: ConfigMap\ndata: [a, b]\n", "data must be a mapping"),
        ("kind: ConfigMap\ndata:\n  scopes: [groups]\n", "data.scopes must be a string"),
        ("kind: ConfigMap\ndata:\n  scopes: '{a: b}'\n", "scopes must name OIDC claims"),
        ("kind: ConfigMap\ndata:\n  policy.csv: 12\n", "data.policy.csv must be a string"),
        ("kind: Secret\ndata: {}\n", "no ConfigMap found"),
        ("kind: ConfigMap\ndata: {a: [\n", "not valid YAML"),
    ],
)
def test_a_malformed_configmap_is_a_config_error(text: str, problem: str):
    error = _error(lambda: Policy.from_configmap(text, file="cm.yaml"))

    assert problem in error.problem
    assert str(error.where).startswith("cm.yaml")


def test_a_configmap_without_data_grants_only_the_builtin_roles():
    policy = Policy.from_configmap("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")

    assert policy.default_role == ""
    assert not policy.allowed(DEVOPS, "applications", "get", "dev/app").allowed
    assert policy.allowed(Subject("admin"), "applications", "get", "dev/app").allowed


def test_scopes_may_be_a_single_claim_name():
    text = "kind: ConfigMap\ndata:\n  scopes: email\n"

    assert Policy.from_configmap(text).scopes == ("email",)


def test_an_unknown_match_mode_falls_back_to_glob_with_a_warning():
    text = "kind: ConfigMap\ndata:\n  policy.matchMode: fuzzy\n"

    policy = Policy.from_configmap(text)

    assert any("unknown match mode 'fuzzy'" in warning for warning in policy.warnings)


def test_from_file_reads_a_csv_file_and_a_configmap_file(tmp_path: Path):
    csv_file = tmp_path / "policy.csv"
    csv_file.write_text("p, role:ops, applications, sync, */*, allow\ng, devops-team, role:ops\n")
    yaml_file = tmp_path / "argocd-rbac-cm.yaml"
    yaml_file.write_text(CONFIGMAP)
    no_suffix = tmp_path / "rbac"
    no_suffix.write_text("# the ConfigMap\n" + CONFIGMAP)

    for path in (csv_file, yaml_file, no_suffix):
        assert Policy.from_file(path).allowed(DEVOPS, "applications", "sync", "prod/a").allowed
    assert Policy.from_file(yaml_file).default_role == "role:readonly"


def test_from_file_names_the_file_of_a_bad_line(tmp_path: Path):
    path = tmp_path / "policy.csv"
    path.write_text(
        "p, role:ops, applications, sync, */*, allow\np, role:ops, apps, get, *, allow\n"
    )

    error = _error(lambda: Policy.from_file(path))

    assert error.where.file == f"{path}:2"
    assert "unknown resource 'apps'" in error.message


def test_from_file_refuses_a_missing_or_binary_file(tmp_path: Path):
    binary = tmp_path / "policy.csv"
    binary.write_bytes(b"\xff\xfe\x00p")

    assert "cannot read" in _error(lambda: Policy.from_file(tmp_path / "nope.csv")).problem
    assert "not UTF-8" in _error(lambda: Policy.from_file(binary)).problem


def test_a_policy_naming_an_sso_group_without_a_g_line_is_warned_about():
    policy = Policy.from_csv("p, my-org:team-alpha, applications, sync, my-project/*, allow")

    assert len(policy.warnings) == 1
    assert "g, my-org:team-alpha, my-org:team-alpha" in policy.warnings[0]
    assert policy.warnings[0].startswith("policy.csv:1")


def test_an_application_object_without_a_project_is_warned_about():
    policy = Policy.from_csv("p, role:x, applications, get, guestbook, allow")

    assert any("never matches" in warning for warning in policy.warnings)


def test_a_defined_custom_default_role_is_not_warned_about():
    policy = Policy.from_csv(
        "p, role:viewer, applications, get, */*, allow", default_role="role:viewer"
    )

    assert policy.warnings == ()
    assert policy.allowed(Subject(), "applications", "get", "dev/app").allowed


def test_an_invalid_regex_in_regex_mode_is_a_config_error():
    error = _error(
        lambda: Policy.from_csv("p, role:x, applications, get, (dev, allow", match_mode="regex")
    )

    assert "not a valid regular expression" in error.problem
