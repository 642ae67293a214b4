"""Which policies apply to a rendered object, and what their validations say about it.

An object is checked as Kubernetes admission would check it on create or update: ``object`` is
the rendered object, ``oldObject`` is null (gitward has no previous version of it to give),
``request`` names the kind, resource, namespace, name and operation, and ``namespaceObject`` is
the rendered Namespace when the app declares it (else one carrying only the
``kubernetes.io/metadata.name`` label, as every namespace has). A policy applies when its
``matchConstraints`` and its binding's ``matchResources`` match and its ``matchConditions`` are
true. A validation that is false, or that fails with failurePolicy Fail, is a violation with the
binding's actions.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gitward.guardrails.celexpr import CelError, activation, compile_expression, plain
from gitward.guardrails.policies import (
    Action,
    Binding,
    LabelSelector,
    MatchResources,
    Policy,
    ResourceRule,
    Validation,
)
from gitward.model.objects import Manifest
from gitward.redaction import redact

__all__ = ["DEADLINE_S", "Subject", "Violation", "evaluate", "plural"]

DEADLINE_S = 10.0
"""How long the checks of one app may take in all; later expressions fail as errors."""

_CLUSTER_KINDS = frozenset(
    {
        "Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
        "CustomResourceDefinition", "StorageClass", "PriorityClass", "IngressClass",
        "RuntimeClass", "APIService", "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Violation:
    """A validation an object fails, with the binding's actions."""

    policy: str
    actions: tuple[Action, ...]
    app: str
    obj: str
    message: str
    reason: str = "Invalid"

    @property
    def denies(self) -> bool:
        return Action.DENY in self.actions

    @property
    def warns(self) -> bool:
        return Action.WARN in self.actions

    def __str__(self) -> str:
        return f"policy {self.policy}: {self.obj}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "actions": [a.value for a in self.actions],
            "app": self.app,
            "object": self.obj,
            "message": self.message,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Subject:
    """One rendered object to check, and what admission would know about it."""

    app: str
    obj: Manifest
    namespace: str = ""
    operation: str = "CREATE"
    namespace_object: Manifest | None = None


def plural(kind: str) -> str:
    """The resource name Kubernetes uses for ``kind`` (its lower-case plural)."""
    lower = kind.lower()
    if lower.endswith(("s", "x", "ch", "sh")):
        return f"{lower}es"
    if lower.endswith("y") and lower[-2:-1] not in "aeiou":
        return f"{lower[:-1]}ies"
    return f"{lower}s"


def evaluate(
    subjects: Iterable[Subject],
    bound: Iterable[tuple[Policy, Binding]],
    *,
    deadline: float | None = None,
) -> list[Violation]:
    """Every violation of ``bound`` policies by ``subjects``; ``deadline`` is a
    ``time.monotonic()`` instant (default: :data:`DEADLINE_S` from now)."""
    deadline = time.monotonic() + DEADLINE_S if deadline is None else deadline
    pairs = list(bound)
    found: list[Violation] = []
    for subject in subjects:
        request = _request(subject)
        data: dict[str, Any] | None = None
        widest = 0
        for policy, binding in pairs:
            if not _matches(policy.match, subject, request) or (
                binding.match is not None and not _matches(binding.match, subject, request)
            ):
                continue
            if data is None:
                data, widest = _activation(subject, request)
            run = _Run(policy, binding, subject, data=data, widest=widest, deadline=deadline)
            found.extend(run.violations())
    return found


class _Run:
    """One policy over one object."""

    def __init__(
        self,
        policy: Policy,
        binding: Binding,
        subject: Subject,
        *,
        data: dict[str, Any],
        widest: int,
        deadline: float,
    ) -> None:
        self.policy = policy
        self.binding = binding
        self.subject = subject
        self.data = {**data, "variables": {}}
        self.widest = widest
        self.deadline = deadline
        self.activation = activation(self.data)

    def value(self, expression: str) -> Any:
        if time.monotonic() > self.deadline:
            raise CelError("the checks of this app took too long (the deadline passed)")
        return compile_expression(expression).evaluate(self.activation, self.widest)

    def violations(self) -> list[Violation]:
        for name, expression in self.policy.match_conditions:
            try:
                applies = self.value(expression)
            except CelError as err:
                return self._failed(f"matchCondition {name!r} failed: {err}")
            if applies is not True:
                return []
        variables: dict[str, Any] = {}
        for name, expression in self.policy.variables:
            try:
                variables[name] = self.value(expression)
            except CelError:
                continue  # an expression that uses it fails in its turn
            self.activation = activation({**self.data, "variables": variables})
        found = []
        for validation in self.policy.validations:
            try:
                passed = self.value(validation.expression)
            except CelError as err:
                found.extend(self._failed(f"expression {validation.expression!r} failed: {err}"))
                continue
            if passed is not True:
                found.append(self._violation(self._message(validation), validation.reason))
        return found

    def _message(self, validation: Validation) -> str:
        if validation.message_expression:
            try:
                text = self.value(validation.message_expression)
                if isinstance(text, str) and text.strip():
                    return text
            except CelError:
                pass
        return validation.message or f"failed expression: {validation.expression}"

    def _failed(self, message: str) -> list[Violation]:
        return [self._violation(message, "InternalError")] if self.policy.fail_closed else []

    def _violation(self, message: str, reason: str) -> Violation:
        return Violation(
            policy=self.policy.name,
            actions=self.binding.actions,
            app=self.subject.app,
            obj=_described(self.subject),
            message=redact(message, *_secret_values(self.subject.obj)),
            reason=reason,
        )


