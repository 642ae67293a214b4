"""Charts from an HTTP chart repository (index.yaml served on 127.0.0.1), as Argo CD reads them:
``spec.source.chart`` with an exact version or a range, through ``gitward render`` and the chart
port, each compared with what the real ``helm template`` renders from the same repository."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from chart_servers import index, package, serve, write_chart
from conftest import application, render_cli
from typer.testing import CliRunner

from gitward.charts import AddressPolicy, ChartAccess, ChartRepositories, ChartRequest
from gitward.cli.main import app as cli
from gitward.errors import ChartUnavailableError, ConfigError, RevisionNotFoundError, SourceError
from gitward.model.objects import ResourceKey
from gitward.render import finishing, manifests


def chart_repository(tmp_path: Path, versions: dict[str, str]) -> Path:
    """A directory of packaged ``web`` chart versions (version -> greeting) and its index."""
    served = tmp_path / "served"
    for version, greeting in versions.items():
        chart = write_chart(tmp_path / "src" / version, "web", version, greeting=greeting)
        package(chart, served)
    index(served)
    return served


def helm_template(helm: Path, *args: str) -> dict[ResourceKey, dict[str, Any]]:
    command = [str(helm), "template", *args, "--namespace", "web", "--include-crds"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, "web", frozenset())
    return {ResourceKey.of(item.manifest): item.manifest for item in found}


def keyed(objects: list[dict[str, Any]]) -> dict[ResourceKey, dict[str, Any]]:
    return {ResourceKey.of(obj): obj for obj in objects}


@pytest.mark.helm_cli
def test_a_chart_from_an_http_repository_renders_what_helm_template_renders(
    tmp_path: Path, helm_binary: Path
) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one", "1.2.0": "two", "2.0.0": "three"})
    with serve(served) as repo:
        status, apps = render_cli(tmp_path, [application("web", repo.url, "web", "^1.0")])
        expected = helm_template(
            helm_binary, "web", "web", "--repo", repo.url, "--version", "1.2.0"
        )
    assert status == 0, apps["web"]["errors"]
    assert apps["web"]["revisions"] == ["1.2.0"]
    assert keyed(apps["web"]["objects"]) == expected
    assert expected, "helm rendered nothing to compare with"


def test_an_exact_version_is_used_as_it_is_and_a_missing_one_is_a_located_error(
    tmp_path: Path,
) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one", "1.2.0": "two"})
    with serve(served) as repo:
        _, apps = render_cli(
            tmp_path,
            [
                application("pinned", repo.url, "web", "1.0.0"),
                application("missing", repo.url, "web", "9.9.9"),
            ],
        )
    greetings = [obj["data"]["greeting"] for obj in apps["pinned"]["objects"]]
    assert greetings == ["one"]
    assert apps["missing"]["objects"] == []
    (error,) = apps["missing"]["errors"]
    assert "Application missing: spec.source" in error
    assert "no version matching '9.9.9'" in error and "it lists 1.2.0, 1.0.0" in error


def test_the_same_chart_version_is_downloaded_once_for_every_app(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    with serve(served) as repo:
        apps = [application(f"web-{n}", repo.url, "web", "1.0.0") for n in range(3)]
        status, rendered = render_cli(tmp_path, apps)
        downloads = repo.fetched(".tgz")
        indexes = repo.fetched("index.yaml")
    assert status == 0
    assert all(len(item["objects"]) == 1 for item in rendered.values())
    assert downloads == 1
    assert indexes == 1


async def test_the_index_is_read_once_per_cycle_unless_a_hard_refresh(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    charts = ChartRepositories(tmp_path / "cache")
    cycle = 0
    charts.cycle = lambda: cycle
    with serve(served) as repo:
        request = ChartRequest(repo.url, "web")
        assert await charts.resolve(request, "*") == "1.0.0"
        assert await charts.resolve(request, "^1") == "1.0.0"
        assert repo.fetched("index.yaml") == 1
        write_chart(tmp_path / "src" / "1.1.0", "web", "1.1.0")
        package(tmp_path / "src" / "1.1.0" / "web", served)
        index(served)
        assert await charts.resolve(request, "*") == "1.0.0"  # same cycle: the listing kept
        assert await charts.resolve(request, "*", hard=True) == "1.1.0"
        cycle = 1
        assert await charts.resolve(request, "*") == "1.1.0"
        assert repo.fetched("index.yaml") == 3


async def test_an_unreachable_repository_is_a_transient_located_error(tmp_path: Path) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    with serve(tmp_path) as repo:
        url = repo.url  # nothing listens there once the block ends
    request = ChartRequest(url, "web", where=None)
    with pytest.raises(ChartUnavailableError, match="could not be read"):
        await charts.resolve(request, "1.0.0")


async def test_a_repository_without_an_index_is_a_source_error(tmp_path: Path) -> None:
    charts = ChartRepositories(tmp_path / "cache")
    with serve(tmp_path) as repo, pytest.raises(SourceError, match="404"):
        await charts.resolve(ChartRequest(repo.url, "web"), "1.0.0")


async def test_a_loopback_repository_needs_the_operators_permission(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    guarded = ChartRepositories(tmp_path / "a", addresses=AddressPolicy(allow_private=False))
    allowed = ChartRepositories(tmp_path / "b", addresses=AddressPolicy(allow_private=True))
    with serve(served) as repo:
        request = ChartRequest(repo.url, "web")
        with pytest.raises(ConfigError, match=r"non-public address 127\.0\.0\.1") as refused:
            await guarded.resolve(request, "1.0.0")
        assert "--allow-private-chart-repos" in (refused.value.hint or "")
        assert await allowed.resolve(request, "1.0.0") == "1.0.0"
        assert repo.fetched("index.yaml") == 1  # the refused one asked nothing


async def test_credentials_go_to_the_repository_host_and_elsewhere_only_when_passed(
    tmp_path: Path,
) -> None:
    """The index on 127.0.0.1 points at archives on ``localhost`` (another host name)."""
    archives = tmp_path / "archives"
    package(write_chart(tmp_path / "src", "web", "1.0.0"), archives)
    access = ChartAccess(username="ci", password="s3cret-pass")
    with serve(archives) as elsewhere:
        base = elsewhere.url.replace("127.0.0.1", "localhost")
        index(archives, base_url=base)
        with serve(archives, username="ci", password="s3cret-pass") as repo:
            for passing in (False, True):
                charts = ChartRepositories(
                    tmp_path / f"cache-{passing}", credentials=lambda _: access
                )
                request = ChartRequest(repo.url, "web", pass_credentials=passing)
                checkout = await charts.checkout(request, await charts.resolve(request, "1.0.0"))
                assert (checkout.root / "Chart.yaml").is_file()
            assert [auth for path, auth in repo.requests if path.endswith("index.yaml")] == [
                True,
                True,
            ]
        assert [auth for _, auth in elsewhere.requests] == [False, True]


async def test_refused_credentials_are_named_without_the_password(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    access = ChartAccess(username="ci", password="wrong-s3cret")
    charts = ChartRepositories(tmp_path / "cache", credentials=lambda _: access)
    with (
        serve(served, username="ci", password="right") as repo,
        pytest.raises(SourceError, match="refused the credentials") as refused,
    ):
        await charts.resolve(ChartRequest(repo.url, "web"), "1.0.0")
    assert "wrong-s3cret" not in str(refused.value)
    assert "wrong-s3cret" not in repr(access)


async def test_an_index_digest_that_does_not_match_the_archive_is_refused(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    text = (served / "index.yaml").read_text()
    digest = text.split("digest: ")[1].split()[0]
    (served / "index.yaml").write_text(text.replace(digest, "f" * 64))
    charts = ChartRepositories(tmp_path / "cache")
    with serve(served) as repo:
        request = ChartRequest(repo.url, "web")
        with pytest.raises(SourceError, match="digest"):
            await charts.checkout(request, "1.0.0")


async def test_a_version_the_index_lacks_is_not_found(tmp_path: Path) -> None:
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    charts = ChartRepositories(tmp_path / "cache")
    with serve(served) as repo, pytest.raises(RevisionNotFoundError):
        await charts.checkout(ChartRequest(repo.url, "web"), "3.0.0")


def test_helm_repo_serves_a_url_from_a_directory_of_archives_and_chart_directories(
    tmp_path: Path,
) -> None:
    charts = tmp_path / "charts"
    package(write_chart(tmp_path / "src", "web", "1.0.0", greeting="archived"), charts)
    write_chart(charts, "api", "2.0.0", greeting="directory")
    url = "https://charts.example.invalid/stable"  # never contacted
    status, apps = render_cli(
        tmp_path,
        [application("web", url, "web", "^1"), application("api", url, "api", "2.0.0")],
        "--helm-repo",
        f"{url}={charts}",
    )
    assert status == 0, {name: app["errors"] for name, app in apps.items()}
    assert [obj["data"]["greeting"] for obj in apps["web"]["objects"]] == ["archived"]
    assert [obj["data"]["greeting"] for obj in apps["api"]["objects"]] == ["directory"]
    assert apps["web"]["revisions"] == ["1.0.0"] and apps["api"]["revisions"] == ["2.0.0"]


def test_a_helm_repo_that_is_no_directory_is_a_usage_error(tmp_path: Path) -> None:
    root = tmp_path / "apps.yaml"
    root.write_text(json.dumps(application("web", "https://x.invalid", "web", "1.0.0")))
    result = CliRunner().invoke(cli, ["render", str(root), "--helm-repo", "https://x.invalid"])
    assert result.exit_code == 2
    assert "--helm-repo 'https://x.invalid' is not URL=DIR" in result.output


async def test_once_the_index_cannot_be_read_again_the_cycle_no_longer_serves_it(
    tmp_path: Path,
) -> None:
    """A hard refresh that finds the repository unreachable must not leave this cycle's listing
    to the next normal refresh: that one would resolve, render from the cached archive and clear
    the app's ComparisonError while the repository is still unreachable."""
    served = chart_repository(tmp_path, {"1.0.0": "one"})
    charts = ChartRepositories(tmp_path / "cache")
    with serve(served) as repo:
        request = ChartRequest(repo.url, "web")
        assert await charts.resolve(request, "*") == "1.0.0"
        await charts.checkout(request, "1.0.0")
    with pytest.raises(ChartUnavailableError, match="could not be read"):
        await charts.resolve(request, "*", hard=True)
    with pytest.raises(ChartUnavailableError, match="could not be read"):
        await charts.resolve(request, "*")
    assert (await charts.checkout(request, "1.0.0")).root.is_dir()  # the archive is kept
