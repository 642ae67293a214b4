"""What a destination cluster says of itself to a Helm chart: ``.Capabilities``.

Argo CD passes ``helm template`` the destination cluster's Kubernetes version (``--kube-version``)
and the APIs it serves (``--api-versions``), so that a chart choosing between
``policy/v1beta1`` and ``policy/v1`` chooses as it would on that cluster. An Application's
``helm.kubeVersion`` and ``helm.apiVersions`` override them. Pure data.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Capabilities"]


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The server's version (``v1.30.2``) and every API it serves, as ``group/version`` and
    ``group/version/Kind`` (``v1`` and ``v1/Pod`` for the core group), sorted."""

    kube_version: str = ""
    api_versions: tuple[str, ...] = ()
