"""The simulated controllers make workload health observable the way a real cluster does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sandbox_support import DEPLOY, MERGE, PODS, STRATEGIC, apply, deployment, wait_for

from gitward.sandbox import Sandbox, SandboxOptions


@pytest.fixture
def options() -> SandboxOptions:
    return SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05, time_scale=0.001)


def _conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


async def _get(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    return (await client.get(path)).json()


async def _rolled_out(client: httpx.AsyncClient, name: str, generation: int) -> dict[str, Any]:
    obj = await _get(client, f"{DEPLOY}/{name}")
    status = obj.get("status") or {}
    want = obj["spec"]["replicas"]
    done = (
        status.get("observedGeneration") == generation
        and status.get("updatedReplicas") == want
        and status.get("availableReplicas") == want
        and status.get("replicas") == want
    )
    return obj if done else {}


async def test_a_deployment_rolls_out_and_becomes_available(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=3))
    done = await wait_for(lambda: _rolled_out(client, "web", 1), what="rollout")
    conditions = _conditions(done)
    assert conditions["Available"]["status"] == "True"
    assert conditions["Progressing"]["reason"] == "NewReplicaSetAvailable"
    pods = (await client.get(PODS, params={"labelSelector": "app=web"})).json()["items"]
    assert len(pods) == 3
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["spec"]["nodeName"] == "sandbox-node-0" for p in pods)


async def test_pods_carry_the_replicaset_as_controller(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=1))
    await wait_for(lambda: _rolled_out(client, "web", 1))
    rs = (await client.get("/apis/apps/v1/namespaces/default/replicasets")).json()["items"][0]
    pod = (await client.get(PODS)).json()["items"][0]
    assert rs["metadata"]["name"] == f"web-{rs['metadata']['labels']['pod-template-hash']}"
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"]) == (
        "ReplicaSet",
        rs["metadata"]["name"],
        True,
    )
    assert pod["metadata"]["name"].startswith(f"{rs['metadata']['name']}-")


async def test_a_template_change_rolls_to_a_new_replicaset(client: httpx.AsyncClient) -> None:
    await apply(client, f"{DEPLOY}/web", deployment("web", replicas=3), "gitward")
    await wait_for(lambda: _rolled_out(client, "web", 1))
    await apply(client, f"{DEPLOY}/web", deployment("web", "nginx:1.28", 3), "gitward")
    done = await wait_for(lambda: _rolled_out(client, "web", 2), what="second rollout")
    assert done["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    sets = (await client.get("/apis/apps/v1/namespaces/default/replicasets")).json()["items"]
    by_revision = {
        s["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: s for s in sets
    }
    assert by_revision["1"]["spec"]["replicas"] == 0
    assert by_revision["2"]["spec"]["replicas"] == 3
    images = {
        p["spec"]["containers"][0]["image"]
        for p in (await client.get(PODS)).json()["items"]
        if p["status"]["phase"] == "Running"
    }
    assert images == {"nginx:1.28"}


async def test_a_rollback_reuses_the_old_replicaset_as_the_newest_revision(
    client: httpx.AsyncClient,
) -> None:
    await apply(client, f"{DEPLOY}/web", deployment("web", "nginx:1", 1), "gitward")
    await wait_for(lambda: _rolled_out(client, "web", 1))
    await apply(client, f"{DEPLOY}/web", deployment("web", "nginx:2", 1), "gitward")
    await wait_for(lambda: _rolled_out(client, "web", 2))
    await apply(client, f"{DEPLOY}/web", deployment("web", "nginx:1", 1), "gitward")
    done = await wait_for(lambda: _rolled_out(client, "web", 3), what="rollback")
    assert done["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    sets = (await client.get("/apis/apps/v1/namespaces/default/replicasets")).json()["items"]
    assert len(sets) == 2


async def test_scaling_a_deployment_changes_its_pod_count(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=1))
    await wait_for(lambda: _rolled_out(client, "web", 1))
    await client.patch(f"{DEPLOY}/web", json={"spec": {"replicas": 4}}, headers=STRATEGIC)
    done = await wait_for(lambda: _rolled_out(client, "web", 2), what="scale up")
    assert done["status"]["readyReplicas"] == 4


async def test_a_missing_image_leaves_pods_in_image_pull_back_off(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_missing("registry.example/app:missing")
    body = deployment("bad", image="registry.example/app:missing", progressDeadlineSeconds=200)
    await client.post(DEPLOY, json=body)

    async def stuck() -> dict[str, Any]:
        obj = await _get(client, f"{DEPLOY}/bad")
        progressing = _conditions(obj).get("Progressing", {})
        return obj if progressing.get("reason") == "ProgressDeadlineExceeded" else {}

    obj = await wait_for(stuck, what="ProgressDeadlineExceeded")
    assert _conditions(obj)["Progressing"]["status"] == "False"
    assert _conditions(obj)["Available"]["status"] == "False"
    pod = (await client.get(PODS, params={"labelSelector": "app=bad"})).json()["items"][0]
    waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert pod["status"]["phase"] == "Pending"


async def test_controllers_record_events(sandbox: Sandbox, client: httpx.AsyncClient) -> None:
    sandbox.faults.mark_image_missing("app:missing")
    await client.post(DEPLOY, json=deployment("web", replicas=1))
    await client.post(DEPLOY, json=deployment("bad", image="app:missing", replicas=1))
    events_path = "/api/v1/namespaces/default/events"

    async def recorded() -> set[str]:
        items = (await client.get(events_path)).json()["items"]
        reasons = {e["reason"] for e in items}
        return reasons if {"ScalingReplicaSet", "Started", "BackOff"} <= reasons else set()

    reasons = await wait_for(recorded, what="events")
    assert {"SuccessfulCreate", "Scheduled", "Failed"} <= reasons
    warnings = (await client.get(events_path, params={"fieldSelector": "type=Warning"})).json()
    assert {e["involvedObject"]["kind"] for e in warnings["items"]} == {"Pod"}


async def test_restoring_a_missing_image_lets_the_rollout_finish(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_missing("app:*")
    await client.post(DEPLOY, json=deployment("web", image="app:1", replicas=1))

    async def pulling() -> bool:
        pods = (await client.get(PODS)).json()["items"]
        statuses = [p.get("status", {}).get("containerStatuses") for p in pods]
        return bool(statuses and statuses[0])

    await wait_for(pulling)
    sandbox.faults.restore_image("app:*")
    await wait_for(lambda: _rolled_out(client, "web", 1), what="rollout after restore")


async def test_a_job_completes(client: httpx.AsyncClient) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "m", "image": "busybox:1"}],
                }
            }
        },
    }
    path = "/apis/batch/v1/namespaces/default/jobs"
    created = (await client.post(path, json=job)).json()
    assert "batch.kubernetes.io/controller-uid" in created["spec"]["selector"]["matchLabels"]

    async def complete() -> dict[str, Any]:
        obj = await _get(client, f"{path}/migrate")
        return obj if _conditions(obj).get("Complete", {}).get("status") == "True" else {}

    done = await wait_for(complete, what="job completion")
    assert done["status"]["succeeded"] == 1
    pod = (await client.get(PODS)).json()["items"][0]
    assert pod["status"]["phase"] == "Succeeded"


JOBS = "/apis/batch/v1/namespaces/default/jobs"


def _ttl_job(name: str, ttl: int, finalizers: tuple[str, ...] = ()) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {
            "ttlSecondsAfterFinished": ttl,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "m", "image": "busybox:1"}],
                }
            },
        },
    }


async def test_a_job_with_a_ttl_of_zero_is_deleted_once_it_completes(
    client: httpx.AsyncClient,
) -> None:
    await client.post(JOBS, json=_ttl_job("once", 0))

    async def gone() -> bool:
        return (await client.get(f"{JOBS}/once")).status_code == 404

    assert await wait_for(gone, what="the TTL controller deleting the job")


async def test_a_finalizer_keeps_a_job_deleted_by_its_ttl_until_it_is_removed(
    client: httpx.AsyncClient,
) -> None:
    held = "example.com/hold"
    await client.post(JOBS, json=_ttl_job("kept", 0, (held,)))

    async def terminating() -> dict[str, Any]:
        obj = await _get(client, f"{JOBS}/kept")
        return obj if obj["metadata"].get("deletionTimestamp") else {}

    marked = await wait_for(terminating, what="the TTL controller marking the job deleted")
    assert _conditions(marked)["Complete"]["status"] == "True"
    assert held in marked["metadata"]["finalizers"]

    async def only_ours() -> dict[str, Any]:
        obj = await _get(client, f"{JOBS}/kept")
        return obj if obj["metadata"]["finalizers"] == [held] else {}

    last = await wait_for(only_ours, what="foreground deletion of the job's pods")
    patch = {
        "metadata": {"finalizers": None, "resourceVersion": last["metadata"]["resourceVersion"]}
    }
    answer = await client.patch(f"{JOBS}/kept", json=patch, headers=MERGE)
    assert answer.status_code == 200
    assert (await client.get(f"{JOBS}/kept")).status_code == 404


async def test_a_statefulset_creates_ordered_pods_and_claims(client: httpx.AsyncClient) -> None:
    body = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db"},
        "spec": {
            "replicas": 2,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }
    path = "/apis/apps/v1/namespaces/default/statefulsets"
    await client.post(path, json=body)

    async def ready() -> dict[str, Any]:
        obj = await _get(client, f"{path}/db")
        status = obj.get("status") or {}
        return obj if status.get("readyReplicas") == 2 else {}

    done = await wait_for(ready, what="statefulset ready")
    assert done["status"]["currentRevision"] == done["status"]["updateRevision"]
    names = sorted(p["metadata"]["name"] for p in (await client.get(PODS)).json()["items"])
    assert names == ["db-0", "db-1"]
    claims = (await client.get("/api/v1/namespaces/default/persistentvolumeclaims")).json()
    bound = {c["metadata"]["name"]: c.get("status", {}).get("phase") for c in claims["items"]}
    assert set(bound) == {"data-db-0", "data-db-1"}


async def test_a_statefulset_update_replaces_pods_one_by_one(client: httpx.AsyncClient) -> None:
    body = deployment("db", replicas=3)
    body["kind"] = "StatefulSet"
    path = "/apis/apps/v1/namespaces/default/statefulsets"
    await apply(client, f"{path}/db", body, "gitward")

    async def settled(generation: int) -> dict[str, Any]:
        obj = await _get(client, f"{path}/db")
        status = obj.get("status") or {}
        done = (
            status.get("observedGeneration") == generation
            and status.get("updatedReplicas") == 3
            and status.get("readyReplicas") == 3
            and status.get("currentRevision") == status.get("updateRevision")
        )
        return obj if done else {}

    first = await wait_for(lambda: settled(1), what="statefulset ready")
    await apply(
        client, f"{path}/db", deployment("db", "nginx:1.28", 3) | {"kind": "StatefulSet"}, "gitward"
    )
    second = await wait_for(lambda: settled(2), what="statefulset updated")
    assert second["status"]["updateRevision"] != first["status"]["updateRevision"]
    images = {p["spec"]["containers"][0]["image"] for p in (await client.get(PODS)).json()["items"]}
    assert images == {"nginx:1.28"}


async def test_a_daemonset_runs_one_pod_per_node() -> None:
    options = SandboxOptions(pod_ready_after=0.01, node_count=3)
    async with Sandbox.start(options) as sb, httpx.AsyncClient(base_url=sb.url) as client:
        body = deployment("agent")
        body["kind"] = "DaemonSet"
        del body["spec"]["replicas"]
        path = "/apis/apps/v1/namespaces/default/daemonsets"
        await client.post(path, json=body)

        async def ready() -> dict[str, Any]:
            obj = await _get(client, f"{path}/agent")
            return obj if (obj.get("status") or {}).get("numberReady") == 3 else {}

        done = await wait_for(ready, what="daemonset ready")
        pods = (await client.get(PODS)).json()["items"]
    assert done["status"]["desiredNumberScheduled"] == 3
    assert sorted(p["spec"]["nodeName"] for p in pods) == [
        "sandbox-node-0",
        "sandbox-node-1",
        "sandbox-node-2",
    ]


async def test_load_balancers_ingresses_and_claims_get_their_status(
    client: httpx.AsyncClient,
) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }
    ingress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "web"},
        "spec": {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}},
    }
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}},
    }
    svc_path = "/api/v1/namespaces/default/services"
    ing_path = "/apis/networking.k8s.io/v1/namespaces/default/ingresses"
    pvc_path = "/api/v1/namespaces/default/persistentvolumeclaims"
    await client.post(svc_path, json=service)
    await client.post(ing_path, json=ingress)
    await client.post(pvc_path, json=claim)

    async def settled() -> bool:
        svc = await _get(client, f"{svc_path}/web")
        ing = await _get(client, f"{ing_path}/web")
        pvc = await _get(client, f"{pvc_path}/data")
        return bool(
            svc.get("status", {}).get("loadBalancer", {}).get("ingress")
            and ing.get("status", {}).get("loadBalancer", {}).get("ingress")
            and pvc.get("status", {}).get("phase") == "Bound"
        )

    await wait_for(settled, what="statuses")
    pvc = await _get(client, f"{pvc_path}/data")
    assert pvc["status"]["capacity"] == {"storage": "2Gi"}
    assert pvc["spec"]["volumeName"].startswith("pvc-")


async def test_a_crashing_image_leaves_pods_in_crash_loop_back_off(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_crashing("app:crash")
    await client.post(DEPLOY, json=deployment("web", image="app:crash", replicas=1))

    async def crashing() -> dict[str, Any]:
        pods = (await client.get(PODS)).json()["items"]
        statuses = pods[0].get("status", {}).get("containerStatuses") if pods else None
        waiting = (statuses or [{}])[0].get("state", {}).get("waiting", {})
        return pods[0] if waiting.get("reason") == "CrashLoopBackOff" else {}

    pod = await wait_for(crashing, what="CrashLoopBackOff")
    assert pod["status"]["containerStatuses"][0]["restartCount"] == 1
    assert pod["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 1
    sandbox.faults.restore_image("app:crash")
    await wait_for(lambda: _rolled_out(client, "web", 1), what="recovery")


async def test_a_job_whose_pods_crash_fails_after_its_backoff_limit(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_crashing("busybox:crash")
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {
            "backoffLimit": 1,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [{"name": "m", "image": "busybox:crash"}],
                }
            },
        },
    }
    path = "/apis/batch/v1/namespaces/default/jobs"
    await client.post(path, json=job)

    async def failed() -> dict[str, Any]:
        obj = await _get(client, f"{path}/migrate")
        return obj if _conditions(obj).get("Failed", {}).get("status") == "True" else {}

    done = await wait_for(failed, what="job failure")
    assert _conditions(done)["Failed"]["reason"] == "BackoffLimitExceeded"
    assert done["status"]["failed"] == 2
