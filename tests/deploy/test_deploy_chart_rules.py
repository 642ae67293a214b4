"""The rules gitward's chart keeps, read from what gitward renders of it.

Every container has resources, a locked-down securityContext and probes on gitward's /healthz;
every path gitward writes is an emptyDir (the root filesystem is read-only); the ClusterRole names
its verbs (no `*`) and grants escalate/bind only when asked; the files the server's flags name
are in the ConfigMap, and secrets come from a Secret, never from the pod spec.
"""

from __future__ import annotations

from typing import Any

import yaml
from deploy_support import CHART, EXAMPLE, Objects, gitward_render, of_kind

FULL = CHART / "examples" / "values-full.yaml"
WRITABLE = {"/var/lib/gitward", "/var/cache/gitward", "/tmp"}


def pod_spec(objects: Objects) -> dict[str, Any]:
    (deployment,) = of_kind(objects, "Deployment")
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def container(objects: Objects) -> dict[str, Any]:
    (only,) = pod_spec(objects)["containers"]
    return dict(only)


def test_every_container_has_resources_a_locked_down_security_context_and_probes() -> None:
    for objects in (gitward_render(), gitward_render(FULL)):
        spec = pod_spec(objects)
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        for each in [*spec.get("initContainers", []), *spec["containers"]]:
            assert set(each["resources"]["requests"]) == {"cpu", "memory"}
            assert "memory" in each["resources"]["limits"]
            context = each["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["runAsNonRoot"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert each[probe]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_every_path_gitward_writes_is_an_empty_dir_and_the_rest_is_read_only() -> None:
    objects = gitward_render(FULL)
    volumes = {volume["name"]: volume for volume in pod_spec(objects)["volumes"]}
    mounts = container(objects)["volumeMounts"]
    writable = {m["mountPath"] for m in mounts if "emptyDir" in volumes[m["name"]]}
    assert writable == WRITABLE
    others = [m for m in mounts if m["mountPath"] not in WRITABLE]
    assert others and all(m["readOnly"] is True for m in others)
    env = {item["name"]: item for item in container(objects)["env"]}
    assert env["GITWARD_DATA_DIR"]["value"] == "/var/lib/gitward"
    assert env["GITWARD_CACHE_DIR"]["value"] == "/var/cache/gitward"
    assert env["TMPDIR"]["value"] == env["HOME"]["value"] == "/tmp"


def test_the_cluster_role_names_its_verbs_and_never_uses_a_wildcard_verb() -> None:
    (role,) = of_kind(gitward_render(), "ClusterRole")
    verbs = [verb for rule in role["rules"] for verb in rule["verbs"]]
    assert "*" not in verbs
    assert not {"escalate", "bind", "impersonate", "approve"} & set(verbs)
    resource_rule = role["rules"][0]
    assert resource_rule["verbs"] == ["get", "list", "watch", "create", "update", "patch", "delete"]
    assert role["rules"][1] == {
        "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/version", "/openapi/*"],
        "verbs": ["get"],
    }


def test_escalate_and_bind_are_granted_only_when_asked() -> None:
    (role,) = of_kind(gitward_render(values="rbac: {allowEscalation: true}\n"), "ClusterRole")
    assert role["rules"][-1] == {
        "apiGroups": ["rbac.authorization.k8s.io"],
        "resources": ["roles", "clusterroles"],
        "verbs": ["escalate", "bind"],
    }


def test_the_namespaced_mode_reads_the_cluster_and_writes_only_its_namespaces() -> None:
    objects = gitward_render(values="rbac: {scope: namespaced}\n")
    (cluster_role,) = of_kind(objects, "ClusterRole")
    assert cluster_role["rules"][0]["verbs"] == ["get", "list", "watch"]
    (role,) = of_kind(objects, "Role")
    assert role["metadata"]["namespace"] == "gitward"
    assert role["rules"][0]["verbs"] == ["create", "update", "patch", "delete"]
    (binding,) = of_kind(objects, "RoleBinding")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "gitward", "namespace": "gitward"}
    ]


def test_the_database_url_and_secret_key_come_from_a_secret_never_from_the_pod_spec() -> None:
    for objects in (gitward_render(), gitward_render(FULL)):
        env = {item["name"]: item for item in container(objects)["env"]}
        for name, key in (
            ("GITWARD_DATABASE_URL", "database-url"),
            ("GITWARD_SECRET_KEY", "secret-key"),
        ):
            assert "value" not in env[name]
            assert env[name]["valueFrom"]["secretKeyRef"] == {"name": "gitward", "key": key}
    assert of_kind(gitward_render(), "Secret") == []


