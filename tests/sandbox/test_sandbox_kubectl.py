"""The real kubectl (1.35) works against the sandbox: get, apply --server-side, diff, delete,
rollout status, and every verb the strategy document's troubleshooting uses (create, describe,
logs, scale, rollout restart/history/undo, edit, wait). Skipped when kubectl is absent, unless
GITWARD_REQUIRE_TOOLS=1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gitward.sandbox import Sandbox, SandboxOptions

TOOLS = Path(__file__).resolve().parents[2] / ".tools" / "bin"

MANIFEST = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        ports:
        - containerPort: 80
"""


@pytest.fixture(scope="module")
def kubectl_binary() -> Path:
    found = shutil.which("kubectl", path=str(TOOLS)) or shutil.which("kubectl")
    if found is None:
        if os.environ.get("GITWARD_REQUIRE_TOOLS") == "1":
            pytest.fail("kubectl is required (GITWARD_REQUIRE_TOOLS=1) but was not found")
        pytest.skip("kubectl binary not found (run ./dev setup to fetch it)")
    return Path(found)


class Kubectl:
    def __init__(self, binary: Path, kubeconfig: Path, cache: Path, sandbox: Sandbox) -> None:
        self.binary, self.kubeconfig, self.cache = binary, kubeconfig, cache
        self.sandbox = sandbox

    def __call__(
        self, *args: str, stdin: str = "", env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                str(self.binary),
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self.cache),
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env={**os.environ, **(env or {})},
        )


@pytest.fixture
def kubectl(kubectl_binary: Path, tmp_path: Path) -> Iterator[Kubectl]:
    options = SandboxOptions(pod_ready_after=0.05, job_complete_after=0.1)
    with Sandbox.start(options) as sandbox:
        config = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
        yield Kubectl(kubectl_binary, config, tmp_path / "cache", sandbox)


def test_kubectl_lists_namespaces(kubectl: Kubectl) -> None:
    result = kubectl("get", "namespaces")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:3] == ["NAME", "STATUS", "AGE"]
    assert "kube-system" in result.stdout


def test_kubectl_server_side_apply_then_diff_shows_no_change(kubectl: Kubectl) -> None:
    applied = kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    assert applied.returncode == 0, applied.stderr
    assert "deployment.apps/web serverside-applied" in applied.stdout
    # Until the rollout is done the simulated controller writes the status, and kubectl diff
    # (a read, then a dry-run apply) would see it move between its two requests.
    settled = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert settled.returncode == 0, settled.stderr
    same = kubectl("diff", "--server-side", "-f", "-", stdin=MANIFEST)
    assert same.returncode == 0, same.stdout + same.stderr
    changed = kubectl("diff", "--server-side", "-f", "-", stdin=MANIFEST.replace("1.27", "1.28"))
    assert changed.returncode == 1, changed.stderr
    assert "+      - image: nginx:1.28" in changed.stdout


