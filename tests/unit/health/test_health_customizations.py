"""Custom health checks are configured as in Argo CD's argocd-cm and override built-in checks."""

from __future__ import annotations

import pytest

from gitward.errors import ConfigError
from gitward.health import Health, HealthCustomizations, HealthStatus, assess

# Argo CD's resource_customizations/cert-manager.io/Certificate/health.lua, as teams paste it.
CERTIFICATE_LUA = """\
local hs = {}
if obj.status ~= nil then
  if obj.status.conditions ~= nil then
    for i, condition in ipairs(obj.status.conditions) do
      if condition.type == "Issuing" and condition.status == "True" then
        hs.status = "Progressing"
        hs.message = condition.message
        return hs
      end
    end
    for i, condition in ipairs(obj.status.conditions) do
      if condition.type == "Ready" and condition.status == "False" then
        hs.status = "Degraded"
        hs.message = condition.message
        return hs
      end
      if condition.type == "Ready" and condition.status == "True" then
        hs.status = "Healthy"
        hs.message = condition.message
        return hs
      end
    end
  end
end
hs.status = "Progressing"
hs.message = "Waiting for certificate"
return hs
"""


def certificate(*conditions: dict[str, str]) -> dict[str, object]:
    return {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "web-tls", "namespace": "shop"},
        "status": {"conditions": list(conditions)},
    }


CONFIG = {"resource.customizations.health.cert-manager.io_Certificate": CERTIFICATE_LUA}


@pytest.mark.parametrize(
    ("conditions", "expected"),
    [
        (
            [{"type": "Ready", "status": "True", "message": "Certificate is up to date"}],
            Health(HealthStatus.HEALTHY, "Certificate is up to date"),
        ),
        (
            [{"type": "Ready", "status": "False", "message": "Issuer not ready"}],
            Health(HealthStatus.DEGRADED, "Issuer not ready"),
        ),
        (
            [
                {"type": "Ready", "status": "False", "message": "old"},
                {"type": "Issuing", "status": "True", "message": "Issuing certificate"},
            ],
            Health(HealthStatus.PROGRESSING, "Issuing certificate"),
        ),
        ([], Health(HealthStatus.PROGRESSING, "Waiting for certificate")),
    ],
)
def test_argo_cd_certificate_check_works_unchanged(conditions, expected):
    customizations = HealthCustomizations.from_config(CONFIG)

    assert assess(certificate(*conditions), customizations=customizations) == expected


def test_the_structured_form_is_read_too():
    indented = "\n".join("      " + line for line in CERTIFICATE_LUA.splitlines())
    data = {
        "resource.customizations": f"cert-manager.io/Certificate:\n  health.lua: |\n{indented}\n"
    }

    customizations = HealthCustomizations.from_config(data)

    assert assess(certificate(), customizations=customizations).message == "Waiting for certificate"


def test_a_customization_overrides_the_built_in_check():
    data = {"resource.customizations.health.apps_Deployment": "return {status = 'Suspended'}"}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}

    health = assess(deployment, customizations=HealthCustomizations.from_config(data))

    assert health == Health(HealthStatus.SUSPENDED)


def test_a_core_group_kind_is_keyed_by_its_kind_alone():
    customizations = HealthCustomizations.from_config(
        {"resource.customizations.health.ConfigMap": "return {status = 'Degraded'}"}
    )

    assert customizations.find("", "ConfigMap") is not None
    assert customizations.find("apps", "ConfigMap") is None


def test_wildcards_match_groups_and_kinds_and_the_most_specific_wins():
    data = {
        "resource.customizations": (
            "'*.aws.crossplane.io/*':\n  health.lua: return {status = 'Progressing'}\n"
            "'ec2.aws.crossplane.io/*':\n  health.lua: return {status = 'Degraded'}\n"
            "ec2.aws.crossplane.io/VPC:\n  health.lua: return {status = 'Healthy'}\n"
        )
    }
    customizations = HealthCustomizations.from_config(data)

    found = {
        kind: customizations.find(group, kind).pattern  # type: ignore[union-attr]
        for group, kind in [
            ("rds.aws.crossplane.io", "DBInstance"),
            ("ec2.aws.crossplane.io", "Subnet"),
            ("ec2.aws.crossplane.io", "VPC"),
        ]
    }

    assert found == {
        "DBInstance": "*.aws.crossplane.io/*",
        "Subnet": "ec2.aws.crossplane.io/*",
        "VPC": "ec2.aws.crossplane.io/VPC",
    }
    assert customizations.find("gcp.crossplane.io", "Network") is None


