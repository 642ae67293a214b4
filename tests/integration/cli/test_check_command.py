"""``gitward check`` driven as CI drives it: the example passes its prod guardrails, a
``:latest`` image in prod is refused with a message naming the policy, the app and the object."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from gitward.cli.main import app
from support.example import CHARTS_URL, EXAMPLE, REPO_URL, ROOT_APP


def check(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app,
        [
            "check",
            str(repo / ROOT_APP),
            "--repo",
            f"{REPO_URL}={repo}",
            "--helm-repo",
            f"{CHARTS_URL}={repo}/charts-repo",
            "--cache-dir",
            str(tmp_path / "cache"),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr


def check_json(repo: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = check(repo, tmp_path, "-o", "json", *extra)
    return code, json.loads(out)


def test_the_example_passes_the_guardrails_its_prod_project_enables(tmp_path: Path) -> None:
    code, payload = check_json(EXAMPLE, tmp_path)
    assert code == 0, payload
    assert payload["violations"] == []
    assert {entry["name"] for entry in payload["apps"]} == {
        "ai-chatbot-root",
        "ai-chatbot-dev",
        "ai-chatbot-staging",
        "ai-chatbot-prod",
    }


def test_a_latest_image_in_prod_is_denied_naming_policy_app_and_object(
    example: Path, tmp_path: Path
) -> None:
    values = example / "gitops" / "prod" / "values.yaml"
    text = values.read_text()
    values.write_text(text.replace("tag: v1.0.0", "tag: latest", 1))  # the backend only
    code, out, _ = check(example, tmp_path)
    assert code == 1
    line = (
        "DENY   policy no-mutable-images: app ai-chatbot-prod: Deployment "
        "prod/ai-chatbot-prod-backend: image 235494787667.dkr.ecr.ap-south-1.amazonaws.com/"
        "backend:latest has no tag or the mutable :latest tag: pin a version or a digest"
    )
    assert line in out.splitlines()
    assert "policy semver-images: app ai-chatbot-prod: Job prod/ai-chatbot-prod-db-migrate" in out
    assert "ai-chatbot-prod-frontend" not in out  # still v1.0.0
    assert "ai-chatbot-dev" not in out  # dev's project enables no policy; it runs latest


def test_an_automated_prod_application_is_denied_by_manual_sync(
    example: Path, tmp_path: Path
) -> None:
    apps = example / "gitops" / "app-of-apps" / "argocd-env-apps.yaml"
    text = apps.read_text()
    head, prod = text.split("name: ai-chatbot-prod", 1)
    apps.write_text(head + "name: ai-chatbot-prod" + prod.replace("manual: {}", "automated: {}"))
    code, payload = check_json(example, tmp_path)
    assert code == 1
    [violation] = payload["violations"]
    assert violation["policy"] == "manual-sync"
    assert violation["app"] == "ai-chatbot-root"  # the parent renders the prod Application
    assert violation["object"] == "Application argocd/ai-chatbot-prod"
    assert violation["actions"] == ["Deny"]


def test_a_policy_file_with_a_warn_binding_prints_and_still_passes(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "policies.yaml"
    policy.write_text(
        """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: short-names}
spec:
  matchConstraints:
    resourceRules:
      - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}
  matchConditions:
    - name: prod-only
      expression: request.namespace == "prod"
  validations:
    - expression: object.metadata.name.size() <= 22
      messageExpression: "'name ' + object.metadata.name + ' is longer than 22'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: short-names-warn}
spec:
  policyName: short-names
  validationActions: [Warn]
"""
    )
    code, out, _ = check(EXAMPLE, tmp_path, "--policy", str(policy))
    assert code == 0
    assert (
        "WARN   policy short-names: app ai-chatbot-prod: Deployment "
        "prod/ai-chatbot-prod-frontend: name ai-chatbot-prod-frontend is longer than 22"
    ) in out.splitlines()
    assert "ai-chatbot-prod-worker" not in out  # 22 characters
    assert "ai-chatbot-dev:" not in out  # the matchCondition keeps dev out


def test_a_broken_policy_file_is_a_usage_error_naming_file_object_and_field(
    tmp_path: Path,
) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text(
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\n"
        "metadata: {name: p}\nspec:\n  validations:\n    - message: no expression\n"
    )
    code, _, err = check(EXAMPLE, tmp_path, "--policy", str(policy))
    assert code == 2
    assert f"{policy}: ValidatingAdmissionPolicy p: spec.validations[0].expression" in err


def test_a_project_declared_beside_the_root_application_enables_its_policies(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "pod.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\n"
        "spec: {containers: [{name: web, image: nginx}]}\n"
    )
    root = tmp_path / "root.yaml"
    root.write_text(
        """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: guarded
  annotations: {gitward.io/policies: no-mutable-images}
spec:
  sourceRepos: ["*"]
  destinations: [{server: "*", namespace: "*"}]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: web}
spec:
  project: guarded
  source: {repoURL: https://example.com/web.git, path: app}
  destination: {server: https://kubernetes.default.svc, namespace: web}
"""
    )
    result = CliRunner().invoke(
        app,
        [
            "check",
            str(root),
            "--repo",
            f"https://example.com/web.git={repo}",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert (
        "DENY   policy no-mutable-images: app web: Pod web/web: image nginx has no tag"
        in result.stdout
    )
