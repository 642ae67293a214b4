"""Helm's ``.Capabilities`` for one render: the destination cluster's, or the Application's.

Argo CD passes ``helm template`` the destination cluster's version (``--kube-version``) and the
APIs it serves (``--api-versions``); an Application's ``helm.kubeVersion`` and
``helm.apiVersions`` replace them. Without either (``gitward render``, which has no cluster),
Helm's defaults apply, as in ``helm template``. The APIs given are added to Helm's default set,
as ``--api-versions`` does.

helm-python-sdk's ``Chart.render`` has no parameters for these, but the C library under it
takes them in its render options (``kube_version``, ``api_versions``); the render goes through
that native call when there is something to pass (checked against the pinned 0.2 series by the
tests: a library that refused them would fail the render with its own message, never render
silently with other capabilities). It must not ask a cluster: the caller brings them.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

import helm_python as helm
from helm_python import _native  # the options Chart.render does not expose (see above)

from gitward.errors import ManifestError
from gitward.model.capabilities import Capabilities
from gitward.render.request import RenderRequest

__all__ = ["Release", "check", "effective", "render"]

_VERSION = re.compile(r"v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?")


class Release(Protocol):
    """What a chart is rendered with (``helm._Release``)."""

    @property
    def values(self) -> dict[str, Any]: ...
    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str: ...


def effective(request: RenderRequest) -> Capabilities:
    """The Application's ``helm.kubeVersion``/``apiVersions`` where set, else the cluster's."""
    options = request.source.helm
    cluster = request.capabilities or Capabilities()
    kube_version = (options.kube_version if options else "") or cluster.kube_version
    api_versions = (options.api_versions if options else ()) or cluster.api_versions
    return Capabilities(kube_version, tuple(api_versions))


def check(request: RenderRequest) -> list[str]:
    """Checks the Application's ``helm.kubeVersion`` (an error when it is no version); what
    the cluster reported that Helm could not read is left out, with a warning."""
    options = request.source.helm
    if options is not None and options.kube_version and not _is_version(options.kube_version):
        raise ManifestError(
            f"helm.kubeVersion {options.kube_version!r} is not a Kubernetes version",
            where=request.where("helm.kubeVersion"),
            hint="Write a version such as 1.30 or v1.30.2",
        )
    cluster = request.capabilities
    if cluster is not None and cluster.kube_version and not _is_version(cluster.kube_version):
        return [
            f"{request.where()}: the destination cluster's version {cluster.kube_version!r} "
            "is not one Helm reads; .Capabilities.KubeVersion is Helm's default"
        ]
    return []


def render(chart: helm.Chart, release: Release, request: RenderRequest) -> dict[str, str]:
    """The chart's templates rendered for ``release`` with the effective capabilities."""
    found = effective(request)
    options: dict[str, Any] = {
        "name": release.name,
        "namespace": release.namespace,
        "is_install": True,
    }
    if found.kube_version and _is_version(found.kube_version):
        options["kube_version"] = found.kube_version
    if found.api_versions:
        options["api_versions"] = list(found.api_versions)
    if "kube_version" not in options and "api_versions" not in options:
        return chart.render(
            release.values, name=release.name, namespace=release.namespace, is_install=True
        )
    rendered = _native.call_string(
        "helm_render", chart._raw(), json.dumps(release.values), json.dumps(options)
    )
    templates: dict[str, str] = json.loads(rendered)
    return templates


def _is_version(text: str) -> bool:
    return bool(_VERSION.fullmatch(text.strip()))
