"""How decisions are made: built-in roles, the default role, deny over allow, patterns,
rollback, AppProject roles and project tokens, and subjects read from token claims."""

from __future__ import annotations

import pytest

from gitward.model.project import AppProject, ProjectRole
from gitward.server.rbac import BUILTIN_POLICY, Policy, Subject, subject_from_claims

ALICE = Subject("alice", ("team-a", "team-b"))


def _policy(text: str, default_role: str = "", match_mode: str = "glob") -> Policy:
    return Policy.from_csv(text, default_role=default_role, match_mode=match_mode)


def test_the_builtin_readonly_role_gets_everything_and_changes_nothing():
    policy = _policy("g, viewers, role:readonly")
    viewer = Subject("vic", ("viewers",))

    for resource, obj in [
        ("applications", "dev/app"),
        ("applicationsets", "dev/set"),
        ("clusters", "https://kubernetes.default.svc"),
        ("repositories", "https://github.com/org/repo"),
        ("projects", "dev"),
        ("logs", "dev/app"),
    ]:
        assert policy.allowed(viewer, resource, "get", obj).allowed, resource
    for action in ("sync", "create", "update", "delete", "override", "rollback"):
        assert not policy.allowed(viewer, "applications", action, "dev/app").allowed, action
    assert not policy.allowed(viewer, "exec", "create", "dev/app").allowed


def test_the_builtin_admin_role_includes_readonly_and_every_write():
    policy = _policy("g, ops, role:admin")
    ops = Subject("olga", ("ops",))

    assert policy.allowed(ops, "clusters", "delete", "https://k8s.example.com").allowed
    assert policy.allowed(ops, "applications", "update/apps/Deployment/ns/web", "dev/a").allowed
    assert policy.allowed(ops, "exec", "create", "prod/app").allowed
    assert policy.allowed(ops, "gpgkeys", "get", "ABC").allowed
    assert not policy.allowed(ops, "extensions", "invoke", "httpbin").allowed


def test_the_builtin_policy_text_is_argo_cds_format():
    lines = [line for line in BUILTIN_POLICY.splitlines() if line]

    assert "p, role:readonly, applications, get, */*, allow" in lines
    assert "p, role:admin, applications, action/*, */*, allow" in lines
    assert lines[-2:] == ["g, role:admin, role:readonly", "g, admin, role:admin"]


def test_the_default_role_cannot_be_taken_away_by_a_deny():
    policy = _policy("p, alice, applications, get, prod/*, deny", default_role="role:readonly")

    decision = policy.allowed(ALICE, "applications", "get", "prod/app")

    assert decision.allowed
    assert "the default role role:readonly" in decision.reason


def test_a_deny_for_the_user_beats_an_allow_for_a_group():
    policy = _policy(
        "p, role:deployer, applications, sync, */*, allow\n"
        "g, team-a, role:deployer\n"
        "p, alice, applications, sync, prod/*, deny\n"
    )

    denied = policy.allowed(ALICE, "applications", "sync", "prod/app")
    allowed = policy.allowed(ALICE, "applications", "sync", "dev/app")

    assert not denied.allowed
    assert denied.rule == "p, alice, applications, sync, prod/*, deny"
    assert denied.reason.startswith("denied for user alice by policy.csv:3")
    assert allowed.allowed


def test_a_deny_for_one_group_beats_an_allow_for_another_group():
    # Argo CD lets team-a's allow win here (argoproj/argo-cd#17547); gitward does not.
    policy = _policy(
        "p, role:deployer, applications, sync, */*, allow\n"
        "p, role:frozen, applications, sync, prod/*, deny\n"
        "g, team-a, role:deployer\n"
        "g, team-b, role:frozen\n"
    )

    decision = policy.allowed(ALICE, "applications", "sync", "prod/app")

    assert not decision.allowed
    assert "group team-b" in decision.reason


