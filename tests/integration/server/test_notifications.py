"""Notifications through a running server (``gitward server --notifications``): real syncs on
the sandbox, a loopback webhook receiver and a loopback SMTP server.

A synced app gets one webhook call (its body naming the commit's author, through
``call .repo.GetCommitMetadata``, and a ``.secrets`` value that is never stored), one email
with the catalogue's on-sync-succeeded text, one Slack message per sync (Slack's API address
is the receiver) and one GitHub commit status per synced commit (as a GitHub App, its API the
receiver too); an app whose Deployment cannot pull its image gets the on-health-degraded
template (on Slack, the catalogue's own, unchanged); a restart repeats nothing, and the next
commit's sync is notified again (once).
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from conftest import QUICK
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from notify_receivers import Recorded, body_of, smtp_receiver, until, webhook_receiver

from gitward.errors import GitwardError
from gitward.kube import ClusterAccess
from gitward.sandbox import SandboxOptions
from gitward.server.running import ServerConfig, run_server
from support.applications import CREATE_NAMESPACE, PRUNE_AND_SELF_HEAL, application
from support.repos import commit_all, git, init_repository

HOOK_TOKEN = "hook-token-never-shown"
SLACK_TOKEN = "xoxb-slack-token-never-shown"
SLACK = "/slack/api/chat.postMessage"
REPO_URL = "https://git.example.com/team/apps.git"
SUCCEEDED_WHEN = (
    "app.status.operationState != nil and app.status.operationState.phase in ['Succeeded']"
)
ONCE_PER = "app.status.operationState?.syncResult?.revision"


CATALOGUE_TEMPLATES = {
    key.removeprefix("template."): yaml.safe_load(text)
    for key, text in yaml.safe_load(
        (Path(__file__).parents[2] / "unit/notify/argocd-notifications-catalog.yaml").read_text()
    )["data"].items()
    if key.startswith("template.")
}


def deployment(name: str, image: str) -> str:
    return f"""\
