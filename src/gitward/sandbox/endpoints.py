"""Resource requests over HTTP: query strings and bodies in, objects, lists, tables and watch
streams out.

Each handler reads exactly the parameters the real API reads for its verb (``dryRun``,
``fieldManager``, ``force``, selectors, ``resourceVersion``, ``limit``/``continue``,
``propagationPolicy``) and maps the patch content type to a patch format. This module must not
know Kubernetes semantics beyond the wire; :mod:`verbs` and :mod:`deletion` do the work.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gitward.sandbox import deletion, logs, protobuf, scale, selectors, tables
from gitward.sandbox.kinds import SCALABLE, ResourceType
from gitward.sandbox.routing import Target
from gitward.sandbox.status import (
    ApiError,
    bad_request,
    gone,
    method_not_allowed,
    unsupported_media_type,
)
from gitward.sandbox.verbs import Cluster, WriteOptions
from gitward.sandbox.watch import WatchHub, WatchRequest

__all__ = ["ResourceEndpoints", "json_response"]

_PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply-cbor",
}


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":")).encode()
    return Response(content, status, headers=headers, media_type="application/json")


def _number(value: str | None, name: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError as err:
        raise bad_request(f"invalid {name} {value!r}: must be a number") from err


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def write_options(request: Request, default_manager: str) -> WriteOptions:
    query = request.query_params
    dry_run = query.getlist("dryRun")
    if any(v != "All" for v in dry_run):
        raise bad_request(f"unsupported dryRun value {dry_run!r}: only All is supported")
    return WriteOptions(
        dry_run=bool(dry_run),
        field_manager=query.get("fieldManager") or default_manager,
        force=_flag(query.get("force")),
    )


def _manager_from_agent(request: Request) -> str:
    agent = request.headers.get("user-agent", "")
    return agent.split("/", 1)[0][:128] if agent else ""


async def _body(request: Request, yaml_ok: bool = False) -> Any:
    raw = await request.body()
    if protobuf.is_protobuf(request.headers.get("content-type", "")):
        return protobuf.decode_object(raw)
    if not raw.strip():
        return None
    try:
        if yaml_ok or "yaml" in request.headers.get("content-type", ""):
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as err:
        raise bad_request(f"the request body is not valid JSON or YAML: {err}") from err


class ResourceEndpoints:
    """The handlers of resource URLs for one sandbox."""

    def __init__(self, cluster: Cluster, hub: WatchHub) -> None:
        self.cluster = cluster
        self.hub = hub

    async def handle(self, request: Request, target: Target, verb: str) -> Response:
        rtype = target.rtype
        if rtype is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if target.subresource and not _has_subresource(rtype, target.subresource):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        namespace = target.namespace if rtype.namespaced else ""
        if rtype.namespaced and namespace is None and verb not in ("list", "watch"):
            raise method_not_allowed(f"{verb} on {rtype.plural} needs a namespace")
        handler = getattr(self, f"_{verb}", None)
        if handler is None:
            raise method_not_allowed(f"the server does not allow {verb} on this resource")
        response: Response = await handler(request, rtype, namespace, target)
        return response

    async def _get(
        self, request: Request, rtype: ResourceType, namespace: str, target: Target
    ) -> Response:
        if target.subresource == "scale":
            return json_response(scale.get_scale(self.cluster, rtype, namespace, target.name))
        if target.subresource == "log":
            return logs.log_response(self.cluster, rtype, namespace, target.name, request)
        obj = self.cluster.get(rtype, namespace or "", target.name)
        accept = request.headers.get("accept", "")
        if tables.wants_table(accept) and not target.subresource:
            rv = str(obj["metadata"].get("resourceVersion", ""))
            return json_response(tables.table(rtype, [obj], rv, _whole(request)))
        return json_response(obj)

    async def _list(
        self, request: Request, rtype: ResourceType, namespace: str | None, target: Target
    ) -> Response:
        query = request.query_params
        rv = str(self.cluster.store.resource_version)
        limit = int(_number(query.get("limit"), "limit") or 0)
        items = self.cluster.list(
            rtype,
            namespace,
            query.get("labelSelector"),
            query.get("fieldSelector"),
            after=_continue_after(query.get("continue")),
            limit=limit + 1 if limit > 0 else 0,
        )
        items, token = _page(items, limit, rv)
        if tables.wants_table(request.headers.get("accept", "")):
            body = tables.table(rtype, items, rv, _whole(request))
            if token:
                body["metadata"]["continue"] = token
            return json_response(body)
        if rtype.builtin:
            items = [{k: v for k, v in i.items() if k not in ("apiVersion", "kind")} for i in items]
        metadata: dict[str, Any] = {"resourceVersion": rv}
        if token:
            metadata["continue"] = token
        return json_response(
            {
                "kind": f"{rtype.kind}List",
                "apiVersion": rtype.api_version,
                "metadata": metadata,
                "items": items,
            }
        )

    async def _watch(
        self, request: Request, rtype: ResourceType, namespace: str | None, target: Target
    ) -> Response:
        query = request.query_params
        field_selector = query.get("fieldSelector")
        if target.name:
            field_selector = ",".join(
                s for s in (field_selector, f"metadata.name={target.name}") if s
            )
        timeout = _number(query.get("timeoutSeconds"), "timeoutSeconds")
        watch = WatchRequest(
            rtype=rtype,
            namespace=namespace,
            label_selector=query.get("labelSelector"),
            field_selector=field_selector,
            resource_version=query.get("resourceVersion"),
            bookmarks=_flag(query.get("allowWatchBookmarks")),
            send_initial_events=_flag(query.get("sendInitialEvents")),
            timeout=timeout or None,
        )
        # Bad selectors fail before the stream starts, as a plain 400.
        selectors.label_selector(watch.label_selector)
        selectors.field_selector(watch.field_selector, rtype.kind)
        return StreamingResponse(self.hub.stream(watch), media_type="application/json")

    async def _create(
        self, request: Request, rtype: ResourceType, namespace: str, target: Target
    ) -> Response:
        if target.name:
            raise method_not_allowed("POST is not allowed on a named object")
        opts = write_options(request, _manager_from_agent(request))
        obj = self.cluster.create(rtype, namespace, await _body(request), opts)
        return json_response(obj, 201)

    async def _update(
        self, request: Request, rtype: ResourceType, namespace: str, target: Target
    ) -> Response:
        opts = write_options(request, _manager_from_agent(request))
        body = await _body(request)
        if target.subresource == "scale":
            scaled = scale.update_scale(
                self.cluster, rtype, namespace, target.name, body=body, opts=opts
            )
            return json_response(scaled)
        obj = self.cluster.update(
            rtype, namespace, target.name, body, opts, subresource=target.subresource
        )
        return json_response(obj)

    async def _patch(
        self, request: Request, rtype: ResourceType, namespace: str, target: Target
    ) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        patch_type = _PATCH_TYPES.get(content_type)
        if patch_type is None or patch_type == "apply-cbor":
            raise unsupported_media_type(
                f"the body of the request was in an unknown format: {content_type}"
            )
        default = _manager_from_agent(request) if patch_type != "apply" else ""
        opts = write_options(request, default)
        body = await _body(request, yaml_ok=patch_type == "apply")
        if target.subresource == "scale":
            scaled = scale.patch_scale(
                self.cluster,
                rtype,
                namespace,
                target.name,
                patch_type=patch_type,
                body=body,
                opts=opts,
            )
            return json_response(scaled)
        existed = self.cluster.store.peek(rtype.group_resource, namespace, target.name)
        obj = self.cluster.patch(
            rtype,
            namespace,
            target.name,
            patch_type,
            body,
            opts=opts,
            subresource=target.subresource,
        )
        return json_response(obj, 201 if existed is None else 200)

    _apply = _patch

    async def _delete(
        self, request: Request, rtype: ResourceType, namespace: str, target: Target
    ) -> Response:
        opts = write_options(request, "")
        options = await _body(request) or {}
        if not isinstance(options, dict):
            raise bad_request("DeleteOptions must be an object")
        policy = deletion.propagation_policy(options, request.query_params.get("propagationPolicy"))
        if target.subresource:
            raise method_not_allowed("DELETE is not allowed on a subresource")
        obj = deletion.delete(
            self.cluster, rtype, namespace, target.name, options=options, policy=policy, opts=opts
        )
        still_there = self.cluster.store.peek(rtype.group_resource, namespace, target.name)
        return json_response(obj, 202 if still_there is not None and not opts.dry_run else 200)

    async def _deletecollection(
        self, request: Request, rtype: ResourceType, namespace: str | None, target: Target
    ) -> Response:
        opts = write_options(request, "")
        options = await _body(request) or {}
        if not isinstance(options, dict):
            raise bad_request("DeleteOptions must be an object")
        query = request.query_params
        policy = deletion.propagation_policy(options, query.get("propagationPolicy"))
        items = deletion.delete_collection(
            self.cluster,
            rtype,
            namespace,
            label_selector=query.get("labelSelector"),
            field_selector=query.get("fieldSelector"),
            options=options,
            policy=policy,
            opts=opts,
        )
        return json_response(
            {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "items": items}
        )


def _has_subresource(rtype: ResourceType, subresource: str) -> bool:
    if subresource == "status":
        return rtype.has_status
    if subresource == "log":
        return rtype.group_resource == ("", "pods")
    return subresource == "scale" and rtype.group_resource in SCALABLE


def _whole(request: Request) -> bool:
    return request.query_params.get("includeObject") == "Object"


def _continue_after(token: str | None) -> tuple[str, str] | None:
    """The (namespace, name) a continue token resumes after."""
    if not token:
        return None
    try:
        start = json.loads(base64.urlsafe_b64decode(token.encode()))["start"]
        namespace, name = (str(part) for part in start)
    except (ValueError, KeyError, TypeError) as err:
        raise gone("The provided continue parameter is too old or malformed") from err
    return namespace, name


def _page(items: list[dict[str, Any]], limit: int, rv: str) -> tuple[list[dict[str, Any]], str]:
    """The first ``limit`` items and a continue token when more follow."""
    if limit <= 0 or len(items) <= limit:
        return items, ""
    page = items[:limit]
    last = list(_sort_key(page[-1]))
    next_token = base64.urlsafe_b64encode(json.dumps({"rv": rv, "start": last}).encode())
    return page, next_token.decode()


def _sort_key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
