"""gitward's health engine: how healthy a Kubernetes object, and an app, is.

Pure functions over object dicts (``gitward.model.objects.Manifest``): no I/O, no clock, no
cluster. The controller passes live objects in and stores the verdicts; this package never fetches
or writes anything. It follows Argo CD's gitops-engine health rules and names, with the
differences written in each module's docstring. Custom resources get gitward's own checks for the
most used CRDs (cert-manager, Flux, Crossplane, Argo Rollouts...: ``checks.BUILT_IN``) and, for
every other kind, a generic check of the Kubernetes status conventions (``conventions``), where
Argo CD needs a Lua script per kind.

Public API::

    assess(obj, *, expected_revision=None, applied_at=None, customizations=None) -> Health
        One live object's health. ``expected_revision`` (and ``applied_at``) make a child
        ``argoproj.io/Application`` Healthy only when its status is fresh for what its parent
        just deployed. Never raises: junk input is Unknown with a message naming the field.
    aggregate(resources, *, customizations=None, app=None) -> Health
        An app's health from its ``ManagedResource``s: worst first, hooks and ignored resources
        skipped, Missing only when every resource is missing.
    HealthStatus   Healthy < Suspended < Progressing < Missing < Degraded < Unknown (ordered)
    Health         frozen value: ``.status`` and ``.message`` (a sentence for an operator)
    is_worse(current, new) -> bool
    HealthCustomizations.from_config(argocd_cm_data)
        Argo CD-style Lua health checks, run sandboxed with an instruction and memory budget.
    ManagedResource  one resource of an app (desired, live, optional verdict)
    LuaLimits      the budget of one Lua health script
"""

from __future__ import annotations

from gitward.health.aggregation import ManagedResource, aggregate
from gitward.health.checks import assess
from gitward.health.customizations import HealthCustomizations
from gitward.health.scripts import LuaLimits
from gitward.health.status import Health, HealthStatus, is_worse

__all__ = [
    "Health",
    "HealthCustomizations",
    "HealthStatus",
    "LuaLimits",
    "ManagedResource",
    "aggregate",
    "assess",
    "is_worse",
]
