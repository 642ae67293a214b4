"""Facts about Kubernetes kinds that gitward needs without asking a cluster.

Which built-in kinds are cluster-scoped (so that rendering knows which objects get the
destination namespace), and the order in which Argo CD's gitops-engine applies kinds within one
sync wave (``kindOrder`` in ``pkg/sync/sync_tasks.go``, itself Helm's install order).

Custom resources are namespaced unless a CustomResourceDefinition says otherwise; callers that
know such definitions pass them as ``extra_cluster_scoped``. Pure data: no I/O, no cluster.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

__all__ = [
    "CLUSTER_SCOPED",
    "KIND_ORDER",
    "GroupKind",
    "is_namespaced",
    "kind_rank",
]

GroupKind = tuple[str, str]
"""``(group, kind)``; the core group is ``""``."""

CLUSTER_SCOPED: Final[frozenset[GroupKind]] = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("node.k8s.io", "RuntimeClass"),
        ("policy", "PodSecurityPolicy"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
    }
)

KIND_ORDER: Final[tuple[str, ...]] = (
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
)
"""Argo CD's apply order of kinds within one phase and wave; kinds not listed go last."""

_RANKS: Final[dict[str, int]] = {kind: rank for rank, kind in enumerate(KIND_ORDER)}


def is_namespaced(
    group: str, kind: str, extra_cluster_scoped: Collection[GroupKind] = frozenset()
) -> bool:
    """Whether objects of ``group``/``kind`` live in a namespace.

    Built-in cluster-scoped kinds and the ``extra_cluster_scoped`` ones (e.g. from
    CustomResourceDefinitions with ``scope: Cluster``) are not; everything else is.
    """
    key = (group, kind)
    return key not in CLUSTER_SCOPED and key not in extra_cluster_scoped


def kind_rank(kind: str) -> int:
    """The position of ``kind`` in :data:`KIND_ORDER`; unknown kinds rank after all known."""
    return _RANKS.get(kind, len(KIND_ORDER))
