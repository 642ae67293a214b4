"""Turn what callers hand the store into values every backend keeps the same way.

Documents go in as JSON: YAML's dates become ISO strings, and anything JSON cannot hold (NaN, a
set, an object) is refused with an error naming the record and field, never stored half-way.
Audit details are scrubbed of secrets before they are written. No database access here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from gitward.errors import Location
from gitward.redaction import MASK, redact
from gitward.store.failures import StoreConfigError

__all__ = ["aware", "dumps", "json_value", "scrub_details"]


def _plain(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def dumps(value: object) -> str:
    """Compact JSON, as the engines write it."""
    return json.dumps(value, separators=(",", ":"), allow_nan=False, default=_plain)


def json_value(value: object, where: Location) -> Any:
    """``value`` as it will read back from the database; refuses what JSON cannot hold."""
    try:
        return json.loads(dumps(value))
    except (TypeError, ValueError) as err:
        raise StoreConfigError(
            f"the value cannot be stored as JSON ({_reason(err)})",
            where=where,
            hint="keep to strings, numbers, booleans, null, lists and mappings",
        ) from None
    except RecursionError:
        raise StoreConfigError(
            "the value is nested too deeply to store", where=where, hint="flatten it"
        ) from None


def aware(moment: datetime | None, where: Location) -> datetime | None:
    """``moment`` if it says its timezone; a naive one is refused, as its meaning is a guess."""
    if moment is not None and moment.utcoffset() is None:
        raise StoreConfigError(
            "the timestamp has no timezone", where=where, hint="pass an aware datetime (UTC)"
        )
    return moment


def _reason(err: Exception) -> str:
    if isinstance(err, TypeError):
        return f"it holds a {err}"
    return "it holds NaN or infinity" if "compliant" in str(err) else "it is not JSON"


_SECRET_KEY = re.compile(r"password|passwd|token|secret|privatekey|apikey|credential|bearer")


def scrub_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Mask values under secret-looking keys and credentials inside strings, at any depth."""
    return {str(key): _scrub(str(key), value) for key, value in details.items()}


def _scrub(key: str, value: Any) -> Any:
    if _SECRET_KEY.search(re.sub(r"[^a-z]", "", key.lower())) and value not in (None, "", False):
        return MASK
    if isinstance(value, Mapping):
        return scrub_details(value)
    if isinstance(value, list | tuple):
        return [_scrub(key, item) for item in value]
    if isinstance(value, str):
        return redact(value)
    return value
