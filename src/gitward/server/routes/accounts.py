"""``/api/v1/account``: the caller and the local accounts, passwords and API tokens.

Changing one's own password needs the current one (rate-limited like a login) and no RBAC;
anything about another account needs ``accounts, update, <name>`` (the built-in admin role has
it) and, for a password, the caller's own current password. Tokens are shown once, when made;
afterwards only their ids.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from gitward.server import views
from gitward.server.auth import Passwords
from gitward.server.deps import (
    Authenticated,
    Grant,
    Svc,
    Target,
    authorize,
    body_field,
    json_body,
    named,
    path_param,
)
from gitward.server.failures import denied, invalid
from gitward.server.services import Services
from gitward.store import AuditAction
from gitward.store.accounts import AccountCapability

__all__ = ["router"]

router = APIRouter(tags=["accounts"])


async def _account_exists(services: Services, name: str) -> bool:
    return await services.store.accounts.get(name) is not None


_account_in_path = named("accounts", "account", _account_exists)


async def _other_account(request: Request, services: Services) -> Target:
    """The account a password change names, unless it is the caller's own (no RBAC)."""
    body = await json_body(request)
    name = body.get("name")
    principal = getattr(request.state, "principal", None)
    if name in (None, "") or (principal is not None and name == principal.name):
        return Target()
    if not isinstance(name, str) or await services.store.accounts.get(name) is None:
        raise denied()
    return Target((name,))


AccountGet = Annotated[Grant, Depends(authorize("accounts", "get", _account_in_path))]
AccountCreate = Annotated[Grant, Depends(authorize("accounts", "update", body_field("name")))]
AccountTokens = Annotated[Grant, Depends(authorize("accounts", "update", _account_in_path))]
TokenRevoke = Annotated[Grant, Depends(authorize("accounts", "update", path_param("name")))]
PasswordChange = Annotated[Grant, Depends(authorize("accounts", "update", _other_account))]


class PasswordBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    current_password: str = Field(alias="currentPassword", min_length=1, repr=False)
    new_password: str = Field(alias="newPassword", min_length=1, repr=False)
    name: str = ""


class AccountBody(BaseModel):
    name: str = Field(min_length=1, max_length=253)
    password: str = Field(min_length=1, repr=False)
    capabilities: list[AccountCapability] = Field(default_factory=lambda: [AccountCapability.LOGIN])


class TokenBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    expires_in: int | None = Field(default=None, alias="expiresIn", ge=0)
    description: str = ""
    id: str = ""


@router.get("/api/v1/account")
async def accounts(grant: Authenticated, services: Svc) -> Any:
    """The caller (``name``, ``groups``) and the accounts the caller may get (``items``)."""
    principal = grant.principal
    items = [
        views.account_json(record)
        for record in await services.store.accounts.list()
        if grant.permits("accounts", "get", record.name)
    ]
    return {
        "name": principal.name,
        "loggedIn": not principal.is_anonymous,
        "groups": list(principal.groups),
        "sso": principal.sso,
        "items": items,
    }


@router.get("/api/v1/account/{name}")
async def get_account(name: str, grant: AccountGet, services: Svc) -> Any:
    record = await services.store.accounts.get(name)
    if record is None:
        raise denied()
    tokens = await services.authenticator.list_tokens(name)
    return views.account_json(record, tokens)


@router.post("/api/v1/account")
async def create_account(body: AccountBody, grant: AccountCreate, services: Svc) -> Any:
    record = await services.authenticator.create_account(
        body.name, body.password, tuple(body.capabilities)
    )
    await services.store.audit.append(grant.actor, AuditAction.CREATE, f"account {body.name}")
    return views.account_json(record)


@router.put("/api/v1/account/password")
async def change_password(
    body: PasswordBody, grant: PasswordChange, request: Request, services: Svc
) -> Any:
    """Change the caller's password, or (``name``) another account's."""
    me = grant.principal
    if me.is_anonymous or me.sso or me.name.startswith("proj:"):
        raise invalid("only a local account that logged in can change a password")
    source = request.client.host if request.client else None
    target = body.name or me.name
    if target == me.name:
        await services.authenticator.update_password(
            me.name, body.current_password, body.new_password, source=source
        )
    else:
        await services.authenticator.login(me.name, body.current_password, source)
        passwords = Passwords(policy=services.authenticator.config.password_policy)
        passwords.check(body.new_password, account=target)
        hashed = await asyncio.to_thread(passwords.hash, body.new_password)
        await services.store.accounts.set_password(target, hashed)
    await services.store.audit.append(me.name, AuditAction.UPDATE, f"account {target}")
    return {}


@router.post("/api/v1/account/{name}/token")
async def create_token(name: str, body: TokenBody, grant: AccountTokens, services: Svc) -> Any:
    """A new API token for the account (shown once). ``id`` is not honoured: the server
    chooses the id, and answers with it."""
    expires = timedelta(seconds=body.expires_in) if body.expires_in else None
    issued = await services.authenticator.create_token(
        name, expires_in=expires, description=body.description
    )
    await services.store.audit.append(
        grant.actor, AuditAction.CREATE, f"account {name}", {"token": issued.id}
    )
    return {"token": issued.token, "id": issued.id}


@router.delete("/api/v1/account/{name}/token/{token_id}")
async def revoke_token(name: str, token_id: str, grant: TokenRevoke, services: Svc) -> Any:
    found = await services.store.accounts.get_token(token_id)
    if found is None or found.subject != name:
        raise denied()
    await services.authenticator.revoke_token(token_id)
    await services.store.audit.append(
        grant.actor, AuditAction.DELETE, f"account {name}", {"token": token_id}
    )
    return {}
