"""Templates rendered by Helm's Go template engine, as Argo CD renders them: Argo CD's whole
catalogue unchanged, and the helper objects (``.time``, ``.strings``, ``.sync``, ``.repo``,
``.secrets``) its docs describe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitward.notify.config import load_notify_config
from gitward.notify.templatedata import reveal_secrets, template_data
from gitward.notify.templates import TemplateError, TemplateRenderer, render_templates

DATA = {
    "app": {
        "metadata": {"name": "web"},
        "status": {"conditions": [{"type": "A", "message": "one"}, {"type": "B"}]},
    },
    "context": {"argocdUrl": "https://gitward.example.com"},
    "serviceType": "webhook",
}


@pytest.fixture(scope="module")
def renderer() -> TemplateRenderer:
    return TemplateRenderer()


def test_fields_conditions_ranges_and_sprig_render_as_in_go(renderer: TemplateRenderer) -> None:
    texts = {
        "message": '{{if eq .serviceType "slack"}}:x:{{end}}App {{.app.metadata.name}} at '
        "{{.context.argocdUrl}}/applications/{{.app.metadata.name}}",
        "webhook.hooks.body": "{{range $i, $c := .app.status.conditions}}{{if $i}},{{end}}"
        "{{$c.type}}{{end}} {{ .app.metadata.name | upper }} [{{.app.status.missing}}]",
    }

    rendered = renderer.render(texts, DATA)

    assert rendered == {
        "message": "App web at https://gitward.example.com/applications/web",
        "webhook.hooks.body": "A,B WEB []",
    }


def test_a_broken_template_is_a_template_error_without_secrets(
    renderer: TemplateRenderer,
) -> None:
    with pytest.raises(TemplateError) as caught:
        renderer.render({"message": "{{ .app.metadata.name s3cr3t"}, DATA, ("s3cr3t",))

    assert "s3cr3t" not in caught.value.message
    assert "cannot parse template" in caught.value.message


@pytest.mark.parametrize(
    ("url", "https", "full_name"),
    [
        (
            "git@github.com:argoproj/argo-cd.git",
            "https://github.com/argoproj/argo-cd.git",
            "argoproj/argo-cd",
        ),
        ("https://user:pw@github.com/o/r.git", "https://github.com/o/r.git", "o/r"),
        ("ssh://git@gitlab.com/group/project", "https://gitlab.com/group/project", "group/project"),
    ],
)
def test_argo_cds_repo_helpers_that_need_no_repository_work(
    renderer: TemplateRenderer, url: str, https: str, full_name: str
) -> None:
    texts = {
        "https": "{{call .repo.RepoURLToHTTPS .app.spec.source.repoURL}}",
        "name": "{{ call .repo.FullNameByRepoURL .app.spec.source.repoURL }}",
    }

    rendered = renderer.render(texts, {"app": {"spec": {"source": {"repoURL": url}}}})

    assert rendered == {"https": https, "name": full_name}


CATALOG = Path(__file__).parent / "argocd-notifications-catalog.yaml"
SERVICE_TYPES = ("slack", "teams", "email", "webhook")


def synced_app() -> dict[str, Any]:
    return {
        "metadata": {"name": "web"},
        "spec": {"source": {"repoURL": "git@github.com:team/apps.git", "path": "web"}},
        "status": {
            "sync": {"status": "Synced", "revision": "abc123"},
            "health": {"status": "Degraded"},
            "conditions": [{"type": "SyncError", "message": "one of them failed"}],
            "operationState": {
                "phase": "Succeeded",
                "message": "successfully synced",
                "startedAt": "2026-12-07T10:00:00Z",
                "finishedAt": "2026-12-07T10:00:05Z",
            },
        },
    }


@pytest.mark.parametrize("service_type", SERVICE_TYPES)
def test_argo_cds_whole_catalogue_renders_unchanged_for_each_service(
    renderer: TemplateRenderer, service_type: str
) -> None:
    config = load_notify_config(CATALOG)
    data = template_data(
        synced_app(),
        context={"argocdUrl": "https://gitward.example.com"},
        service_type=service_type,
        recipient="#deploys",
        secret_keys=(),
        commits={},
    )

    rendered = render_templates(renderer, config, tuple(config.templates), service_type, data)

    assert set(rendered) == set(config.templates)
    for name, fields in rendered.items():
        assert "web" in fields["message"], name
        if "slack.attachments" in fields:
            attachment = json.loads(fields["slack.attachments"])[0]
            assert attachment["title"] == "web"
            last = {"title": "SyncError", "value": "one of them failed", "short": True}
            assert attachment["fields"][-1] == last
        if "teams.potentialAction" in fields:
            actions = json.loads(fields["teams.potentialAction"])
            assert actions[-1]["targets"][0]["uri"] == "https://github.com/team/apps.git"
        if service_type == "email":
            assert "application web" in fields["email.subject"].lower()
    with_slack = [name for name, fields in rendered.items() if "slack.attachments" in fields]
    assert len(with_slack) == (6 if service_type == "slack" else 0)


def test_argo_cds_helper_objects_are_reachable_from_templates(renderer: TemplateRenderer) -> None:
    app = synced_app()
    app["operation"] = {"info": [{"name": "reason", "value": "hotfix"}]}
    app["spec"]["source"]["helm"] = {"parameters": [{"name": "image.tag", "value": "1.28"}]}
    commit = {"Author": "Dev <dev@example.com>", "Message": "web: 1.28", "Date": "2026-12-07"}
    data = template_data(
        app,
        context={},
        service_type="webhook",
        recipient="ops",
        secret_keys=("hook-token",),
        commits={"abc123": commit},
    )
    texts = {
        "time": '{{ (call .time.Parse .app.status.operationState.startedAt).UTC.Format "15:04" }}'
        ' {{ call .time.Now | date "2006" | len }}',
        "strings": '{{ call .strings.ReplaceAll .app.metadata.name "w" "W" }}'
        " {{ call .strings.ToUpper .app.metadata.name }}"
        " {{ .app.metadata.name | call .strings.ToLower }}",
        "sync": '{{ call .sync.GetInfoItem .app "reason" }}',
        "commit": "{{ (call .repo.GetCommitMetadata .app.status.sync.revision).Author }}: "
        "{{ (call .repo.GetCommitMetadata .app.status.sync.revision).Message }}",
        "details": "{{ with call .repo.GetAppDetails }}{{ .Type }} "
        "{{ (index .Helm.Parameters 0).value }}{{ end }}",
        "names": "{{ call .repo.FullNameByRepoURL .app.spec.source.repoURL }} {{ .recipient }}",
        "secret": 'token={{ index .secrets "hook-token" }}',
    }

    rendered = renderer.render(texts, data)

    assert rendered["time"] == "10:00 4"
    assert rendered["strings"] == "Web WEB web"
    assert rendered["sync"] == "hotfix"
    assert rendered["commit"] == "Dev <dev@example.com>: web: 1.28"
    assert rendered["details"] == "Helm 1.28"
    assert rendered["names"] == "team/apps ops"
    assert "hook-token" not in rendered["secret"].replace("__GITWARD_SECRET_", "")
    revealed = reveal_secrets(rendered, {"hook-token": "s3cr3t"})
    assert revealed["secret"] == "token=s3cr3t"


def test_a_helper_gitward_does_not_have_is_a_template_error_naming_it(
    renderer: TemplateRenderer,
) -> None:
    with pytest.raises(TemplateError) as caught:
        renderer.render({"message": "{{ call .time.Since .app }}"}, {"app": {}})

    assert "call .time.Since" in caught.value.message
