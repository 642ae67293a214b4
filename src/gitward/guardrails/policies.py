"""ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding documents, read into values.

Platform teams already write their cluster rules as Kubernetes ``ValidatingAdmissionPolicy``
objects (``admissionregistration.k8s.io/v1``); gitward reads the same documents so that a rule is
checked in CI and before a sync, not first at admission. Parsing is strict: an unknown or
unsupported field is an error naming the file, the object and the field. Pure data: no I/O
beyond reading the files it is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from gitward.errors import ConfigError, Location

__all__ = [
    "Action",
    "Binding",
    "LabelSelector",
    "MatchResources",
    "Policy",
    "PolicySet",
    "ResourceRule",
    "Validation",
    "load_policies",
    "parse_documents",
]

API_VERSIONS = ("admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1")
POLICY_KIND = "ValidatingAdmissionPolicy"
BINDING_KIND = "ValidatingAdmissionPolicyBinding"


class Action(StrEnum):
    """``validationActions``: what a failed validation does."""

    DENY = "Deny"
    WARN = "Warn"
    AUDIT = "Audit"


@dataclass(frozen=True, slots=True)
class ResourceRule:
    """One ``resourceRules[]`` entry (``*`` matches anything)."""

    api_groups: tuple[str, ...] = ("*",)
    api_versions: tuple[str, ...] = ("*",)
    resources: tuple[str, ...] = ("*",)
    operations: tuple[str, ...] = ("*",)
    scope: str = "*"
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """``matchLabels`` and ``matchExpressions`` (In, NotIn, Exists, DoesNotExist)."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if any(labels.get(key) != value for key, value in self.labels):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            found = {
                "In": present and labels.get(key) in values,
                "NotIn": not present or labels.get(key) not in values,
                "Exists": present,
                "DoesNotExist": not present,
            }[operator]
            if not found:
                return False
        return True


@dataclass(frozen=True, slots=True)
class MatchResources:
    """``matchConstraints`` of a policy or ``matchResources`` of a binding."""

    rules: tuple[ResourceRule, ...] = ()
    exclude: tuple[ResourceRule, ...] = ()
    namespace_selector: LabelSelector = field(default_factory=LabelSelector)
    object_selector: LabelSelector = field(default_factory=LabelSelector)


@dataclass(frozen=True, slots=True)
class Validation:
    """``validations[]``: a CEL expression that must be true, and what to say when it is not."""

    expression: str
    message: str = ""
    message_expression: str = ""
    reason: str = "Invalid"


@dataclass(frozen=True, slots=True)
class Policy:
    """A ValidatingAdmissionPolicy."""

    name: str
    match: MatchResources
    validations: tuple[Validation, ...]
    match_conditions: tuple[tuple[str, str], ...] = ()
    variables: tuple[tuple[str, str], ...] = ()
    fail_closed: bool = True
    file: str | None = None


@dataclass(frozen=True, slots=True)
class Binding:
    """A ValidatingAdmissionPolicyBinding: which policy, with which actions, on what."""

    name: str
    policy: str
    actions: tuple[Action, ...]
    match: MatchResources | None = None
    file: str | None = None


@dataclass
class PolicySet:
    """Policies and their bindings, by name."""

    policies: dict[str, Policy] = field(default_factory=dict)
    bindings: list[Binding] = field(default_factory=list)

    def add(self, other: PolicySet) -> None:
        self.policies.update(other.policies)
        self.bindings.extend(other.bindings)


def load_policies(paths: Iterable[Path]) -> PolicySet:
    """Every policy and binding in ``paths`` (files, or directories of ``*.yaml``/``*.yml``)."""
    found = PolicySet()
    for path in paths:
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
            if path.is_dir()
            else [path]
        )
        for file in files:
            found.add(_read_file(file))
    return found


