"""Behaviours where the sandbox must answer as a real cluster would, because gitward's health
and the user's kubectl read them: autoscalers own replica counts, a finished rollout that later
crashes is unavailable rather than timed out, and tables say a failed Job failed."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import httpx
import pytest
from sandbox_support import DEPLOY, PODS, apply, deployment, wait_for

from gitward.sandbox import Sandbox, SandboxOptions
from gitward.sandbox.controllers.quotas import parse_quantity

HPA = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
TABLE = {"accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}


@pytest.fixture
def options() -> SandboxOptions:
    return SandboxOptions(pod_ready_after=0.02, job_complete_after=0.05, time_scale=0.001)


def hpa(target: str, low: int, high: int) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": target},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
            "minReplicas": low,
            "maxReplicas": high,
        },
    }


def conditions(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["type"]: c for c in (obj.get("status") or {}).get("conditions") or []}


async def replicas(client: httpx.AsyncClient, name: str, want: int) -> dict[str, Any]:
    obj = (await client.get(f"{DEPLOY}/{name}")).json()
    status = obj.get("status") or {}
    done = obj["spec"]["replicas"] == want and status.get("availableReplicas") == want
    return obj if done else {}


async def test_an_hpa_scales_a_deployment_without_replicas_up_to_its_minimum(
    client: httpx.AsyncClient,
) -> None:
    body = deployment("backend")
    del body["spec"]["replicas"]  # the chart leaves replicas to the autoscaler
    await apply(client, f"{DEPLOY}/backend", body, "gitward")
    await client.post(HPA, json=hpa("backend", 3, 10))
    await wait_for(lambda: replicas(client, "backend", 3), what="three replicas")
    status = (await client.get(f"{HPA}/backend")).json()["status"]
    assert (status["currentReplicas"], status["desiredReplicas"]) == (3, 3)
    assert "lastScaleTime" in status
    events = (await client.get("/api/v1/namespaces/default/events")).json()["items"]
    rescales = [e["message"] for e in events if e["reason"] == "SuccessfulRescale"]
    assert rescales == ["New size: 3; reason: Current number of replicas below Spec.MinReplicas"]
    # gitward applying the same manifest again does not take the replicas back
    await apply(client, f"{DEPLOY}/backend", body, "gitward")
    assert (await client.get(f"{DEPLOY}/backend")).json()["spec"]["replicas"] == 3


async def test_an_hpa_brings_a_deployment_above_its_maximum_down(
    client: httpx.AsyncClient,
) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=5))
    await client.post(HPA, json=hpa("web", 1, 2))
    await wait_for(lambda: replicas(client, "web", 2), what="two replicas")


async def test_an_hpa_leaves_a_target_scaled_to_zero_alone(client: httpx.AsyncClient) -> None:
    await client.post(DEPLOY, json=deployment("web", replicas=0))
    await client.post(HPA, json=hpa("web", 2, 4))

    async def disabled() -> dict[str, Any]:
        obj = (await client.get(f"{HPA}/web")).json()
        active = conditions(obj).get("ScalingActive", {})
        return obj if active.get("reason") == "ScalingDisabled" else {}

    await wait_for(disabled, what="ScalingDisabled")
    assert (await client.get(f"{DEPLOY}/web")).json()["spec"]["replicas"] == 0


async def test_a_finished_rollout_whose_pods_crash_is_unavailable_not_timed_out(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    body = deployment("backend", image="backend:v1.0.0", replicas=1, progressDeadlineSeconds=1)
    await client.post(DEPLOY, json=body)
    await wait_for(lambda: replicas(client, "backend", 1), what="the rollout")
    sandbox.faults.mark_image_crashing("backend:v1.0.0")

    async def unavailable() -> dict[str, Any]:
        obj = (await client.get(f"{DEPLOY}/backend")).json()
        return obj if conditions(obj)["Available"]["status"] == "False" else {}

    obj = await wait_for(unavailable, what="Available=False")
    assert conditions(obj)["Available"]["reason"] == "MinimumReplicasUnavailable"
    # the deadline (1 s scaled to 1 ms) has long passed, yet the rollout is not "timed out"
    await wait_for(lambda: _crash_looping(client), what="CrashLoopBackOff")
    obj = (await client.get(f"{DEPLOY}/backend")).json()
    progressing = conditions(obj)["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")


async def _crash_looping(client: httpx.AsyncClient) -> bool:
    return "CrashLoopBackOff" in (await client.get(PODS)).text


async def test_a_new_rollout_that_never_becomes_available_times_out(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_crashing("backend:v1.0.0")
    await client.post(DEPLOY, json=deployment("backend", "backend:v0.9.5", 1))
    await wait_for(lambda: replicas(client, "backend", 1), what="the first rollout")
    body = deployment("backend", image="backend:v1.0.0", replicas=1, progressDeadlineSeconds=1)
    await client.put(f"{DEPLOY}/backend", json=body)

    async def timed_out() -> dict[str, Any]:
        obj = (await client.get(f"{DEPLOY}/backend")).json()
        reason = conditions(obj).get("Progressing", {}).get("reason")
        return obj if reason == "ProgressDeadlineExceeded" else {}

    await wait_for(timed_out, what="ProgressDeadlineExceeded")


async def test_kubectl_tables_show_a_failed_job_as_failed(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.mark_image_crashing("busybox:crash")
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {
            "backoffLimit": 0,
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

    async def failed_row() -> list[Any]:
        table = (await client.get(path, headers=TABLE)).json()
        row = table["rows"][0]["cells"] if table["rows"] else []
        return row if row and row[1] == "Failed" else []

    row = await wait_for(failed_row, what="a Failed row")
    table = (await client.get(path, headers=TABLE)).json()
    names = [c["name"] for c in table["columnDefinitions"]]
    assert names == ["Name", "Status", "Completions", "Duration", "Age"]
    assert row[:3] == ["migrate", "Failed", "0/1"]


async def test_a_quota_reports_what_its_namespace_uses(client: httpx.AsyncClient) -> None:
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "compute"},
        "spec": {"hard": {"pods": "10", "requests.memory": "4Gi", "count/deployments.apps": "2"}},
    }
    await client.post("/api/v1/namespaces/default/resourcequotas", json=quota)
    body = deployment("web", replicas=2)
    container = body["spec"]["template"]["spec"]["containers"][0]
    container["resources"] = {"requests": {"memory": "512Mi"}}
    await client.post(DEPLOY, json=body)

    async def counted() -> dict[str, Any]:
        path = "/api/v1/namespaces/default/resourcequotas/compute"
        status = (await client.get(path)).json().get("status") or {}
        return status if (status.get("used") or {}).get("pods") == "2" else {}

    status = await wait_for(counted, what="two pods counted")
    assert status["hard"] == quota["spec"]["hard"]
    assert status["used"] == {"pods": "2", "requests.memory": "1Gi", "count/deployments.apps": "1"}


@pytest.mark.parametrize(
    ("text", "value"),
    [("500m", Fraction(1, 2)), ("2", Fraction(2)), ("1Gi", Fraction(2**30)), ("x", Fraction(0))],
)
def test_quantities_parse_exactly(text: str, value: Fraction) -> None:
    assert parse_quantity(text) == value


async def test_a_crashing_container_restarts_with_a_growing_back_off() -> None:
    options = SandboxOptions(pod_ready_after=0.02, crash_back_off=0.2)
    async with Sandbox.start(options) as sandbox:
        sandbox.faults.mark_image_crashing("backend:v1.0.0")
        async with httpx.AsyncClient(base_url=sandbox.url, timeout=10) as client:
            await client.post(DEPLOY, json=deployment("backend", "backend:v1.0.0", 1))

            async def restarted(count: int) -> dict[str, Any]:
                pods = (await client.get(PODS)).json()["items"]
                statuses = pods[0].get("status", {}).get("containerStatuses") if pods else None
                found = (statuses or [{}])[0]
                return found if found.get("restartCount") == count else {}

            first = await wait_for(lambda: restarted(1), what="the first crash")
            second = await wait_for(lambda: restarted(2), what="a restart")
            third = await wait_for(lambda: restarted(3), what="another restart")
    assert third["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    stamps = [s["lastState"]["terminated"]["finishedAt"] for s in (first, second, third)]
    assert stamps == sorted(stamps)
    assert (
        second["lastState"]["terminated"]["finishedAt"]
        >= first["lastState"]["terminated"]["finishedAt"]
    )
