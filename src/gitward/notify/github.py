"""Argo CD's GitHub service: commit statuses, deployments, check runs and repository
dispatches through GitHub's REST API, authenticated as a GitHub App.

``service.github`` takes ``appID``, ``installationID``, ``privateKey`` (PEM, usually from the
Secret) and ``enterpriseBaseURL`` (GitHub Enterprise; its API is ``<url>/api/v3``); ``apiURL``
gives the API's address exactly (a proxy, a test server). The app's JWT (RS256, ten minutes)
buys an installation token, kept until five minutes before it expires. A template's ``github``
section names the repository (``repoURLPath``, the app's ``spec.source.repoURL`` unless given)
and the commit (``revisionPath``, the sync's revision unless given), and any of ``status``
(``state``, ``label``, ``targetURL``; the ``message`` as description, 140 characters at most),
``deployment`` (``state``, ``environment``, ``environmentURL``, ``logURL``,
``requiredContexts``, ``autoMerge``, ``transientEnvironment``, ``reference``: the
environment's deployment of the commit is reused or created, then given a status),
``checkRun``, ``repositoryDispatch`` and ``pullRequestComment`` (``content`` on every pull
request holding the commit; with ``commentTag`` the comment carrying the tag is edited instead
of adding another). It must not decide what is due.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx
import jwt

from gitward.notify.config import Service
from gitward.notify.failures import DeliveryError
from gitward.notify.posting import answer_json, option, section, send
from gitward.notify.repourls import full_name_by_repo_url

__all__ = ["DEFAULT_PATHS", "post_to_github"]

GITHUB_API = "https://api.github.com"
DEFAULT_PATHS = {
    "github.repoURLPath": "{{.app.spec.source.repoURL}}",
    "github.revisionPath": "{{.app.status.operationState.syncResult.revision}}",
}
"""What a template's ``github`` section renders when it does not name the repository/commit."""

_SECTIONS = ("status", "deployment", "checkRun", "repositoryDispatch", "pullRequestComment")
_TAG = "<!-- argocd-notifications {} -->"
_TOKENS: dict[tuple[str, str, str], tuple[str, float]] = {}
"""Installation tokens by (API URL, app, installation): (token, when to stop using it)."""


async def post_to_github(
    client: httpx.AsyncClient, service: Service, recipient: str, rendered: Mapping[str, Any]
) -> int:
    """Make each template's GitHub calls; how many templates had a ``github`` section."""
    sent = 0
    for name, fields in rendered.items():
        given = section(fields, "github")
        if not any(part in given for part in _SECTIONS):
            continue
        api = _api(service.options)
        headers = {
            "Authorization": f"Bearer {await _token(client, api, service)}",
            "Accept": "application/vnd.github+json",
        }
        repo = full_name_by_repo_url(str(given.get("repoURLPath", "")))
        revision = str(given.get("revisionPath", "")).strip()
        if repo.count("/") != 1 or not revision:
            raise DeliveryError(f"template {name}: github needs a repository URL and a revision")
        calls = _Calls(client, f"{api}/repos/{repo}", headers, revision)
        message = str(fields.get("message", "")).strip()
        await calls.run(name, given, message)
        sent += 1
    if not sent:
        raise DeliveryError(f"service.{service.name}: no template sent has a github section")
    return sent


def _api(options: Mapping[str, Any]) -> str:
    exact = option(options, "apiURL")
    if exact:
        return str(exact).rstrip("/")
    enterprise = str(option(options, "enterpriseBaseURL") or "").rstrip("/")
    if not enterprise:
        return GITHUB_API
    return enterprise if enterprise.endswith("/api/v3") else f"{enterprise}/api/v3"


async def _token(client: httpx.AsyncClient, api: str, service: Service) -> str:
    app = str(option(service.options, "appID") or "")
    installation = str(option(service.options, "installationID") or "")
    cached = _TOKENS.get((api, app, installation))
    if cached is not None and cached[1] > time.time():
        return cached[0]
    now = int(time.time())
    try:
        assertion = jwt.encode(
            {"iat": now - 60, "exp": now + 540, "iss": app},
            str(option(service.options, "privateKey") or ""),
            algorithm="RS256",
        )
    except (ValueError, TypeError, jwt.PyJWTError) as err:
        raise DeliveryError(f"service.{service.name}: privateKey is not a PEM RSA key") from err
    url = f"{api}/app/installations/{installation}/access_tokens"
    headers = {"Authorization": f"Bearer {assertion}", "Accept": "application/vnd.github+json"}
    answer = answer_json(await send(client, "GitHub", "POST", url, headers=headers))
    token = str(answer.get("token") or "")
    if not token:
        raise DeliveryError("GitHub answered the installation token request without a token")
    _TOKENS[(api, app, installation)] = (token, time.time() + 55 * 60 - 300)
    return token