apiVersion: v1
kind: ConfigMap
metadata: {{name: {name}-settings}}
data: {{greeting: hello}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 1
  progressDeadlineSeconds: 600
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers: [{{name: {name}, image: "{image}"}}]
"""


def notifications_cm(webhook_url: str, smtp_port: int) -> dict[str, Any]:
    templates = {
        "app-sync-succeeded": {
            "email": {
                "subject": "Application {{.app.metadata.name}} has been successfully synced."
            },
            "message": "Application {{.app.metadata.name}} has been successfully synced at "
            "{{.app.status.operationState.finishedAt}}.\nSync operation details are available "
            "at: {{.context.argocdUrl}}/applications/{{.app.metadata.name}}?operation=true .",
            "webhook": {
                "hooks": {
                    "method": "POST",
                    "path": "/succeeded",
                    "body": '{"app": "{{.app.metadata.name}}", '
                    '"revision": "{{.app.status.operationState.syncResult.revision}}", '
                    '"author": "{{(call .repo.GetCommitMetadata '
                    '.app.status.operationState.syncResult.revision).Author}}", '
                    '"token": "{{index .secrets "hook-token"}}"}',
                }
            },
            "github": {
                "status": {
                    "state": "success",
                    "label": "continuous-delivery/{{.app.metadata.name}}",
                    "targetURL": "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}",
                }
            },
        },
        "app-created": {"message": "created", "webhook": {"hooks": _hook("/created")}},
        "app-deleted": {"message": "deleted", "webhook": {"hooks": _hook("/deleted")}},
        "app-sync-failed": {"message": "failed", "webhook": {"hooks": _hook("/failed")}},
        "app-health-degraded": {
            # Argo CD's catalogue template as it ships (message, email, Slack, Teams), plus a
            # webhook section for the test
            **CATALOGUE_TEMPLATES["app-health-degraded"],
            "webhook": {
                "hooks": {
                    "method": "POST",
                    "path": "/degraded",
                    "body": '{"app": "{{.app.metadata.name}}", '
                    '"health": "{{.app.status.health.status}}"}',
                }
            },
        },
    }
    triggers = {
        "on-created": [{"oncePer": "app.metadata.name", "send": ["app-created"], "when": "true"}],
        "on-deleted": [
            {
                "oncePer": "app.metadata.name",
                "send": ["app-deleted"],
                "when": "app.metadata.deletionTimestamp != nil",
            }
        ],
        "on-sync-failed": [
            {
                "oncePer": ONCE_PER,
                "send": ["app-sync-failed"],
                "when": "app.status.operationState != nil and "
                "app.status.operationState.phase in ['Error', 'Failed']",
            }
        ],
        "on-sync-succeeded": [
            {
                "oncePer": ONCE_PER,
                "send": ["app-sync-succeeded"],
                # a condition reading the synced commit from gitward's own clone
                "when": f"{SUCCEEDED_WHEN} and repo.GetCommitMetadata("
                "app.status.operationState.syncResult.revision).Author endsWith '<ci@example.com>'",
            }
        ],
        "on-health-degraded": [
            {
                "oncePer": ONCE_PER,
                "send": ["app-health-degraded"],
                "when": "app.status.health.status == 'Degraded'",
            }
        ],
    }
    data = {
        "context": "argocdUrl: https://gitward.example.com\n",
        "service.webhook.hooks": yaml.safe_dump(
            {
                "url": webhook_url,
                "headers": [{"name": "Authorization", "value": "Bearer $hook-token"}],
            }
        ),
        "service.slack": yaml.safe_dump(
            {"token": "$slack-token", "apiURL": f"{webhook_url}/slack/api/"}
        ),
        "service.email": yaml.safe_dump(
            {"host": "127.0.0.1", "port": smtp_port, "from": "gitward@example.com"}
        ),
        "service.github": yaml.safe_dump(
            {
                "appID": 7,
                "installationID": 1,
                "privateKey": "$github-privateKey",
                "apiURL": f"{webhook_url}/github",
            }
        ),
    }
    data.update({f"template.{k}": yaml.safe_dump(v) for k, v in templates.items()})
    data.update({f"trigger.{k}": yaml.safe_dump(v) for k, v in triggers.items()})
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data}


def _hook(path: str) -> dict[str, str]:
    return {
        "method": "POST",
        "path": path,
        "body": '{"app": "{{.app.metadata.name}}", "phase": '
        '"{{with .app.status.operationState}}{{.phase}}{{end}}"}',
    }


def notified_app(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    """The app of the folder ``name``, synced automatically, with notification ``annotations``."""
    return application(
        name,
        repo_url=REPO_URL,
        path=name,
        annotations=annotations,
        automated=PRUNE_AND_SELF_HEAL,
        sync_options=CREATE_NAMESPACE,
    )


@pytest.fixture
def sandbox_options() -> SandboxOptions:
    # time_scale shrinks progressDeadlineSeconds (600 s -> 1.2 s): the broken app degrades fast
    return SandboxOptions(
        pod_ready_after=0.02, time_scale=0.002, missing_images=frozenset({"missing.example/app:1"})
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "apps"
    for name, image in (("web", "nginx:1.27"), ("broken", "missing.example/app:1")):
        (repo / name).mkdir(parents=True)
        (repo / name / "app.yaml").write_text(deployment(name, image))
    # the API server refuses a Deployment whose selector does not match its pods' labels
    (repo / "refused").mkdir()
    mismatched = deployment("refused", "nginx:1.27").replace(
        "labels: {app: refused}", "labels: {app: other}"
    )
    (repo / "refused" / "app.yaml").write_text(mismatched)
    init_repository(repo)
    commit_all(repo, "initial")
    return repo


GITHUB_TOKEN_PATH = "/github/app/installations/1/access_tokens"


def github_app_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return pem.decode()


@pytest.fixture
def receivers() -> Iterator[tuple[str, Recorded, int, Recorded]]:
    answers = {GITHUB_TOKEN_PATH: {"token": "installation-token"}}
    with webhook_receiver(answers) as (url, calls), smtp_receiver() as (port, mails):
        yield url, calls, port, mails


@pytest.fixture
def config(
    tmp_path: Path,
    access: ClusterAccess,
    repository: Path,
    receivers: tuple[str, Recorded, int, Recorded],
) -> ServerConfig:
    url, _, port, _ = receivers
    cm = tmp_path / "argocd-notifications-cm.yaml"
    cm.write_text(yaml.safe_dump(notifications_cm(url, port)))
    secret = tmp_path / "argocd-notifications-secret.yaml"
    tokens = {
        "hook-token": HOOK_TOKEN,
        "slack-token": SLACK_TOKEN,
        "github-privateKey": github_app_key(),
    }
    secret.write_text(yaml.safe_dump({"kind": "Secret", "stringData": tokens}))
    return ServerConfig(
        data_dir=tmp_path / "data",
        clusters=(access,),
        controller=QUICK,
        local_repos={REPO_URL: repository},
        git_cache_dir=tmp_path / "git-cache",
        notifications=cm,
        notifications_secret=secret,
    )


@contextlib.asynccontextmanager
async def client(url: str, token: str) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0) as made:
        yield made


async def admin_token(url: str, password: str | None) -> str:
    assert password is not None
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as anonymous:
        answer = await anonymous.post(
            "/api/v1/session", json={"username": "admin", "password": password}
        )
    token: str = answer.json()["token"]
    return token


def posts(calls: Recorded, path: str) -> list[Any]:
    return _at(calls.snapshot(), path)


def slack_to(items: list[Any], channel: str) -> list[Any]:
    posted = [json.loads(call.body) for call in _at(items, SLACK)]
    return [post for post in posted if post["channel"] == channel]


def _at(items: list[Any], path: str) -> list[Any]:
    return [call for call in items if call.path == path]


async def test_syncs_and_degradation_are_notified_once_each_across_a_restart(
    config: ServerConfig,
    repository: Path,
    receivers: tuple[str, Recorded, int, Recorded],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    _, calls, _, mails = receivers
    web = {
        "notifications.argoproj.io/subscribe.on-sync-succeeded.hooks": "",
        "notifications.argoproj.io/subscribe.on-sync-succeeded.email": "dev@example.com",
        "notifications.argoproj.io/subscribe.on-sync-succeeded.slack": "#deploys",
        "notifications.argoproj.io/subscribe.on-sync-succeeded.github": "",
    }
    broken = {
        "notifications.argoproj.io/subscribe.on-health-degraded.hooks": "",
        "notifications.argoproj.io/subscribe.on-health-degraded.slack": "#alerts",
    }
    first = git(repository, "rev-parse", "HEAD")

    async with run_server(config) as server:
        token = await admin_token(server.url, server.admin_password)
        async with client(server.url, token) as admin:
            await admin.post("/api/v1/applications", json=notified_app("web", web))
            await admin.post("/api/v1/applications", json=notified_app("broken", broken))
            await until(
                calls, lambda items: len(_at(items, "/succeeded")) == 1, "web's sync notified"
            )
            await until(mails, lambda items: len(items) == 1, "web's sync mailed")
            await until(calls, lambda items: len(slack_to(items, "#deploys")) == 1, "on Slack")
            await until(
                calls, lambda items: len(_at(items, "/degraded")) == 1, "broken's degradation"
            )
            await until(calls, lambda items: len(slack_to(items, "#alerts")) == 1, "on Slack")

    (repository / "web" / "app.yaml").write_text(deployment("web", "nginx:1.28"))
    git(repository, "commit", "-qam", "web: nginx 1.28")
    second = git(repository, "rev-parse", "HEAD")
    async with run_server(config) as server, client(server.url, token) as admin:
        await admin.get("/api/v1/applications/web", params={"refresh": "normal"})
        await until(
            calls, lambda items: len(_at(items, "/succeeded")) == 2, "the next commit's sync"
        )
        await until(mails, lambda items: len(items) == 2, "the next commit's mail")
        await until(
            calls,
            lambda items: len([c for c in items if "/statuses/" in c.path]) == 2,
            "the next commit's GitHub status",
        )
        await until(calls, lambda items: len(slack_to(items, "#deploys")) == 2, "the next on Slack")

    succeeded = [yaml.safe_load(call.body) for call in posts(calls, "/succeeded")]
    degraded = [yaml.safe_load(call.body) for call in posts(calls, "/degraded")]
    recipients, message = mails.snapshot()[0]
    # the commit's author from gitward's git layer; the secret in the body as sent, never stored
    author, token = "CI <ci@example.com>", HOOK_TOKEN
    assert succeeded == [
        {"app": "web", "revision": first, "author": author, "token": token},
        {"app": "web", "revision": second, "author": author, "token": token},
    ]
    # GitHub: the commit status of each synced commit, as the GitHub App's installation
    statuses = [call for call in calls.snapshot() if call.path.startswith("/github/repos/")]
    assert [call.path for call in statuses] == [
        f"/github/repos/team/apps/statuses/{first}",
        f"/github/repos/team/apps/statuses/{second}",
    ]
    assert statuses[0].headers["Authorization"] == "Bearer installation-token"
    assert json.loads(statuses[0].body)["context"] == "continuous-delivery/web"
    assert HOOK_TOKEN.encode() not in b"".join(
        path.read_bytes() for path in config.data_dir.rglob("*") if path.is_file()
    )
    assert degraded == [{"app": "broken", "health": "Degraded"}]
    assert posts(calls, "/succeeded")[0].headers["Authorization"] == f"Bearer {HOOK_TOKEN}"
    assert recipients == ["dev@example.com"]
    assert message["Subject"] == "Application web has been successfully synced."
    assert "Application web has been successfully synced at 20" in body_of(message)
    assert "https://gitward.example.com/applications/web?operation=true" in body_of(message)
    slack = slack_to(calls.snapshot(), "#deploys")
    assert len(slack) == 2
    assert slack[0]["text"].startswith("Application web has been successfully synced at 20")
    # the catalogue's app-health-degraded, unchanged: its Slack attachment as Argo CD renders it
    (alert,) = slack_to(calls.snapshot(), "#alerts")
    assert alert["text"].startswith(":exclamation: Application broken has degraded.")
    (attachment,) = alert["attachments"]
    assert (attachment["title"], attachment["color"]) == ("broken", "#f4c030")
    assert attachment["title_link"] == "https://gitward.example.com/applications/broken"
    assert attachment["fields"][:2] == [
        {"title": "Health Status", "value": "Degraded", "short": True},
        {"title": "Repository", "value": REPO_URL, "short": True},
    ]
    assert posts(calls, SLACK)[0].headers["Authorization"] == f"Bearer {SLACK_TOKEN}"
    assert HOOK_TOKEN not in caplog.text
    assert SLACK_TOKEN not in caplog.text


async def test_a_malformed_notifications_file_stops_the_server_naming_the_file_and_key(
    tmp_path: Path,
) -> None:
    cm = tmp_path / "argocd-notifications-cm.yaml"
    cm.write_text(yaml.safe_dump({"kind": "ConfigMap", "data": {"trigger.x": "- when: a ==\n"}}))
    config = ServerConfig(data_dir=tmp_path / "data", reconcile=False, notifications=cm)

    with pytest.raises(GitwardError) as caught:
        async with run_server(config):
            pass

    assert str(cm) in caught.value.message
    assert "data[trigger.x][0]" in caught.value.message


async def test_creation_a_refused_sync_and_deletion_are_notified(
    config: ServerConfig, receivers: tuple[str, Recorded, int, Recorded]
) -> None:
    _, calls, _, _ = receivers
    annotations = {
        f"notifications.argoproj.io/subscribe.{trigger}.hooks": ""
        for trigger in ("on-created", "on-sync-failed", "on-deleted")
    }

    async with run_server(config) as server:
        token = await admin_token(server.url, server.admin_password)
        async with client(server.url, token) as admin:
            await admin.post("/api/v1/applications", json=notified_app("refused", annotations))
            await until(calls, lambda items: len(_at(items, "/failed")) == 1, "the failed sync")
            await admin.delete("/api/v1/applications/refused", params={"cascade": "false"})
            await until(calls, lambda items: len(_at(items, "/deleted")) == 1, "the deletion")

    bodies = {
        path: [yaml.safe_load(call.body) for call in posts(calls, path)]
        for path in ("/created", "/failed", "/deleted")
    }
    assert bodies["/created"][0]["app"] == "refused"
    assert len(bodies["/created"]) == 1
    assert bodies["/failed"] == [{"app": "refused", "phase": "Failed"}]
    assert [body["app"] for body in bodies["/deleted"]] == ["refused"]
