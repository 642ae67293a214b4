"""A server started in-process answers over real HTTP and stops cleanly."""

from __future__ import annotations

import os
import stat
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


async def test_the_data_directory_and_every_database_file_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    previous = os.umask(0o022)
    try:
        async with run_server(ServerConfig(data_dir=data, reconcile=False)) as server:
            async with httpx.AsyncClient(base_url=server.url) as client:
                login = await client.post(
                    "/api/v1/session",
                    json={"username": "admin", "password": server.admin_password},
                )
            assert login.status_code == 200
            files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data.iterdir()}
    finally:
        os.umask(previous)
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert {"gitward.db", "gitward.db-wal", "gitward.db-shm", "secret.key"} <= set(files)
    assert {mode for name, mode in files.items() if name != "git-cache"} == {0o600}, files