def _secret_values(obj: Manifest) -> Iterator[str]:
    """A Secret's values, as written and decoded, so that no message repeats them."""
    if obj.get("kind") != "Secret":
        return
    for key in ("data", "stringData"):
        values = obj.get(key)
        for value in values.values() if isinstance(values, dict) else ():
            text = str(value)
            yield text
            if key == "data":
                try:
                    yield base64.b64decode(text, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue


def _described(subject: Subject) -> str:
    metadata = subject.obj.get("metadata") or {}
    name = metadata.get("name", "")
    namespace = metadata.get("namespace") or subject.namespace
    where = (
        f"{namespace}/{name}"
        if namespace and subject.obj.get("kind") not in _CLUSTER_KINDS
        else name
    )
    return f"{subject.obj.get('kind')} {where}"


def _request(subject: Subject) -> dict[str, Any]:
    api_version = str(subject.obj.get("apiVersion") or "")
    group, _, version = api_version.rpartition("/")
    kind = str(subject.obj.get("kind") or "")
    metadata = subject.obj.get("metadata") or {}
    namespaced = kind not in _CLUSTER_KINDS
    return {
        "kind": {"group": group, "version": version, "kind": kind},
        "resource": {"group": group, "version": version, "resource": plural(kind)},
        "name": str(metadata.get("name") or ""),
        "namespace": str(metadata.get("namespace") or subject.namespace) if namespaced else "",
        "operation": subject.operation,
        "dryRun": False,
        "userInfo": {"username": "gitward"},
    }


def _activation(subject: Subject, request: dict[str, Any]) -> tuple[dict[str, Any], int]:
    namespace = request["namespace"]
    space = subject.namespace_object
    if space is None and namespace:
        space = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace, "labels": {"kubernetes.io/metadata.name": namespace}},
        }
    data, widest = plain(
        {
            "object": subject.obj,
            "oldObject": None,
            "request": request,
            "namespaceObject": space,
            "params": None,
        }
    )
    return data, widest


def _matches(match: MatchResources, subject: Subject, request: Mapping[str, Any]) -> bool:
    labels = (subject.obj.get("metadata") or {}).get("labels") or {}
    if not match.object_selector.matches({str(k): str(v) for k, v in labels.items()}):
        return False
    if request["namespace"] and not _namespace_matches(match.namespace_selector, subject, request):
        return False
    if match.rules and not any(_rule_matches(rule, request) for rule in match.rules):
        return False
    return not any(_rule_matches(rule, request) for rule in match.exclude)


def _namespace_matches(
    selector: LabelSelector, subject: Subject, request: Mapping[str, Any]
) -> bool:
    space = subject.namespace_object or {}
    labels = dict((space.get("metadata") or {}).get("labels") or {})
    labels.setdefault("kubernetes.io/metadata.name", request["namespace"])
    return selector.matches({str(k): str(v) for k, v in labels.items()})


def _rule_matches(rule: ResourceRule, request: Mapping[str, Any]) -> bool:
    resource = request["resource"]
    namespaced = bool(request["namespace"]) or request["kind"]["kind"] not in _CLUSTER_KINDS
    scope_ok = rule.scope in ("*", "Namespaced" if namespaced else "Cluster")
    return (
        scope_ok
        and _any(rule.api_groups, resource["group"])
        and _any(rule.api_versions, resource["version"])
        and _any(rule.resources, resource["resource"])
        and _any(rule.operations, request["operation"])
        and (not rule.names or request["name"] in rule.names)
    )


def _any(patterns: tuple[str, ...], value: str) -> bool:
    return "*" in patterns or "*/*" in patterns or value in patterns
