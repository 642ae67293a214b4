"""Read a decoded JSON payload defensively: every field checked for its type as it is read.

A field of the wrong type, a missing required object or a body that is not a JSON object becomes
a ``WebhookError`` (400) naming the provider and the field path; nothing else escapes. The text is
checked against a ``ParseBudget`` before it is decoded, and decoding calls back into Python for
each object, so a parse on a worker thread lets the event loop's thread run meanwhile.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from gitward.errors import Location
from gitward.server.webhooks.budget import ParseBudget, check_shape
from gitward.server.webhooks.errors import MALFORMED, WebhookError

__all__ = ["Fields", "decode_json"]

_FORM = "application/x-www-form-urlencoded"


def decode_json(
    body: bytes, content_type: str, provider: str, budget: ParseBudget | None = None
) -> Fields:
    """The payload's top-level object (a GitHub form post carries it in ``payload=``)."""
    where = Location(obj=f"{provider} webhook")
    text = body
    try:
        if content_type.split(";", maxsplit=1)[0].strip().lower() == _FORM:
            form = urllib.parse.parse_qs(body.decode("utf-8"), strict_parsing=False)
            text = form.get("payload", [""])[0].encode("utf-8")
        check_shape(text, budget or ParseBudget(), provider)
        document = json.loads(text, object_pairs_hook=dict)
    except RecursionError:
        raise WebhookError(MALFORMED, "the payload is nested too deeply", where=where) from None
    except ValueError as err:  # JSONDecodeError, UnicodeDecodeError, int digits limit
        raise WebhookError(
            MALFORMED, f"the payload is not JSON: {type(err).__name__}", where=where
        ) from None
    if not isinstance(document, dict):
        raise WebhookError(MALFORMED, "the payload is not a JSON object", where=where)
    return Fields(document, provider, "")


class Fields:
    """One JSON object of a payload, read field by field with type checks."""

    def __init__(self, data: dict[str, Any], provider: str, path: str) -> None:
        self.data = data
        self.provider = provider
        self.path = path

    def child(self, key: str) -> Fields:
        """A required object field."""
        return Fields(self._value(key, dict, "an object", True), self.provider, self._child(key))

    def mapping(self, key: str) -> Fields | None:
        """An optional object field."""
        value = self._value(key, dict, "an object", False)
        return None if value is None else Fields(value, self.provider, self._child(key))

    def text(self, key: str, *, required: bool = False) -> str:
        value = self._value(key, str, "a string", required)
        if required and not value:
            raise self.error(key, "is empty")
        return value or ""

    def flag(self, key: str) -> bool:
        return bool(self._value(key, bool, "true or false", required=False))

    def number(self, key: str) -> int | None:
        value = self._value(key, int, "a whole number", required=False)
        return value if value is None or not isinstance(value, bool) else None

    def objects(self, key: str, *, required: bool = False) -> list[Fields]:
        items = self._value(key, list, "a list", required) or []
        result = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.error(f"{key}[{index}]", f"must be an object, not {_kind(item)}")
            result.append(Fields(item, self.provider, f"{self._child(key)}[{index}]"))
        return result

    def texts(self, key: str) -> list[str]:
        items = self._value(key, list, "a list", required=False) or []
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.error(f"{key}[{index}]", f"must be a string, not {_kind(item)}")
        return items

    def error(self, key: str, problem: str) -> WebhookError:
        where = Location(obj=f"{self.provider} webhook", field=self._child(key))
        return WebhookError(MALFORMED, f"{self._child(key)} {problem}", where=where)

    def _value(self, key: str, kind: type, described: str, required: bool) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "is missing")
            return None
        if not isinstance(value, kind):
            raise self.error(key, f"must be {described}, not {_kind(value)}")
        return value

    def _child(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__
    )
