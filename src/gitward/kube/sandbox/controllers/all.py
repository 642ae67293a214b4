"""The set of simulated controllers one sandbox runs."""

from __future__ import annotations

from gitward.kube.sandbox.controllers.manager import Reconciler
from gitward.kube.sandbox.faults import Faults
from gitward.kube.sandbox.options import SandboxOptions
from gitward.kube.sandbox.verbs import Cluster

__all__ = ["build_reconcilers"]


def build_reconcilers(
    cluster: Cluster, faults: Faults, options: SandboxOptions
) -> list[Reconciler]:
    return []
