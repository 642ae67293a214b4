"""The strategy document's argocd-rbac-cm loads unchanged and every rule means what it says.

The document maps two SSO groups: ``devops-team`` (to the roles ``developers`` and
``release-managers``) and ``security-team`` (to itself). To test each role alone, a copy of its
policy.csv gets one extra g line per role (``frontend-team`` -> developers, ``release-team`` ->
release-managers); the document's file itself is loaded as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitward.server.rbac import Policy, Subject

EXAMPLE = Path(__file__).parents[3] / "examples" / "ai-chatbot-infra" / "argocd-rbac-cm.yaml"

DEVELOPER = Subject("frank", ("frontend-team",))
RELEASE_MANAGER = Subject("rita", ("release-team",))
DEVOPS = Subject("dana", ("devops-team",))
SECURITY = Subject("sam", ("security-team",))
ANONYMOUS = Subject()
STRANGER = Subject("mallory", ("contractors",))


@pytest.fixture(scope="module")
def document_policy() -> Policy:
    return Policy.from_file(EXAMPLE)


@pytest.fixture(scope="module")
def policy() -> Policy:
    data = yaml.safe_load(EXAMPLE.read_text())["data"]
    extra = "g, frontend-team, developers\ng, release-team, release-managers\n"
    return Policy.from_csv(data["policy.csv"] + extra, default_role=data["policy.default"])


CASES = [
    # developers: sync and get dev and staging, nothing else
    (DEVELOPER, "sync", "dev/ai-chatbot-dev", True),
    (DEVELOPER, "sync", "staging/ai-chatbot-staging", True),
    (DEVELOPER, "get", "dev/ai-chatbot-dev", True),
    (DEVELOPER, "get", "staging/ai-chatbot-staging", True),
    (DEVELOPER, "sync", "prod/ai-chatbot-prod", False),
    (DEVELOPER, "get", "prod/ai-chatbot-prod", False),
    (DEVELOPER, "delete", "dev/ai-chatbot-dev", False),
    (DEVELOPER, "create", "dev/ai-chatbot-dev", False),
    (DEVELOPER, "update", "staging/ai-chatbot-staging", False),
    (DEVELOPER, "override", "dev/ai-chatbot-dev", False),
    (DEVELOPER, "rollback", "dev/ai-chatbot-dev", True),
    (DEVELOPER, "rollback", "prod/ai-chatbot-prod", False),
    # release managers: sync and get everything, nothing more
    (RELEASE_MANAGER, "sync", "prod/ai-chatbot-prod", True),
    (RELEASE_MANAGER, "sync", "dev/ai-chatbot-dev", True),
    (RELEASE_MANAGER, "get", "prod/ai-chatbot-prod", True),
    (RELEASE_MANAGER, "rollback", "prod/ai-chatbot-prod", True),
    (RELEASE_MANAGER, "delete", "prod/ai-chatbot-prod", False),
    (RELEASE_MANAGER, "create", "prod/ai-chatbot-prod", False),
    (RELEASE_MANAGER, "override", "prod/ai-chatbot-prod", False),
    # security team: read-only everywhere
    (SECURITY, "get", "prod/ai-chatbot-prod", True),
    (SECURITY, "get", "dev/ai-chatbot-dev", True),
    (SECURITY, "get", "staging/ai-chatbot-staging", True),
    (SECURITY, "sync", "prod/ai-chatbot-prod", False),
    (SECURITY, "sync", "dev/ai-chatbot-dev", False),
    (SECURITY, "sync", "staging/ai-chatbot-staging", False),
    (SECURITY, "rollback", "dev/ai-chatbot-dev", False),
    (SECURITY, "delete", "dev/ai-chatbot-dev", False),
    (SECURITY, "update", "prod/ai-chatbot-prod", False),
    # devops team: both roles
    (DEVOPS, "sync", "prod/ai-chatbot-prod", True),
    (DEVOPS, "sync", "dev/ai-chatbot-dev", True),
    (DEVOPS, "get", "prod/ai-chatbot-prod", True),
    (DEVOPS, "delete", "prod/ai-chatbot-prod", False),
    (DEVOPS, "create", "dev/ai-chatbot-dev", False),
    # everyone else: only the default role, which grants nothing
    (ANONYMOUS, "get", "dev/ai-chatbot-dev", False),
    (ANONYMOUS, "sync", "dev/ai-chatbot-dev", False),
    (STRANGER, "get", "prod/ai-chatbot-prod", False),
    (STRANGER, "sync", "dev/ai-chatbot-dev", False),
]


@pytest.mark.parametrize(("subject", "action", "obj", "expected"), CASES)
def test_each_team_may_do_exactly_what_the_document_grants(
    policy: Policy, subject: Subject, action: str, obj: str, expected: bool
) -> None:
    decision = policy.allowed(subject, "applications", action, obj)

    assert decision.allowed is expected, decision.reason


@pytest.mark.parametrize(("subject", "action", "obj", "expected"), CASES)
def test_the_document_file_itself_decides_the_same_for_the_groups_it_maps(
    document_policy: Policy, subject: Subject, action: str, obj: str, expected: bool
) -> None:
    if subject in (DEVELOPER, RELEASE_MANAGER):
        expected = False  # the unchanged file maps no group to a single role

    assert document_policy.allowed(subject, "applications", action, obj).allowed is expected


def test_devops_team_syncs_prod_through_the_release_managers_rule(document_policy: Policy):
    decision = document_policy.allowed(DEVOPS, "applications", "sync", "prod/ai-chatbot-prod")

    assert decision.allowed
    assert decision.rule == "p, release-managers, applications, sync, */*, allow"
    assert "group devops-team" in decision.reason
    assert "argocd-rbac-cm.yaml:18" in decision.reason


def test_a_refusal_says_that_no_rule_allows_it(document_policy: Policy):
    decision = document_policy.allowed(SECURITY, "applications", "sync", "prod/ai-chatbot-prod")

    assert not decision.allowed
    assert decision.rule == ""
    assert decision.reason == (
        "no rule allows sync on applications prod/ai-chatbot-prod for sam (groups: security-team)"
    )


def test_the_undefined_default_role_is_kept_and_warned_about(document_policy: Policy):
    assert document_policy.default_role == "role:viewer"
    assert document_policy.scopes == ("groups",)
    assert len(document_policy.warnings) == 1
    assert "role:viewer" in document_policy.warnings[0]
    assert "grants nothing" in document_policy.warnings[0]


def test_the_security_team_reads_nothing_but_applications(document_policy: Policy):
    for resource, obj in [("logs", "prod/ai-chatbot-prod"), ("clusters", "in-cluster")]:
        assert not document_policy.allowed(SECURITY, resource, "get", obj).allowed


def test_a_user_in_an_sso_group_named_like_a_role_gets_nothing_as_in_argo_cd(
    document_policy: Policy,
):
    # Argo CD checks only groups that appear on the left of a g line; "developers" does not.
    member = Subject("carol", ("developers",))

    assert not document_policy.allowed(member, "applications", "sync", "dev/ai-chatbot-dev").allowed


def test_the_builtin_admin_may_do_everything(document_policy: Policy):
    admin = Subject("admin")

    for action in ("sync", "delete", "create", "override", "rollback", "action/apps/Deployment/x"):
        assert document_policy.allowed(
            admin, "applications", action, "prod/ai-chatbot-prod"
        ).allowed
