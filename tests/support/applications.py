"""The Argo CD Application and ApplicationSet documents as the worlds write them, built in one
place: a test names only what its app has of its own (the repository, the path, the destination
namespace, a sync policy), and every document keeps the one shape the API, the bootstrap and
``gitward render`` read."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from gitward.model.annotations import IN_CLUSTER_SERVER

PRUNE_AND_SELF_HEAL: Mapping[str, bool] = {"prune": True, "selfHeal": True}
"""``syncPolicy.automated`` that prunes and undoes drift."""
CREATE_NAMESPACE = ("CreateNamespace=true",)
"""``syncPolicy.syncOptions`` that makes the destination namespace."""


def application(
    name: str,
    *,
    repo_url: str = "",
    path: str | None = None,
    revision: str | None = "main",
    source: Mapping[str, Any] | None = None,
    sources: Sequence[Mapping[str, Any]] | None = None,
    project: str = "default",
    namespace: str = "",
    cluster: str = "",
    app_namespace: str = "",
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    finalizers: Sequence[str] | None = None,
    automated: Mapping[str, Any] | None = None,
    sync_options: Sequence[str] = (),
    **spec: Any,
) -> dict[str, Any]:
    """An ``argoproj.io/v1alpha1`` Application named ``name``, a fresh document each call.

    Its source is ``repo_url`` at ``revision`` (none when None), under ``path`` (none when None),
    with the fields of ``source`` added (chart, helm, directory, plugin); ``sources`` instead
    makes a multi-source app. It deploys to ``namespace`` (the app's name when empty) of the
    in-cluster cluster, or of the cluster named ``cluster``. ``app_namespace`` is its own
    ``metadata.namespace`` (none when empty); ``labels``, ``annotations`` and ``finalizers``
    are written when given. A ``syncPolicy`` is written when ``automated`` or
    ``sync_options`` is given; ``spec`` adds (or replaces) any other spec field as written.
    """
    metadata = _metadata(name, app_namespace, labels, annotations, finalizers)
    where = {"name": cluster} if cluster else {"server": IN_CLUSTER_SERVER}
    destination = {**where, "namespace": namespace or name}
    written: dict[str, Any] = {"project": project}
    if sources is not None:
        written["sources"] = list(sources)
    else:
        written["source"] = _source(repo_url, path, revision, source or {})
    written["destination"] = destination
    policy = _sync_policy(automated, sync_options)
    if policy:
        written["syncPolicy"] = policy
    written.update(spec)
    document = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"}
    return copy.deepcopy({**document, "metadata": metadata, "spec": written})


def _metadata(
    name: str,
    namespace: str,
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
    finalizers: Sequence[str] | None,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    if labels is not None:
        metadata["labels"] = dict(labels)
    if annotations is not None:
        metadata["annotations"] = dict(annotations)
    if finalizers is not None:
        metadata["finalizers"] = list(finalizers)
    return metadata


def _source(
    repo_url: str, path: str | None, revision: str | None, more: Mapping[str, Any]
) -> dict[str, Any]:
    source: dict[str, Any] = {"repoURL": repo_url}
    if revision is not None:
        source["targetRevision"] = revision
    if path is not None:
        source["path"] = path
    return {**source, **more}


def _sync_policy(automated: Mapping[str, Any] | None, options: Sequence[str]) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if automated is not None:
        policy["automated"] = dict(automated)
    if options:
        policy["syncOptions"] = list(options)
    return policy


def application_set(
    name: str,
    generators: Sequence[Mapping[str, Any]],
    template: Mapping[str, Any],
    *,
    app_namespace: str = "",
    **spec: Any,
) -> dict[str, Any]:
    """An ``argoproj.io/v1alpha1`` ApplicationSet named ``name`` whose ``generators`` fill in
    ``template``, an Application document (:func:`application`) with ``{{...}}`` parameters;
    ``app_namespace`` is the set's own ``metadata.namespace`` (none when empty); ``spec`` adds
    any other spec field (goTemplate, syncPolicy...) as written."""
    metadata: dict[str, Any] = {"name": name}
    if app_namespace:
        metadata["namespace"] = app_namespace
    written = {
        "generators": list(generators),
        "template": {"metadata": template["metadata"], "spec": template["spec"]},
        **spec,
    }
    document = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet"}
    return copy.deepcopy({**document, "metadata": metadata, "spec": written})
