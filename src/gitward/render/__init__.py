"""Rendering: an Application's source in a checkout -> the Kubernetes objects it wants.

Helm charts through Helm's Go SDK in-process, plain manifest directories, and kustomize through
its program; sources are told apart as Argo CD tells them apart. Call ``Renderer.render`` (or
``render_async`` on the event loop); everything else here serves it.
"""

from gitward.render import manifests
from gitward.render.cache import ChartCache, ManifestCache
from gitward.render.limits import DEFAULT_LIMITS, Limits
from gitward.render.manifests import Origin
from gitward.render.rendering import Rendered, Renderer

__all__ = [
    "DEFAULT_LIMITS",
    "ChartCache",
    "Limits",
    "ManifestCache",
    "Origin",
    "Rendered",
    "Renderer",
    "manifests",
]
