"""Every `argocd.argoproj.io/*` annotation, label, finalizer and sync-option literal gitward reads,
and gitward's own `gitward.io/*` annotations (features Argo CD has no field for).

One module so that a grep finds them all, and so that no other module spells one by hand.
gitward reads Argo CD's names unchanged: a repository written for Argo CD works as it is.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "APPSET_KIND",
    "APP_API_VERSION",
    "APP_GROUP",
    "APP_KIND",
    "COMPARE_OPTIONS",
    "DEFAULT_PROJECT",
    "HELM_HOOK",
    "HELM_HOOK_DELETE_POLICY",
    "HELM_HOOK_WEIGHT",
    "HOOK",
    "HOOK_DELETE_POLICY",
    "HOOK_FINALIZER",
    "IGNORE_HEALTHCHECK",
    "IN_CLUSTER_NAME",
    "IN_CLUSTER_SERVER",
    "PROJECT_KIND",
    "PROMOTE_FROM",
    "PROMOTE_KEYS",
    "RESOURCES_FINALIZER",
    "SYNC_OPTIONS",
    "SYNC_WAVE",
    "TRACKING_ID",
    "TRACKING_LABEL",
    "SyncOption",
]

APP_GROUP: Final = "argoproj.io"
APP_API_VERSION: Final = "argoproj.io/v1alpha1"
APP_KIND: Final = "Application"
PROJECT_KIND: Final = "AppProject"
APPSET_KIND: Final = "ApplicationSet"
DEFAULT_PROJECT: Final = "default"

IN_CLUSTER_SERVER: Final = "https://kubernetes.default.svc"
IN_CLUSTER_NAME: Final = "in-cluster"

_PREFIX: Final = "argocd.argoproj.io/"
SYNC_WAVE: Final = _PREFIX + "sync-wave"
SYNC_OPTIONS: Final = _PREFIX + "sync-options"
COMPARE_OPTIONS: Final = _PREFIX + "compare-options"
HOOK: Final = _PREFIX + "hook"
HOOK_DELETE_POLICY: Final = _PREFIX + "hook-delete-policy"
IGNORE_HEALTHCHECK: Final = _PREFIX + "ignore-healthcheck"
TRACKING_ID: Final = _PREFIX + "tracking-id"
TRACKING_LABEL: Final = "app.kubernetes.io/instance"

RESOURCES_FINALIZER: Final = "resources-finalizer.argocd.argoproj.io"
HOOK_FINALIZER: Final = _PREFIX + "hook-finalizer"
"""On every hook object a sync creates, until the sync has recorded how the hook ended."""

_GITWARD: Final = "gitward.io/"
PROMOTE_FROM: Final = _GITWARD + "promote-from"
"""On an Application: the app it follows. When that app is Synced and Healthy at a revision whose
values (``PROMOTE_KEYS``) differ from this app's, gitward promotes them (a commit for an automated
app, a pull-request branch for a manual one)."""
PROMOTE_KEYS: Final = _GITWARD + "promote-keys"
"""On an Application: the value keys promotion copies, comma-separated (``backend.image.tag``);
also the default keys of ``gitward promote`` into this app."""

HELM_HOOK: Final = "helm.sh/hook"
HELM_HOOK_WEIGHT: Final = "helm.sh/hook-weight"
HELM_HOOK_DELETE_POLICY: Final = "helm.sh/hook-delete-policy"


class SyncOption:
    """Sync options as written in ``syncPolicy.syncOptions`` or the sync-options annotation."""

    CREATE_NAMESPACE: Final = "CreateNamespace=true"
    PRUNE_LAST: Final = "PruneLast=true"
    PRUNE_FALSE: Final = "Prune=false"
    PRUNE_CONFIRM: Final = "Prune=confirm"
    DELETE_FALSE: Final = "Delete=false"
    SERVER_SIDE_APPLY: Final = "ServerSideApply=true"
    REPLACE: Final = "Replace=true"
    FORCE: Final = "Force=true"
    VALIDATE_FALSE: Final = "Validate=false"
    APPLY_OUT_OF_SYNC_ONLY: Final = "ApplyOutOfSyncOnly=true"
    FAIL_ON_SHARED_RESOURCE: Final = "FailOnSharedResource=true"
    SKIP_DRY_RUN_ON_MISSING: Final = "SkipDryRunOnMissingResource=true"
    RESPECT_IGNORE_DIFFERENCES: Final = "RespectIgnoreDifferences=true"
    PRUNE_PROPAGATION_POLICY: Final = "PrunePropagationPolicy"

    KNOWN_KEYS: Final = frozenset(
        {
            "CreateNamespace",
            "PruneLast",
            "Prune",
            "Delete",
            "ServerSideApply",
            "Replace",
            "Force",
            "Validate",
            "ApplyOutOfSyncOnly",
            "FailOnSharedResource",
            "SkipDryRunOnMissingResource",
            "RespectIgnoreDifferences",
            "PrunePropagationPolicy",
            "ClientSideApplyMigration",
        }
    )
