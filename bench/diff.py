"""Diff engine throughput: resource comparisons per second over realistic object pairs.

Builds N pairs of desired and live objects, a mix of Deployments, Services, ConfigMaps and
Secrets. Live objects look as the API server returns them: server metadata, managed fields,
status, defaulted fields and quantities respelled (``0.5`` -> ``500m``, ``1024Mi`` -> ``1Gi``).
Half of the pairs are modified (an image, replicas, a config value, a Secret value). Measures:

- diffs/s: ``compare()`` plus the unified diff text of every modified pair, over all pairs;
- unchanged diffs/s: ``compare()`` over the unmodified half (the steady state of a controller);
- status-only diffs/s: ``compare()`` over all pairs without rendering text (what reconciling
  needs; the text is computed lazily, on demand);
- three-way diffs/s: all pairs with a last-applied record given by the caller;
- two-way diffs/s: all pairs with live's ``managedFields`` stripped (no record: what the
  controller compared before it read gitward's apply record), the baseline of the next figure;
- managed-fields three-way diffs/s: all pairs with the record read from live's
  ``managedFields`` (the fields gitward's server-side apply owns), as the controller compares;
- app diffs/s: the same pairs through ``compare_app`` in apps of 50 resources.

Live objects carry gitward's apply entry as a real API server writes it (the sandbox's own
field-set encoding of the desired object) beside a status entry of another manager.

Prints figures for people, and as its last line one JSON object for machines.
Usage: python bench/diff.py [--pairs N]
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import time
from collections.abc import Callable
from typing import Any

from gitward import diff
from gitward.sandbox import fieldsets

Pair = tuple[dict[str, Any], dict[str, Any], bool]


def deployment(i: int) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": f"svc-{i}", "app.kubernetes.io/part-of": "bench"}
    container = {
        "name": "app",
        "image": f"ghcr.io/example/svc-{i}:1.{i % 40}.0",
        "ports": [{"name": "http", "containerPort": 8080}],
        "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "INDEX", "value": str(i)}],
        "resources": {"requests": {"cpu": 0.5, "memory": "1024Mi"}, "limits": {"cpu": "1"}},
        "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app"}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"svc-{i}", "namespace": f"team-{i % 7}", "labels": labels},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [container],
                    "volumes": [{"name": "config", "configMap": {"name": f"svc-{i}"}}],
                },
            },
        },
    }


def service(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"svc-{i}", "namespace": f"team-{i % 7}"},
        "spec": {
            "selector": {"app.kubernetes.io/name": f"svc-{i}"},
            "ports": [{"name": "http", "port": 80, "targetPort": "8080"}],
        },
    }


def config_map(i: int) -> dict[str, Any]:
    data = {f"key-{k}": f"value {i} {k} " * 4 for k in range(8)}
    data["app.yaml"] = "server:\n  port: 8080\nfeatures:\n" + "".join(
        f"  flag{k}: true\n" for k in range(20)
    )
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"svc-{i}", "namespace": f"team-{i % 7}"},
        "data": data,
    }


def secret(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"svc-{i}-db", "namespace": f"team-{i % 7}"},
        "stringData": {"username": f"user{i}", "password": f"pw-{i}-{i * 7919}"},
    }


def as_served(desired: dict[str, Any], i: int) -> dict[str, Any]:
    """``desired`` as the API server would return it after an apply."""
    live = copy.deepcopy(desired)
    meta = live["metadata"]
    meta.update(
        uid=f"00000000-0000-0000-0000-{i:012d}",
        resourceVersion=str(1000 + i),
        generation=3,
        creationTimestamp="2025-03-02T10:11:12Z",
        managedFields=[
            {
                "manager": "gitward",
                "operation": "Apply",
                "apiVersion": desired["apiVersion"],
                "fieldsType": "FieldsV1",
                "fieldsV1": fieldsets.encode(fieldsets.field_set(desired)),
            },
            {
                "manager": "kube-controller-manager",
                "operation": "Update",
                "subresource": "status",
                "fieldsV1": {"f:status": {".": {}}},
            },
        ],
    )
    kind = live["kind"]
    if kind == "Deployment":
        _serve_deployment(live)
    elif kind == "Service":
        spec = live["spec"]
        spec.update(
            type="ClusterIP", clusterIP=f"10.96.{i % 250}.{i % 200}", sessionAffinity="None"
        )
        spec.update(
            clusterIPs=[spec["clusterIP"]], ipFamilies=["IPv4"], ipFamilyPolicy="SingleStack"
        )
        spec["internalTrafficPolicy"] = "Cluster"
        for port in spec["ports"]:
            port.update(protocol="TCP", targetPort=int(port["targetPort"]))
        live["status"] = {"loadBalancer": {}}
    elif kind == "Secret":
        live["type"] = "Opaque"
        live["data"] = {
            key: base64.b64encode(value.encode()).decode()
            for key, value in live.pop("stringData").items()
        }
    return live


def _serve_deployment(live: dict[str, Any]) -> None:
    spec = live["spec"]
    spec.update(revisionHistoryLimit=10, progressDeadlineSeconds=600)
    spec["strategy"] = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    pod = spec["template"]["spec"]
    pod.update(restartPolicy="Always", dnsPolicy="ClusterFirst", schedulerName="default-scheduler")
    pod.update(securityContext={}, terminationGracePeriodSeconds=30)
    pod["volumes"][0]["configMap"]["defaultMode"] = 420
    spec["template"]["metadata"]["creationTimestamp"] = None
    for container in pod["containers"]:
        container.update(imagePullPolicy="IfNotPresent", terminationMessagePolicy="File")
        container["terminationMessagePath"] = "/dev/termination-log"
        container["resources"] = {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"cpu": "1"},
        }
        container["ports"][0]["protocol"] = "TCP"
        probe = container["readinessProbe"]
        probe["httpGet"]["scheme"] = "HTTP"
        probe.update(timeoutSeconds=1, periodSeconds=10, successThreshold=1, failureThreshold=3)
    live["status"] = {"replicas": 2, "readyReplicas": 2, "observedGeneration": 3}


def drift(live: dict[str, Any], i: int) -> None:
    """Change ``live`` the way an operator's hand would."""
    kind = live["kind"]
    if kind == "Deployment":
        live["spec"]["template"]["spec"]["containers"][0]["image"] += "-hotfix"
        live["spec"]["replicas"] = 3
    elif kind == "Service":
        live["spec"]["ports"][0]["targetPort"] = 9090
    elif kind == "ConfigMap":
        live["data"]["key-3"] = f"edited by hand {i}"
    else:
        live["data"]["password"] = base64.b64encode(b"rotated").decode()


