"""The guardrail engine on its own: policies read strictly, matched and evaluated as admission
would, built-ins enabled per project, and the cost bound."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitward.errors import ConfigError
from gitward.guardrails import Action, Binding, Guardrails, PolicySet, Subject, evaluate
from gitward.guardrails.celexpr import compile_expression
from gitward.guardrails.evaluating import plural
from gitward.guardrails.policies import parse_documents


def deployment(image: str, *, name: str = "web", labels: dict[str, str] | None = None) -> Any:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "prod", "labels": labels or {}},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "app", "image": image, "resources": {"requests": {"cpu": "1"}}}
                    ]
                }
            }
        },
    }


def policies(text: str) -> PolicySet:
    return parse_documents(yaml.safe_load_all(text), file="p.yaml")


POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: team-label}
spec:
  failurePolicy: %s
  matchConstraints:
    resourceRules:
      - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}
    objectSelector:
      matchExpressions: [{key: skip, operator: DoesNotExist}]
  variables:
    - {name: team, expression: "object.metadata.labels.team"}
  validations:
    - expression: "variables.team.startsWith('t-')"
      message: "team label must start with t-"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: b}
spec: {policyName: team-label, validationActions: [Deny]}
"""


def bound(failure: str = "Fail") -> list[tuple[Any, Binding]]:
    found = policies(POLICY % failure)
    return [(found.policies[b.policy], b) for b in found.bindings]


def test_a_false_validation_is_a_violation_with_the_binding_actions() -> None:
    [violation] = evaluate([Subject("a", deployment("x:1", labels={"team": "ops"}))], bound())
    assert str(violation) == "policy team-label: Deployment prod/web: team label must start with t-"
    assert violation.denies and violation.actions == (Action.DENY,)
    assert evaluate([Subject("a", deployment("x:1", labels={"team": "t-ops"}))], bound()) == []


def test_selectors_and_operations_decide_whether_a_policy_applies() -> None:
    skipped = deployment("x:1", labels={"team": "ops", "skip": "yes"})
    assert evaluate([Subject("a", skipped)], bound()) == []
    update = Subject("a", deployment("x:1", labels={"team": "ops"}), operation="UPDATE")
    assert evaluate([update], bound()) == []


def test_an_expression_error_follows_the_failure_policy() -> None:
    unlabelled = Subject("a", deployment("x:1"))  # the variable fails: no team label
    [violation] = evaluate([unlabelled], bound("Fail"))
    assert violation.reason == "InternalError"
    assert "failed" in violation.message
    assert evaluate([unlabelled], bound("Ignore")) == []


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (POLICY.replace("failurePolicy: %s", "paramKind: {kind: ConfigMap}"), "spec.paramKind"),
        (POLICY.replace("failurePolicy: %s", "failurePolicy: Maybe"), "spec.failurePolicy"),
        (POLICY.replace("[Deny]", "[Block]") % "Fail", "spec.validationActions"),
        (POLICY.replace("objectSelector", "objectSelecter") % "Fail", "objectSelecter"),
    ],
)
def test_bad_or_unsupported_fields_are_errors_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(ConfigError) as caught:
        policies(text)
    assert "p.yaml" in caught.value.message
    assert field in caught.value.message


def test_builtins_are_enabled_per_project_and_an_unknown_name_refuses() -> None:
    guardrails = Guardrails()
    objects = [deployment("registry:5000/web"), deployment("web:1.2.3", name="ok")]
    enabled = {"prod": ("no-mutable-images", "semver-images:Warn"), "dev": ()}
    found = guardrails.check("app", objects, project="prod", enabled=enabled)
    assert [(v.policy, v.obj, v.denies) for v in found] == [
        ("no-mutable-images", "Deployment prod/web", True),
        ("semver-images", "Deployment prod/web", False),
    ]
    assert guardrails.check("app", objects, project="dev", enabled=enabled) == []
    [unknown] = guardrails.check("app", [], project="p", enabled={"p": ("no-such",)})
    assert unknown.denies and "not a built-in policy" in unknown.message


def test_a_secret_with_data_is_refused_and_its_values_are_never_in_the_message() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    secret["stringData"] = {"password": "hunter2"}
    [violation] = Guardrails().check(
        "app", [secret], project="p", enabled={"p": ("no-secret-data",)}, namespace="prod"
    )
    assert violation.obj == "Secret prod/s"
    assert "hunter2" not in violation.message


def test_nested_comprehensions_over_a_big_list_are_refused_by_the_cost_bound() -> None:
    expression = compile_expression("object.items.all(x, object.items.all(y, x == y || true))")
    assert expression.nesting == 2
    with pytest.raises(Exception, match="the limit is"):
        expression.evaluate({"object": {"items": list(range(5000))}}, 5000)
    assert expression.evaluate({"object": {"items": [1, 2]}}, 2) is True


def test_kubernetes_string_and_optional_extensions_are_available() -> None:
    text = "'a:b'.split(':')[1] == 'b' && object.?metadata.?labels.?x.orValue('none') == 'none'"
    assert compile_expression(text).evaluate({"object": {"metadata": {}}}, 0) is True


def test_kubernetes_list_functions_are_available() -> None:
    text = "[1, 2, 3].isSorted() && object.xs.sum() == 4 && object.xs.max() == 3"
    assert compile_expression(text).evaluate({"object": {"xs": [3, 1]}}, 2) is True
    with pytest.raises(Exception, match="empty"):
        compile_expression("object.xs.min()").evaluate({"object": {"xs": []}}, 0)


def test_a_message_expression_never_repeats_a_secret_value() -> None:
    policy = POLICY.replace("[apps]", '[""]').replace("deployments", "secrets")
    policy = policy.replace(
        'message: "team label must start with t-"',
        "messageExpression: \"'bad: ' + string(object.data.password) + object.stringData.pin\"",
    )
    found = policies(policy % "Fail")
    pairs = [(found.policies[b.policy], b) for b in found.bindings]
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "prod", "labels": {"team": "ops"}},
        "data": {"password": "aHVudGVyMg=="},  # hunter2
        "stringData": {"pin": "4321"},
    }
    [violation] = evaluate([Subject("a", secret)], pairs)
    assert violation.message.startswith("bad: ")
    assert "aHVudGVyMg==" not in violation.message
    assert "4321" not in violation.message


def test_past_the_deadline_expressions_fail_and_the_failure_policy_judges() -> None:
    [violation] = evaluate(
        [Subject("a", deployment("x:1", labels={"team": "t-ops"}))], bound(), deadline=0.0
    )
    assert "deadline" in violation.message


@pytest.mark.parametrize(
    ("kind", "resource"),
    [("Deployment", "deployments"), ("Ingress", "ingresses"), ("NetworkPolicy", "networkpolicies")],
)
def test_kinds_map_to_their_plural_resources(kind: str, resource: str) -> None:
    assert plural(kind) == resource
