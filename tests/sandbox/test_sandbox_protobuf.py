"""Protobuf request bodies (what kubectl's typed clients send for ``kubectl create ...``) are
decoded as a real API server does; what the sandbox cannot decode is refused, never dropped."""

from __future__ import annotations

import httpx
from sandbox_support import CM, NAMESPACES

PROTOBUF = {"content-type": "application/vnd.kubernetes.protobuf"}


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: bytes | int) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    return varint(number << 3 | 2) + varint(len(value)) + value


def envelope(api_version: str, kind: str, message: bytes) -> bytes:
    type_meta = field(1, api_version.encode()) + field(2, kind.encode())
    return b"k8s\x00" + field(1, type_meta) + field(2, message)


def meta(name: str) -> bytes:
    # Go writes every non-pointer field, empty strings and zeros included.
    return field(1, name.encode()) + field(2, b"") + field(3, b"") + field(7, 0) + field(8, b"")


def entry(key: str, value: str) -> bytes:
    return field(1, key.encode()) + field(2, value.encode())


async def test_a_protobuf_configmap_is_created_as_json(client: httpx.AsyncClient) -> None:
    message = (
        field(1, meta("settings"))
        + field(2, entry("LOG_LEVEL", "warn"))
        + field(2, entry("PORT", "8000"))
    )
    body = envelope("v1", "ConfigMap", message)
    created = await client.post(CM, content=body, headers=PROTOBUF)
    assert created.status_code == 201, created.text
    stored = (await client.get(f"{CM}/settings")).json()
    assert stored["data"] == {"LOG_LEVEL": "warn", "PORT": "8000"}
    assert "generateName" not in stored["metadata"]  # Go's zero values are not fields


async def test_a_field_the_sandbox_does_not_know_is_refused_by_number(
    client: httpx.AsyncClient,
) -> None:
    body = envelope("v1", "ConfigMap", field(1, meta("odd")) + field(99, b"surprise"))
    refused = await client.post(CM, content=body, headers=PROTOBUF)
    assert refused.status_code == 400
    assert refused.json()["message"].startswith(
        "the sandbox cannot decode field 99 of protobuf message ConfigMap at ConfigMap: "
    )
    assert (await client.get(f"{CM}/odd")).status_code == 404


async def test_unknown_kinds_and_broken_bodies_are_refused(client: httpx.AsyncClient) -> None:
    other = envelope("example.com/v1", "Widget", field(1, meta("w")))
    unknown = await client.post(NAMESPACES, content=other, headers=PROTOBUF)
    assert unknown.status_code == 415
    assert "not Widget" in unknown.json()["message"]
    broken = await client.post(NAMESPACES, content=b"\x0a\x05abc", headers=PROTOBUF)
    assert broken.status_code == 400
    assert "k8s envelope" in broken.json()["message"]
    cut = await client.post(NAMESPACES, content=b"k8s\x00\x0a\x09", headers=PROTOBUF)
    assert cut.status_code == 400
    assert "malformed" in cut.json()["message"]
