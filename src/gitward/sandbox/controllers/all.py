"""The set of simulated controllers one sandbox runs, each writing under the manager name the
real component uses."""

from __future__ import annotations

from gitward.sandbox.controllers import addresses
from gitward.sandbox.controllers.autoscalers import HpaController
from gitward.sandbox.controllers.base import Context
from gitward.sandbox.controllers.daemonsets import DaemonSetController
from gitward.sandbox.controllers.deployments import DeploymentController
from gitward.sandbox.controllers.gc import GarbageCollector
from gitward.sandbox.controllers.jobs import JobController
from gitward.sandbox.controllers.manager import Reconciler
from gitward.sandbox.controllers.namespaces import NamespaceController
from gitward.sandbox.controllers.pods import Kubelet
from gitward.sandbox.controllers.quotas import QuotaController
from gitward.sandbox.controllers.replicasets import ReplicaSetController
from gitward.sandbox.controllers.statefulsets import StatefulSetController
from gitward.sandbox.faults import Faults
from gitward.sandbox.options import SandboxOptions
from gitward.sandbox.verbs import Cluster

__all__ = ["build_reconcilers"]


def build_reconcilers(
    cluster: Cluster, faults: Faults, options: SandboxOptions
) -> list[Reconciler]:
    """Every controller, in the order they look at an event."""
    controllers = Context(cluster, faults, options, "kube-controller-manager")
    kubelet = Context(cluster, faults, options, "kubelet")
    apiserver = Context(cluster, faults, options, "kube-apiserver")
    return [
        NamespaceController(controllers),
        GarbageCollector(controllers),
        DeploymentController(controllers),
        ReplicaSetController(controllers),
        StatefulSetController(controllers),
        DaemonSetController(controllers),
        JobController(controllers),
        Kubelet(kubelet),
        addresses.LoadBalancerController(controllers),
        addresses.IngressStatusController(controllers),
        addresses.ClaimBinder(controllers),
        HpaController(controllers),
        QuotaController(controllers),
        addresses.CrdStatusController(apiserver),
    ]
