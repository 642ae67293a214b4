"""``/api/v1/account/can-i/{resource}/{action}/{object}``: whether the caller may do something,
as Argo CD answers it (``{"value": "yes" | "no"}``).

The UI asks it to hide or disable what a user's RBAC forbids; the answer comes from the same
policy every endpoint enforces, so the UI never decides permissions of its own. It answers only
about the caller, and the same for an object that exists and one that does not.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from gitward.server.deps import Authenticated

__all__ = ["router"]

router = APIRouter(tags=["accounts"])


@router.get("/api/v1/account/can-i/{resource}/{action}/{obj:path}")
async def can_i(resource: str, action: str, obj: str, grant: Authenticated) -> Any:
    """``obj`` is what a policy line's object names: ``project/app`` for applications."""
    return {"value": "yes" if grant.permits(resource, action, obj) else "no"}
