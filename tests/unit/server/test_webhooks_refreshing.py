"""Which Applications a push concerns: the same repository however its URL is spelled, the
revision the app tracks, and the paths of ``manifest-generate-paths``."""

from __future__ import annotations

import pytest
from webhook_deliveries import body_of, headers, payload

from gitward.server.webhooks import Push, matches, parse_webhook, paths_match, same_repository

REPO = "https://github.com/giridharan-official/ai-chatbot-infra.git"
SHA = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"


def _push(ref: str = "refs/heads/main", default_branch: str | None = "main", **kw: object) -> Push:
    fields: dict[str, object] = {"revision": SHA, "default_branch": default_branch, **kw}
    return Push("github", (REPO,), ref, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("app_url", "expected"),
    [
        ("https://github.com/giridharan-official/ai-chatbot-infra.git", True),
        ("https://github.com/giridharan-official/ai-chatbot-infra", True),
        ("https://GitHub.com/Giridharan-Official/AI-Chatbot-Infra/", True),
        ("git@github.com:giridharan-official/ai-chatbot-infra.git", True),
        ("ssh://git@github.com/giridharan-official/ai-chatbot-infra", True),
        ("ssh://git@ssh.github.com:443/giridharan-official/ai-chatbot-infra.git", True),
        ("https://token:x-oauth@github.com/giridharan-official/ai-chatbot-infra", True),
        ("https://github.com/giridharan-official/ai-chatbot-infra-old", False),
        ("https://github.com/someone-else/ai-chatbot-infra", False),
        ("https://gitlab.com/giridharan-official/ai-chatbot-infra", False),
        ("https://charts.example.com", False),
        ("", False),
        ("/srv/git/ai-chatbot-infra", False),
    ],
)
def test_a_push_concerns_an_app_of_the_same_repository_however_it_is_spelled(
    app_url: str, expected: bool
):
    assert matches(_push(), app_url, "main") is expected


def test_the_web_page_of_a_repository_names_the_same_repository_as_its_clone_urls():
    page = "https://bitbucket.org/acme/ai-chatbot-infra"

    assert same_repository(page, "git@bitbucket.org:acme/ai-chatbot-infra.git")
    assert same_repository(page, "ssh://git@altssh.bitbucket.org:443/acme/ai-chatbot-infra")
    assert not same_repository(page, "https://bitbucket.org/acme/ai-chatbot")


@pytest.mark.parametrize(
    ("push", "target", "expected"),
    [
        (_push(), "main", True),
        (_push(), "refs/heads/main", True),
        (_push(), "develop", False),
        (_push("refs/heads/release/1.2"), "release/1.2", True),
        (_push("refs/heads/release/1.2"), "refs/heads/release/1.2", True),
        (_push("refs/heads/release/1.2"), "1.2", False),
        (_push(), "HEAD", True),
        (_push(), "", True),
        (_push("refs/heads/feature"), "HEAD", False),
        (_push("refs/heads/feature", default_branch=None), "HEAD", True),
        (_push("refs/tags/v1", default_branch=None), "HEAD", False),
        (_push("refs/tags/v1.0.0"), "v1.0.0", True),
        (_push("refs/tags/v1.0.0"), "refs/tags/v1.0.0", True),
        (_push("refs/tags/v1.0.0"), "refs/heads/v1.0.0", False),
        (_push("refs/tags/v1.0.0"), "v1.0.1", False),
        (_push("refs/tags/v1.0.0"), "1.*", True),
        (_push("refs/tags/v1.0.0"), ">=1.0.0 <2.0.0", True),
        (_push(), "1.*", False),
        (_push(), SHA, True),
        (_push(), SHA.upper(), True),
        (_push(), "1" * 40, False),
        (_push(), SHA[:7], True),
        (_push(), "1234567", False),
        (_push(), "  main  ", True),
    ],
)
def test_a_push_concerns_an_app_that_tracks_the_pushed_revision(
    push: Push, target: str, expected: bool
):
    assert matches(push, REPO, target) is expected


def test_a_ping_concerns_no_app():
    ping = Push("github", (REPO,), ping=True)

    assert not matches(ping, REPO, "HEAD")


def test_every_push_of_a_bitbucket_delivery_is_matched_on_its_own():
    body = body_of(payload("bitbucket_cloud_push.json"))
    pushes = parse_webhook(headers("bitbucket", body), body)
    url = "git@bitbucket.org:acme/ai-chatbot-infra.git"

    assert [matches(p, url, "main") for p in pushes] == [True, False]
    assert [matches(p, url, "v2.1.0") for p in pushes] == [False, True]
    assert [matches(p, url, "HEAD") for p in pushes] == [True, False]


def test_a_bitbucket_server_push_matches_apps_using_either_clone_url():
    body = body_of(payload("bitbucket_server_push.json"))
    (push,) = parse_webhook(headers("bitbucket-server", body), body)

    assert matches(push, "https://bitbucket.example.com/scm/ops/ai-chatbot-infra.git", "master")
    assert matches(push, "ssh://git@bitbucket.example.com:7999/ops/ai-chatbot-infra", "HEAD")
    assert not matches(push, "https://bitbucket.example.com/scm/ops/other.git", "master")


@pytest.mark.parametrize(
    ("annotation", "source_path", "changed", "expected"),
    [
        (".", "helm/ai-chatbot", ["helm/ai-chatbot/values-dev.yaml"], True),
        (".", "helm/ai-chatbot", ["docs/README.md"], False),
        (".", "helm/ai-chatbot", ["helm/ai-chatbot-other/values.yaml"], False),
        ("", "helm/ai-chatbot", ["docs/README.md"], True),
        (".", "helm/ai-chatbot", [], True),
        ("/shared", "helm/ai-chatbot", ["shared/common.yaml"], True),
        ("/shared;.", "helm/ai-chatbot", ["helm/ai-chatbot/Chart.yaml"], True),
        ("../values", "helm/ai-chatbot", ["helm/values/dev.yaml"], True),
        ("../values", "helm/ai-chatbot", ["helm/ai-chatbot/x.yaml"], False),
        ("values-*.yaml", "helm/ai-chatbot", ["helm/ai-chatbot/values-dev.yaml"], True),
        ("values-*.yaml", "helm/ai-chatbot", ["helm/ai-chatbot/sub/values-dev.yaml"], False),
        ("/", "helm/ai-chatbot", ["anything/at/all"], True),
        (".", "", ["anything/at/all"], True),
        (" . ; ", "helm/ai-chatbot", ["/helm/ai-chatbot/values.yaml"], True),
        ("templates/[a-c]*.yaml", "chart", ["chart/templates/b.yaml"], True),
        ("templates/[a-c*.yaml", "chart", ["chart/templates/b.yaml"], False),
    ],
)
def test_manifest_generate_paths_limit_a_refresh_to_changes_under_them(
    annotation: str, source_path: str, changed: list[str], expected: bool
):
    assert paths_match(annotation, source_path, changed) is expected


def test_relative_paths_apply_to_each_source_of_a_multi_source_app():
    sources = ["helm/backend", "helm/frontend"]

    assert paths_match(".", sources, ["helm/frontend/values.yaml"])
    assert not paths_match(".", sources, ["helm/database/values.yaml"])