def test_a_deny_within_one_role_beats_its_allow_whatever_the_order():
    policy = _policy(
        "p, role:x, applications, delete, dev/prod-app, deny\n"
        "p, role:x, applications, delete, dev/*, allow\n"
        "g, team-a, role:x\n"
    )

    assert not policy.allowed(ALICE, "applications", "delete", "dev/prod-app").allowed
    assert policy.allowed(ALICE, "applications", "delete", "dev/other").allowed


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "dev/app", True),
        ("*/*", "dev/app", True),
        ("dev/*", "dev/app", True),
        ("dev/*", "devx/app", False),
        ("dev/*", "dev/ns/app", True),
        ('"{dev,staging}/*"', "staging/app", True),
        ('"{dev,staging}/*"', "prod/app", False),
        ("dev/app-?", "dev/app-1", True),
        ("dev/app-?", "dev/app-10", False),
        ("dev/app-[0-9]", "dev/app-7", True),
        ("dev/app-[!0-9]", "dev/app-7", False),
        ("dev/app\\*", "dev/app*", True),
        ("dev/app\\*", "dev/apps", False),
        ("Dev/*", "dev/app", False),
    ],
)
def test_objects_match_with_argo_cds_glob_rules(pattern: str, value: str, expected: bool):
    policy = _policy(f"p, role:x, applications, get, {pattern}, allow\ng, team-a, role:x")

    assert policy.allowed(ALICE, "applications", "get", value).allowed is expected


def test_actions_and_resources_are_patterns_too():
    policy = _policy(
        "p, role:x, applications, action/apps/*, dev/*, allow\n"
        "p, role:x, *, get, *, allow\n"
        "g, team-a, role:x\n"
    )

    assert policy.allowed(ALICE, "applications", "action/apps/Deployment/restart", "dev/a").allowed
    assert not policy.allowed(ALICE, "applications", "action//Pod/restart", "dev/a").allowed
    assert policy.allowed(ALICE, "gpgkeys", "get", "ABCDEF").allowed


def test_regex_mode_searches_without_anchors_like_go():
    policy = _policy(
        "p, role:x, applications, get, ^(dev|staging)/, allow\ng, team-a, role:x",
        match_mode="regex",
    )

    assert policy.allowed(ALICE, "applications", "get", "staging/app").allowed
    assert not policy.allowed(ALICE, "applications", "get", "prod/app").allowed


def test_rollback_follows_sync_when_no_line_names_it():
    policy = _policy("p, role:x, applications, sync, dev/*, allow\ng, team-a, role:x")

    decision = policy.allowed(ALICE, "applications", "rollback", "dev/app")

    assert decision.allowed
    assert decision.reason.startswith("rollback follows sync: allowed for group team-a")
    assert not policy.allowed(ALICE, "applications", "rollback", "prod/app").allowed


def test_a_line_naming_rollback_decides_over_sync():
    policy = _policy(
        "p, role:x, applications, sync, */*, allow\n"
        "p, role:x, applications, rollback, prod/*, deny\n"
        "p, role:y, applications, rollback, */*, allow\n"
        "g, team-a, role:x\n"
        "g, bob, role:y\n"
    )

    assert not policy.allowed(ALICE, "applications", "rollback", "prod/app").allowed
    assert policy.allowed(ALICE, "applications", "rollback", "dev/app").allowed
    assert policy.allowed(Subject("bob"), "applications", "rollback", "prod/app").allowed
    assert not policy.allowed(Subject("bob"), "applications", "sync", "prod/app").allowed


def test_a_rollback_nobody_may_do_says_so():
    decision = _policy("").allowed(ALICE, "applications", "rollback", "dev/app")

    assert not decision.allowed
    assert decision.reason.startswith("no rule allows rollback (or sync) on applications dev/app")


def _project(name: str, *roles: ProjectRole) -> AppProject:
    return AppProject(name=name, roles=roles, file="projects/dev.yaml")


DEV_DEPLOYER = ProjectRole(
    name="deployer",
    policies=(
        "p, proj:dev:deployer, applications, sync, dev/*, allow",
        "p, proj:dev:deployer, applications, delete, dev/*, deny",
    ),
    groups=("dev-oncall",),
)


def test_a_project_role_grants_its_groups_rights_inside_its_project_only():
    policy = _policy("").with_projects([_project("dev", DEV_DEPLOYER), _project("prod")])
    oncall = Subject("omar", ("dev-oncall",))

    inside = policy.allowed(oncall, "applications", "sync", "dev/app")

    assert inside.allowed
    assert "AppProject dev: spec.roles[0].policies[0]" in inside.reason
    assert not policy.allowed(oncall, "applications", "sync", "prod/app").allowed
    assert not policy.allowed(oncall, "applications", "delete", "dev/app").allowed
    assert policy.allowed(oncall, "projects", "get", "dev").allowed
    assert not policy.allowed(oncall, "projects", "get", "prod").allowed


