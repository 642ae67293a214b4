"""The notifier over a real store: what a trigger asks for is delivered once, a transient
failure (503) is retried, a refusal (404) is recorded as failed without retrying, a store
that already holds a notification does not send it again (a restart), and a Slack thread's
first message is remembered across a restart."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest

from gitward.controller.events import AppEvent, EventStream
from gitward.notify import Notifier
from gitward.notify.config import NotifyConfig, parse_notify_config
from gitward.notify.delivery import Sender
from gitward.notify.notifier import MAX_ATTEMPTS
from gitward.store import Store
from gitward.store.notifications import PendingNotification, StoredNotification

CONFIG = {
    "service.webhook.hooks": "url: http://hooks.example.com\n",
    "template.t": "webhook:\n  hooks:\n    method: POST\n    body: '{{.app.metadata.name}}'\n",
    "trigger.on-created": "- when: 'true'\n  oncePer: app.metadata.name\n  send: [t]\n",
}


def app(name: str) -> dict[str, Any]:
    annotations = {"notifications.argoproj.io/subscribe.on-created.hooks": ""}
    return {"metadata": {"name": name, "annotations": annotations}, "status": {}}


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(f"sqlite:///{tmp_path / 'gitward.db'}", data_dir=tmp_path)
    yield opened
    await opened.close()


def notifier(store: Store, answers: dict[str, list[int]], seen: list[str]) -> Notifier:
    config: NotifyConfig = parse_notify_config({"kind": "ConfigMap", "data": CONFIG}, {})

    def answer(request: httpx.Request) -> httpx.Response:
        name = request.content.decode()
        seen.append(name)
        return httpx.Response(answers[name].pop(0))

    async def documents(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        return app(name), {}

    sender = Sender(transport=httpx.MockTransport(answer))
    return Notifier(lambda: config, store, documents, sender=sender, backoff_s=0.01)


async def until_finished(store: Store, count: int) -> list[StoredNotification]:
    async with asyncio.timeout(30):
        while True:
            rows = await store.notifications.list()
            if len([row for row in rows if row.state != "pending"]) >= count:
                return rows
            await asyncio.sleep(0.02)


async def running(
    made: Notifier, events: EventStream, then: Callable[[], Any]
) -> list[asyncio.Task[None]]:
    tasks = [asyncio.create_task(made.follow(events)), asyncio.create_task(made.deliver())]
    await asyncio.sleep(0)  # yield once: the first step of follow() subscribes, synchronously
    then()
    return tasks


async def stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_transient_failure_is_retried_and_a_refusal_is_recorded(store: Store) -> None:
    seen: list[str] = []
    events = EventStream()
    made = notifier(store, {"web": [503, 200], "api": [404]}, seen)

    def publish() -> None:
        events.publish(AppEvent(app="web", kind="status"))
        events.publish(AppEvent(app="api", kind="status"))

    tasks = await running(made, events, publish)
    try:
        rows = {row.app: row for row in await until_finished(store, 2)}
    finally:
        await stop(tasks)

    assert (rows["web"].state, rows["web"].attempts) == ("sent", 2)
    assert (rows["api"].state, rows["api"].attempts) == ("failed", 1)
    assert "answered 404" in rows["api"].error
    assert sorted(seen) == ["api", "web", "web"]


async def test_what_the_store_holds_is_not_sent_again(store: Store) -> None:
    seen: list[str] = []
    events = EventStream()
    first = notifier(store, {"web": [200]}, seen)
    tasks = await running(first, events, lambda: events.publish(AppEvent("web", "status")))
    try:
        await until_finished(store, 1)
    finally:
        await stop(tasks)

    again = notifier(store, {"web": [], "api": [200]}, seen)
    tasks = await running(
        again,
        events,
        lambda: [events.publish(AppEvent(name, "status")) for name in ("web", "api")],
    )
    try:
        await until_finished(store, 2)
    finally:
        await stop(tasks)

    assert seen == ["web", "api"]


SLACK_CONFIG = {
    "service.slack": "token: xoxb-token\napiURL: http://slack.example.com/api/\n",
    "template.t": "message: '{{.app.metadata.name}} created'\n"
    "slack:\n  groupingKey: deploys\n  deliveryPolicy: Post\n",
    "trigger.on-created": "- when: 'true'\n  oncePer: app.metadata.name\n  send: [t]\n",
}


def slack_notifier(store: Store, posted: list[dict[str, Any]]) -> Notifier:
    config = parse_notify_config({"kind": "ConfigMap", "data": SLACK_CONFIG}, {})

    def answer(request: httpx.Request) -> httpx.Response:
        posted.append(json.loads(request.content))
        return httpx.Response(200, json={"ok": True, "channel": "C1", "ts": f"{len(posted)}.0"})

    async def documents(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        annotations = {"notifications.argoproj.io/subscribe.on-created.slack": "#deploys"}
        return {"metadata": {"name": name, "annotations": annotations}, "status": {}}, {}

    sender = Sender(transport=httpx.MockTransport(answer))
    return Notifier(lambda: config, store, documents, sender=sender, backoff_s=0.01)


async def test_a_slack_thread_outlives_a_restart(store: Store) -> None:
    posted: list[dict[str, Any]] = []
    events = EventStream()
    tasks = await running(
        slack_notifier(store, posted), events, lambda: events.publish(AppEvent("web", "status"))
    )
    try:
        await until_finished(store, 1)
    finally:
        await stop(tasks)

    events = EventStream()
    tasks = await running(
        slack_notifier(store, posted), events, lambda: events.publish(AppEvent("api", "status"))
    )
    try:
        await until_finished(store, 2)
    finally:
        await stop(tasks)

    first, second = posted
    assert (first["text"], "thread_ts" in first) == ("web created", False)
    assert (second["text"], second["thread_ts"]) == ("api created", "1.0")
    assert len(await store.notifications.list()) == 2  # the thread's memory is no notification


def hanging_notifier(store: Store, seen: list[str], arrived: asyncio.Event) -> Notifier:
    """A notifier whose service takes every request and never answers: a process that stops
    while sending leaves its notification unconfirmed."""
    config: NotifyConfig = parse_notify_config({"kind": "ConfigMap", "data": CONFIG}, {})
    never = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.content.decode())
        arrived.set()
        await never.wait()
        return httpx.Response(200)

    async def documents(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        return app(name), {}

    sender = Sender(transport=httpx.MockTransport(answer))
    return Notifier(lambda: config, store, documents, sender=sender, backoff_s=0.01)


async def test_a_notification_cut_short_by_a_stop_is_sent_again_after_the_restart(
    store: Store,
) -> None:
    seen: list[str] = []
    arrived = asyncio.Event()
    events = EventStream()
    hanging = hanging_notifier(store, seen, arrived)
    tasks = await running(hanging, events, lambda: events.publish(AppEvent("web", "status")))
    try:
        async with asyncio.timeout(30):
            await arrived.wait()
    finally:
        await stop(tasks)  # the process stops with the request sent and unconfirmed
    (cut_short,) = await store.notifications.list()

    again = notifier(store, {"web": [200]}, seen)
    tasks = await running(again, EventStream(), lambda: None)
    try:
        (row,) = await until_finished(store, 1)
    finally:
        await stop(tasks)

    assert (cut_short.state, cut_short.attempts) == ("pending", 1)
    assert seen == ["web", "web"]  # at least once: the receiver may see it twice, not more
    assert (row.state, row.attempts) == ("sent", 2)


async def test_a_notification_that_keeps_being_cut_short_is_given_up(store: Store) -> None:
    seen: list[str] = []
    made = notifier(store, {"web": [200]}, seen)
    await store.notifications.record(
        [
            PendingNotification(
                "k",
                "web",
                "on-created",
                "hooks",
                "",
                {"rendered": {"t": {"webhook.hooks.method": "POST", "webhook.hooks.body": "web"}}},
            )
        ]
    )
    for _ in range(MAX_ATTEMPTS):
        await store.notifications.attempting("k")

    tasks = await running(made, EventStream(), lambda: None)
    try:
        (row,) = await until_finished(store, 1)
    finally:
        await stop(tasks)

    assert seen == []
    assert (row.state, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert "given up after 6 attempts" in row.error


async def test_pruning_forgets_a_deleted_apps_records_but_not_what_is_pending(
    store: Store,
) -> None:
    rendered = {"rendered": {}}
    await store.notifications.record(
        [
            PendingNotification("done", "gone", "on-created", "hooks", "", rendered),
            PendingNotification("waiting", "gone", "on-deleted", "hooks", "", rendered),
        ]
    )
    await store.notifications.finish("done", delivered=True, attempts=1)

    removed = await notifier(store, {}, []).prune()

    assert removed == 1
    assert [row.key for row in await store.notifications.list()] == ["waiting"]


async def test_a_condition_may_read_the_apps_commit_through_repo_helpers(store: Store) -> None:
    data = {
        **CONFIG,
        "trigger.on-created": "- when: repo.GetCommitMetadata(app.status.sync.revision).Message"
        " contains 'notify' and repo.GetAppDetails().Type == 'Directory'\n"
        "  oncePer: app.metadata.name\n  send: [t]\n",
    }
    config = parse_notify_config({"kind": "ConfigMap", "data": data}, {})
    messages = {"sha-web": "web: please notify", "sha-api": "api: quiet"}
    fetched: list[str] = []
    seen: list[str] = []

    async def commits(url: str, sha: str) -> Mapping[str, Any]:
        fetched.append(sha)
        return {"Author": "Dev <dev@example.com>", "Message": messages[sha], "Tags": []}

    async def documents(name: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        shaped = app(name)
        shaped["spec"] = {"source": {"repoURL": "https://git.example.com/team/apps.git"}}
        shaped["status"] = {"sync": {"revision": f"sha-{name}"}}
        return shaped, {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.content.decode())
        return httpx.Response(200)

    made = Notifier(
        lambda: config,
        store,
        documents,
        sender=Sender(transport=httpx.MockTransport(answer)),
        commits=commits,
        backoff_s=0.01,
    )
    events = EventStream()

    def publish() -> None:
        for name in ("web", "api", "web", "api"):
            events.publish(AppEvent(name, "status"))

    tasks = await running(made, events, publish)
    try:
        await until_finished(store, 1)
        await made.consider(AppEvent("api", "status"))
    finally:
        await stop(tasks)

    assert seen == ["web"]
    assert sorted(fetched) == ["sha-api", "sha-web"]  # each commit read once, then kept
