"""Apps whose charts come from chart repositories, deployed by the controller to the sandbox: one
from an HTTP chart repository (index.yaml served on 127.0.0.1), one from a real OCI registry
(Debian's docker-registry), one mixing a repository chart with ``$values`` from Git. A
repository that stops answering is a condition on the app and never a prune; when it answers
again the app moves on to the newest version its range admits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from controller_world import World

from gitward.charts import ChartRepositories
from support import applications
from support.repos import new_repository

PROJECT = Path(__file__).resolve().parents[3]
VALUES_URL = "https://git.example.com/teams/web-values.git"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels: {app: {{ .Release.Name }}}
  template:
    metadata:
      labels: {app: {{ .Release.Name }}}
    spec:
      containers:
        - name: web
          image: "registry.example.com/web:{{ .Chart.Version }}"
"""


def packaged(where: Path, version: str) -> Path:
    chart = where / "src" / version / "web"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: web\nversion: {version}\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "templates" / "deployment.yaml").write_text(DEPLOYMENT)
    return Path(helm.package(chart, destination=where / "packaged"))


class ChartServer:
    """An HTTP chart repository on 127.0.0.1 that answers 503 while ``down``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.down = False
        outer = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                if outer.down:
                    self.send_error(503)
                    return
                super().do_GET()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(Handler, directory=str(directory))
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, version: str) -> None:
        shutil.copy(packaged(self.directory.parent, version), self.directory)
        helm.repo_index_generate(self.directory)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def chart_server(tmp_path: Path) -> Iterator[ChartServer]:
    served = tmp_path / "chart-repo" / "served"
    served.mkdir(parents=True)
    server = ChartServer(served)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def registry() -> Iterator[str]:
    """A docker-registry on 127.0.0.1 (``GITWARD_TEST_REGISTRY``, or started here)."""
    given = os.environ.get("GITWARD_TEST_REGISTRY")
    if given:
        yield given
        return
    home = tempfile.mkdtemp(prefix="gitward-registry-")
    script = PROJECT / "scripts" / "registry"
    done = subprocess.run(
        [str(script), "start", home], capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(f"docker-registry is required but did not start: {done.stderr[-300:]}")
        pytest.skip("docker-registry not available (run ./dev setup)")
    try:
        yield done.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", home], timeout=60, check=False)


def application(name: str, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """A multi-source app of ``sources`` into its own namespace, synced by itself."""
    return applications.application(
        name,
        sources=sources,
        app_namespace="argocd",
        automated=applications.PRUNE_AND_SELF_HEAL,
        sync_options=applications.CREATE_NAMESPACE,
    )


def chart_source(repo_url: str, revision: str, **more: Any) -> dict[str, Any]:
    return {"repoURL": repo_url, "chart": "web", "targetRevision": revision, **more}


async def deployment(world: World, name: str) -> tuple[int, str] | None:
    found = await world.live("Deployment", name, name)
    if found is None:
        return None
    spec = found["spec"]
    return spec["replicas"], spec["template"]["spec"]["containers"][0]["image"]


async def test_apps_from_a_chart_repository_an_oci_registry_and_git_values_deploy(
    world: World, chart_server: ChartServer, registry: str
) -> None:
    chart_server.publish("1.0.0")
    chart_server.publish("1.1.0")
    oci = f"{registry}/e2e-{uuid.uuid4().hex[:8]}"
    helm.push(packaged(world.tmp / "oci", "2.0.0"), f"oci://{oci}", plain_http=True)
    values = world.tmp / "web-values"
    values_sha = new_repository(values, {"envs/prod/values.yaml": "replicas: 3\n"})
    world.repositories[VALUES_URL] = values
    world.charts = ChartRepositories(world.tmp / "chart-cache")
    controller = await world.start()
    await controller.bootstrap(application("from-http", [chart_source(chart_server.url, "^1")]))
    await controller.bootstrap(application("from-oci", [chart_source(oci, "2.0.0")]))
    mixed = [
        chart_source(
            chart_server.url, "1.0.0", helm={"valueFiles": ["$values/envs/prod/values.yaml"]}
        ),
        {"repoURL": VALUES_URL, "targetRevision": "main", "ref": "values"},
    ]
    await controller.bootstrap(application("mixed", mixed))

    http_app = await world.until_app("from-http", sync_status="Synced", health_status="Healthy")
    oci_app = await world.until_app("from-oci", sync_status="Synced", health_status="Healthy")
    mixed_app = await world.until_app("mixed", sync_status="Synced", health_status="Healthy")

    assert http_app.status.observed_revisions == ("1.1.0",)
    assert oci_app.status.observed_revisions == ("2.0.0",)
    assert mixed_app.status.observed_revisions == ("1.0.0", values_sha)
    assert await deployment(world, "from-http") == (1, "registry.example.com/web:1.1.0")
    assert await deployment(world, "from-oci") == (1, "registry.example.com/web:2.0.0")
    assert await deployment(world, "mixed") == (3, "registry.example.com/web:1.0.0")
    assert world.charts.archives.stored == 3  # 1.1.0, 2.0.0 and 1.0.0, each once


async def test_a_chart_repository_that_stops_answering_is_a_condition_and_never_a_prune(
    world: World, chart_server: ChartServer
) -> None:
    chart_server.publish("1.0.0")
    world.charts = ChartRepositories(world.tmp / "chart-cache")
    controller = await world.start()
    await controller.bootstrap(application("web", [chart_source(chart_server.url, "^1")]))
    await world.until_app("web", sync_status="Synced", health_status="Healthy")
    chart_server.down = True
    controller.refresh("web", hard=True)

    async def reports_the_outage() -> bool:
        conditions = (await world.app("web")).status.conditions
        return any("could not be read" in c["message"] for c in conditions)

    await world.until(reports_the_outage, what="web reports the chart repository outage")
    app = await world.app("web")
    [condition] = app.status.conditions
    assert condition["type"] == "ComparisonError"
    assert "Application web: spec.sources[0]" in condition["message"]
    assert app.status.observed_revisions == ("1.0.0",)
    assert await deployment(world, "web") == (1, "registry.example.com/web:1.0.0")

    chart_server.down = False
    chart_server.publish("1.1.0")
    controller.refresh("web", hard=True)
    await world.until_app(
        "web", sync_status="Synced", health_status="Healthy", observed_revisions=("1.1.0",)
    )
    assert await deployment(world, "web") == (1, "registry.example.com/web:1.1.0")
    assert (await world.app("web")).status.conditions == ()