def test_kubectl_rollout_status_waits_for_the_rollout(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert status.returncode == 0, status.stderr
    assert 'deployment "web" successfully rolled out' in status.stdout
    pods = kubectl("get", "pods", "-n", "shop", "-o", "name")
    assert len(pods.stdout.split()) == 2


def test_kubectl_scales_through_the_scale_subresource(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    scaled = kubectl("scale", "deployment/web", "-n", "shop", "--replicas=3")
    assert scaled.returncode == 0, scaled.stderr
    status = kubectl("rollout", "status", "deployment/web", "-n", "shop", "--timeout=30s")
    assert status.returncode == 0, status.stderr
    ready = kubectl("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.status.readyReplicas}")
    assert ready.stdout == "3"


def test_kubectl_apply_conflict_and_force(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    other = MANIFEST.replace("replicas: 2", "replicas: 3")
    clash = kubectl("apply", "--server-side", "--field-manager=other", "-f", "-", stdin=other)
    assert clash.returncode != 0
    assert 'conflict with "kubectl"' in clash.stderr
    forced = kubectl(
        "apply",
        "--server-side",
        "--field-manager=other",
        "--force-conflicts",
        "-f",
        "-",
        stdin=other,
    )
    assert forced.returncode == 0, forced.stderr


def test_kubectl_deletes_and_waits(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    deleted = kubectl("delete", "deployment", "web", "-n", "shop", "--timeout=30s")
    assert deleted.returncode == 0, deleted.stderr
    missing = kubectl("get", "deployment", "web", "-n", "shop")
    assert missing.returncode == 1
    assert 'deployments.apps "web" not found' in missing.stderr


def test_kubectl_deletes_a_namespace_and_waits_until_it_is_empty(kubectl: Kubectl) -> None:
    kubectl("apply", "--server-side", "-f", "-", stdin=MANIFEST)
    deleted = kubectl("delete", "namespace", "shop", "--timeout=30s")
    assert deleted.returncode == 0, deleted.stderr
    gone = kubectl("get", "namespace", "shop")
    assert 'namespaces "shop" not found' in gone.stderr
    listed = kubectl("get", "deployments", "-A", "-o", "name")
    assert listed.stdout == ""


def test_kubectl_client_side_apply_works(kubectl: Kubectl) -> None:
    created = kubectl("apply", "-f", "-", stdin=MANIFEST)
    assert created.returncode == 0, created.stderr
    again = kubectl("apply", "-f", "-", stdin=MANIFEST.replace("replicas: 2", "replicas: 1"))
    assert again.returncode == 0, again.stderr
    replicas = kubectl("get", "deploy", "web", "-n", "shop", "-o", "jsonpath={.spec.replicas}")
    assert replicas.stdout == "1"


# -- the verbs the strategy document's troubleshooting uses -----------------------------------


def _rolled_out(kubectl: Kubectl, name: str, namespace: str = "default") -> None:
    status = kubectl("rollout", "status", f"deployment/{name}", "-n", namespace, "--timeout=30s")
    assert status.returncode == 0, status.stderr


def test_kubectl_create_sends_protobuf_and_the_sandbox_accepts_it(kubectl: Kubectl) -> None:
    assert kubectl("create", "namespace", "prod").returncode == 0
    created = kubectl(
        "create", "deployment", "backend", "--image=backend:v0.9.5", "--replicas=2",
        "--port=8000", "-n", "prod",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout == "deployment.apps/backend created\n"
    spec = kubectl("get", "deploy", "backend", "-n", "prod", "-o", "jsonpath={.spec}").stdout
    assert '"replicas":2' in spec
    assert '"image":"backend:v0.9.5"' in spec
    assert '"containerPort":8000' in spec
    _rolled_out(kubectl, "backend", "prod")


def test_kubectl_creates_configmaps_secrets_jobs_services_and_quotas(kubectl: Kubectl) -> None:
    commands = [
        ["create", "configmap", "backend-config", "--from-literal=LOG_LEVEL=warn"],
        ["create", "secret", "generic", "backend-secrets", "--from-literal=DATABASE_PASSWORD=x"],
        ["create", "job", "migrate", "--image=busybox:1.36", "--", "echo", "done"],
        ["create", "service", "clusterip", "backend", "--tcp=80:8000"],
        ["create", "serviceaccount", "deployer"],
        ["create", "role", "reader", "--verb=get", "--resource=pods"],
        ["create", "rolebinding", "reader", "--role=reader", "--serviceaccount=default:deployer"],
        ["create", "quota", "compute", "--hard=pods=10,requests.cpu=4"],
    ]
    for command in commands:
        result = kubectl(*command)
        assert result.returncode == 0, f"{command}: {result.stderr}"
    secret = kubectl("get", "secret", "backend-secrets", "-o", "jsonpath={.data}").stdout
    assert secret == '{"DATABASE_PASSWORD":"eA=="}'
    listed = kubectl("get", "secret")
    assert listed.stdout.split("\n")[0].split() == ["NAME", "TYPE", "DATA", "AGE"]
    assert kubectl("describe", "configmap", "backend-config").stdout.count("warn") == 1
    port = kubectl("get", "svc", "backend", "-o", "jsonpath={.spec.ports[0].targetPort}")
    assert port.stdout == "8000"
    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5", "--replicas=2")
    _rolled_out(kubectl, "backend")

    def used() -> dict[str, list[str]]:
        described = kubectl("describe", "quota", "compute").stdout.splitlines()
        return {row.split()[0]: row.split()[1:] for row in described[4:] if row.strip()}

    _wait(lambda: used().get("pods") == ["2", "10"], "two pods counted")
    assert used()["requests.cpu"] == ["0", "4"]


def test_kubectl_describe_shows_a_pods_events(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    _rolled_out(kubectl, "web")
    pod = kubectl("get", "pods", "-o", "name").stdout.split()[0]
    described = kubectl("describe", pod)
    assert described.returncode == 0, described.stderr
    fields = dict(
        line.split(":", 1) for line in described.stdout.splitlines() if line[:1].isalpha()
    )
    assert fields["Status"].strip() == "Running"
    assert "Started container nginx" in described.stdout


def test_kubectl_logs_shows_a_container_starting(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--port=80")
    _rolled_out(kubectl, "web")
    logs = kubectl("logs", "deployment/web")
    assert logs.returncode == 0, logs.stderr
    assert "INFO  listening on 0.0.0.0:80" in logs.stdout
    tail = kubectl("logs", "deployment/web", "--tail=1", "--timestamps")
    assert tail.stdout.count("\n") == 1
    assert tail.stdout.split()[1:] == ["INFO", "ready", "to", "serve", "requests"]
    previous = kubectl("logs", "deployment/web", "--previous")
    assert previous.returncode == 1
    assert "previous terminated container" in previous.stderr


def test_kubectl_logs_of_a_crashing_image_show_the_crash(kubectl: Kubectl) -> None:
    kubectl.sandbox.faults.mark_image_crashing("backend:v1.0.0")
    kubectl("create", "deployment", "backend", "--image=backend:v1.0.0")

    def crashing() -> bool:
        pods = kubectl("get", "pods", "--no-headers").stdout
        return "CrashLoopBackOff" in pods

    _wait(crashing, "CrashLoopBackOff")
    logs = kubectl("logs", "deployment/backend")
    assert "ModuleNotFoundError: No module named 'pydantic_settings'" in logs.stdout
    previous = kubectl("logs", "deployment/backend", "--previous")
    assert previous.stdout == logs.stdout


def test_kubectl_scales_to_zero_and_back(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5", "--replicas=3")
    _rolled_out(kubectl, "backend")
    assert kubectl("scale", "deployment", "backend", "--replicas=0").returncode == 0
    _wait(lambda: kubectl("get", "pods", "-o", "name").stdout == "", "no pods")
    assert kubectl("scale", "deployment", "backend", "--replicas=3").returncode == 0
    _rolled_out(kubectl, "backend")
    ready = kubectl("get", "deploy", "backend", "--no-headers").stdout.split()[1]
    assert ready == "3/3"


def test_kubectl_rollout_restart_history_and_undo(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5")
    _rolled_out(kubectl, "backend")
    image = "backend=backend:v1.0.0"
    assert kubectl("set", "image", "deployment/backend", image).returncode == 0
    _rolled_out(kubectl, "backend")
    restarted = kubectl("rollout", "restart", "deployment/backend")
    assert restarted.stdout == "deployment.apps/backend restarted\n", restarted.stderr
    _rolled_out(kubectl, "backend")
    history = kubectl("rollout", "history", "deployment/backend")
    assert [line.split()[0] for line in history.stdout.splitlines()[2:] if line] == ["1", "2", "3"]
    undone = kubectl("rollout", "undo", "deployment/backend", "--to-revision=1")
    assert undone.stdout == "deployment.apps/backend rolled back\n", undone.stderr
    _rolled_out(kubectl, "backend")
    jsonpath = "jsonpath={.spec.template.spec.containers[0].image}"
    assert kubectl("get", "deploy", "backend", "-o", jsonpath).stdout == "backend:v0.9.5"


def test_kubectl_edit_saves_what_the_editor_wrote(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5", "--replicas=1")
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/replicas: 1/replicas: 2/' \"$1\"\n")
    editor.chmod(0o755)
    edited = kubectl("edit", "deployment/backend", env={"EDITOR": str(editor)})
    assert edited.stdout == "deployment.apps/backend edited\n", edited.stderr
    replicas = kubectl("get", "deploy", "backend", "-o", "jsonpath={.spec.replicas}")
    assert replicas.stdout == "2"


def test_kubectl_wait_for_conditions(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "backend", "--image=backend:v0.9.5")
    waited = kubectl("wait", "--for=condition=Available", "deployment/backend", "--timeout=30s")
    assert waited.stdout == "deployment.apps/backend condition met\n", waited.stderr
    kubectl("create", "job", "migrate", "--image=busybox:1.36")
    done = kubectl("wait", "--for=condition=Complete", "job/migrate", "--timeout=30s")
    assert done.returncode == 0, done.stderr


def test_kubectl_shows_a_job_past_its_backoff_limit_as_failed(kubectl: Kubectl) -> None:
    kubectl.sandbox.faults.mark_image_crashing("busybox:broken")
    job = """\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: "busybox:broken"}]
"""
    assert kubectl("apply", "-f", "-", stdin=job).returncode == 0
    failed = kubectl("wait", "--for=condition=Failed", "job/migrate", "--timeout=30s")
    assert failed.returncode == 0, failed.stderr
    row = kubectl("get", "job", "migrate").stdout.splitlines()
    assert row[0].split() == ["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"]
    assert row[1].split()[:3] == ["migrate", "Failed", "0/1"]


def test_kubectl_get_statefulsets_has_a_ready_column(kubectl: Kubectl) -> None:
    sts = """\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mongodb}
spec:
  serviceName: mongodb
  replicas: 2
  selector: {matchLabels: {app: mongodb}}
  template:
    metadata: {labels: {app: mongodb}}
    spec: {containers: [{name: mongodb, image: "mongo:7"}]}
"""
    assert kubectl("apply", "-f", "-", stdin=sts).returncode == 0
    assert kubectl("rollout", "status", "sts/mongodb", "--timeout=30s").returncode == 0
    table = kubectl("get", "sts").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "AGE"]
    assert table[1].split()[:2] == ["mongodb", "2/2"]


def test_kubectl_deletes_what_it_created(kubectl: Kubectl) -> None:
    kubectl("create", "configmap", "backend-config", "--from-literal=a=b")
    deleted = kubectl("delete", "configmap", "backend-config")
    assert deleted.stdout == 'configmap "backend-config" deleted from default namespace\n'
    assert deleted.returncode == 0, deleted.stderr
    assert kubectl("get", "configmap", "backend-config").returncode == 1


def _wait(check: Callable[[], bool], what: str, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# A CronJob whose pod template sets most fields a workload uses.
RICH_CRONJOB = (Path(__file__).parent / "rich_cronjob.yaml").read_text()


def test_a_job_created_from_a_cronjob_keeps_every_field_of_its_template(
    kubectl: Kubectl,
) -> None:
    # kubectl reads the CronJob (JSON) and sends the Job as protobuf: every field of the pod
    # template makes the round trip through the sandbox's protobuf table.
    assert kubectl("apply", "-f", "-", stdin=RICH_CRONJOB).returncode == 0
    created = kubectl("create", "job", "manual", "--from=cronjob/nightly")
    assert created.stdout == "job.batch/manual created\n", created.stderr
    cronjob = json.loads(kubectl("get", "cronjob", "nightly", "-o", "json").stdout)
    job = json.loads(kubectl("get", "job", "manual", "-o", "json").stdout)
    wanted = cronjob["spec"]["jobTemplate"]["spec"]
    template = job["spec"]["template"]
    for added in ("batch.kubernetes.io/job-name", "batch.kubernetes.io/controller-uid"):
        template["metadata"]["labels"].pop(added)
    assert template == wanted["template"]
    kept = ("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished")
    assert {k: job["spec"][k] for k in kept} == {k: wanted[k] for k in kept}


def test_kubectl_get_events_shows_a_failed_pull(kubectl: Kubectl) -> None:
    kubectl.sandbox.faults.mark_image_missing("backend:v9")
    kubectl("create", "deployment", "backend", "--image=backend:v9")

    def warned() -> bool:
        return "Failed" in kubectl("get", "events", "--field-selector", "type=Warning").stdout

    _wait(warned, "a Warning event")
    rows = kubectl("get", "events", "--field-selector", "type=Warning").stdout.splitlines()
    assert rows[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert rows[1].split()[1:3] == ["Warning", "Failed"]
    assert rows[1].split()[3].startswith("pod/backend-")
    assert rows[1].endswith('Failed to pull image "backend:v9": not found')


def test_kubectl_get_prints_the_columns_a_real_cluster_prints(kubectl: Kubectl) -> None:
    kubectl("create", "cronjob", "nightly", "--image=busybox:1.36", "--schedule=0 3 * * *")
    kubectl("create", "quota", "compute", "--hard=pods=5,limits.cpu=2")
    kubectl("create", "serviceaccount", "deployer")
    headers = {
        "cronjobs": [
            "NAME",
            "SCHEDULE",
            "TIMEZONE",
            "SUSPEND",
            "ACTIVE",
            "LAST",
            "SCHEDULE",
            "AGE",
        ],
        "nodes": ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
        "resourcequotas": ["NAME", "AGE", "REQUEST", "LIMIT"],
        "serviceaccounts": ["NAME", "SECRETS", "AGE"],
    }
    for resource, wanted in headers.items():
        listed = kubectl("get", resource)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout.splitlines()[0].split() == wanted, resource
    node = kubectl("get", "nodes", "--no-headers").stdout.split()
    assert node[:3] == ["sandbox-node-0", "Ready", "<none>"]

    def quota() -> list[str]:
        return kubectl("get", "quota", "compute", "--no-headers").stdout.split()[2:]

    _wait(lambda: quota() == ["pods:", "0/5", "limits.cpu:", "0/2"], "the quota's usage")
