"""What each listener serves and whose address a request has: ``/metrics`` only on the metrics
port, and ``X-Forwarded-For`` believed only from the proxies the operator lists."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import Api, ApiFactory

from gitward.errors import ConfigError
from gitward.server.auth import AuthConfig
from gitward.server.auth.ratelimit import Allowance, LoginLimits
from gitward.server.running import ServerConfig, run_server
from support.example import DEV


async def test_the_api_port_does_not_serve_metrics_to_anyone(api: Api) -> None:
    admin = await api.admin()
    for client in (api.client(), admin):
        answer = await client.get("/metrics")
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
        assert DEV not in answer.text


async def test_the_metrics_port_serves_the_apps_metrics(api: Api) -> None:
    assert api.server.metrics_url is not None
    assert api.server.metrics_url != f"{api.url}/metrics"
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(api.server.metrics_url)).text
    assert f'gitward_app_info{{health_status="Unknown",name="{DEV}"' in metrics
    assert "gitward_queue_depth" in metrics
    assert re.search(r"^gitward_git_trees \d+\.0$", metrics, re.MULTILINE)


def _strict_limits() -> AuthConfig:
    per_address = Allowance(3, timedelta(hours=1))
    return AuthConfig(login_limits=LoginLimits(per_address=per_address, free_failures=100))


async def _failed_logins(api: Api, forwarded_for: list[str]) -> list[int]:
    client = api.client()
    statuses = []
    for address in forwarded_for:
        answer = await client.post(
            "/api/v1/session",
            json={"username": f"nobody-{uuid.uuid4().hex[:8]}", "password": "wrong"},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(answer.status_code)
    return statuses


SPOOFED = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"]


async def test_forwarded_for_from_loopback_does_not_change_the_login_limit_key(
    api_factory: ApiFactory,
) -> None:
    api = await api_factory(auth=_strict_limits())
    statuses = await _failed_logins(api, SPOOFED)
    assert statuses == [401, 401, 401, 429, 429]


async def test_forwarded_for_counts_from_a_listed_proxy(api_factory: ApiFactory) -> None:
    api = await api_factory(auth=_strict_limits(), trusted_proxies=("127.0.0.0/8",))
    statuses = await _failed_logins(api, SPOOFED)
    assert statuses == [401] * 5


async def test_a_metrics_port_in_use_fails_the_start_before_anything_is_written(
    tmp_path: Path,
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = ServerConfig(data_dir=tmp_path / "data", reconcile=False, metrics_port=port)
        with pytest.raises(ConfigError) as caught:
            async with run_server(config):
                pass
    assert caught.value.where.field == "metrics_port"
    assert f"127.0.0.1:{port}" in caught.value.problem
    assert "--metrics-port" in caught.value.hint
    assert not (tmp_path / "data").exists()
