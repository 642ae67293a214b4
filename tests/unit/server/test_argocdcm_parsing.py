"""argocd-cm read as Argo CD users write it: every supported key, the warnings, the errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gitward.errors import ConfigError
from gitward.model.application import IgnoreDifference
from gitward.server.argocdcm import load_settings, parse_settings, read_document, read_file
from gitward.server.argocdcm.parsing import ArgoCdSettings
from gitward.store.records import AccountCapability


def settings(data: str) -> ArgoCdSettings:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n"
    return parse_settings(read_document(text + textwrap.indent(textwrap.dedent(data), "  ")))


def failure(data: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        settings(data)
    return caught.value


DEGRADED = 'hs = {}\nhs.status = "Degraded"\nhs.message = "broken"\nreturn hs\n'


def test_a_per_kind_health_key_and_the_structured_form_both_give_lua_checks() -> None:
    found = settings(
        """
        resource.customizations.health.cert-manager.io_Certificate: |
          hs = {status = "Degraded", message = "per-kind"}
          return hs
        resource.customizations: |
          "*.crossplane.io/*":
            health.lua: |
              return {status = "Progressing", message = "structured"}
        """
    )
    health = found.resources.overrides.health
    certificate = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {}}
    bucket = {"apiVersion": "s3.aws.crossplane.io/v1", "kind": "Bucket", "metadata": {}}
    verdict = health.assess(certificate)
    assert verdict is not None and verdict.message == "per-kind"
    other = health.assess(bucket)
    assert other is not None and other.message == "structured"
    assert found.warnings == []


def test_ignore_differences_per_kind_all_and_structured_become_global_rules() -> None:
    found = settings(
        """
        resource.customizations.ignoreDifferences.apps_Deployment: |
          jsonPointers:
          - /spec/replicas
        resource.customizations.ignoreDifferences.all: |
          managedFieldsManagers:
          - kube-controller-manager
        resource.customizations: |
          admissionregistration.k8s.io/MutatingWebhookConfiguration:
            ignoreDifferences: |
              jqPathExpressions:
              - .webhooks[]?.clientConfig.caBundle
        """
    )
    assert set(found.resources.overrides.ignore_differences) == {
        IgnoreDifference(kind="Deployment", group="apps", json_pointers=("/spec/replicas",)),
        IgnoreDifference(kind="*", group="*", managed_fields_managers=("kube-controller-manager",)),
        IgnoreDifference(
            kind="MutatingWebhookConfiguration",
            group="admissionregistration.k8s.io",
            jq_path_expressions=(".webhooks[]?.clientConfig.caBundle",),
        ),
    }


def test_known_type_fields_are_read_and_kept() -> None:
    found = settings(
        """
        resource.customizations.knownTypeFields.argoproj.io_Rollout: |
          - field: spec.template.spec
            type: core/v1/PodSpec
        """
    )
    assert found.resources.known_type_fields == {
        "argoproj.io/Rollout": [{"field": "spec.template.spec", "type": "core/v1/PodSpec"}]
    }


def test_exclusions_and_inclusions_follow_argo_cds_table() -> None:
    found = settings(
        """
        resource.exclusions: |
          - apiGroups: ["tekton.dev"]
            kinds: ["*"]
            clusters: ["*"]
          - apiGroups: ["*.k8s.io"]
            kinds: [Lease]
        resource.inclusions: |
          - apiGroups: ["*"]
            kinds: ["*"]
            clusters: ["https://prod.example.com"]
          - apiGroups: [""]
            kinds: [ConfigMap]
            clusters: ["https://staging.example.com"]
        """
    )
    rules = found.resources.overrides.resource_filter
    assert rules.excludes("tekton.dev", "PipelineRun", "https://kubernetes.default.svc")
    assert rules.excludes("coordination.k8s.io", "Lease")
    assert not rules.excludes("apps", "Deployment", "https://kubernetes.default.svc")
    assert not rules.excludes("apps", "Deployment", "https://prod.example.com")
    assert rules.excludes("apps", "Deployment", "https://staging.example.com")
    assert not rules.excludes("", "ConfigMap", "https://staging.example.com")


def test_periods_tracking_accounts_and_switches_are_read() -> None:
    found = settings(
        """
        timeout.reconciliation: 180s
        timeout.hard.reconciliation: 1h
        timeout.reconciliation.jitter: "30"
        application.resourceTrackingMethod: annotation+label
        application.instanceLabelKey: argocd.argoproj.io/instance
        accounts.alice: apiKey, login
        accounts.ci: apiKey
        accounts.ci.enabled: "false"
        admin.enabled: "false"
        users.anonymous.enabled: "true"
        users.session.duration: 8h
        controller.diff.server.side: "true"
        url: https://gitward.example.com/
        """
    )
    assert found.server_side_diff is True
    assert found.session_s == 8 * 3600
    assert found.periods == {
        "reconciliation_s": 180.0,
        "hard_reconciliation_s": 3600.0,
        "jitter_s": 30.0,
    }
    assert found.tracking.method == "annotation+label"
    assert found.tracking.label_key == "argocd.argoproj.io/instance"
    assert found.accounts["alice"].capabilities == (
        AccountCapability.API_KEY,
        AccountCapability.LOGIN,
    )
    assert found.accounts["ci"].enabled is False
    assert (found.admin_enabled, found.anonymous, found.url) == (
        False,
        True,
        "https://gitward.example.com",
    )


def test_oidc_config_uses_the_url_for_its_callback() -> None:
    found = settings(
        """
        url: https://gitward.example.com
        oidc.config: |
          name: Okta
          issuer: https://dev-123456.okta.com
          clientID: aaaabbbbccccddddeee
          clientSecret: s3cr3t-value
          requestedScopes: ["openid", "profile", "email", "groups"]
        """
    )
    assert found.oidc is not None
    assert found.oidc.redirect_uri == "https://gitward.example.com/auth/callback"
    assert found.oidc.client_id == "aaaabbbbccccddddeee"
    assert "s3cr3t-value" not in repr(found)


def test_unknown_and_unsupported_keys_are_warned_by_name() -> None:
    found = settings(
        """
        dex.config: "connectors: []"
        ui.bannercontent: hello
        resource.customizations.actions.apps_Deployment: "discovery.lua: ''"
        resource.compareoptions: |
          ignoreAggregatedRoles: true
          ignoreResourceStatusField: none
        my.own.key: "1"
        """
    )
    text = "\n".join(found.warnings)
    assert "dex.config is not supported" in text
    assert "ui.bannercontent is not supported" in text
    assert "resource.customizations.actions.apps_Deployment is ignored" in text
    assert "ignoreResourceStatusField none" in text
    assert "my.own.key is not a setting gitward knows" in text
    assert found.resources.overrides.ignore_aggregated_roles is True


@pytest.mark.parametrize(
    ("data", "key", "words"),
    [
        ("timeout.reconciliation: soon\n", "timeout.reconciliation", "not a duration"),
        ("admin.enabled: maybe\n", "admin.enabled", "not true or false"),
        ("accounts.bob: apikey\n", "accounts.bob", "not an account capability"),
        (
            "resource.customizations.ignoreDifferences.apps_Deployment: '- /spec'\n",
            "resource.customizations.ignoreDifferences.apps_Deployment",
            "not a map",
        ),
        ("resource.exclusions: '{kinds: x}'\n", "resource.exclusions", "not a list"),
        ("application.resourceTrackingMethod: uid\n", "application.resourceTrackingMethod", "uid"),
        ("oidc.config: 'issuer: https://x'\n", "url", "external URL"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_file_and_the_key(
    data: str, key: str, words: str
) -> None:
    error = failure(data)
    assert f"data[{key}]" in str(error.where)
    assert "ConfigMap argocd-cm" in str(error.where)
    assert words in error.problem


def test_a_file_that_is_not_a_configmap_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "argocd-cm.yaml"
    path.write_text("kind: Secret\ndata: {}\n")
    with pytest.raises(ConfigError) as caught:
        read_file(path)
    assert str(path) in str(caught.value.where)
    assert "not ConfigMap" in caught.value.problem


def test_the_example_repositorys_settings_file_reads_without_warnings() -> None:
    path = Path(__file__).parents[3] / "examples" / "ai-chatbot-infra" / "argocd-cm.yaml"
    found = load_settings(path)
    assert found.warnings == []
    assert found.periods["reconciliation_s"] == 180.0
    rules = found.resources.overrides.ignore_differences
    assert any(
        rule.kind == "Deployment" and "kube-controller-manager" in rule.managed_fields_managers
        for rule in rules
    )
    assert len(found.resources.overrides.health) == 0
