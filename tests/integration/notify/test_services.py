"""Argo CD's other notification services, each delivered over real HTTP to a loopback stand-in
for its API: the request shapes Argo CD's docs and services give (paths, headers, bodies), a
GitHub App's token bought with a signed JWT, refusals that name the service without its
credentials."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from service_api import service_api

from gitward.notify.config import Service, parse_notify_config
from gitward.notify.delivery import DeliveryError, Sender
from gitward.notify.slack import MemoryThreads
from gitward.notify.templatedata import template_data
from gitward.notify.templates import TemplateRenderer, render_templates

SECRET = "s3cr3t-token-never-shown"
MESSAGE = "Application web has been successfully synced."


def one(name: str = "app-sync-succeeded", **fields: str) -> dict[str, dict[str, str]]:
    return {name: {"message": MESSAGE, **fields}}


async def deliver(
    kind: str, options: dict[str, Any], recipient: str, rendered: dict[str, Any]
) -> int:
    return await Sender(timeout=5).send(
        Service(kind, kind, options), recipient, rendered, (SECRET,)
    )


async def test_pagerduty_gets_an_events_v2_trigger_with_the_recipients_key() -> None:
    with service_api() as (url, seen):
        fields = {
            "pagerdutyv2.summary": "web is degraded",
            "pagerdutyv2.severity": "critical",
            "pagerdutyv2.source": "web",
            "pagerdutyv2.url": "https://gitward.example.com/applications/web",
        }
        options = {"serviceKeys": {"my-service": SECRET}, "apiURL": url}
        await deliver("pagerdutyv2", options, "my-service", one(**fields))

    (request,) = seen
    assert (request.method, request.route) == ("POST", "/v2/enqueue")
    assert request.body == {
        "routing_key": SECRET,
        "event_action": "trigger",
        "payload": {"summary": "web is degraded", "severity": "critical", "source": "web"},
        "links": [
            {"href": "https://gitward.example.com/applications/web", "text": "View in Argo CD"}
        ],
    }


async def test_pagerduty_without_a_severity_is_refused_naming_the_template() -> None:
    with pytest.raises(DeliveryError) as caught:
        await deliver(
            "pagerdutyv2",
            {"serviceKeys": {"s": SECRET}},
            "s",
            one(**{"pagerdutyv2.summary": "x", "pagerdutyv2.source": "web"}),
        )

    assert "template app-sync-succeeded: pagerdutyv2 needs severity" in caught.value.message


async def test_opsgenie_gets_an_alert_for_the_team_with_its_genie_key() -> None:
    with service_api() as (url, seen):
        fields = {
            "opsgenie.description": "sync details",
            "opsgenie.priority": "P2",
            "opsgenie.tags": "argocd, web",
        }
        await deliver("opsgenie", {"apiUrl": url, "apiKeys": {"ops": SECRET}}, "ops", one(**fields))

    (request,) = seen
    assert (request.method, request.route) == ("POST", "/v2/alerts")
    assert request.headers["Authorization"] == f"GenieKey {SECRET}"
    assert request.body == {
        "message": MESSAGE,
        "description": "sync details",
        "priority": "P2",
        "tags": ["argocd", "web"],
        "responders": [{"type": "team", "id": "ops"}],
        "source": "Argo CD",
    }


async def test_alertmanager_gets_labelled_alerts_on_every_target() -> None:
    with service_api() as (first, seen), service_api() as (second, seen_too):
        targets = [first.removeprefix("http://"), second.removeprefix("http://")]
        fields = {
            "alertmanager.labels.event_bucket": "deploy",
            "alertmanager.annotations.author": "Dev <dev@example.com>",
            "alertmanager.generatorURL": "https://git.example.com/team/apps.git",
        }
        options = {"targets": targets, "bearerToken": SECRET}
        await deliver("alertmanager", options, "", one("app-deployed", **fields))

    for request in (*seen, *seen_too):
        assert (request.route, request.headers["Authorization"]) == (
            "/api/v2/alerts",
            f"Bearer {SECRET}",
        )
        assert request.body == [
            {
                "labels": {"event_bucket": "deploy", "alertname": "app-deployed"},
                "annotations": {"author": "Dev <dev@example.com>"},
                "generatorURL": "https://git.example.com/team/apps.git",
            }
        ]
    assert len(seen) == len(seen_too) == 1


async def test_grafana_gets_an_annotation_tagged_with_the_recipients_tags() -> None:
    with service_api() as (url, seen):
        await deliver("grafana", {"apiUrl": url + "/api", "apiKey": SECRET}, "deploy|web", one())

    (request,) = seen
    assert (request.route, request.headers["Authorization"]) == (
        "/api/annotations",
        f"Bearer {SECRET}",
    )
    assert request.body["tags"] == ["deploy", "web"]
    assert (request.body["text"], request.body["isRegion"]) == (MESSAGE, False)
    assert request.body["time"] > 1_700_000_000_000


@pytest.mark.parametrize(
    ("recipient", "chat"), [("deploys", "@deploys"), ("-1000000000000", -1000000000000)]
)
async def test_telegram_sends_markdown_to_a_channel_or_a_chat(recipient: str, chat: Any) -> None:
    with service_api() as (url, seen):
        await deliver("telegram", {"token": SECRET, "apiURL": url}, recipient, one())

    (request,) = seen
    assert request.route == f"/bot{SECRET}/sendMessage"
    assert request.body == {"chat_id": chat, "text": MESSAGE, "parse_mode": "Markdown"}


async def test_a_telegram_refusal_never_shows_the_bot_token() -> None:
    refusing = service_api({f"/bot{SECRET}/sendMessage": (403, {"ok": False})})
    with refusing as (url, _), pytest.raises(DeliveryError) as caught:
        await deliver("telegram", {"token": SECRET, "apiURL": url}, "deploys", one())

    assert "Telegram: POST" in caught.value.message and "answered 403" in caught.value.message
    assert SECRET not in caught.value.message


async def test_google_chat_gets_text_and_yaml_cards_in_the_thread() -> None:
    cards = (
        "- header:\n    title: ArgoCD Bot Notification\n"
        "  sections:\n    - widgets:\n        - textParagraph:\n            text: synced\n"
    )
    with service_api() as (url, seen):
        hooks = {"space": f"{url}/v1/spaces/AAA/messages?key=k&token={SECRET}"}
        fields = {"googlechat.cards": cards, "googlechat.threadKey": "web"}
        await deliver("googlechat", {"webhooks": hooks}, "space", one(**fields))

    (request,) = seen
    assert request.route == "/v1/spaces/AAA/messages"
    assert (
        "threadKey=web" in request.path and "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD" in request.path
    )
    assert request.body["text"] == MESSAGE
    assert request.body["cards"][0]["header"] == {"title": "ArgoCD Bot Notification"}


async def test_mattermost_gets_a_post_with_slack_style_attachments() -> None:
    with service_api() as (url, seen):
        fields = {"mattermost.attachments": '[{"title": "web", "color": "#18be52"}]'}
        await deliver("mattermost", {"apiURL": url, "token": SECRET}, "chan-id", one(**fields))

    (request,) = seen
    assert (request.route, request.headers["Authorization"]) == (
        "/api/v4/posts",
        f"Bearer {SECRET}",
    )
    assert request.body == {
        "channel_id": "chan-id",
        "message": MESSAGE,
        "props": {"attachments": [{"title": "web", "color": "#18be52"}]},
    }


async def test_rocketchat_logs_in_then_posts_with_the_session() -> None:
    login = {"status": "success", "data": {"authToken": "session", "userId": "bot"}}
    with service_api({"/api/v1/login": (200, login)}) as (url, seen):
        options = {
            "serverUrl": url,
            "email": "bot@example.com",
            "password": SECRET,
            "alias": "Argo",
        }
        await deliver("rocketchat", options, "#deploys", one())

    logged, posted = seen
    assert (logged.route, logged.body) == (
        "/api/v1/login",
        {"user": "bot@example.com", "password": SECRET},
    )
    assert posted.route == "/api/v1/chat.postMessage"
    assert (posted.headers["X-Auth-Token"], posted.headers["X-User-Id"]) == ("session", "bot")
    assert posted.body == {"channel": "#deploys", "text": MESSAGE, "alias": "Argo"}


@pytest.mark.parametrize(
    ("recipient", "target"),
    [("dev@example.com", {"toPersonEmail": "dev@example.com"}), ("Y2lzY29", {"roomId": "Y2lzY29"})],
)
async def test_webex_sends_markdown_to_a_person_or_a_room(
    recipient: str, target: dict[str, str]
) -> None:
    with service_api() as (url, seen):
        await deliver("webex", {"token": SECRET, "apiURL": url}, recipient, one())

    (request,) = seen
    assert (request.route, request.headers["Authorization"]) == ("/v1/messages", f"Bearer {SECRET}")
    assert request.body == {**target, "markdown": MESSAGE}


def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


async def test_github_sets_a_commit_status_and_a_deployment_as_its_app() -> None:
    pem = private_key()
    answers = {
        "/app/installations/42/access_tokens": (201, {"token": "installation-token"}),
        "GET /repos/team/apps/deployments": (200, []),
        "POST /repos/team/apps/deployments": (201, {"id": 9}),
    }
    fields = {
        "github.repoURLPath": "git@github.com:team/apps.git",
        "github.revisionPath": "abc123",
        "github.status.state": "success",
        "github.status.label": "continuous-delivery/web",
        "github.status.targetURL": "https://gitward.example.com/applications/web",
        "github.deployment.state": "success",
        "github.deployment.environment": "production",
        "github.deployment.requiredContexts": "[]",
        "github.deployment.autoMerge": "false",
    }
    with service_api(answers) as (url, seen):
        options = {"appID": 7, "installationID": 42, "privateKey": pem, "apiURL": url}
        await deliver("github", options, "", one(**fields))

    token, status, listed, created, deployed = seen
    assertion = token.headers["Authorization"].removeprefix("Bearer ")
    public = serialization.load_pem_private_key(pem.encode(), None).public_key()
    assert jwt.decode(assertion, public, algorithms=["RS256"])["iss"] == "7"
    assert (status.route, status.headers["Authorization"]) == (
        "/repos/team/apps/statuses/abc123",
        "Bearer installation-token",
    )
    assert status.body == {
        "state": "success",
        "description": MESSAGE,
        "context": "continuous-delivery/web",
        "target_url": "https://gitward.example.com/applications/web",
    }
    assert (listed.method, listed.path) == (
        "GET",
        "/repos/team/apps/deployments?ref=abc123&environment=production",
    )
    assert created.body == {
        "ref": "abc123",
        "environment": "production",
        "required_contexts": [],
        "auto_merge": False,
        "transient_environment": False,
    }
    assert deployed.route == "/repos/team/apps/deployments/9/statuses"
    assert (deployed.body["state"], deployed.body["environment"]) == ("success", "production")


SLACK_ANSWER = {"ok": True, "channel": "C024BE91L", "ts": "1700000000.000100"}


async def slack(
    url: str, rendered: dict[str, Any], threads: MemoryThreads, channel: str = "#deploys"
) -> int:
    service = Service("slack", "slack", {"token": SECRET, "apiURL": url})
    return await Sender(timeout=5).send(service, channel, rendered, (SECRET,), threads)


def grouped(policy: str, **more: str) -> dict[str, dict[str, str]]:
    fields = {"slack.groupingKey": "abc123", "slack.deliveryPolicy": policy, **more}
    return one(**fields)


async def test_slack_threads_a_grouping_keys_messages_under_the_first() -> None:
    threads = MemoryThreads()
    with service_api({"/chat.postMessage": (200, SLACK_ANSWER)}) as (url, seen):
        await slack(url, grouped("Post"), threads)
        await slack(url, grouped("Post", **{"slack.notifyBroadcast": "true"}), threads)
        await slack(url, grouped("Post"), threads, channel="#other")

    first, reply, elsewhere = (request.body for request in seen)
    assert "thread_ts" not in first
    assert (reply["thread_ts"], reply["reply_broadcast"]) == ("1700000000.000100", True)
    assert "thread_ts" not in elsewhere  # a grouping key works per channel


async def test_slack_post_and_update_replaces_the_first_message_and_update_waits_for_one() -> None:
    threads = MemoryThreads()
    answers = {"/chat.postMessage": (200, SLACK_ANSWER), "/chat.update": (200, SLACK_ANSWER)}
    with service_api(answers) as (url, seen):
        sent_before = await slack(url, grouped("Update"), threads)
        await slack(url, grouped("PostAndUpdate"), threads)
        await slack(url, grouped("PostAndUpdate"), threads)
        await slack(url, grouped("Update"), threads)

    assert sent_before == 0
    assert [request.route for request in seen] == [
        "/chat.postMessage",
        "/chat.update",
        "/chat.update",
    ]
    assert (seen[1].body["channel"], seen[1].body["ts"]) == ("C024BE91L", "1700000000.000100")
    assert seen[1].body["text"] == MESSAGE


async def test_teams_workflows_gets_an_adaptive_card_from_the_catalogues_teams_fields() -> None:
    fields = {
        "teams-workflows.title": "Application web has been successfully synced",
        "teams-workflows.themeColor": "Good",
        "teams-workflows.facts": '[{"name": "Sync Status", "value": "Synced"}]',
        "teams-workflows.sections": '[{"facts": [{"name": "Namespace", "value": "web"}]}]',
        "teams-workflows.potentialAction": '[{"@type": "OpenUri", "name": "Open", '
        '"targets": [{"os": "default", "uri": "https://gitward.example.com/applications/web"}]}]',
    }
    with service_api() as (url, seen):
        options = {"recipientUrls": {"deploys": f"{url}/workflows/abc?sig={SECRET}"}}
        await deliver("teams-workflows", options, "deploys", one(**fields))

    (request,) = seen
    assert request.route == "/workflows/abc"
    (attachment,) = request.body["attachments"]
    assert (request.body["type"], attachment["contentType"]) == (
        "message",
        "application/vnd.microsoft.card.adaptive",
    )
    card = attachment["content"]
    assert [block["type"] for block in card["body"]] == [
        "TextBlock",
        "TextBlock",
        "FactSet",
        "FactSet",
    ]
    assert (card["body"][0]["color"], card["body"][1]["text"]) == ("Good", MESSAGE)
    assert card["body"][2]["facts"] == [{"title": "Sync Status", "value": "Synced"}]
    assert card["actions"] == [
        {
            "type": "Action.OpenUrl",
            "title": "Open",
            "url": "https://gitward.example.com/applications/web",
        }
    ]


async def test_github_comments_on_the_commits_pull_requests_editing_the_tagged_one() -> None:
    tagged = {"id": 77, "body": "before\n<!-- argocd-notifications deploy -->"}
    answers = {
        "/app/installations/42/access_tokens": (201, {"token": "installation-token"}),
        "/repos/team/apps/commits/abc123/pulls": (200, [{"number": 5}, {"number": 6}]),
        "/repos/team/apps/issues/5/comments": (200, [{"id": 1, "body": "hi"}, tagged]),
        "GET /repos/team/apps/issues/6/comments": (200, []),
    }
    fields = {
        "github.repoURLPath": "https://github.com/team/apps",
        "github.revisionPath": "abc123",
        "github.pullRequestComment.content": "web is deployed",
        "github.pullRequestComment.commentTag": "deploy",
    }
    with service_api(answers) as (url, seen):
        options = {"appID": 7, "installationID": 42, "privateKey": private_key(), "apiURL": url}
        await deliver("github", options, "", one(**fields))

    written = [request for request in seen if request.method in ("PATCH", "POST")][1:]
    assert [(request.method, request.route) for request in written] == [
        ("PATCH", "/repos/team/apps/issues/comments/77"),
        ("POST", "/repos/team/apps/issues/6/comments"),
    ]
    body = "web is deployed\n<!-- argocd-notifications deploy -->"
    assert [request.body for request in written] == [{"body": body}, {"body": body}]


async def test_new_relic_gets_a_deployment_marker_with_argo_cds_defaults() -> None:
    config = parse_notify_config(
        {
            "kind": "ConfigMap",
            "data": {"template.app-deployed": "message: Application web is deployed.\n"},
        },
        {},
    )
    app = {
        "metadata": {"name": "web"},
        "status": {
            "sync": {"revision": "abc123"},
            "operationState": {"syncResult": {"revision": "abc123"}},
        },
    }
    commit = {"Author": "Dev <dev@example.com>", "Message": "web: 1.28", "Tags": []}
    data = template_data(
        app,
        context={},
        service_type="newrelic",
        recipient="1234",
        secret_keys=(),
        commits={"abc123": commit},
    )
    rendered = render_templates(TemplateRenderer(), config, ("app-deployed",), "newrelic", data)
    with service_api() as (url, seen):
        await deliver("newrelic", {"apiURL": url, "apiKey": SECRET}, "1234", rendered)

    (request,) = seen
    assert (request.route, request.headers["X-Api-Key"]) == (
        "/v2/applications/1234/deployments.json",
        SECRET,
    )
    assert request.body == {
        "deployment": {
            "revision": "abc123",
            "description": "Application web is deployed.",
            "changelog": "web: 1.28",
            "user": "Dev <dev@example.com>",
        }
    }


async def test_pushover_sends_the_message_to_the_recipients_user_key() -> None:
    with service_api({"/1/messages.json": (200, {"status": 1})}) as (url, seen):
        await deliver("pushover", {"token": SECRET, "apiURL": url}, "uumy8u4owy7b", one())

    (request,) = seen
    assert request.body == {"token": SECRET, "user": "uumy8u4owy7b", "message": MESSAGE}