def _read_file(file: Path) -> PolicySet:
    try:
        documents = list(yaml.safe_load_all(file.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"cannot read policy file: {err}", where=Location(file=str(file))
        ) from err
    except yaml.YAMLError as err:
        raise ConfigError(
            f"not valid YAML: {err}", where=Location(file=str(file)), hint="Fix the YAML syntax"
        ) from err
    return parse_documents(documents, file=str(file))


def parse_documents(documents: Iterable[Any], *, file: str | None = None) -> PolicySet:
    """Policies and bindings among ``documents``; other kinds are an error."""
    found = PolicySet()
    for document in documents:
        if document is None:
            continue
        if not isinstance(document, dict):
            raise ConfigError("a document is not a mapping", where=Location(file=file))
        kind = document.get("kind")
        if document.get("apiVersion") not in API_VERSIONS or kind not in (
            POLICY_KIND,
            BINDING_KIND,
        ):
            raise ConfigError(
                f"{document.get('apiVersion')}/{kind} is not a ValidatingAdmissionPolicy "
                "or ValidatingAdmissionPolicyBinding",
                where=Location(file=file, obj=f"{kind} {_name_of(document)}"),
                hint="Policy files hold only admissionregistration.k8s.io/v1 policies and bindings",
            )
        if kind == POLICY_KIND:
            policy = _policy(document, file)
            found.policies[policy.name] = policy
        else:
            found.bindings.append(_binding(document, file))
    return found


class _Fields:
    """One mapping being read, remembering where it is for error messages."""

    def __init__(self, data: Any, where: Location, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError("must be a mapping", where=where.at(path or "(top)"))
        self.data: dict[str, Any] = data
        self.where = where
        self.path = path

    def at(self, name: str) -> Location:
        return self.where.at(f"{self.path}.{name}" if self.path else name)

    def text(self, name: str, default: str = "", *, required: bool = False) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                raise ConfigError("is required", where=self.at(name))
            return default
        if not isinstance(value, str):
            raise ConfigError("must be a string", where=self.at(name))
        return value

    def texts(self, name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("must be a list of strings", where=self.at(name))
        return tuple(value)

    def child(self, name: str) -> _Fields | None:
        value = self.data.get(name)
        if value is None:
            return None
        return _Fields(value, self.where, f"{self.path}.{name}" if self.path else name)

    def children(self, name: str) -> list[_Fields]:
        value = self.data.get(name) or []
        if not isinstance(value, list):
            raise ConfigError("must be a list", where=self.at(name))
        base = f"{self.path}.{name}" if self.path else name
        return [_Fields(item, self.where, f"{base}[{i}]") for i, item in enumerate(value)]

    def refuse(self, names: Mapping[str, str], known: Iterable[str]) -> None:
        """Unsupported fields (``names``: why) and unknown ones are errors."""
        allowed = set(known)
        for key in self.data:
            if key in names:
                raise ConfigError(names[key], where=self.at(key))
            if key not in allowed:
                raise ConfigError(
                    "unknown field", where=self.at(key), hint=f"Known: {', '.join(sorted(allowed))}"
                )


def _name_of(document: Mapping[str, Any]) -> str:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return str(name) if name else "(unnamed)"


def _policy(document: dict[str, Any], file: str | None) -> Policy:
    where = Location(file=file, obj=f"{POLICY_KIND} {_name_of(document)}")
    name = _required_name(document, where)
    spec = _Fields(document.get("spec"), where, "spec")
    spec.refuse(
        {
            "paramKind": "policy parameters (paramKind/paramRef) are not supported yet",
            "auditAnnotations": "auditAnnotations are not supported: gitward writes no audit "
            "events for admission",
        },
        ("matchConstraints", "matchConditions", "validations", "variables", "failurePolicy"),
    )
    constraints = spec.child("matchConstraints")
    validations = tuple(_validation(item) for item in spec.children("validations"))
    if not validations:
        raise ConfigError("a policy needs at least one validation", where=spec.at("validations"))
    failure = spec.text("failurePolicy", "Fail")
    if failure not in ("Fail", "Ignore"):
        raise ConfigError("must be Fail or Ignore", where=spec.at("failurePolicy"))
    return Policy(
        name=name,
        match=_match(constraints) if constraints else MatchResources(rules=(ResourceRule(),)),
        validations=validations,
        match_conditions=_named(spec, "matchConditions"),
        variables=_named(spec, "variables"),
        fail_closed=failure == "Fail",
        file=file,
    )


def _binding(document: dict[str, Any], file: str | None) -> Binding:
    where = Location(file=file, obj=f"{BINDING_KIND} {_name_of(document)}")
    name = _required_name(document, where)
    spec = _Fields(document.get("spec"), where, "spec")
    spec.refuse(
        {"paramRef": "policy parameters (paramKind/paramRef) are not supported yet"},
        ("policyName", "validationActions", "matchResources"),
    )
    actions = spec.texts("validationActions")
    if not actions:
        raise ConfigError(
            "is required", where=spec.at("validationActions"), hint="List Deny, Warn or Audit"
        )
    for action in actions:
        if action not in {a.value for a in Action}:
            raise ConfigError(
                f"{action!r} is not Deny, Warn or Audit", where=spec.at("validationActions")
            )
    if "Deny" in actions and "Warn" in actions:
        raise ConfigError(
            "Deny and Warn may not be used together", where=spec.at("validationActions")
        )
    resources = spec.child("matchResources")
    return Binding(
        name=name,
        policy=spec.text("policyName", required=True),
        actions=tuple(Action(a) for a in actions),
        match=_match(resources) if resources else None,
        file=file,
    )


def _required_name(document: dict[str, Any], where: Location) -> str:
    metadata = _Fields(document.get("metadata"), where, "metadata")
    return metadata.text("name", required=True)


def _validation(item: _Fields) -> Validation:
    item.refuse({}, ("expression", "message", "messageExpression", "reason"))
    return Validation(
        expression=item.text("expression", required=True),
        message=item.text("message"),
        message_expression=item.text("messageExpression"),
        reason=item.text("reason", "Invalid"),
    )


def _named(spec: _Fields, name: str) -> tuple[tuple[str, str], ...]:
    entries = []
    for item in spec.children(name):
        item.refuse({}, ("name", "expression"))
        entries.append((item.text("name", required=True), item.text("expression", required=True)))
    return tuple(entries)


def _match(fields: _Fields) -> MatchResources:
    fields.refuse(
        {},
        (
            "resourceRules",
            "excludeResourceRules",
            "namespaceSelector",
            "objectSelector",
            "matchPolicy",
        ),
    )
    return MatchResources(
        rules=tuple(_rule(item) for item in fields.children("resourceRules")),
        exclude=tuple(_rule(item) for item in fields.children("excludeResourceRules")),
        namespace_selector=_selector(fields.child("namespaceSelector")),
        object_selector=_selector(fields.child("objectSelector")),
    )


def _rule(item: _Fields) -> ResourceRule:
    item.refuse(
        {},
        ("apiGroups", "apiVersions", "resources", "operations", "scope", "resourceNames"),
    )
    return ResourceRule(
        api_groups=item.texts("apiGroups", ("*",)),
        api_versions=item.texts("apiVersions", ("*",)),
        resources=item.texts("resources", ("*",)),
        operations=item.texts("operations", ("*",)),
        scope=item.text("scope", "*"),
        names=item.texts("resourceNames"),
    )


def _selector(fields: _Fields | None) -> LabelSelector:
    if fields is None:
        return LabelSelector()
    fields.refuse({}, ("matchLabels", "matchExpressions"))
    labels = fields.child("matchLabels")
    expressions = []
    for item in fields.children("matchExpressions"):
        item.refuse({}, ("key", "operator", "values"))
        operator = item.text("operator", required=True)
        if operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise ConfigError(
                f"{operator!r} is not In, NotIn, Exists or DoesNotExist", where=item.at("operator")
            )
        expressions.append((item.text("key", required=True), operator, item.texts("values")))
    pairs = tuple((str(k), str(v)) for k, v in (labels.data if labels else {}).items())
    return LabelSelector(labels=pairs, expressions=tuple(expressions))
