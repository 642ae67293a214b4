"""Request bodies in Kubernetes protobuf (``application/vnd.kubernetes.protobuf``), as JSON objects.

kubectl's typed clients (``kubectl create deployment|configmap|secret|namespace ...``) send
built-in kinds as protobuf and never fall back to JSON, so a real API server's answer to them
is the object decoded; the sandbox decodes the envelope (``k8s\\0`` then ``runtime.Unknown``)
and the typed message by the field table in :mod:`protoschemas`, dropping zero values of
non-pointer fields as Go's JSON encoding does (``omitempty``). A field the table does not know
is refused with a message naming it (never silently dropped) unless it holds a zero value.
This module must not serve requests and knows no kind beyond the table.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gitward.sandbox.protoschemas import INLINED, MESSAGES, ProtoField
from gitward.sandbox.status import ApiError, bad_request, unsupported_media_type

__all__ = ["CONTENT_TYPE", "decode_object", "is_protobuf"]

CONTENT_TYPE = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"
_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5
_EMPTY: tuple[Any, ...] = ("", 0, False, None, {}, [])

Wire = list[tuple[int, int, Any]]


def is_protobuf(content_type: str) -> bool:
    return content_type.split(";", maxsplit=1)[0].strip() == CONTENT_TYPE


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data):
            raise ValueError("truncated varint")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def _fields(data: bytes) -> Wire:
    """(field number, wire type, raw value) in order of appearance."""
    found: Wire = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == _VARINT:
            value, at = _varint(data, at)
        elif wire == _BYTES:
            size, at = _varint(data, at)
            if at + size > len(data):
                raise ValueError("truncated length-delimited field")
            value, at = data[at : at + size], at + size
        elif wire in (_FIXED64, _FIXED32):
            width = 8 if wire == _FIXED64 else 4
            value, at = int.from_bytes(data[at : at + width], "little"), at + width
        else:
            raise ValueError(f"unsupported wire type {wire}")
        found.append((number, wire, value))
    return found


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _time(raw: bytes) -> str | None:
    parts = {number: value for number, _, value in _fields(raw)}
    seconds = _signed(int(parts.get(1, 0)))
    if not parts:
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _int_or_string(raw: bytes) -> int | str:
    parts = {number: value for number, _, value in _fields(raw)}
    if parts.get(1, 0) == 1:
        return bytes(parts.get(3, b"")).decode()
    return _signed(int(parts.get(2, 0)))


def _quantity(raw: bytes, where: str) -> Any:
    return _message("Quantity", raw, where).get("string", "")


def _fields_v1(raw: bytes, where: str) -> Any:
    encoded = _message("FieldsV1", raw, where).get("Raw", "")
    return json.loads(base64.b64decode(encoded) or b"{}")


_SCALARS: dict[str, Callable[[Any, str], Any]] = {
    "s": lambda value, _: bytes(value).decode(),
    "by": lambda value, _: base64.b64encode(bytes(value)).decode(),
    "b": lambda value, _: bool(value),
    "i": lambda value, _: _signed(int(value)),
    "T": lambda value, _: _time(bytes(value)),
    "Q": lambda value, where: _quantity(bytes(value), where),
    "IOS": lambda value, _: _int_or_string(bytes(value)),
    "F": lambda value, where: _fields_v1(bytes(value), where),
}


def _scalar(kind: str, value: Any, where: str) -> Any:
    decode = _SCALARS.get(kind)
    if decode is not None:
        return decode(value, where)
    return _message(kind, bytes(value), where)


def _map_entry(kind: str, raw: bytes, where: str) -> tuple[str, Any]:
    parts = {number: (wire, value) for number, wire, value in _fields(raw)}
    key = bytes(parts.get(1, (_BYTES, b""))[1]).decode()
    _, value = parts.get(2, (_BYTES, b""))
    return key, _scalar(kind, value, f"{where}[{key}]")


def _message(name: str, raw: bytes, where: str) -> dict[str, Any]:
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, _, value in _fields(raw):
        spec = table.get(number)
        if spec is None:
            _unknown(name, number, value, where)
            continue
        _store(out, spec, value, f"{where}.{spec.name}")
    for embedded in INLINED & out.keys():
        out.update(out.pop(embedded))
    kept = {f.name for f in table.values() if f.keep_zero}
    return {k: v for k, v in out.items() if k in kept or v not in _EMPTY}


def _store(out: dict[str, Any], spec: ProtoField, value: Any, where: str) -> None:
    if spec.kind == "-":
        return
    if spec.kind.startswith("m:"):
        key, item = _map_entry(spec.kind[2:], bytes(value), where)
        out.setdefault(spec.name, {})[key] = item
    elif spec.repeated:
        out.setdefault(spec.name, []).append(_scalar(spec.kind, value, where))
    else:
        out[spec.name] = _scalar(spec.kind, value, where)


def _unknown(name: str, number: int, value: Any, where: str) -> None:
    if value in (0, b""):
        return  # a zero the encoder wrote for a non-pointer field: nothing to lose
    raise bad_request(
        f"the sandbox cannot decode field {number} of protobuf message {name} at {where}: "
        "send this object as JSON or YAML instead (kubectl apply -f FILE)"
    )


def decode_object(raw: bytes) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded built-in object (envelope included)."""
    if not raw.startswith(_MAGIC):
        raise bad_request("the protobuf request body does not start with the k8s envelope")
    try:
        envelope = {number: value for number, _, value in _fields(raw[len(_MAGIC) :])}
        type_meta = {n: bytes(v).decode() for n, _, v in _fields(bytes(envelope.get(1, b"")))}
        api_version, kind = type_meta.get(1, ""), type_meta.get(2, "")
        if kind not in MESSAGES:
            raise unsupported_media_type(
                f"the sandbox accepts protobuf for built-in kinds it knows, not {kind or '?'}: "
                "send JSON or YAML instead"
            )
        body = _message(kind, bytes(envelope.get(2, b"")), kind)
    except ApiError:
        raise
    except (ValueError, UnicodeDecodeError) as err:
        raise bad_request(f"the protobuf request body is malformed: {err}") from err
    return {"apiVersion": api_version, "kind": kind, **body}
