"""Webhook delivery as Argo CD's webhook service does it, through an injected HTTP transport;
failures say whether to retry and never carry the service's credentials. The config files
reload when they change and keep the last good configuration when they break."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml

from gitward.notify.config import Service
from gitward.notify.delivery import DeliveryError, DeliveryRetryError, Sender
from gitward.notify.files import NotifyFiles

TOKEN = "hook-token-never-shown"
SERVICE = Service(
    name="hooks",
    type="webhook",
    options={
        "url": "http://hooks.example.com/base",
        "headers": [{"name": "Authorization", "value": f"Bearer {TOKEN}"}],
    },
)
RENDERED = {
    "app-deployed": {
        "message": "hello",
        "webhook.hooks.method": "PUT",
        "webhook.hooks.path": "/deployed",
        "webhook.hooks.body": '{"app": "web"}',
    },
    "app-created": {"message": "no webhook section: nothing sent"},
}


def sender(status: int, seen: list[httpx.Request]) -> Sender:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(status)

    return Sender(transport=httpx.MockTransport(answer))


async def test_a_webhook_gets_the_templates_method_path_body_and_the_services_headers() -> None:
    seen: list[httpx.Request] = []

    sent = await sender(200, seen).send(SERVICE, "", RENDERED, (TOKEN,))

    assert sent == 1
    (request,) = seen
    assert (request.method, str(request.url)) == ("PUT", "http://hooks.example.com/base/deployed")
    assert request.content == b'{"app": "web"}'
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(("status", "error"), [(503, DeliveryRetryError), (404, DeliveryError)])
async def test_a_failing_webhook_says_whether_to_retry_without_its_credentials(
    status: int, error: type[DeliveryError]
) -> None:
    secret_url = Service("hooks", "webhook", {"url": f"http://u:{TOKEN}@hooks.example.com"})

    with pytest.raises(DeliveryError) as caught:
        await sender(status, []).send(secret_url, "", RENDERED, (TOKEN,))

    assert type(caught.value) is error
    assert str(status) in caught.value.message
    assert TOKEN not in caught.value.message


async def test_an_unsupported_service_type_is_an_error_naming_it() -> None:
    with pytest.raises(DeliveryError) as caught:
        await Sender().send(Service("awssqs", "awssqs", {}), "ops", RENDERED, ())

    assert "service type awssqs (awssqs) is not supported yet" in caught.value.message


async def test_an_unreachable_smtp_server_is_worth_retrying() -> None:
    email = Service("email", "email", {"host": "127.0.0.1", "port": 1, "password": TOKEN})

    with pytest.raises(DeliveryRetryError) as caught:
        await Sender(timeout=2).send(email, "dev@example.com", RENDERED, (TOKEN,))

    assert "SMTP 127.0.0.1:1" in caught.value.message


def test_the_files_reload_on_change_and_keep_the_last_good_config(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"

    def write(data: dict[str, str]) -> None:
        path.write_text(yaml.safe_dump({"kind": "ConfigMap", "data": data}))

    write({"context": "argocdUrl: https://one"})
    files = NotifyFiles(path)
    first = files.current().context["argocdUrl"]
    write({"context": "argocdUrl: https://two.example"})
    second = files.current().context["argocdUrl"]
    write({"trigger.x": "- when: a ==\n  send: [t]\n"})
    kept = files.current().context["argocdUrl"]

    assert (first, second, kept) == ("https://one", "https://two.example", "https://two.example")


SLACK = Service(
    "slack",
    "slack",
    {"token": "xoxb-never-shown", "apiURL": "http://slack.example.com/api/", "icon": ":robot:"},
)
SLACK_RENDERED = {
    "app-deployed": {
        "message": "Application web is now running new version.",
        "slack.attachments": '[{"title": "web", "color": "#18be52"}]',
        "slack.deliveryPolicy": "Post",
    }
}


def slack_sender(answer: dict[str, object], seen: list[httpx.Request]) -> Sender:
    def respond(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=answer)

    return Sender(transport=httpx.MockTransport(respond))


async def test_slack_gets_chat_post_message_with_the_channel_text_and_attachments() -> None:
    seen: list[httpx.Request] = []

    sent = await slack_sender({"ok": True}, seen).send(SLACK, "#deploys", SLACK_RENDERED, ())

    (request,) = seen
    body = json.loads(request.content)
    assert sent == 1
    assert str(request.url) == "http://slack.example.com/api/chat.postMessage"
    assert request.headers["Authorization"] == "Bearer xoxb-never-shown"
    assert body == {
        "channel": "#deploys",
        "text": "Application web is now running new version.",
        "attachments": [{"title": "web", "color": "#18be52"}],
        "icon_emoji": ":robot:",
    }


@pytest.mark.parametrize(
    ("error", "kind"), [("channel_not_found", DeliveryError), ("ratelimited", DeliveryRetryError)]
)
async def test_slacks_refusal_says_whether_to_retry(error: str, kind: type[DeliveryError]) -> None:
    answer = {"ok": False, "error": error}

    with pytest.raises(DeliveryError) as caught:
        await slack_sender(answer, []).send(
            SLACK, "#deploys", SLACK_RENDERED, ("xoxb-never-shown",)
        )

    assert type(caught.value) is kind
    assert error in caught.value.message


async def test_teams_gets_a_connector_card_at_the_channels_webhook() -> None:
    seen: list[httpx.Request] = []
    teams = Service("teams", "teams", {"recipientUrls": {"ops": "http://teams.example.com/hook"}})
    rendered = {
        "app-deployed": {
            "message": "Application web is now running new version.",
            "teams.title": "New version of web",
            "teams.themeColor": "#000080",
            # the catalogue's cards end an object with a comma
            "teams.facts": '[{"name": "Sync Status", "value": "Synced",}]',
            "teams.potentialAction": '[{"@type": "OpenUri", "name": "Open"}]',
        }
    }

    await sender(200, seen).send(teams, "ops", rendered, ())

    (request,) = seen
    card = json.loads(request.content)
    assert str(request.url) == "http://teams.example.com/hook"
    assert (card["@type"], card["title"], card["text"], card["themeColor"]) == (
        "MessageCard",
        "New version of web",
        "Application web is now running new version.",
        "#000080",
    )
    assert card["sections"] == [{"facts": [{"name": "Sync Status", "value": "Synced"}]}]
    assert card["potentialAction"] == [{"@type": "OpenUri", "name": "Open"}]


async def test_a_teams_channel_missing_from_recipient_urls_is_named() -> None:
    teams = Service("teams", "teams", {"recipientUrls": {"ops": "http://teams.example.com/hook"}})

    with pytest.raises(DeliveryError) as caught:
        await sender(200, []).send(teams, "dev", RENDERED, ())

    assert "recipientUrls has no channel 'dev'" in caught.value.message


def test_a_service_gitward_cannot_send_to_yet_is_warned_of_naming_file_and_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cm = tmp_path / "argocd-notifications-cm.yaml"
    data = {"service.awssqs.queue": "region: eu-west-1\n", "service.telegram": "token: t\n"}
    cm.write_text(yaml.safe_dump({"kind": "ConfigMap", "data": data}))

    NotifyFiles(cm)

    assert f"{cm}: data[service.awssqs.queue]: service type awssqs is not supported yet" in (
        caplog.text
    )
    assert "telegram" not in caplog.text
