"""Charts in a real OCI registry (Debian's docker-registry on 127.0.0.1), pushed with the Helm
SDK: ``repoURL: HOST/charts`` with or without ``oci://``, versions from the registry's tags,
compared with what ``helm template oci://...`` renders from the same registry."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
from chart_servers import package, write_chart
from conftest import REGISTRY_PASSWORD, REGISTRY_USER, application, render_cli

from gitward.charts import ChartAccess, ChartRepositories, ChartRequest
from gitward.errors import GitwardError, RevisionNotFoundError, SourceError
from gitward.model.objects import ResourceKey
from gitward.render import finishing, manifests


def push_versions(tmp_path: Path, registry: str, versions: dict[str, str]) -> str:
    """Push the ``web`` chart at each version (-> greeting); the repoURL (no ``oci://``)."""
    base = f"{registry}/charts-{uuid.uuid4().hex[:8]}"
    for version, greeting in versions.items():
        chart = write_chart(tmp_path / "src" / version, "web", version, greeting=greeting)
        archive = package(chart, tmp_path / "packaged")
        helm.push(archive, f"oci://{base}", plain_http=True)
    return base


def helm_template(
    helm_bin: Path, release: str, reference: str, version: str
) -> dict[ResourceKey, Any]:
    command = [str(helm_bin), "template", release, reference, "--version", version, "--plain-http"]
    command += ["--namespace", "web", "--include-crds"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    found = manifests.parse_manifests(done.stdout, file="helm template")
    finishing.default_namespaces(found, "web", frozenset())
    return {ResourceKey.of(item.manifest): item.manifest for item in found}


@pytest.mark.helm_cli
def test_a_chart_from_an_oci_registry_renders_what_helm_template_renders(
    tmp_path: Path, registry: str, helm_binary: Path
) -> None:
    base = push_versions(tmp_path, registry, {"1.0.0": "one", "1.1.0": "two", "2.0.0": "x"})
    _, apps = render_cli(
        tmp_path,
        [
            application("bare", base, "web", "~1.0"),
            application("prefixed", f"oci://{base}", "web", "^1"),
        ],
    )
    expected = helm_template(helm_binary, "prefixed", f"oci://{base}/web", "1.1.0")
    assert apps["bare"]["errors"] == [] and apps["prefixed"]["errors"] == []
    assert apps["bare"]["revisions"] == ["1.0.0"]
    assert apps["prefixed"]["revisions"] == ["1.1.0"]
    assert {ResourceKey.of(obj): obj for obj in apps["prefixed"]["objects"]} == expected
    assert [obj["data"]["greeting"] for obj in apps["bare"]["objects"]] == ["one"]


async def test_an_oci_chart_version_is_pulled_once_and_its_tags_listed_once_per_cycle(
    tmp_path: Path, registry: str
) -> None:
    base = push_versions(tmp_path, registry, {"1.0.0": "one"})
    charts = ChartRepositories(tmp_path / "cache")
    request = ChartRequest(base, "web")
    first = await charts.checkout(request, await charts.resolve(request, "*"))
    again = await charts.checkout(ChartRequest(f"oci://{base}", "web"), "1.0.0")
    assert first.root == again.root and (first.root / "Chart.yaml").is_file()
    assert charts.archives.stored == 1
    assert charts.listings_read == 1


async def test_a_chart_missing_from_the_registry_is_a_located_error(
    tmp_path: Path, registry: str
) -> None:
    base = push_versions(tmp_path, registry, {"1.0.0": "one"})
    charts = ChartRepositories(tmp_path / "cache")
    with pytest.raises(RevisionNotFoundError, match=r"no version matching '3\.0\.0'"):
        await charts.resolve(ChartRequest(base, "web"), "3.0.0")
    with pytest.raises(SourceError, match="not in the registry"):
        await charts.resolve(ChartRequest(base, "absent"), "1.0.0")


async def test_a_registry_that_needs_a_login_is_read_with_the_stored_credentials(
    tmp_path: Path, guarded_registry: str
) -> None:
    archive = package(write_chart(tmp_path / "src", "web", "1.0.0"), tmp_path / "packaged")
    base = f"{guarded_registry}/private"
    with helm.RegistryClient(plain_http=True, credentials_file=tmp_path / "login.json") as client:
        client.login(guarded_registry, REGISTRY_USER, REGISTRY_PASSWORD, plain_http=True)
        client.push(archive, f"oci://{base}", plain_http=True)
    anonymous = ChartRepositories(tmp_path / "anonymous")
    wrong = ChartAccess(username=REGISTRY_USER, password="not-the-password")
    refused = ChartRepositories(tmp_path / "refused", credentials=lambda url: wrong)
    right = ChartAccess(username=REGISTRY_USER, password=REGISTRY_PASSWORD)
    logged_in = ChartRepositories(tmp_path / "logged-in", credentials=lambda url: right)
    request = ChartRequest(base, "web")

    with pytest.raises(SourceError, match="refused access") as without:
        await anonymous.resolve(request, "1.0.0")
    with pytest.raises(GitwardError) as with_wrong:
        await refused.resolve(request, "1.0.0")
    checkout = await logged_in.checkout(request, await logged_in.resolve(request, "^1"))

    assert (checkout.root / "Chart.yaml").is_file()
    assert "not-the-password" not in str(with_wrong.value)
    assert REGISTRY_PASSWORD not in str(without.value)