def test_a_per_kind_key_beats_the_structured_form():
    data = {
        "resource.customizations": (
            "example.com/Widget:\n  health.lua: return {status = 'Degraded'}\n"
        ),
        "resource.customizations.health.example.com_Widget": "return {status = 'Healthy'}",
    }

    check = HealthCustomizations.from_config(data).find("example.com", "Widget")

    assert check is not None
    assert check.name == "resource.customizations.health.example.com_Widget"


def test_an_error_in_a_structured_script_names_its_entry():
    data = {"resource.customizations": "example.com/Widget:\n  health.lua: return {status =\n"}
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}

    health = assess(widget, customizations=HealthCustomizations.from_config(data))

    assert health.status is HealthStatus.UNKNOWN
    assert "resource.customizations example.com/Widget health.lua" in health.message


def test_unrelated_keys_are_left_alone():
    data = {
        "resource.customizations.ignoreDifferences.apps_Deployment": "jsonPointers: [/spec]",
        "resource.customizations.useOpenLibs.example.com_Widget": "true",
        "url": "https://argocd.example.com",
    }

    assert len(HealthCustomizations.from_config(data)) == 0


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"resource.customizations": "[unclosed"}, "resource.customizations is not valid YAML"),
        ({"resource.customizations": "- a list"}, "resource.customizations is not a map of kinds"),
        ({"resource.customizations": "example.com/W: 3"}, "entry example.com/W is not a map"),
        (
            {"resource.customizations": "example.com/W:\n  health.lua: 3"},
            "example.com/W health.lua is not a string",
        ),
        (
            {"resource.customizations.health.example.com_W": 3},
            "resource.customizations.health.example.com_W is not a Lua script (a string)",
        ),
    ],
)
def test_malformed_configuration_is_a_config_error_naming_the_key(data, problem):
    with pytest.raises(ConfigError) as caught:
        HealthCustomizations.from_config(data)

    assert problem in caught.value.message
    assert "ConfigMap argocd-cm" in caught.value.message


CUSTOM = "return {status = 'Healthy', message = 'custom'}"


@pytest.mark.parametrize(
    ("data", "obj"),
    [
        (
            {"resource.customizations.health.cert-manager.io_Certificate": CUSTOM},
            certificate({"type": "Ready", "status": "False", "message": "expired"}),
        ),
        (
            {"resource.customizations": f"'*.upbound.io/*':\n  health.lua: {CUSTOM}\n"},
            {
                "apiVersion": "s3.aws.upbound.io/v1beta1",
                "kind": "Bucket",
                "metadata": {"name": "logs"},
                "status": {"conditions": [{"type": "Synced", "status": "False"}]},
            },
        ),
        (
            {"resource.customizations.health.example.com_Widget": CUSTOM},
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w"},
                "status": {"conditions": [{"type": "Stalled", "status": "True"}]},
            },
        ),
    ],
    ids=["a specific CRD check", "the Crossplane check by wildcard", "the generic check"],
)
def test_a_customization_wins_over_every_built_in_check_of_custom_resources(data, obj):
    assert assess(obj).status is not HealthStatus.HEALTHY  # the built-in verdict differs

    health = assess(obj, customizations=HealthCustomizations.from_config(data))

    assert health == Health(HealthStatus.HEALTHY, "custom")


def test_a_customization_for_another_kind_leaves_the_built_in_check_in_place():
    customizations = HealthCustomizations.from_config(CONFIG)
    issuer = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "ClusterIssuer",
        "metadata": {"name": "letsencrypt"},
        "status": {"conditions": [{"type": "Ready", "status": "False", "message": "bad key"}]},
    }

    assert assess(issuer, customizations=customizations) == Health(HealthStatus.DEGRADED, "bad key")
