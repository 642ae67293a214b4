"""An in-process Kubernetes API server for the demo and the tests: gitward reaches it over HTTP
(lightkube, kubectl) exactly as it reaches a real cluster. Never a production target.

::

    async with Sandbox.start(SandboxOptions(pod_ready_after=0.05)) as sb:
        sb.write_kubeconfig(tmp_path / "kubeconfig")
        sb.faults.mark_image_missing("registry.example/app:broken")
        sb.request_log()

    with Sandbox.start() as sb:          # on a thread of its own, for blocking callers
        subprocess.run(["kubectl", "--kubeconfig", ..., "get", "pods"])

Modules, by concept: kinds (the served types), store (objects, resourceVersions, history),
verbs and deletion (API semantics), apply/managers/fieldsets (server-side apply), patch,
selectors, watch, discovery, tables, endpoints/routing/app (HTTP), protobuf/protoschemas
(kubectl's protobuf bodies), logs/podlogs (pod logs), controllers/ (simulated workload
controllers, autoscalers, quotas, garbage collector, namespace lifecycle), faults, requestlog,
persistence, server (running it), cli (``serve``).
"""

from gitward.sandbox.cli import DEMO_OPTIONS, serve
from gitward.sandbox.faults import ErrorRate, Faults, Latency
from gitward.sandbox.options import SandboxOptions
from gitward.sandbox.requestlog import RequestLog, RequestRecord
from gitward.sandbox.server import Sandbox

__all__ = [
    "DEMO_OPTIONS",
    "ErrorRate",
    "Faults",
    "Latency",
    "RequestLog",
    "RequestRecord",
    "Sandbox",
    "SandboxOptions",
    "serve",
]