def _flag(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    return str(value).strip().lower() == "true"


class _Calls:
    """The REST calls of one template, for one repository and commit."""

    def __init__(
        self, client: httpx.AsyncClient, repo: str, headers: dict[str, str], revision: str
    ) -> None:
        self.client, self.repo, self.headers, self.revision = client, repo, headers, revision

    async def post(self, path: str, body: Any) -> dict[str, Any]:
        response = await send(
            self.client, "GitHub", "POST", self.repo + path, json_body=body, headers=self.headers
        )
        return answer_json(response)

    async def run(self, template: str, given: Mapping[str, Any], message: str) -> None:
        description = message if len(message) <= 140 else message[:137] + "..."
        if isinstance(given.get("status"), Mapping):
            await self.status(given["status"], description)
        if isinstance(given.get("deployment"), Mapping):
            await self.deployment(given["deployment"], description)
        if isinstance(given.get("checkRun"), Mapping):
            await self.check_run(template, given["checkRun"])
        if isinstance(given.get("repositoryDispatch"), Mapping):
            await self.dispatch(template, given["repositoryDispatch"])
        if isinstance(given.get("pullRequestComment"), Mapping):
            await self.comment(given["pullRequestComment"])

    async def get(self, path: str) -> list[Any]:
        response = await send(self.client, "GitHub", "GET", self.repo + path, headers=self.headers)
        found = response.json()
        return found if isinstance(found, list) else []

    async def comment(self, given: Mapping[str, Any]) -> None:
        body = str(given.get("content", ""))[:65536]
        tag = str(given.get("commentTag", "")).strip()
        marker = _TAG.format(tag) if tag else ""
        if marker:
            body = f"{body}\n{marker}"
        for pull in await self.get(f"/commits/{self.revision}/pulls"):
            number = pull.get("number") if isinstance(pull, Mapping) else None
            comments = await self.get(f"/issues/{number}/comments") if marker else []
            tagged = [
                c for c in comments if isinstance(c, Mapping) and marker in str(c.get("body", ""))
            ]
            if tagged:
                url = f"{self.repo}/issues/comments/{tagged[0].get('id')}"
                await send(
                    self.client,
                    "GitHub",
                    "PATCH",
                    url,
                    json_body={"body": body},
                    headers=self.headers,
                )
            else:
                await self.post(f"/issues/{number}/comments", {"body": body})

    async def status(self, status: Mapping[str, Any], description: str) -> None:
        body = {
            "state": str(status.get("state", "")),
            "description": description,
            "context": str(status.get("label", "")),
            "target_url": str(status.get("targetURL", "")),
        }
        await self.post(f"/statuses/{self.revision}", body)

    async def deployment(self, given: Mapping[str, Any], description: str) -> None:
        environment = str(given.get("environment", ""))
        params = {"ref": self.revision, "environment": environment}
        listed = await send(
            self.client,
            "GitHub",
            "GET",
            self.repo + "/deployments?" + str(httpx.QueryParams(params)),
            headers=self.headers,
        )
        existing = listed.json() if isinstance(listed.json(), list) else []
        if existing:
            deployment_id = existing[0].get("id")
        else:
            created = await self.post("/deployments", _new_deployment(given, self.revision))
            deployment_id = created.get("id")
        body = {
            "state": str(given.get("state", "")),
            "log_url": str(given.get("logURL", "")),
            "description": description,
            "environment": environment,
            "environment_url": str(given.get("environmentURL", "")),
        }
        await self.post(f"/deployments/{deployment_id}/statuses", body)

    async def check_run(self, template: str, given: Mapping[str, Any]) -> None:
        status, conclusion = str(given.get("status", "")), str(given.get("conclusion", ""))
        if conclusion and not status:
            status = "completed"
        if (status == "completed" or given.get("completed_at")) and not conclusion:
            raise DeliveryError(f"template {template}: a completed checkRun needs a conclusion")
        body: dict[str, Any] = {
            "name": str(given.get("name", "")),
            "head_sha": self.revision,
            "external_id": "argocd-notifications",
            "details_url": str(given.get("details_url", "")),
        }
        extra = {"status": status, "conclusion": conclusion}
        extra.update({key: str(given.get(key, "")) for key in ("started_at", "completed_at")})
        body.update({key: value for key, value in extra.items() if value})
        if isinstance(given.get("output"), Mapping):
            body["output"] = {k: str(v) for k, v in given["output"].items()}
        await self.post("/check-runs", body)

    async def dispatch(self, template: str, given: Mapping[str, Any]) -> None:
        try:
            payload = json.loads(str(given.get("client_payload") or "{}"))
        except ValueError as err:
            raise DeliveryError(f"template {template}: client_payload is not JSON") from err
        await self.post(
            "/dispatches",
            {"event_type": str(given.get("event_type", "")), "client_payload": payload},
        )


def _new_deployment(given: Mapping[str, Any], revision: str) -> dict[str, Any]:
    try:
        contexts = json.loads(str(given.get("requiredContexts") or "[]"))
    except ValueError:
        contexts = []
    return {
        "ref": str(given.get("reference") or revision),
        "environment": str(given.get("environment", "")),
        "required_contexts": contexts if isinstance(contexts, list) else [],
        "auto_merge": _flag(given.get("autoMerge"), default=True),
        "transient_environment": _flag(given.get("transientEnvironment"), default=False),
    }