def test_each_file_a_flag_names_is_in_the_mounted_config_map() -> None:
    objects = gitward_render(FULL)
    args = container(objects)["args"]
    (files,) = of_kind(objects, "ConfigMap")
    named = {
        arg.split("=", 1)[0]: arg.split("=", 1)[1]
        for arg in args
        if arg.startswith("--") and "/etc/gitward/" in arg
    }
    assert named == {
        "--settings": "/etc/gitward/argocd-cm.yaml",
        "--rbac": "/etc/gitward/argocd-rbac-cm.yaml",
        "--notifications": "/etc/gitward/argocd-notifications-cm.yaml",
        "--bootstrap": "/etc/gitward/root-app.yaml",
    }
    assert sorted(files["data"]) == sorted(path.rsplit("/", 1)[1] for path in named.values())
    settings = yaml.safe_load(files["data"]["argocd-cm.yaml"])
    assert settings["kind"] == "ConfigMap"
    assert settings["data"]["timeout.reconciliation"] == "180s"
    assert "--notifications-secret=/etc/gitward-secret/argocd-notifications-secret.yaml" in args


def test_the_defaults_name_no_file_and_mount_no_config_map() -> None:
    objects = gitward_render()
    assert of_kind(objects, "ConfigMap") == []
    assert container(objects)["args"] == [
        "server",
        "--host=0.0.0.0",
        "--port=8080",
        "--metrics-port=8083",
    ]


def test_the_metrics_port_is_never_on_the_api_service() -> None:
    objects = gitward_render(FULL)
    services = {svc["metadata"]["name"]: svc for svc in of_kind(objects, "Service")}
    assert [p["targetPort"] for p in services["gitward"]["spec"]["ports"]] == ["http"]
    assert [p["targetPort"] for p in services["gitward-metrics"]["spec"]["ports"]] == ["metrics"]
    (monitor,) = of_kind(objects, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"


def test_the_network_policy_lets_metrics_in_only_from_the_namespace_by_default() -> None:
    (policy,) = of_kind(gitward_render(), "NetworkPolicy")
    api, metrics = policy["spec"]["ingress"]
    assert "from" not in api
    assert metrics["from"] == [{"podSelector": {}}]
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_the_alb_example_carries_the_strategy_documents_annotations() -> None:
    (ingress,) = of_kind(gitward_render(CHART / "examples" / "values-alb.yaml"), "Ingress")
    annotations = ingress["metadata"]["annotations"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert annotations["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert annotations["alb.ingress.kubernetes.io/listen-ports"] == '[{"HTTPS":443}]'
    assert annotations["alb.ingress.kubernetes.io/certificate-arn"].startswith("arn:aws:acm:")


def test_the_example_platform_values_mirror_the_examples_argo_cd_files() -> None:
    values = yaml.safe_load((EXAMPLE / "gitops" / "platform" / "gitward-values.yaml").read_text())
    for file, key in (("argocd-cm.yaml", "settings"), ("argocd-rbac-cm.yaml", "rbacPolicy")):
        assert yaml.safe_load((EXAMPLE / file).read_text())["data"] == values["files"][key]
    root = yaml.safe_load((EXAMPLE / "gitops" / "app-of-apps" / "argocd-root-app.yaml").read_text())
    assert yaml.safe_load(values["files"]["bootstrap"]) == root


def test_by_default_the_old_pod_stops_before_the_new_one_starts() -> None:
    """One server per database until replicas hold leases: an upgrade must not overlap two."""
    (deployment,) = of_kind(gitward_render(), "Deployment")
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert deployment["spec"]["replicas"] == 1


def test_a_new_root_app_restarts_the_pod_and_other_files_do_not() -> None:
    """The bootstrap file is read at start only; the ConfigMaps are reloaded while it runs."""

    def annotations(values: str) -> dict[str, str]:
        (deployment,) = of_kind(gitward_render(FULL, values=values), "Deployment")
        return dict(deployment["spec"]["template"]["metadata"].get("annotations", {}))

    first = annotations("")
    assert set(first) == {"checksum/bootstrap"}
    assert annotations("files: {settings: {timeout.reconciliation: 60s}}\n") == first
    assert annotations("files: {bootstrap: 'kind: Application'}\n") != first
    (plain,) = of_kind(gitward_render(), "Deployment")
    assert "annotations" not in plain["spec"]["template"]["metadata"]
