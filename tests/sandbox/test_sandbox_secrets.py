"""Secret data must be base64, as a real API server decodes it into bytes (issue 11.7): a create,
an update and a server-side apply with a value that is not are refused with a 400 that names the
key and never echoes the value."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sandbox_support import APPLY

SECRETS = "/api/v1/namespaces/default/secrets"
PLAIN = "hunter2-plain!"


def secret(**data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "data": data}


def assert_refused(answer: httpx.Response) -> None:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert body["reason"] == "BadRequest"
    assert "illegal base64 data in field data.password" in body["message"]
    assert PLAIN not in answer.text


async def test_a_create_with_data_that_is_not_base64_is_refused(client: httpx.AsyncClient) -> None:
    assert_refused(await client.post(SECRETS, json=secret(user="YWRtaW4=", password=PLAIN)))
    assert (await client.get(f"{SECRETS}/db")).status_code == 404


@pytest.mark.parametrize("value", ["YWRtaW4=", "YWRt\naW4=", ""])
async def test_base64_the_api_server_decodes_is_stored(
    client: httpx.AsyncClient, value: str
) -> None:
    created = await client.post(SECRETS, json=secret(password=value))
    assert created.status_code == 201, created.text


async def test_an_update_and_an_apply_with_such_data_are_refused(
    client: httpx.AsyncClient,
) -> None:
    created = (await client.post(SECRETS, json=secret(password="YWRtaW4="))).json()
    created["data"]["password"] = PLAIN
    assert_refused(await client.put(f"{SECRETS}/db", json=created))
    applied = await client.patch(
        f"{SECRETS}/db?fieldManager=gitward&force=true",
        content=json.dumps(secret(password=PLAIN)),
        headers=APPLY,
    )
    assert_refused(applied)
    stored = (await client.get(f"{SECRETS}/db")).json()
    assert stored["data"]["password"] == "YWRtaW4="
