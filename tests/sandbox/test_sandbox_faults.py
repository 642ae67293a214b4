"""Injected faults: error rates, latency, dropped watches, refused connections, and the admin
API that switches them."""

from __future__ import annotations

import asyncio
import json
import random

import httpx
import pytest
from sandbox_support import CM, configmap, wait_for

from gitward.sandbox import ErrorRate, Latency, Sandbox


async def test_an_error_rate_of_one_fails_every_request_with_503(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.set_error_rate(ErrorRate(ratio=1.0, status=503, retry_after=2))
    failed = await client.get(CM)
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "2"
    body = failed.json()
    assert (body["kind"], body["reason"]) == ("Status", "ServiceUnavailable")
    sandbox.faults.set_error_rate(None)
    assert (await client.get(CM)).status_code == 200


async def test_too_many_requests_carries_retry_after(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.set_error_rate(ErrorRate(ratio=1.0, status=429, retry_after=1))
    throttled = await client.get(CM)
    assert throttled.status_code == 429
    assert throttled.json()["details"]["retryAfterSeconds"] == 1


async def test_errors_can_be_limited_to_some_verbs(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.set_error_rate(ErrorRate(ratio=1.0, status=500, verbs=frozenset({"apply"})))
    assert (await client.post(CM, json=configmap("a"))).status_code == 201
    applied = await client.patch(
        f"{CM}/a",
        content=json.dumps(configmap("a")),
        headers={"content-type": "application/apply-patch+yaml"},
        params={"fieldManager": "m"},
    )
    assert applied.status_code == 500
    assert applied.json()["reason"] == "InternalError"


async def test_a_partial_error_rate_fails_some_requests(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.set_error_rate(ErrorRate(ratio=0.5, status=503))
    codes = [(await client.get(CM)).status_code for _ in range(40)]
    assert 0 < codes.count(503) < 40
    assert set(codes) == {200, 503}


def test_error_rates_outside_the_documented_codes_are_refused() -> None:
    with pytest.raises(ValueError, match="429, 500 or 503"):
        ErrorRate(ratio=1.0, status=404)


async def test_latency_shows_in_the_request_timestamps(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.set_latency(Latency(fixed=0.03))
    await client.get(CM)
    record = sandbox.request_log()[-1]
    assert record.responded_at - record.received_at >= 0.03


def test_latency_distribution_has_the_requested_median() -> None:
    latency = Latency(p50=0.015, p99=0.05)
    rng = random.Random(7)
    samples = sorted(latency.sample(rng) for _ in range(2001))
    assert 0.013 < samples[1000] < 0.017
    assert samples[-1] > samples[1000]


async def test_dropping_watches_ends_open_streams(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    async def watch() -> list[str]:
        params = {"watch": "1", "timeoutSeconds": "30", "resourceVersion": "1"}
        async with client.stream("GET", CM, params=params) as stream:
            return [line async for line in stream.aiter_lines() if line]

    watching = asyncio.create_task(watch())

    async def open_watch() -> bool:
        return any(r.verb == "watch" for r in sandbox.request_log())

    await wait_for(open_watch, what="watch open")
    sandbox.faults.drop_watches()
    lines = await asyncio.wait_for(watching, 5)  # long before its own 30 s timeout
    assert lines == []


async def test_refused_connections_fail_until_accepted_again(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    sandbox.faults.refuse_connections()

    async def refused() -> bool:
        try:
            async with httpx.AsyncClient(base_url=sandbox.url) as fresh:
                await fresh.get("/version")
        except httpx.ConnectError:
            return True
        return False

    await wait_for(refused, what="connections refused")
    sandbox.faults.accept_connections()

    async def accepted() -> bool:
        try:
            async with httpx.AsyncClient(base_url=sandbox.url) as fresh:
                return (await fresh.get("/version")).status_code == 200
        except httpx.ConnectError:
            return False

    await wait_for(accepted, what="connections accepted")


async def test_the_admin_api_sets_faults_and_reads_the_request_log(
    sandbox: Sandbox, client: httpx.AsyncClient
) -> None:
    set_faults = await client.post(
        "/sandbox/faults",
        json={"errors": {"ratio": 1.0, "status": 503}, "missingImages": ["bad:1"]},
    )
    assert set_faults.json() == {
        "missingImages": ["bad:1"],
        "crashingImages": [],
        "latency": None,
        "errors": {"ratio": 1.0, "status": 503, "retry_after": 1, "verbs": []},
    }
    assert sandbox.faults.is_missing("bad:1")
    assert (await client.get(CM)).status_code == 503
    await client.post("/sandbox/faults", json={"errors": None})
    assert (await client.get(CM)).status_code == 200
    log = (await client.get("/sandbox/requests")).json()
    assert [r["status"] for r in log if r["path"] == CM] == [503, 200]
