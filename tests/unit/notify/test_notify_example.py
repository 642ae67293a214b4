"""The example repository's ``argocd-notifications-cm.yaml`` (what ``gitward demo`` loads) reads
as Argo CD reads it, and each of its webhook bodies renders to the JSON the demo's receiver
logs: trigger, app and a message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitward.notify.config import NotifyConfig, load_notify_config
from gitward.notify.templates import TemplateRenderer, render_templates

EXAMPLE = Path(__file__).parents[3] / "examples" / "ai-chatbot-infra"
APP = {
    "metadata": {"name": "ai-chatbot-dev"},
    "status": {
        "sync": {"status": "Synced", "revision": "abc123"},
        "health": {"status": "Degraded"},
        "operationState": {
            "phase": "Failed",
            "message": 'one or more objects failed: "quoted" reason',
            "finishedAt": "2026-12-07T10:00:00Z",
            "syncResult": {"revision": "abc123"},
        },
    },
}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> NotifyConfig:
    secret = tmp_path_factory.mktemp("secret") / "secret.yaml"
    secret.write_text("stringData:\n  demo-log-url: http://127.0.0.1:1\n")
    return load_notify_config(EXAMPLE / "argocd-notifications-cm.yaml", secret)


@pytest.mark.parametrize(
    ("template", "trigger"),
    [
        ("app-deployed", "on-deployed"),
        ("app-sync-failed", "on-sync-failed"),
        ("app-sync-succeeded", "on-sync-succeeded"),
        ("app-health-degraded", "on-health-degraded"),
    ],
)
def test_each_webhook_body_is_json_naming_its_trigger_and_app(
    config: NotifyConfig, template: str, trigger: str
) -> None:
    data: dict[str, Any] = {"app": APP, "context": dict(config.context), "serviceType": "webhook"}

    rendered = render_templates(TemplateRenderer(), config, (template,), "webhook", data)
    body = json.loads(rendered[template]["webhook.demo-log.body"])

    assert (body["trigger"], body["app"]) == (trigger, "ai-chatbot-dev")
    assert "ai-chatbot-dev" in body["message"] or '"quoted" reason' in body["message"]
    assert config.services["demo-log"].options["url"] == "http://127.0.0.1:1"
