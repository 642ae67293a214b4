"""``gitward server --repo-dir`` and ``--allow-local-repos`` as an operator uses them: a real
server process, its API over HTTP, and one-line refusals of bad settings (issues 11.3, 12.3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitward.cli.main import app
from support.api import admin_client
from support.applications import application
from support.example import example_repository
from support.processes import server_args, serving

URL = "https://git.example.com/Team/Infra.git"


def bootstrap_app(name: str, repo_url: str) -> dict[str, Any]:
    """An app of the example's gitops/bootstrap at ``repo_url``."""
    return application(name, repo_url=repo_url, path="gitops/bootstrap", namespace="dev")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A ``gitward server`` process mapping URL to a clone; (url, admin password, clone)."""
    repo = example_repository(tmp_path)
    args = server_args(tmp_path / "data", "--repo-dir", f"{URL}={repo}")
    with serving(args, {"GITWARD_RECONCILIATION_PERIOD": "0"}) as (url, password):
        yield url, password, repo


def test_a_repo_dir_serves_the_url_however_it_is_spelt_and_local_urls_are_refused(
    served: tuple[str, str, Path],
) -> None:
    url, password, repo = served
    with admin_client(url, password) as client:
        spellings = [URL, URL.removesuffix(".git"), URL.removesuffix(".git") + "/", URL.lower()]
        for index, spelling in enumerate(spellings):
            created = client.post("/api/v1/applications", json=bootstrap_app(f"a{index}", spelling))
            assert created.status_code == 200, created.text
            shown = client.get(f"/api/v1/applications/a{index}/manifests")
            assert shown.status_code == 200, (spelling, shown.text)
            assert len(shown.json()["manifests"]) == 3
        refused = client.post("/api/v1/applications", json=bootstrap_app("x", f"file://{repo}"))
        assert refused.status_code == 400
        assert "spec.source.repoURL" in refused.json()["message"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--repo-dir", "no-equals-sign"], "is not URL=DIR"),
        (["--repo-dir", f"{URL}=/no/such/dir"], "is not a directory"),
        (["--allow-local-repos", "/no/such/dir"], "not a directory"),
    ],
)
def test_bad_local_repository_settings_fail_in_one_line(args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, ["server", *args])

    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output


def test_a_malformed_environment_variable_fails_in_one_line() -> None:
    result = CliRunner().invoke(app, ["server"], env={"GITWARD_REPO_DIRS": "nonsense"})

    assert result.exit_code == 2
    assert "is not URL=DIR" in result.output
