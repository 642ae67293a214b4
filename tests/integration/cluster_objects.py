"""Objects the integration tests send to the sandbox cluster, shared by the kube and sync tests
(written once in ``support.kube_objects``, where the end-to-end tests find them too)."""

from __future__ import annotations

from support.kube_objects import crd

__all__ = ["crd"]
