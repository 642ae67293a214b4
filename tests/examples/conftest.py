"""Shared paths and the helm oracle for the tests of the example repository.

The example (examples/ai-chatbot-infra) is gitward's demo and fixture; these tests check it on its
own terms, without gitward's renderer, so a broken example is caught before it breaks anything else.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ai-chatbot-infra"
BITNAMI = "https://charts.bitnami.com/bitnami"


@pytest.fixture(scope="session")
def helm() -> Path:
    """The real helm binary: on PATH or under .tools/bin; skipped when absent unless required."""
    found = shutil.which("helm") or shutil.which(
        "helm", path=str(EXAMPLE.parents[1] / ".tools/bin")
    )
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail(
                "helm is required (GITWARD_REQUIRE_TOOLS=1) but was not found: run ./dev setup"
            )
        pytest.skip("helm binary not found (run ./dev setup to fetch it)")
    return Path(found)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture(scope="session")
def built_chart(helm: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the example chart after the real ``helm dependency build``, with the Bitnami
    repository's index pointing at the example's own mongodb chart (``charts-repo/``), packaged
    and served on 127.0.0.1: what Argo CD's repo server renders, with no network."""
    home = tmp_path_factory.mktemp("built")
    served = home / "served"
    run = partial(_run, helm, env=_helm_home(home))
    run("package", str(EXAMPLE / "charts-repo" / "mongodb"), "-d", str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        run("repo", "index", str(served), "--url", url)
        (home / "cache").mkdir()
        shutil.copy(served / "index.yaml", home / "cache" / "bitnami-index.yaml")
        (home / "repositories.yaml").write_text(
            f"apiVersion: ''\ngenerated: '0001-01-01T00:00:00Z'\n"
            f"repositories:\n- name: bitnami\n  url: {BITNAMI}\n"
        )
        chart = home / "ai-chatbot"
        shutil.copytree(EXAMPLE / "helm" / "ai-chatbot", chart)
        output = run("dependency", "build", "--skip-refresh", ".", cwd=chart)
        assert "Saving 5 charts" in output, output
        assert (chart / "charts" / "mongodb-15.6.5.tgz").is_file()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
    yield chart


def _helm_home(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "HELM_REPOSITORY_CONFIG": str(home / "repositories.yaml"),
        "HELM_REPOSITORY_CACHE": str(home / "cache"),
        "HELM_CACHE_HOME": str(home / "helm-cache"),
        "HELM_CONFIG_HOME": str(home / "helm-config"),
    }


def _run(helm: Path, *args: str, env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(helm), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"helm {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout
