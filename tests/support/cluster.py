"""The sandbox cluster as gitward reaches it in the worlds: through a kubeconfig, under the
in-cluster address (``https://kubernetes.default.svc``), as the demo maps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from gitward.kube import ClusterAccess, RemoteCluster
from gitward.model.annotations import IN_CLUSTER_NAME, IN_CLUSTER_SERVER
from gitward.sandbox import Sandbox


def in_cluster_access(sandbox: Sandbox, where: Path) -> ClusterAccess:
    """The sandbox as the in-cluster cluster, through a kubeconfig written to ``where``."""
    kubeconfig = sandbox.write_kubeconfig(where / "kubeconfig")
    return ClusterAccess(
        server=IN_CLUSTER_SERVER, name=IN_CLUSTER_NAME, kubeconfig=kubeconfig, context="sandbox"
    )


async def apply_file(access: ClusterAccess, path: Path) -> None:
    """Every document of the YAML file ``path`` applied by hand (``kubectl apply -f``)."""
    cluster = RemoteCluster.connect(access)
    try:
        for document in _documents(path):
            await cluster.apply(document, force=True)
    finally:
        await cluster.close()


def _documents(path: Path) -> list[dict[str, Any]]:
    return [found for found in yaml.safe_load_all(path.read_text(encoding="utf-8")) if found]
