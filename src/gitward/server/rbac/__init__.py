"""Role-based access control with Argo CD's policy.csv: who may do what to which object.

Reads the argocd-rbac-cm ConfigMap (or a bare policy.csv) and AppProject roles unchanged and
answers ``Policy.allowed(Subject(user, groups), resource, action, obj)`` with a ``Decision``
naming the line that decided. Pure policy: it authenticates nobody, reads no cluster and is
called from the API's dependencies, never from inside handlers.
"""

from gitward.server.rbac.builtin import ADMIN_ROLE, BUILTIN_POLICY, READONLY_ROLE
from gitward.server.rbac.policy import Decision, Policy, Subject, subject_from_claims
from gitward.server.rbac.vocabulary import ACTIONS, PROJECT_SCOPED, RESOURCES, project_of

__all__ = [
    "ACTIONS",
    "ADMIN_ROLE",
    "BUILTIN_POLICY",
    "PROJECT_SCOPED",
    "READONLY_ROLE",
    "RESOURCES",
    "Decision",
    "Policy",
    "Subject",
    "project_of",
    "subject_from_claims",
]
