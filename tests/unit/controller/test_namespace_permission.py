"""A project's destinations bound every namespaced object an app renders, not only the app's
own destination: a chart naming another namespace is refused, as Argo CD's sync refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from controller_builders import IN_CLUSTER, REPO, application

from gitward.controller.appofapps import namespace_problem
from gitward.errors import ConfigError
from gitward.model.application import parse_application
from gitward.model.project import AppProject, parse_project
from gitward.server.permitting import check_objects


def dev_project() -> AppProject:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": {"name": "dev", "namespace": "argocd"},
        "spec": {
            "sourceRepos": [REPO],
            "destinations": [{"server": IN_CLUSTER, "namespace": "dev"}],
        },
    }
    return parse_project(doc, file="projects.yaml").value


def config_map(namespace: str | None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "settings"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


def dev_app() -> Any:
    document = application("web", namespace="dev")
    document["spec"]["project"] = "dev"
    return parse_application(document, file="apps.yaml").value


def test_an_object_in_the_apps_own_namespace_or_none_is_permitted() -> None:
    assert namespace_problem(dev_app(), dev_project(), config_map("dev")) is None
    assert namespace_problem(dev_app(), dev_project(), config_map(None)) is None


def test_an_object_naming_a_namespace_outside_the_projects_destinations_is_refused() -> None:
    problem = namespace_problem(dev_app(), dev_project(), config_map("prod"))
    assert problem is not None
    assert "ConfigMap settings: namespace 'prod' is not permitted in project 'dev'" in problem


def test_a_sync_through_the_api_refuses_it_before_applying() -> None:
    with pytest.raises(ConfigError) as refused:
        check_objects(dev_app(), dev_project(), [config_map("dev"), config_map("kube-system")])
    assert "namespace 'kube-system' is not permitted in project 'dev'" in str(refused.value)
