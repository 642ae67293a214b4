"""A repository URL with a secret in it is refused wherever an Application or an AppProject
names one (it would be stored, listed, streamed and compared as written); SSH users are
addresses and pass."""

from __future__ import annotations

from typing import Any

import pytest

from gitward.errors import ManifestError
from gitward.model.application import parse_application
from gitward.model.project import parse_project
from gitward.redaction import carries_credentials

PASSWORD = "hunter2-secret"


def application(*sources: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "project": "default",
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "web"},
    }
    if len(sources) == 1:
        spec["source"] = sources[0]
    else:
        spec["sources"] = list(sources)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "web"},
        "spec": spec,
    }


def project(*repos: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "team"},
        "spec": {"sourceRepos": list(repos)},
    }


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (f"https://bot:{PASSWORD}@git.example.com/x.git", True),
        (f"https://{PASSWORD}@github.com/x.git", True),
        (f"http://bot:{PASSWORD}@git.example.com/x.git", True),
        (f"ssh://git:{PASSWORD}@git.example.com/x.git", True),
        ("ssh://git@git.example.com/x.git", False),
        ("git@github.com:team/x.git", False),
        ("https://git.example.com/x.git", False),
        ("https://git.example.com/x.git?ref=a@b", False),
    ],
)
def test_which_urls_carry_credentials(url: str, secret: bool) -> None:
    assert carries_credentials(url) is secret


def test_an_application_source_with_credentials_is_refused_at_its_field() -> None:
    url = f"https://bot:{PASSWORD}@git.example.com/x.git"
    with pytest.raises(ManifestError) as caught:
        parse_application(application({"repoURL": url, "path": "."}), file="apps/web.yaml")
    error = caught.value
    assert (error.where.file, error.where.obj, error.where.field) == (
        "apps/web.yaml",
        "Application web",
        "spec.source.repoURL",
    )
    assert "carries credentials" in error.problem
    assert "gitward repo add" in error.hint
    assert PASSWORD not in str(error)


def test_every_source_of_a_multi_source_app_is_checked() -> None:
    clean = {"repoURL": "https://git.example.com/x.git", "path": "."}
    token = {"repoURL": f"https://{PASSWORD}@git.example.com/values.git", "ref": "values"}
    with pytest.raises(ManifestError) as caught:
        parse_application(application(clean, token))
    assert caught.value.where.field == "spec.sources[1].repoURL"


def test_an_ssh_source_with_a_user_is_read() -> None:
    parsed = parse_application(application({"repoURL": "ssh://git@host/x.git", "path": "."}))
    assert parsed.value.sources[0].repo_url == "ssh://git@host/x.git"


def test_a_project_source_repo_with_credentials_is_refused_at_its_index() -> None:
    document = project("https://git.example.com/*", f"https://bot:{PASSWORD}@git.example.com/x")
    with pytest.raises(ManifestError) as caught:
        parse_project(document, file="projects.yaml")
    assert caught.value.where.field == "spec.sourceRepos[1]"
    assert PASSWORD not in str(caught.value)
