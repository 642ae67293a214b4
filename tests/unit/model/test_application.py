"""Application parsing: every field the issue names, the document's quirks, and located errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitward.errors import ManifestError
from gitward.model.application import Application, parse_application
from gitward.model.sources import JsonnetOptions, JsonnetVar

REPO = "https://github.com/giridharan-official/ai-chatbot-infra.git"


def app_doc(**spec: Any) -> dict[str, Any]:
    """A minimal valid Application with ``spec`` fields replaced or added."""
    base: dict[str, Any] = {
        "project": "dev",
        "source": {"repoURL": REPO, "targetRevision": "main", "path": "helm/ai-chatbot"},
        "destination": {"server": "https://kubernetes.default.svc", "namespace": "dev"},
    }
    base.update(spec)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "ai-chatbot-dev", "namespace": "argocd"},
        "spec": base,
    }


def parse(doc: dict[str, Any]) -> Application:
    return parse_application(doc, file="apps.yaml").value


def error_of(doc: Any) -> str:
    with pytest.raises(ManifestError) as caught:
        parse_application(doc, file="apps.yaml")
    return str(caught.value)


def test_the_documents_dev_application_reads_as_written() -> None:
    doc = yaml.safe_load(
        """
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: ai-chatbot-dev
          namespace: argocd
          annotations:
            argocd.argoproj.io/sync-wave: "1"
        spec:
          project: dev
          source:
            repoURL: https://github.com/giridharan-official/ai-chatbot-infra.git
            targetRevision: main
            path: helm/ai-chatbot
            helm:
              valueFiles:
                - ../../gitops/dev/values.yaml
          destination:
            server: https://kubernetes.default.svc
            namespace: dev
          syncPolicy:
            automated:
              prune: true
              selfHeal: true
        """
    )
    parsed = parse_application(doc, file="argocd-env-apps.yaml")
    app = parsed.value
    assert parsed.warnings == ()
    assert (app.name, app.namespace, app.project, app.sync_wave) == (
        "ai-chatbot-dev",
        "argocd",
        "dev",
        1,
    )
    assert app.source.repo_url == REPO
    assert app.source.revision == "main"
    assert app.source.helm is not None
    assert app.source.helm.value_files == ("../../gitops/dev/values.yaml",)
    assert str(app.destination) == "https://kubernetes.default.svc/dev"
    assert app.sync_policy.is_automated
    assert app.sync_policy.automated is not None
    assert app.sync_policy.automated.prune and app.sync_policy.automated.self_heal


def test_manual_is_read_as_manual_sync_with_a_warning_that_argo_cd_ignores_it() -> None:
    parsed = parse_application(app_doc(syncPolicy={"manual": {}}), file="apps.yaml")
    assert not parsed.value.sync_policy.is_automated
    assert len(parsed.warnings) == 1
    assert "spec.syncPolicy.manual" in parsed.warnings[0]
    assert "Argo CD ignores it" in parsed.warnings[0]


def test_manual_together_with_automated_is_an_error() -> None:
    message = error_of(app_doc(syncPolicy={"manual": {}, "automated": {"prune": True}}))
    assert "spec.syncPolicy.manual" in message
    assert "both `manual` and `automated`" in message


def test_automated_enabled_false_means_manual() -> None:
    app = parse(app_doc(syncPolicy={"automated": {"enabled": False, "prune": True}}))
    assert not app.sync_policy.is_automated


def test_every_helm_field_is_read() -> None:
    helm = {
        "valueFiles": ["values-a.yaml", "$values/env/b.yaml"],
        "values": "replicaCount: 2\n",
        "valuesObject": {"image": {"tag": "v1"}},
        "parameters": [{"name": "a.b", "value": 3, "forceString": True}],
        "fileParameters": [{"name": "config", "path": "files/config.txt"}],
        "releaseName": "chatbot",
        "ignoreMissingValueFiles": True,
        "skipCrds": True,
        "skipSchemaValidation": True,
        "skipTests": True,
        "namespace": "other",
        "kubeVersion": "1.30.0",
        "apiVersions": ["monitoring.coreos.com/v1"],
        "passCredentials": False,
        "version": "v3",
    }
    source = {"repoURL": REPO, "path": "chart", "helm": helm}
    parsed = parse_application(app_doc(source=source), file="apps.yaml")
    options = parsed.value.source.helm
    assert parsed.warnings == ()
    assert options is not None
    assert options.value_files == ("values-a.yaml", "$values/env/b.yaml")
    assert options.values == "replicaCount: 2\n"
    assert options.values_object == {"image": {"tag": "v1"}}
    assert options.parameters[0].name == "a.b"
    assert options.parameters[0].value == "3"
    assert options.parameters[0].force_string
    assert options.file_parameters[0].path == "files/config.txt"
    assert options.release_name == "chatbot"
    assert options.ignore_missing_value_files and options.skip_crds
    assert options.skip_schema_validation and options.skip_tests
    assert (options.namespace, options.kube_version) == ("other", "1.30.0")
    assert options.api_versions == ("monitoring.coreos.com/v1",)


def test_helm_values_written_as_an_object_are_accepted_like_argo_cd() -> None:
    source = {"repoURL": REPO, "path": "chart", "helm": {"values": {"replicaCount": 2}}}
    options = parse(app_doc(source=source)).source.helm
    assert options is not None
    assert options.values_object == {"replicaCount": 2}
    assert options.values == ""


def test_directory_and_kustomize_options_are_read() -> None:
    directory = {"recurse": True, "include": "{a.yaml,b.yaml}", "exclude": "*.json"}
    app = parse(app_doc(source={"repoURL": REPO, "path": "d", "directory": directory}))
    assert app.source.directory is not None
    assert app.source.directory.recurse
    assert app.source.directory.include == "{a.yaml,b.yaml}"
    kustomize = {"namePrefix": "p-", "images": ["nginx=nginx:1.27"], "commonLabels": {"a": "b"}}
    app = parse(app_doc(source={"repoURL": REPO, "path": "k", "kustomize": kustomize}))
    assert app.source.kustomize is not None
    assert app.source.kustomize.name_prefix == "p-"
    assert app.source.kustomize.images == ("nginx=nginx:1.27",)
    assert app.source.kustomize.common_labels == {"a": "b"}


def test_directory_jsonnet_options_are_read_and_odd_fields_are_located() -> None:
    jsonnet = {
        "tlas": [
            {"name": "ns", "value": "$ARGOCD_APP_NAMESPACE"},
            {"name": "n", "value": 3, "code": True},
        ],
        "extVars": [{"name": "env", "value": "prod", "secret": "x"}],
        "libs": ["vendor"],
    }
    doc = app_doc(source={"repoURL": REPO, "path": "j", "directory": {"jsonnet": jsonnet}})
    parsed = parse_application(doc, file="apps.yaml")
    directory = parsed.value.source.directory
    assert directory is not None
    assert directory.jsonnet == JsonnetOptions(
        tlas=(JsonnetVar("ns", "$ARGOCD_APP_NAMESPACE"), JsonnetVar("n", "3", code=True)),
        ext_vars=(JsonnetVar("env", "prod"),),
        libs=("vendor",),
    )
    [warning] = parsed.warnings
    assert "spec.source.directory.jsonnet.extVars[0].secret: unknown field" in str(warning)

    jsonnet = {"tlas": [{"value": "x"}]}
    doc = app_doc(source={"repoURL": REPO, "path": "j", "directory": {"jsonnet": jsonnet}})
    assert "spec.source.directory.jsonnet.tlas[0].name" in error_of(doc)
    doc = app_doc(source={"repoURL": REPO, "path": "j", "directory": {"jsonnet": {"libs": "v"}}})
    assert "spec.source.directory.jsonnet.libs" in error_of(doc)


def test_multiple_sources_with_a_ref_are_read_in_order() -> None:
    sources = [
        {"repoURL": "https://charts.example.com", "chart": "nginx", "targetRevision": "15.0.0"},
        {"repoURL": REPO, "targetRevision": "main", "ref": "values"},
    ]
    app = parse(app_doc(source=None, sources=sources))
    assert app.multi_source
    assert [s.chart or s.ref for s in app.sources] == ["nginx", "values"]


def test_sync_policy_options_retry_and_namespace_metadata() -> None:
    policy = {
        "automated": {"prune": True, "selfHeal": True, "allowEmpty": True},
        "syncOptions": ["CreateNamespace=true", "PruneLast=true"],
        "retry": {"limit": 5, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "3m"}},
        "managedNamespaceMetadata": {"labels": {"team": "chat"}, "annotations": {"a": "b"}},
    }
    policy_value = parse(app_doc(syncPolicy=policy)).sync_policy
    assert policy_value.automated is not None and policy_value.automated.allow_empty
    assert policy_value.has_option("createnamespace=TRUE")
    assert policy_value.retry is not None
    assert policy_value.retry.limit == 5
    assert policy_value.retry.backoff.duration_s == 5.0
    assert policy_value.retry.backoff.max_duration_s == 180.0
    assert policy_value.managed_namespace_metadata is not None
    assert policy_value.managed_namespace_metadata.labels == {"team": "chat"}


def test_ignore_differences_and_history_limit_are_read() -> None:
    rules = [
        {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]},
        {"kind": "ConfigMap", "jqPathExpressions": [".data.x"], "managedFieldsManagers": ["hpa"]},
    ]
    app = parse(app_doc(ignoreDifferences=rules, revisionHistoryLimit=3))
    assert app.ignore_differences[0].json_pointers == ("/spec/replicas",)
    assert app.ignore_differences[1].managed_fields_managers == ("hpa",)
    assert app.revision_history_limit == 3


def test_missing_project_means_the_default_project() -> None:
    doc = app_doc()
    del doc["spec"]["project"]
    assert parse(doc).project == "default"


def test_resources_finalizer_means_deleting_the_app_deletes_its_resources() -> None:
    doc = app_doc()
    doc["metadata"]["finalizers"] = ["resources-finalizer.argocd.argoproj.io/background"]
    assert parse(doc).deletes_resources
    assert not parse(app_doc()).deletes_resources


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"source": None}, "spec.source", "has no source"),
        ({"source": {"path": "x"}}, "spec.source.repoURL", "required field is missing"),
        ({"destination": {"namespace": "dev"}}, "spec.destination.server", "no cluster"),
        (
            {"destination": {"server": "https://x", "name": "in-cluster"}},
            "spec.destination.name",
            "both `server` and `name`",
        ),
        ({"syncPolicy": {"automated": {"prune": "yes"}}}, "automated.prune", "true or false"),
        ({"syncPolicy": {"syncOptions": "CreateNamespace=true"}}, "syncOptions", "a list"),
        ({"syncPolicy": {"retry": {"limit": "x"}}}, "retry.limit", "an integer"),
        (
            {"syncPolicy": {"retry": {"backoff": {"duration": "soon"}}}},
            "backoff.duration",
            "not a duration",
        ),
        ({"revisionHistoryLimit": -1}, "spec.revisionHistoryLimit", "negative"),
        ({"source": {"repoURL": REPO, "helm": {"valueFiles": "v.yaml"}}}, "valueFiles", "a list"),
        ({"source": {"repoURL": REPO, "helm": {"parameters": [{"value": 1}]}}}, "name", "missing"),
        ({"source": {"repoURL": REPO, "path": "a", "chart": "b"}}, "spec.source.chart", "both"),
        ({"ignoreDifferences": [{"jsonPointers": ["/a"]}]}, "ignoreDifferences[0].kind", "miss"),
    ],
)
def test_wrong_input_names_the_file_the_object_and_the_field(
    change: dict[str, Any], field: str, words: str
) -> None:
    message = error_of(app_doc(**change))
    assert message.startswith("apps.yaml: Application ai-chatbot-dev: ")
    assert field in message
    assert words in message


def test_a_bad_sync_wave_names_the_annotation() -> None:
    doc = app_doc()
    doc["metadata"]["annotations"] = {"argocd.argoproj.io/sync-wave": "first"}
    message = error_of(doc)
    assert "metadata.annotations[argocd.argoproj.io/sync-wave]" in message
    assert "not an integer" in message


def test_an_invalid_name_is_refused_with_the_rule() -> None:
    doc = app_doc()
    doc["metadata"]["name"] = "AI_Chatbot"
    assert "not a valid name" in error_of(doc)


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert "expected a mapping, found a list" in error_of(["not", "an", "app"])


def test_unknown_fields_are_warned_with_a_spelling_suggestion() -> None:
    doc = app_doc()
    doc["spec"]["source"]["helm"] = {"valueFile": ["v.yaml"], "valueFiles": []}
    doc["spec"]["syncPolicy"] = {"automated": {"selfheal": True}}
    warnings = parse_application(doc, file="apps.yaml").warnings
    assert any("spec.source.helm.valueFile: unknown field" in w for w in warnings)
    assert any("did you mean `selfHeal`?" in w for w in warnings)


def test_unknown_sync_options_are_warned() -> None:
    doc = app_doc(syncPolicy={"syncOptions": ["CreateNamespaces=true"]})
    warnings = parse_application(doc, file="apps.yaml").warnings
    assert warnings == (
        "apps.yaml: Application ai-chatbot-dev: spec.syncPolicy.syncOptions[0]: "
        "unknown sync option 'CreateNamespaces=true', ignored",
    )


def test_status_and_server_metadata_of_an_exported_app_are_not_warned() -> None:
    doc = app_doc()
    doc["status"] = {"sync": {"status": "Synced"}}
    doc["metadata"].update(uid="1", resourceVersion="2", generation=3)
    assert parse_application(doc, file="apps.yaml").warnings == ()
