"""Result messages carry the API's words and causes, never what a Secret holds."""

from __future__ import annotations

import base64

from gitward.errors import InvalidError, Location
from gitward.model.objects import ResourceKey
from gitward.sync import Stage, SyncPhase, Task
from gitward.sync.calls import error_text
from gitward.sync.tasks import Action

PASSWORD = "hunter2-very-secret"
ENCODED = base64.b64encode(PASSWORD.encode()).decode()


def secret_task() -> Task:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "namespace": "dev"},
        "data": {"password": ENCODED},
        "stringData": {"token": "plain-token-value"},
    }
    key = ResourceKey("", "Secret", "dev", "db")
    return Task(key, SyncPhase.SYNC, Stage.SYNC, 0, Action.APPLY, target=secret)


def test_a_secret_value_echoed_by_the_api_is_scrubbed_in_plain_and_base64():
    err = InvalidError(
        f'Secret "db" is invalid: data[password]: Invalid value: "{ENCODED}" ({PASSWORD}); '
        "stringData[token]: plain-token-value",
        where=Location(obj="Secret dev/db"),
    )

    text = error_text(err, secret_task())

    assert PASSWORD not in text
    assert ENCODED not in text
    assert "plain-token-value" not in text
    assert 'Secret "db" is invalid: data[password]: Invalid value' in text


def test_field_causes_the_message_does_not_name_are_added():
    err = InvalidError(
        'Deployment.apps "web" is invalid',
        causes=(("spec.selector", "Invalid value: must match the template labels"),),
        where=Location(obj="apps/Deployment dev/web"),
    )
    task = Task(
        ResourceKey("apps", "Deployment", "dev", "web"),
        SyncPhase.SYNC,
        Stage.SYNC,
        0,
        Action.APPLY,
        target={"apiVersion": "apps/v1", "kind": "Deployment"},
    )

    assert error_text(err, task) == (
        'Deployment.apps "web" is invalid '
        "(spec.selector: Invalid value: must match the template labels)"
    )
