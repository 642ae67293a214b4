"""Chart repositories for the tests: an HTTP one per test, a real OCI registry per session.

The registry is Debian's ``docker-registry``: ``GITWARD_TEST_REGISTRY`` (``HOST:PORT``, set by
``./dev test``) when given, else one started here with ``scripts/registry`` and stopped at the
end. Without one the OCI tests skip, unless ``GITWARD_REQUIRE_TOOLS=1`` (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app as cli
from support import applications

PROJECT = Path(__file__).resolve().parents[3]
REGISTRY_VARIABLE = "GITWARD_TEST_REGISTRY"


def _required(what: str) -> None:
    if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{what} is required (GITWARD_REQUIRE_TOOLS=1) but missing: run ./dev setup")
    pytest.skip(f"{what} not available (run ./dev setup)")


@pytest.fixture(scope="session")
def helm_binary() -> Path:
    """The real helm: on PATH or in .tools/bin."""
    found = shutil.which("helm") or shutil.which("helm", path=str(PROJECT / ".tools" / "bin"))
    if found is None:
        _required("helm")
    return Path(str(found))


REGISTRY_USER, REGISTRY_PASSWORD = "ci", "registry-s3cret"


@pytest.fixture(scope="session")
def registry() -> Iterator[str]:
    """``HOST:PORT`` of a running OCI registry on the loopback address."""
    given = os.environ.get(REGISTRY_VARIABLE)
    if given:
        yield given
        return
    yield from _started_registry()


@pytest.fixture(scope="session")
def guarded_registry() -> Iterator[str]:
    """``HOST:PORT`` of a registry that needs ``REGISTRY_USER``'s login (basic auth)."""
    yield from _started_registry(f"{REGISTRY_USER}:{REGISTRY_PASSWORD}")


def _started_registry(*login: str) -> Iterator[str]:
    home = tempfile.mkdtemp(prefix="gitward-registry-")
    script = PROJECT / "scripts" / "registry"
    done = subprocess.run(
        [str(script), "start", home, *login],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        shutil.rmtree(home, ignore_errors=True)
        _required(f"docker-registry ({done.stderr.strip()[-300:]})")
    try:
        yield done.stdout.strip()
    finally:
        subprocess.run([str(script), "stop", home], timeout=60, check=False)


def application(
    name: str, repo_url: str, chart: str, revision: str, **source: Any
) -> dict[str, Any]:
    """An app of ``chart`` at ``revision`` from the chart repository ``repo_url``, into web."""
    more = {"chart": chart, **source}
    return applications.application(
        name, repo_url=repo_url, revision=revision, source=more, namespace="web"
    )


def render_cli(
    tmp_path: Path, apps: list[dict[str, Any]], *extra: str
) -> tuple[int, dict[str, dict[str, Any]]]:
    """``gitward render -o json`` of a root file holding ``apps``; apps by name."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "apps.yaml"
    root.write_text("\n---\n".join(json.dumps(item) for item in apps))
    args = ["render", str(root), "-o", "json", "--cache-dir", str(tmp_path / "cache"), *extra]
    result = CliRunner().invoke(cli, args)
    assert result.stdout.startswith("{"), result.output
    payload = json.loads(result.stdout)
    return result.exit_code, {entry["name"]: entry for entry in payload["apps"]}
