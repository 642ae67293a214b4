"""Argo CD's catalogue triggers over Application JSON: each fires when Argo CD's would, once per
its ``oncePer`` value, and subscriptions come from app and project annotations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitward.notify.config import (
    NotifyConfig,
    NotifyConfigError,
    load_notify_config,
    parse_notify_config,
)
from gitward.notify.subscriptions import Destination, destinations
from gitward.notify.triggers import decide

HERE = Path(__file__).parent
FINISHED = "2026-12-07T10:00:00Z"
LATER = "2026-12-07T10:00:05Z"


@pytest.fixture(scope="module")
def config() -> NotifyConfig:
    return load_notify_config(
        HERE / "argocd-notifications-cm.yaml", HERE / "argocd-notifications-secret.yaml"
    )


def app(
    *,
    phase: str | None = None,
    health: str = "Healthy",
    sync: str = "Synced",
    revision: str = "abc123",
    healthy_since: str = LATER,
    deleting: bool = False,
    subscribe: str = "",
) -> dict[str, Any]:
    trigger = subscribe or "on-created"
    metadata: dict[str, Any] = {
        "name": "web",
        "annotations": {f"notifications.argoproj.io/subscribe.{trigger}.hooks": ""},
    }
    if deleting:
        metadata["deletionTimestamp"] = LATER
    status: dict[str, Any] = {
        "sync": {"status": sync, "revision": revision},
        "health": {"status": health, "lastTransitionTime": healthy_since},
    }
    if phase is not None:
        status["operationState"] = {
            "phase": phase,
            "finishedAt": FINISHED,
            "syncResult": {"revision": revision},
        }
    return {"metadata": metadata, "status": status}


CASES = [
    ("on-created", {}, True),
    ("on-deleted", {}, False),
    ("on-deleted", {"deleting": True}, True),
    ("on-deployed", {"phase": "Succeeded"}, True),
    ("on-deployed", {"phase": "Succeeded", "healthy_since": "2026-12-07T09:00:00Z"}, False),
    ("on-deployed", {"phase": "Succeeded", "health": "Progressing"}, False),
    ("on-deployed", {}, False),
    ("on-health-degraded", {"health": "Degraded"}, True),
    ("on-health-degraded", {}, False),
    ("on-sync-failed", {"phase": "Failed"}, True),
    ("on-sync-failed", {"phase": "Error"}, True),
    ("on-sync-failed", {"phase": "Succeeded"}, False),
    ("on-sync-running", {"phase": "Running"}, True),
    ("on-sync-status-unknown", {"sync": "Unknown"}, True),
    ("on-sync-status-unknown", {}, False),
    ("on-sync-succeeded", {"phase": "Succeeded"}, True),
    ("on-sync-succeeded", {"phase": "Running"}, False),
    ("on-sync-succeeded", {}, False),
]


@pytest.mark.parametrize(("trigger", "shape", "fires"), CASES)
def test_each_catalogue_trigger_fires_when_argo_cds_would(
    config: NotifyConfig, trigger: str, shape: dict[str, Any], fires: bool
) -> None:
    verdict = decide(config, app(subscribe=trigger, **shape), {})

    assert [due.destination.trigger for due in verdict.due] == ([trigger] if fires else [])


def test_once_per_gives_one_key_per_revision_and_forgets_nothing(config: NotifyConfig) -> None:
    first = decide(config, app(subscribe="on-sync-succeeded", phase="Succeeded"), {})
    again = decide(config, app(subscribe="on-sync-succeeded", phase="Succeeded"), {})
    running = decide(config, app(subscribe="on-sync-succeeded", phase="Running"), {})
    other = decide(
        config, app(subscribe="on-sync-succeeded", phase="Succeeded", revision="def456"), {}
    )

    assert first.due[0].key == again.due[0].key
    assert first.due[0].key != other.due[0].key
    assert running.due == [] and running.rearmed == []


def test_subscriptions_come_from_the_app_the_project_and_default_triggers(
    config: NotifyConfig,
) -> None:
    annotations = {
        "notifications.argoproj.io/subscribe.on-sync-failed.email": "a@example.com; b@example.com",
        "notifications.argoproj.io/subscribe.hooks": "",
        "notifications.argoproj.io/subscriptions": (
            "- trigger: [on-deployed]\n  destinations:\n  - service: slack\n    recipients: [ops]\n"
        ),
        "unrelated": "x",
    }
    project = {"notifications.argoproj.io/subscribe.on-health-degraded.slack": "platform"}

    found = destinations(config, {}, project, annotations)

    assert found == [
        Destination("on-deployed", "slack", "ops"),
        Destination("on-health-degraded", "slack", "platform"),
        Destination("on-sync-failed", "email", "a@example.com"),
        Destination("on-sync-failed", "email", "b@example.com"),
        Destination("on-sync-succeeded", "hooks", ""),
    ]


def test_the_catalogue_loads_with_secret_references_resolved_and_listed(
    config: NotifyConfig,
) -> None:
    hooks = config.services["hooks"]

    assert sorted(config.triggers) == [
        "on-created",
        "on-deleted",
        "on-deployed",
        "on-health-degraded",
        "on-sync-failed",
        "on-sync-running",
        "on-sync-status-unknown",
        "on-sync-succeeded",
    ]
    assert hooks.type == "webhook"
    assert hooks.options["headers"][0]["value"] == "Bearer hook-token-never-shown"
    assert config.services["slack"].options["token"] == "xoxb-slack-token-never-shown"
    assert "hook-token-never-shown" in config.secrets
    assert config.context["argocdUrl"] == "https://gitward.example.com"


@pytest.mark.parametrize(
    ("data", "located"),
    [
        ({"trigger.x": "- when: app.a ==\n  send: [t]"}, "data[trigger.x][0].when"),
        ({"trigger.x": "- when: 'true'\n  send: [missing]"}, "data[trigger.x]"),
        ({"service.webhook.h": "url: $nope"}, "data[service.webhook.h]"),
        ({"template.t": "message: [unclosed"}, "data[template.t]"),
    ],
)
def test_a_malformed_entry_is_an_error_naming_the_file_and_the_key(
    tmp_path: Path, data: dict[str, str], located: str
) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text(yaml.safe_dump({"kind": "ConfigMap", "data": data}))

    with pytest.raises(NotifyConfigError) as caught:
        load_notify_config(path)

    assert str(path) in caught.value.message
    assert located in caught.value.message


def test_the_configmaps_subscriptions_reach_the_apps_their_selector_matches() -> None:
    data = {
        "defaultTriggers.hooks": "[on-created]\n",
        "subscriptions": yaml.safe_dump(
            [
                {
                    "recipients": ["email:ops@example.com"],
                    "triggers": ["on-x"],
                    "selector": "env=prod",
                },
                {"recipients": ["hooks"]},
            ]
        ),
    }
    config = parse_notify_config({"kind": "ConfigMap", "data": data}, {})

    prod = destinations(config, {"env": "prod"})
    dev = destinations(config, {"env": "dev"})

    assert prod == [
        Destination("on-created", "hooks", ""),
        Destination("on-x", "email", "ops@example.com"),
    ]
    assert dev == [Destination("on-created", "hooks", "")]


def test_a_malformed_subscription_selector_is_an_error_naming_it() -> None:
    data = {"subscriptions": "- recipients: [hooks]\n  selector: 'env in prod'\n"}

    with pytest.raises(NotifyConfigError) as caught:
        parse_notify_config({"kind": "ConfigMap", "data": data}, {}, "cm.yaml")

    assert "cm.yaml: ConfigMap argocd-notifications-cm: data[subscriptions][0].selector" in (
        caught.value.message
    )


def test_a_trigger_from_argo_cds_docs_written_as_one_condition_over_the_sync_result() -> None:
    # the shape of examples.md's on-deployed-trigger (a map, not a list), with a closure over
    # the resources the sync changed, as users write to be told only about real changes
    data = {
        "service.webhook.hooks": "url: http://127.0.0.1:1\n",
        "template.changed": "message: changed\n",
        "trigger.on-changed": (
            "when: app.status.operationState.phase in ['Succeeded'] and\n"
            "  any(app.status.operationState.syncResult.resources ?? [],"
            " {not (.message endsWith 'unchanged')})\n"
            "oncePer: app.status.sync.revision\n"
            "send: [changed]\n"
        ),
    }
    config = parse_notify_config({"kind": "ConfigMap", "data": data}, {})

    def verdict(message: str) -> list[str]:
        shaped = app(subscribe="on-changed", phase="Succeeded")
        result = [{"kind": "Deployment", "message": message}]
        shaped["status"]["operationState"]["syncResult"]["resources"] = result
        return [due.destination.trigger for due in decide(config, shaped, {}).due]

    assert verdict("deployment.apps/web configured") == ["on-changed"]
    assert verdict("deployment.apps/web unchanged") == []
