"""Guardrails: Kubernetes ValidatingAdmissionPolicies (CEL) checked on rendered manifests.

The same rules a platform team enforces at admission are checked by ``gitward check`` in CI and
by the controller before every sync, so a forbidden object is refused before it reaches a
cluster. An engine: it reads policies and objects and answers with violations; it imports only
the model and errors.
"""

from gitward.guardrails.catalog import (
    POLICIES_ANNOTATION,
    Guardrails,
    builtin_policies,
    parse_enabled,
)
from gitward.guardrails.evaluating import Subject, Violation, evaluate
from gitward.guardrails.policies import Action, Binding, Policy, PolicySet, load_policies

__all__ = [
    "POLICIES_ANNOTATION",
    "Action",
    "Binding",
    "Guardrails",
    "Policy",
    "PolicySet",
    "Subject",
    "Violation",
    "builtin_policies",
    "evaluate",
    "load_policies",
    "parse_enabled",
]
