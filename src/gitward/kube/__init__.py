"""Kubernetes access: the cluster port, its HTTP implementation, and the live cache.

Everything gitward does to or reads from a cluster goes through :class:`Cluster` (get, list,
apply, create, replace, patch, delete, watch, discovery) and :class:`LiveCache` (watch-fed live
objects, by key, app and owner). :class:`Clusters` finds the cluster an Application's
destination names; :mod:`tracking` marks objects as an app's the way Argo CD does. The sandbox
API server lives in :mod:`gitward.sandbox` and is reached only over HTTP, like a real
cluster.
"""

from __future__ import annotations

from gitward.kube.access import ClusterAccess
from gitward.kube.cache import CacheEvent, LiveCache
from gitward.kube.cluster import FIELD_MANAGER, Cluster, LogOptions, ObjectList, WatchEvent
from gitward.kube.clusters import Clusters
from gitward.kube.discovery import ResourceType
from gitward.kube.reflector import Backoff, KindState
from gitward.kube.remote import RemoteCluster
from gitward.kube.tracking import Tracking, owning_app, stamp

__all__ = [
    "FIELD_MANAGER",
    "Backoff",
    "CacheEvent",
    "Cluster",
    "ClusterAccess",
    "Clusters",
    "KindState",
    "LiveCache",
    "LogOptions",
    "ObjectList",
    "RemoteCluster",
    "ResourceType",
    "Tracking",
    "WatchEvent",
    "owning_app",
    "stamp",
]
