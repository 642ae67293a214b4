"""Which check judges which kind, and the one entry point that judges any object.

``assess`` applies, in order: an object being deleted is Progressing; an Argo CD Application gets
the built-in freshness-aware check; a configured Lua customization for the kind (it always beats
a built-in check, as in Argo CD); the built-in check from ``BUILT_IN``; Crossplane's check for a
Crossplane group or shape; and for every other kind the generic check of the Kubernetes status
conventions (``conventions``), under which a kind with no status is Healthy with no message, as in
Argo CD, where such a resource has no health and never pulls its app down. A built-in or custom
check that meets a malformed field yields Unknown naming the field: assessing never raises.

The Application check is built in and wins over a ``argoproj.io_Application`` Lua customization:
the snippet Argo CD's documentation asks teams to paste only restores what is built in here, and
letting it win would switch off the stale-verdict guard that app-of-apps waves rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from gitward.health import (
    applications,
    argo,
    autoscaling,
    batch,
    certmanager,
    cluster,
    conventions,
    crossplane,
    externalsecrets,
    flux,
    networking,
    operators,
    pods,
    reading,
    storage,
    workloads,
)
from gitward.health.customizations import HealthCustomizations
from gitward.health.status import Health, HealthStatus
from gitward.model.annotations import APP_GROUP, APP_KIND, HOOK_FINALIZER
from gitward.model.objects import Manifest, api_group

__all__ = ["BUILT_IN", "Check", "assess"]

Check = Callable[[Manifest], Health]

BUILT_IN: Mapping[tuple[str, str], Check] = {
    ("apps", "Deployment"): workloads.deployment,
    ("apps", "StatefulSet"): workloads.stateful_set,
    ("apps", "DaemonSet"): workloads.daemon_set,
    ("apps", "ReplicaSet"): workloads.replica_set,
    ("extensions", "Deployment"): workloads.deployment,
    ("extensions", "DaemonSet"): workloads.daemon_set,
    ("extensions", "ReplicaSet"): workloads.replica_set,
    ("", "Pod"): pods.pod,
    ("", "Service"): networking.service,
    ("networking.k8s.io", "Ingress"): networking.ingress,
    ("extensions", "Ingress"): networking.ingress,
    ("", "PersistentVolumeClaim"): storage.persistent_volume_claim,
    ("batch", "Job"): batch.job,
    ("batch", "CronJob"): batch.cron_job,
    ("autoscaling", "HorizontalPodAutoscaler"): autoscaling.horizontal_pod_autoscaler,
    ("apiregistration.k8s.io", "APIService"): cluster.api_service,
    ("", "Namespace"): cluster.namespace,
    ("cert-manager.io", "Certificate"): certmanager.certificate,
    ("cert-manager.io", "CertificateRequest"): certmanager.certificate_request,
    ("cert-manager.io", "Issuer"): certmanager.issuer,
    ("cert-manager.io", "ClusterIssuer"): certmanager.issuer,
    ("argoproj.io", "Rollout"): argo.rollout,
    ("argoproj.io", "Workflow"): argo.workflow,
    ("external-secrets.io", "ExternalSecret"): externalsecrets.external_secret,
    ("external-secrets.io", "SecretStore"): externalsecrets.secret_store,
    ("external-secrets.io", "ClusterSecretStore"): externalsecrets.secret_store,
    **dict.fromkeys(flux.KINDS, flux.flux_object),
    ("monitoring.coreos.com", "Prometheus"): operators.prometheus,
    ("monitoring.coreos.com", "PrometheusAgent"): operators.prometheus,
    ("monitoring.coreos.com", "Alertmanager"): operators.prometheus,
    ("monitoring.coreos.com", "ThanosRuler"): operators.prometheus,
    ("keda.sh", "ScaledObject"): operators.keda_scaler,
    ("keda.sh", "ScaledJob"): operators.keda_scaler,
    ("serving.knative.dev", "Service"): operators.knative,
    ("serving.knative.dev", "Configuration"): operators.knative,
    ("serving.knative.dev", "Route"): operators.knative,
    ("cluster.x-k8s.io", "Cluster"): operators.cluster_api_cluster,
    ("cluster.x-k8s.io", "Machine"): operators.cluster_api_machine,
}
"""Built-in checks by (API group, kind); the Application check takes extra arguments."""


def _built_in(group: str, kind: str, obj: Manifest) -> Health:
    check = BUILT_IN.get((group, kind))
    if check is not None:
        return check(obj)
    if crossplane.is_crossplane(group, obj):
        return crossplane.resource(obj)
    return conventions.custom_resource(obj)


def _being_deleted(obj: Manifest) -> bool:
    metadata = reading.mapping(obj, "metadata")
    finalizers = metadata.get("finalizers") or []
    return bool(metadata.get("deletionTimestamp")) and HOOK_FINALIZER not in finalizers


def _judge(
    obj: Manifest,
    expected_revision: applications.ExpectedRevision | None,
    applied_at: datetime | None,
    customizations: HealthCustomizations | None,
) -> Health:
    if _being_deleted(obj):
        return Health(HealthStatus.PROGRESSING, "Pending deletion")
    group, kind = api_group(str(obj.get("apiVersion", ""))), str(obj.get("kind", ""))
    if (group, kind) == (APP_GROUP, APP_KIND):
        return applications.application(
            obj, expected_revision=expected_revision, applied_at=applied_at
        )
    if customizations is not None and (custom := customizations.assess(obj)) is not None:
        return custom
    return _built_in(group, kind, obj)


def assess(
    obj: Manifest,
    *,
    expected_revision: applications.ExpectedRevision | None = None,
    applied_at: datetime | None = None,
    customizations: HealthCustomizations | None = None,
) -> Health:
    """The health of one live object. Never raises.

    ``expected_revision`` and ``applied_at`` matter only for an Argo CD Application: the revision
    its parent just deployed (a list of revisions for a multi-source app), and when the parent
    applied it. ``customizations`` are the configured Lua checks.
    """
    if not isinstance(obj, dict):
        return Health(HealthStatus.UNKNOWN, "Cannot assess health: the object is not a mapping")
    try:
        return _judge(obj, expected_revision, applied_at, customizations)
    except reading.FieldTypeError as err:
        return Health(HealthStatus.UNKNOWN, f"Cannot assess health: {err}")
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        # A shape no reader anticipated: still a verdict, never a crash of the reconcile loop.
        kind = dict.get(obj, "kind", "object")
        return Health(HealthStatus.UNKNOWN, f"Cannot assess health: malformed {kind} ({err})")
