"""JSON responses encoded with orjson, for the large answers (lists of thousands of apps).

The standard encoder spends most of a 5,000-app list turning dicts into text; orjson does the
same work natively, with the same output for the JSON types the API returns.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["FastJSONResponse"]


class FastJSONResponse(Response):
    """``application/json`` rendered by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
