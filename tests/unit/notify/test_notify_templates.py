"""Templates rendered by Helm's Go template engine, as Argo CD renders them."""

from __future__ import annotations

import pytest

from gitward.notify.templates import TemplateError, TemplateRenderer

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
