"""Several ``gitward server`` processes on one PostgreSQL database, with the sandbox cluster.

Each test gets a database of its own on the server ``GITWARD_TEST_POSTGRES_URL`` names
(``scripts/postgres start DIR`` prints one), a git repository of ConfigMaps in sync waves, the
sandbox on a thread of its own (over real HTTP, through a kubeconfig), and :class:`Replicas`,
which starts and kills real server processes on them. Without PostgreSQL the tests skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet

from gitward.sandbox import Sandbox, SandboxOptions
from gitward.store.fencing import owner
from support.api import admin_client
from support.applications import application as application_document
from support.postgres import execute, fetch, postgres_admin_url, throwaway_database_sync
from support.processes import announced, gitward_process, server_args
from support.repos import new_repository
from support.waiting import wait_for

REPO_URL = "https://git.example.com/team/waves.git"
WAVES = 4
PER_WAVE = 2


def admin(url: str, statement: str) -> None:
    """Run ``statement`` on the database ``url`` (as the test server's admin)."""
    asyncio.run(execute(url, statement))


def query(url: str, statement: str) -> list[dict[str, Any]]:
    """Rows of ``statement`` on the database ``url`` (the test's own look at the store)."""
    return asyncio.run(fetch(url, statement))


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database no other test uses."""
    server = postgres_admin_url("the replica tests")
    with throwaway_database_sync(server, "gitward_replicas") as url:
        yield url


def wave_manifests() -> str:
    """Per wave, a ConfigMap and a Deployment: the sandbox makes a Deployment ready only after
    a while, so each wave is a step of its own, stored before the next one starts."""
    documents = []
    for wave in range(WAVES):
        annotations = f'  annotations: {{argocd.argoproj.io/sync-wave: "{wave}"}}\n'
        documents.append(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wave{wave}-config\n"
            f"{annotations}data: {{wave: '{wave}'}}\n"
        )
        documents.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: wave{wave}-app\n"
            f"{annotations}spec:\n  replicas: 1\n"
            f"  selector: {{matchLabels: {{app: wave{wave}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: wave{wave}}}}}\n"
            f"    spec: {{containers: [{{name: app, image: registry.example/app:1}}]}}\n"
        )
    return "---\n".join(documents)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A git repository whose ``waves/`` holds ConfigMaps in WAVES sync waves."""
    repo = tmp_path / "waves"
    new_repository(repo, {"waves/configmaps.yaml": wave_manifests()})
    return repo


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[tuple[Sandbox, Path]]:
    with Sandbox.start(SandboxOptions(pod_ready_after=1.5)) as running:
        yield running, running.write_kubeconfig(tmp_path / "kubeconfig")


def application(name: str) -> dict[str, Any]:
    """An app of the waves repository, deploying into ``default``."""
    return application_document(name, repo_url=REPO_URL, path="waves", namespace="default")


@dataclass
class Replica:
    """One ``gitward server`` process and what it printed."""

    process: subprocess.Popen[str]
    url: str = ""
    output: list[str] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def metrics_url(self) -> str:
        """The ``/metrics`` URL the replica printed at start."""
        return next(line.split(": ", 1)[1].strip() for line in self.output if "metrics: " in line)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)


class Replicas:
    """Real server processes on one database, one sandbox and one repository."""

    def __init__(self, database: str, kubeconfig: Path, repo: Path, tmp_path: Path) -> None:
        self.database = database
        self.kubeconfig = kubeconfig
        self.repo = repo
        self.tmp_path = tmp_path
        self.key = Fernet.generate_key().decode()
        self.all: list[Replica] = []
        self.password = ""

    def start(self, lease_s: float = 3.0) -> Replica:
        """Start one more replica and wait until it serves."""
        data = self.tmp_path / f"replica{len(self.all)}"
        env = {
            "GITWARD_SECRET_KEY": self.key,
            "GITWARD_RECONCILIATION_PERIOD": "0",
            "GITWARD_METRICS_PORT": "0",
        }
        process = gitward_process(
            server_args(data, "--database-url", self.database,
                        "--kubeconfig", str(self.kubeconfig),
                        "--repo-dir", f"{REPO_URL}={self.repo}", "--replica-lease", str(lease_s),
                        "--replica-heartbeat", str(lease_s / 4)),
            env,
        )  # fmt: skip
        replica = Replica(process)
        self.all.append(replica)
        replica.url, self.password = announced(process, seen=replica.output, password=self.password)
        threading.Thread(target=replica.read, daemon=True).start()
        return replica

    @contextlib.contextmanager
    def client(self, replica: Replica) -> Iterator[httpx.Client]:
        """An API client of ``replica``, logged in as admin."""
        with admin_client(replica.url, self.password) as client:
            yield client

    def owner_of(self, app: str) -> Replica:
        """The replica the database's live leases give ``app`` to."""
        rows = query(self.database, "SELECT id, address FROM replicas WHERE expires_at > now()")
        chosen = owner(app, [row["id"] for row in rows])
        address = next(row["address"] for row in rows if row["id"] == chosen)
        port = int(address.rsplit(":", 1)[1])
        return next(replica for replica in self.all if replica.port == port)

    def owner_and_other(self, key: str) -> tuple[Replica, Replica]:
        """The replica the live leases give ``key`` to (waited for) and a replica that is not it."""
        found = wait_for(lambda: self.owner_of(key), 10, f"an owner of {key}")
        return found, next(replica for replica in self.all if replica is not found)

    def stop(self) -> None:
        for replica in self.all:
            if replica.process.poll() is None:
                replica.process.terminate()
        for replica in self.all:
            try:
                replica.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                replica.process.kill()


@pytest.fixture
def replicas(
    database: str, sandbox: tuple[Sandbox, Path], repository: Path, tmp_path: Path
) -> Iterator[Replicas]:
    running = Replicas(database, sandbox[1], repository, tmp_path)
    try:
        yield running
    finally:
        running.stop()
        for index, replica in enumerate(running.all):  # shown when the test fails
            print(f"--- replica {index} ({replica.url}) ---\n{''.join(replica.output)}")