def test_project_role_lines_that_reach_outside_the_project_are_dropped_with_a_warning():
    sneaky = ProjectRole(
        name="sneaky",
        policies=(
            "p, proj:dev:sneaky, applications, sync, prod/*, allow",
            "p, someone-else, applications, sync, dev/*, allow",
            "p, proj:dev:sneaky, accounts, update, dev/*, allow",
            "p, proj:dev:sneaky, projects, delete, dev, allow",
            "p, proj:dev:sneaky, applications, sync, dev/*, permit",
            "g, someone, role:admin",
            "p, proj:dev:sneaky, applications, get, dev/*, allow",
        ),
        groups=("dev-team",),
    )

    policy = _policy("").with_projects([_project("dev", sneaky)])

    assert len(policy.warnings) == 6
    assert all("the line is ignored" in warning for warning in policy.warnings)
    assert "spec.roles[0].policies[0]" in policy.warnings[0]
    member = Subject("sid", ("dev-team",))
    assert not policy.allowed(Subject("someone-else"), "applications", "sync", "dev/a").allowed
    assert not policy.allowed(Subject("someone"), "applications", "sync", "dev/a").allowed
    assert not policy.allowed(member, "projects", "delete", "dev").allowed
    assert policy.allowed(member, "applications", "get", "dev/a").allowed


def test_a_project_role_with_an_invalid_name_is_ignored_with_a_warning():
    bad = ProjectRole(
        name="-bad-", policies=("p, proj:dev:-bad-, applications, get, dev/*, allow",)
    )

    policy = _policy("").with_projects([_project("dev", bad)])

    assert len(policy.warnings) == 1
    assert "role name '-bad-' is invalid" in policy.warnings[0]


def test_a_project_token_acts_only_on_its_own_project():
    policy = _policy("").with_projects([_project("dev", DEV_DEPLOYER), _project("prod")])
    token = Subject("proj:dev:deployer")

    assert policy.allowed(token, "applications", "sync", "dev/app").allowed
    refused = policy.allowed(token, "applications", "sync", "prod/app")
    assert not refused.allowed
    assert refused.reason == "a token of project dev cannot act on objects of project prod"


def test_a_global_deny_still_beats_a_project_role_allow():
    policy = _policy(
        "p, dev-oncall, applications, sync, dev/frozen, deny\ng, dev-oncall, dev-oncall"
    ).with_projects([_project("dev", DEV_DEPLOYER)])
    oncall = Subject("omar", ("dev-oncall",))

    assert not policy.allowed(oncall, "applications", "sync", "dev/frozen").allowed
    assert policy.allowed(oncall, "applications", "sync", "dev/other").allowed


def test_with_projects_replaces_the_projects_and_keeps_the_policy():
    base = _policy("g, ops, role:admin", default_role="role:readonly")
    with_dev = base.with_projects([_project("dev", DEV_DEPLOYER)])
    without = with_dev.with_projects([])
    oncall = Subject("omar", ("dev-oncall",))

    assert with_dev.allowed(oncall, "applications", "sync", "dev/app").allowed
    assert not without.allowed(oncall, "applications", "sync", "dev/app").allowed
    assert without.default_role == "role:readonly"


def test_the_same_answer_comes_back_on_every_call():
    policy = _policy("").with_projects([_project("dev", DEV_DEPLOYER)])
    oncall = Subject("omar", ("dev-oncall",))

    answers = {policy.allowed(oncall, "applications", "sync", "dev/app") for _ in range(50)}

    assert len(answers) == 1


def test_a_subject_is_read_from_token_claims_with_the_configured_scopes():
    claims = {
        "sub": "CgVhbGljZRIGZ2l0aHVi",
        "federated_claims": {"user_id": "alice", "connector_id": "github"},
        "groups": ["org:team-a", "org:team-b", 7, "org:team-a"],
        "email": "alice@example.com",
    }

    assert subject_from_claims(claims) == Subject("alice", ("org:team-a", "org:team-b"))
    assert subject_from_claims(claims, ["groups", "email"]).groups == (
        "org:team-a",
        "org:team-b",
        "alice@example.com",
    )
    assert subject_from_claims({"sub": "bob", "groups": "solo"}) == Subject("bob", ("solo",))
    assert subject_from_claims({"sub": "bob", "email": "b@x"}, "email").groups == ("b@x",)
    assert subject_from_claims({}) == Subject()


def test_the_policy_reads_groups_from_its_own_scopes():
    policy = Policy.from_configmap(
        "kind: ConfigMap\ndata:\n  scopes: '[email]'\n"
        "  policy.csv: 'g, alice@example.com, role:admin'\n"
    )

    subject = policy.subject({"sub": "x", "email": "alice@example.com", "groups": ["g"]})

    assert subject == Subject("x", ("alice@example.com",))
    assert policy.allowed(subject, "clusters", "delete", "in-cluster").allowed
