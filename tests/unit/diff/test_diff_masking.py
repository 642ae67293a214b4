"""No Secret value, plain or base64, reaches any output of the diff engine."""

from __future__ import annotations

import base64
import json
from typing import Any

from gitward import diff
from gitward.diff import JqWorker
from gitward.model.application import IgnoreDifference

PASSWORD = "hunter2-Zebra-Quokka"
NEW_PASSWORD = "correct-Horse-Battery"
API_KEY = "sk-live-Ocelot-4242"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


SECRET_SPELLINGS = [
    spelling for value in (PASSWORD, NEW_PASSWORD, API_KEY) for spelling in (value, b64(value))
]


def secret(*, annotations: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "chatbot-db", "namespace": "dev"}
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, **fields}


def assert_no_secret_in(*outputs: Any) -> None:
    for output in outputs:
        text = output if isinstance(output, str) else repr(output)
        leaked = [spelling for spelling in SECRET_SPELLINGS if spelling in text]
        assert leaked == [], f"secret bytes in {text[:200]}"


def test_a_changed_secret_shows_masks_of_different_lengths_and_no_value() -> None:
    desired = secret(stringData={"password": NEW_PASSWORD, "api-key": API_KEY})
    live = secret(data={"password": b64(PASSWORD), "api-key": b64(API_KEY)}, type="Opaque")

    result = diff.compare(desired, live)

    assert result.status == "OutOfSync"
    [change] = result.changes
    assert change.pointer == "/data/password"
    assert set(change.before) == set(change.after) == {"+"}
    assert len(change.before) != len(change.after)
    assert result.live is not None and result.predicted is not None
    assert result.live["data"]["api-key"] == result.predicted["data"]["api-key"]
    assert "-  password: ++++++++++++\n+  password: ++++++++\n" in result.diff
    assert_no_secret_in(result.diff, result.changes, result, json.dumps(result.live))


def test_a_missing_or_extraneous_secret_is_masked_whole() -> None:
    missing = diff.compare(secret(stringData={"password": PASSWORD}), None)
    extraneous = diff.compare(None, secret(data={"password": b64(PASSWORD)}))

    assert (missing.status, extraneous.status) == ("Missing", "RequiresPruning")
    assert "password: ++++++++" in missing.diff
    assert "password: ++++++++" in extraneous.diff
    assert_no_secret_in(missing.diff, missing, extraneous.diff, extraneous)


def test_secrets_in_a_last_applied_record_are_used_and_never_shown() -> None:
    record = json.dumps(secret(data={"password": b64(PASSWORD), "api-key": b64(API_KEY)}))
    live = secret(
        annotations={"kubectl.kubernetes.io/last-applied-configuration": record},
        data={"password": b64(PASSWORD), "api-key": b64(API_KEY)},
    )

    result = diff.compare(secret(data={"password": b64(PASSWORD)}), live)

    assert result.status == "OutOfSync"
    assert [change.pointer for change in result.changes] == ["/data/api-key"]
    assert_no_secret_in(result.diff, result)


def test_raw_objects_shown_to_a_person_are_masked_down_to_the_annotation() -> None:
    record = json.dumps(secret(stringData={"password": PASSWORD}))
    live = secret(
        annotations={"kubectl.kubernetes.io/last-applied-configuration": record, "team": "ai"},
        data={"password": b64(PASSWORD)},
    )
    live["metadata"]["managedFields"] = [
        {"manager": "kubectl", "fieldsV1": {"f:data": {"f:password": {}}}}
    ]

    shown_desired, shown_live = diff.hide_secret_data(
        secret(stringData={"password": PASSWORD}), live
    )

    assert shown_live is not None and shown_desired is not None
    annotations = shown_live["metadata"]["annotations"]
    assert json.loads(annotations["kubectl.kubernetes.io/last-applied-configuration"])[
        "stringData"
    ] == {"password": diff.MASK}
    assert annotations["team"] == "ai"
    assert "managedFields" not in shown_live["metadata"]
    assert shown_desired["stringData"]["password"] == shown_live["data"]["password"] == diff.MASK
    assert_no_secret_in(shown_desired, shown_live, json.dumps(shown_live))


def test_a_last_applied_annotation_that_does_not_parse_is_masked_whole() -> None:
    live = secret(
        annotations={"kubectl.kubernetes.io/last-applied-configuration": f"{{{PASSWORD}"},
        data={"password": b64(PASSWORD)},
    )

    _, shown = diff.hide_secret_data(None, live)

    assert shown is not None
    annotation = shown["metadata"]["annotations"][
        "kubectl.kubernetes.io/last-applied-configuration"
    ]
    assert annotation == diff.MASK


def test_an_error_message_that_would_quote_a_secret_is_scrubbed() -> None:
    rule = IgnoreDifference(kind="Secret", jq_path_expressions=(".data.password | ascii_downcase",))
    worker = JqWorker()
    try:
        result = diff.compare(
            secret(stringData={"password": PASSWORD}),
            secret(data={"password": b64(PASSWORD)}),
            ignore=[rule],
            jq=worker,
        )
    finally:
        worker.close()

    assert result.status == "Unknown"
    assert result.error is not None
    assert "ignoreDifferences[0].jqPathExpressions[0]" in result.error
    assert "withheld" in result.error
    assert b64(PASSWORD).lower() not in result.error
    assert_no_secret_in(result.error, result)


def test_an_app_diff_of_secrets_carries_no_secret() -> None:
    app = diff.compare_app(
        [secret(stringData={"password": NEW_PASSWORD})],
        [
            secret(data={"password": b64(PASSWORD)}),
            {**secret(data={"k": b64(API_KEY)}), "metadata": {"name": "old", "namespace": "dev"}},
        ],
    )

    assert app.status == "OutOfSync"
    assert_no_secret_in(app.diff, app)
