"""The command line and files the chart gives gitward's pod start a real `gitward server`.

The Deployment's container args and environment, and the files of its ConfigMap, are taken from
what gitward renders of the chart; only what a pod would get from the cluster is replaced by local
stand-ins (the mounted directories by temporary ones, the Secret's PostgreSQL URL by a fresh
database on the test server, or a SQLite file without one, its key by a fresh one, the ports by
free ones). The server must start, load every file without an error, and hold the bootstrapped
root app; an update of the ConfigMap, swapped in as the kubelet does, reaches it without a
restart.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from deploy_support import CHART, gitward_render, of_kind

from support.postgres import POSTGRES_VARIABLE, throwaway_database_sync
from support.processes import serving

NOTIFICATIONS_SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: argocd-notifications-secret}
stringData: {webhook-token: not-a-real-token}
"""


def mount_config_map(directory: Path, data: dict[str, str]) -> None:
    """Lay ``data`` out as the kubelet mounts a ConfigMap, and swap it as the kubelet updates one:
    each key a symlink through ``..data``, itself a symlink to a timestamped directory that an
    update replaces atomically."""
    version = directory / f"..{time.monotonic_ns()}"
    version.mkdir()
    for name, text in data.items():
        (version / name).write_text(text)
        link = directory / name
        if not link.is_symlink():
            link.symlink_to(Path("..data") / name)
    swap = directory / "..data_tmp"
    swap.symlink_to(version.name)
    swap.replace(directory / "..data")


def pod_command(tmp: Path) -> tuple[list[str], dict[str, str]]:
    """The container's args and environment, with the pod's mounts made local directories."""
    objects = gitward_render(CHART / "examples" / "values-full.yaml")
    (deployment,) = of_kind(objects, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (files,) = of_kind(objects, "ConfigMap")
    mounts = {
        "/etc/gitward-secret/": tmp / "secret",
        "/etc/gitward/": tmp / "files",
        "/var/lib/gitward": tmp / "data",
        "/var/cache/gitward": tmp / "cache",
        "/tmp": tmp / "tmp",
    }
    for directory in mounts.values():
        directory.mkdir(parents=True)
    mount_config_map(tmp / "files", files["data"])
    (tmp / "secret" / "argocd-notifications-secret.yaml").write_text(NOTIFICATIONS_SECRET)

    pattern = re.compile("|".join(re.escape(path) for path in mounts))

    def local(text: str) -> str:
        def swap(match: re.Match[str]) -> str:
            found = match.group(0)
            return f"{mounts[found]}/" if found.endswith("/") else str(mounts[found])

        return pattern.sub(swap, text)

    ports = {"--host=0.0.0.0": "--host=127.0.0.1", "--port=8080": "--port=0"}
    args = [ports.get(arg, local(arg)) for arg in container["args"]]
    args = [re.sub(r"^--metrics-port=\d+$", "--metrics-port=0", arg) for arg in args]
    env = {item["name"]: local(item["value"]) for item in container["env"] if "value" in item}
    from_secret = {item["name"] for item in container["env"] if "valueFrom" in item}
    assert from_secret == {"GITWARD_DATABASE_URL", "GITWARD_SECRET_KEY"}
    env["GITWARD_SECRET_KEY"] = Fernet.generate_key().decode()
    env["GITWARD_RECONCILIATION_PERIOD"] = "0"
    return args, env


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """The pod's database: a fresh one on the test PostgreSQL server (GITWARD_TEST_POSTGRES_URL)
    as in a cluster, else a SQLite file."""
    admin = os.environ.get(POSTGRES_VARIABLE)
    if not admin:
        yield f"sqlite:///{tmp_path / 'gitward.db'}"
        return
    with throwaway_database_sync(admin, "gitward_pod") as url:
        yield url


@pytest.fixture
def pod(tmp_path: Path, database: str) -> Iterator[tuple[str, str, list[str]]]:
    """A gitward server run as the pod would run it; (url, admin password, its args)."""
    args, env = pod_command(tmp_path)
    with serving(args, {**env, "GITWARD_DATABASE_URL": database}) as (url, password):
        yield url, password, args


def test_the_pods_command_serves_healthz_loads_every_file_and_bootstraps_the_root_app(
    pod: tuple[str, str, list[str]],
) -> None:
    url, password, args = pod
    assert {arg.split("=")[0] for arg in args} >= {
        "--settings", "--rbac", "--notifications", "--notifications-secret", "--bootstrap",
    }  # fmt: skip
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.get("/healthz").text == "ok"
        login = client.post("/api/v1/session", json={"username": "admin", "password": password})
        assert login.status_code == 200, login.text
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        settings: dict[str, Any] = client.get("/api/v1/settings", headers=headers).json()
        assert not settings.get("settingsError")
        assert not settings.get("rbacError")
        apps = client.get("/api/v1/applications", headers=headers).json()
    assert [item["metadata"]["name"] for item in apps["items"]] == ["ai-chatbot-root"]


def test_an_update_of_the_config_map_reaches_the_running_server_without_a_restart(
    pod: tuple[str, str, list[str]], tmp_path: Path
) -> None:
    url, password, _ = pod
    files = tmp_path / "files"
    data = {
        path.name: path.read_text() for path in files.iterdir() if not path.name.startswith(".")
    }
    mount_config_map(files, {**data, "argocd-rbac-cm.yaml": "data: [not yaml\n"})
    with httpx.Client(base_url=url, timeout=30) as client:
        login = client.post("/api/v1/session", json={"username": "admin", "password": password})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        deadline = time.monotonic() + 30
        error = ""
        while not error and time.monotonic() < deadline:
            error = client.get("/api/v1/settings", headers=headers).json().get("rbacError", "")
            time.sleep(0.2)
    assert "argocd-rbac-cm.yaml" in error, error