def build(count: int) -> list[Pair]:
    makers: list[Callable[[int], dict[str, Any]]] = [deployment, service, config_map, secret]
    pairs = []
    for i in range(count):
        desired = makers[i % len(makers)](i)
        live = as_served(desired, i)
        modified = (i // len(makers)) % 2 == 1
        if modified:
            drift(live, i)
        pairs.append((desired, live, modified))
    return pairs


def rate(count: int, run: Callable[[], None]) -> float:
    started = time.perf_counter()
    run()
    return count / (time.perf_counter() - started)


def measure(pairs: list[Pair]) -> dict[str, int]:
    """Comparisons per second, each way of comparing over the same pairs."""
    unchanged = [pair for pair in pairs if not pair[2]]
    apps = [pairs[start : start + 50] for start in range(0, len(pairs), 50)]

    def full() -> None:
        for desired, live, _ in pairs:
            _ = diff.compare(desired, live).diff

    def status_only(chosen: list[Pair]) -> Callable[[], None]:
        def run() -> None:
            for desired, live, _ in chosen:
                diff.compare(desired, live)

        return run

    def three_way() -> None:
        for desired, live, _ in pairs:
            diff.compare(desired, live, desired)

    unrecorded = [(d, _without_managed_fields(lv), m) for d, lv, m in pairs]

    def per_app() -> None:
        for app in apps:
            diff.compare_app([d for d, _, _ in app], [lv for _, lv, _ in app])

    return {
        "pairs": len(pairs),
        "diffs_per_s": round(rate(len(pairs), full)),
        "unchanged_diffs_per_s": round(rate(len(unchanged), status_only(unchanged))),
        "status_only_diffs_per_s": round(rate(len(pairs), status_only(pairs))),
        "three_way_diffs_per_s": round(rate(len(pairs), three_way)),
        "two_way_diffs_per_s": round(rate(len(pairs), status_only(unrecorded))),
        "managed_fields_three_way_diffs_per_s": round(rate(len(pairs), status_only(pairs))),
        "app_resources_per_s": round(rate(len(pairs), per_app)),
    }


def _without_managed_fields(live: dict[str, Any]) -> dict[str, Any]:
    metadata = {k: v for k, v in live["metadata"].items() if k != "managedFields"}
    return {**live, "metadata": metadata}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4000)
    args, _ = parser.parse_known_args()
    pairs = build(args.pairs)
    results = [diff.compare(desired, live) for desired, live, _ in pairs]
    wrong = [r.key for r, pair in zip(results, pairs, strict=True) if r.modified != pair[2]]
    assert not wrong, f"misjudged pairs: {wrong[:5]}"

    figures = measure(pairs)
    print(f"{len(pairs)} pairs (Deployments, Services, ConfigMaps, Secrets), half modified")
    for name, value in figures.items():
        if name != "pairs":
            print(f"  {name.replace('_', ' '):<28} {value:>8,}")
    ratio = figures["managed_fields_three_way_diffs_per_s"] / figures["two_way_diffs_per_s"]
    figures["managed_fields_vs_two_way"] = round(ratio, 2)
    print(f"  managed-fields three-way / two-way: {ratio:.2f} x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
