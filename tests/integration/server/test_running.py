"""A server started in-process answers over real HTTP and stops cleanly."""

from __future__ import annotations

from pathlib import Path

import httpx

from gitward.server.running import ServerConfig, run_server


async def test_a_fresh_server_makes_an_admin_who_can_log_in_and_list_apps(tmp_path: Path) -> None:
    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as server:
        assert server.admin_password
        async with httpx.AsyncClient(base_url=server.url) as client:
            assert (await client.get("/healthz")).text == "ok"
            login = await client.post(
                "/api/v1/session", json={"username": "admin", "password": server.admin_password}
            )
            token = login.json()["token"]
            listed = await client.get(
                "/api/v1/applications", headers={"Authorization": f"Bearer {token}"}
            )
    assert listed.json() == {"items": []}


async def test_the_second_start_prints_no_password_and_keeps_the_first(tmp_path: Path) -> None:
    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as first:
        password = first.admin_password
    async with run_server(ServerConfig(data_dir=tmp_path, reconcile=False)) as second:
        assert second.admin_password is None
        async with httpx.AsyncClient(base_url=second.url) as client:
            login = await client.post(
                "/api/v1/session", json={"username": "admin", "password": password}
            )
    assert login.status_code == 200
