"""``/api/v1/repositories`` and ``/api/v1/clusters``: where apps come from and go to.

Credentials are write-only: they go into the store encrypted, and every read shows only
``has*`` flags. Repositories and clusters are addressed in paths by their URL, URL-encoded.
Both take effect at once, as ``argocd repo add`` and ``argocd cluster add`` do: repository
credentials reach the git port, and a cluster added, replaced or deleted here is registered in
(or forgotten by) the controller's cluster registry as soon as the store has it, so an
Application whose destination names it deploys there without a restart; the server loads
every stored cluster into that registry when it starts (:mod:`gitward.server.registrations`).
gitward reaches a cluster registered here with its bearer token (``config.bearerToken``), its
CA (``tlsClientConfig.caData``) or ``insecure``; other kinds of credentials are refused, as is
a server URL or name that the server's own configuration (kubeconfig, in-cluster service
account) already answers for: the configuration always wins.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from gitward.server import views
from gitward.server.deps import Authenticated, Grant, Missing, Svc, Target, authorize, body_field
from gitward.server.failures import CONFLICT, ApiError, invalid
from gitward.server.services import Services
from gitward.store import AuditAction, ClusterDefinition, Credentials, RepoDefinition

__all__ = ["router"]

router = APIRouter(tags=["repositories", "clusters"])


async def _repo_in_path(request: Request, services: Services) -> Target:
    url = unquote(str(request.path_params.get("repo", "")))
    if await services.store.repos.get(url) is None:
        return Target(missing=Missing(f"repository {url}", "repositories", (url,)))
    return Target((url,))


async def _cluster_in_path(request: Request, services: Services) -> Target:
    server = unquote(str(request.path_params.get("server", "")))
    if await services.store.clusters.get(server) is None:
        return Target(missing=Missing(f"cluster {server}", "clusters", (server,)))
    return Target((server,))


RepoCreate = Annotated[Grant, Depends(authorize("repositories", "create", body_field("repo")))]
RepoDelete = Annotated[Grant, Depends(authorize("repositories", "delete", _repo_in_path))]
ClusterCreate = Annotated[Grant, Depends(authorize("clusters", "create", body_field("server")))]
ClusterDelete = Annotated[Grant, Depends(authorize("clusters", "delete", _cluster_in_path))]

_SECRET = Field(default="", repr=False)


class RepoBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    repo: str = Field(min_length=1)
    name: str = ""
    type: str = "git"
    project: str = ""
    username: str = ""
    password: str = _SECRET
    ssh_private_key: str = Field(default="", alias="sshPrivateKey", repr=False)
    bearer_token: str = Field(default="", alias="bearerToken", repr=False)
    insecure: bool = False
    enable_lfs: bool = Field(default=False, alias="enableLfs")


class TlsClientConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    ca_data: str = Field(default="", alias="caData")
    cert_data: str = Field(default="", alias="certData")
    key_data: str = Field(default="", alias="keyData", repr=False)
    insecure: bool = False
    server_name: str = Field(default="", alias="serverName")


class ClusterConfig(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    bearer_token: str = Field(default="", alias="bearerToken", repr=False)
    username: str = ""
    password: str = _SECRET
    tls_client_config: TlsClientConfig = Field(
        default_factory=TlsClientConfig, alias="tlsClientConfig"
    )


class ClusterBody(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    server: str = Field(min_length=1)
    name: str = ""
    namespaces: list[str] = Field(default_factory=list)
    project: str = ""
    labels: dict[str, str] = Field(default_factory=dict)
    config: ClusterConfig = Field(default_factory=ClusterConfig)


@router.get("/api/v1/repositories")
async def list_repositories(grant: Authenticated, services: Svc) -> Any:
    items = [
        views.repo_json(record)
        for record in await services.store.repos.list()
        if grant.permits("repositories", "get", record.url)
    ]
    return {"items": items}


@router.post("/api/v1/repositories")
async def create_repository(
    body: RepoBody, grant: RepoCreate, services: Svc, upsert: bool = False
) -> Any:
    if not upsert and await services.store.repos.get(body.repo) is not None:
        raise ApiError(409, CONFLICT, "the repository exists already; use upsert")
    credentials = Credentials(
        username=body.username,
        password=body.password,
        ssh_private_key=body.ssh_private_key,
        bearer_token=body.bearer_token,
    )
    definition = RepoDefinition(
        url=body.repo,
        credentials=credentials,
        name=body.name,
        type=body.type,
        project=body.project,
        insecure=body.insecure,
        enable_lfs=body.enable_lfs,
    )
    record = await services.store.repos.upsert(definition)
    await services.store.audit.append(grant.actor, AuditAction.CREATE, f"repository {record.url}")
    await services.repo_credentials.reload(services.store)
    return views.repo_json(record)


@router.delete("/api/v1/repositories/{repo:path}")
async def delete_repository(grant: RepoDelete, services: Svc) -> Any:
    [url] = grant.target.objects
    await services.store.repos.delete(url)
    await services.store.audit.append(grant.actor, AuditAction.DELETE, f"repository {url}")
    await services.repo_credentials.reload(services.store)
    return {}


@router.get("/api/v1/clusters")
async def list_clusters(grant: Authenticated, services: Svc) -> Any:
    items = [
        views.cluster_json(record)
        for record in await services.store.clusters.list()
        if grant.permits("clusters", "get", record.server)
    ]
    return {"items": items}


@router.post("/api/v1/clusters")
async def create_cluster(
    body: ClusterBody, grant: ClusterCreate, services: Svc, upsert: bool = False
) -> Any:
    if not upsert and await services.store.clusters.get(body.server) is not None:
        raise ApiError(409, CONFLICT, "the cluster exists already; use upsert")
    _check_usable(body)
    refusal = services.clusters.refusal(body.server, body.name)
    if refusal is not None:
        raise ApiError(409, CONFLICT, refusal)
    config, tls = body.config, body.config.tls_client_config
    credentials = Credentials(
        username=config.username,
        password=config.password,
        bearer_token=config.bearer_token,
        tls_client_cert_data=tls.cert_data,
        tls_client_cert_key=tls.key_data,
        ca_data=tls.ca_data,
    )
    definition = ClusterDefinition(
        server=body.server,
        name=body.name,
        credentials=credentials,
        namespaces=tuple(body.namespaces),
        project=body.project,
        labels=body.labels,
        insecure=tls.insecure,
        server_name=tls.server_name,
    )
    record = await services.store.clusters.upsert(definition)
    await services.store.audit.append(grant.actor, AuditAction.CREATE, f"cluster {record.server}")
    await services.clusters.register(record)
    return views.cluster_json(record)


@router.delete("/api/v1/clusters/{server:path}")
async def delete_cluster(grant: ClusterDelete, services: Svc) -> Any:
    [server] = grant.target.objects
    await services.store.clusters.delete(server)
    await services.store.audit.append(grant.actor, AuditAction.DELETE, f"cluster {server}")
    await services.clusters.forget(server)
    return {}


def _check_usable(body: ClusterBody) -> None:
    """Refuse a cluster gitward could not reach with what it was given."""
    config, tls = body.config, body.config.tls_client_config
    if not config.bearer_token.strip():
        raise invalid(
            f"cluster {body.server}: config.bearerToken is required; gitward reaches clusters "
            "added through the API with a bearer token (and tlsClientConfig.caData or insecure)"
        )
    unsupported = [
        field
        for field, value in (
            ("config.username", config.username),
            ("config.password", config.password),
            ("config.tlsClientConfig.certData", tls.cert_data),
            ("config.tlsClientConfig.keyData", tls.key_data),
            ("config.tlsClientConfig.serverName", tls.server_name),
        )
        if value
    ]
    if unsupported:
        raise invalid(
            f"cluster {body.server}: {', '.join(unsupported)} cannot be used yet; "
            "authenticate with config.bearerToken only"
        )
