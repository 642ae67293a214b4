"""Documented push payloads of GitHub, GitLab, Bitbucket Cloud and Bitbucket Server become
``Push`` values naming the repository, the ref, the new revision and the changed files."""

from __future__ import annotations

import urllib.parse

import pytest
from webhook_deliveries import FIXTURE_FILES, body_of, headers, payload, signature

from gitward.server.webhooks import Push, WebhookSecrets, parse_webhook

SECRETS = WebhookSecrets(
    github="gh-s3cret",
    gitlab="gl-t0ken",
    bitbucket="bb-s3cret",
    bitbucket_server="bbs-s3cret",
)
SECRET_OF = {
    "github": SECRETS.github,
    "gitlab": SECRETS.gitlab,
    "bitbucket": SECRETS.bitbucket,
    "bitbucket-server": SECRETS.bitbucket_server,
}


def _deliver(provider: str, document: object | None = None, event: str | None = None):
    body = body_of(document if document is not None else payload(FIXTURE_FILES[provider]))
    return parse_webhook(headers(provider, body, SECRET_OF[provider], event), body, SECRETS)


def test_a_github_push_names_every_url_the_ref_the_revision_and_the_changed_files():
    (push,) = _deliver("github")

    assert push == Push(
        provider="github",
        repo_urls=(
            "https://github.com/giridharan-official/ai-chatbot-infra",
            "https://github.com/giridharan-official/ai-chatbot-infra.git",
            "git@github.com:giridharan-official/ai-chatbot-infra.git",
            "git://github.com/giridharan-official/ai-chatbot-infra.git",
        ),
        ref="refs/heads/main",
        revision="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
        changed_files=frozenset(
            {
                "helm/ai-chatbot/values-dev.yaml",
                "helm/ai-chatbot/templates/networkpolicy.yaml",
                "helm/ai-chatbot/templates/old-policy.yaml",
            }
        ),
        default_branch="main",
    )


def test_a_github_ping_is_a_ping_for_the_repository():
    (push,) = _deliver("github", payload("github_ping.json"), event="ping")

    assert push.ping
    assert push.ref == ""
    assert "https://github.com/giridharan-official/ai-chatbot-infra" in push.repo_urls


def test_a_github_push_sent_as_a_form_is_read_from_its_payload_field():
    body = urllib.parse.urlencode({"payload": body_of(payload("github_push.json"))}).encode()
    sent = {
        "X-GitHub-Event": "push",
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Hub-Signature-256": signature(SECRETS.github, body),
    }

    (push,) = parse_webhook(sent, body, SECRETS)

    assert push.ref == "refs/heads/main"


def test_a_github_push_of_a_deleted_branch_says_so():
    document = payload("github_push.json")
    document.update(deleted=True, after="0" * 40, commits=[], ref="refs/heads/feature/x")

    (push,) = _deliver("github", document)

    assert push.deleted
    assert push.changed_files == frozenset()


def test_a_github_push_with_the_commit_list_cut_short_leaves_the_files_unknown():
    document = payload("github_push.json")
    document["commits"] = [{"id": str(n), "added": [f"f{n}"]} for n in range(2048)]

    (push,) = _deliver("github", document)

    assert push.changed_files == frozenset()


def test_a_gitlab_push_reads_project_urls_default_branch_and_files():
    (push,) = _deliver("gitlab")

    assert push.provider == "gitlab"
    assert push.repo_urls == (
        "http://example.com/mike/diaspora",
        "http://example.com/mike/diaspora.git",
        "git@example.com:mike/diaspora.git",
    )
    assert push.ref == "refs/heads/master"
    assert push.revision == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert push.default_branch == "master"
    assert push.changed_files == frozenset({"CHANGELOG", "app/controller/application.rb"})


def test_an_older_gitlab_payload_without_a_project_is_read_from_its_repository():
    document = payload("gitlab_push.json")
    del document["project"]

    (push,) = _deliver("gitlab", document)

    assert push.repo_urls == (
        "http://example.com/mike/diaspora",
        "http://example.com/mike/diaspora.git",
        "git@example.com:mike/diaspora.git",
    )
    assert push.default_branch is None


def test_a_gitlab_tag_push_names_the_tag_and_leaves_files_unknown():
    (push,) = _deliver("gitlab", payload("gitlab_tag_push.json"), event="Tag Push Hook")

    assert push.ref == "refs/tags/v1.0.0"
    assert push.is_tag
    assert push.revision == "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"
    assert push.changed_files == frozenset()
    assert "ssh://git@example.com/jsmith/example.git" in push.repo_urls


def test_a_gitlab_push_of_more_commits_than_listed_leaves_the_files_unknown():
    document = payload("gitlab_push.json")
    document["total_commits_count"] = 42  # GitLab lists at most 20 commits

    (push,) = _deliver("gitlab", document)

    assert push.changed_files == frozenset()


def test_a_gitlab_system_hook_of_a_push_is_a_push():
    (push,) = _deliver("gitlab", payload("gitlab_push.json"), event="System Hook")

    assert push.ref == "refs/heads/master"


def test_a_bitbucket_cloud_push_gives_one_push_per_changed_ref():
    branch, tag = _deliver("bitbucket")

    assert branch == Push(
        provider="bitbucket",
        repo_urls=("https://bitbucket.org/acme/ai-chatbot-infra",),
        ref="refs/heads/main",
        revision="709d658dc5b6d6afcd46049c2f332ee3f515a67d",
    )
    assert tag.ref == "refs/tags/v2.1.0"
    assert not tag.deleted


def test_a_bitbucket_cloud_push_that_deletes_a_branch_names_the_old_ref():
    document = payload("bitbucket_cloud_push.json")
    change = document["push"]["changes"][0]
    change["new"], change["closed"] = None, True

    push = _deliver("bitbucket", document)[0]

    assert push.ref == "refs/heads/main"
    assert push.deleted
    assert push.revision == ""


def test_a_bitbucket_server_push_names_both_clone_urls():
    (push,) = _deliver("bitbucket-server")

    assert push == Push(
        provider="bitbucket-server",
        repo_urls=(
            "ssh://git@bitbucket.example.com:7999/ops/ai-chatbot-infra.git",
            "https://admin@bitbucket.example.com/scm/ops/ai-chatbot-infra.git",
        ),
        ref="refs/heads/master",
        revision="178864a7d521b6f5e720b386b2c2b0ef8563e0dc",
    )


def test_a_bitbucket_server_ping_is_a_ping():
    (push,) = _deliver("bitbucket-server", {"test": True}, event="diagnostics:ping")

    assert push.ping
    assert push.repo_urls == ()


@pytest.mark.parametrize("provider", sorted(FIXTURE_FILES))
def test_a_signature_sent_without_a_configured_secret_is_ignored(provider: str):
    body = body_of(payload(FIXTURE_FILES[provider]))
    sent = headers(provider, body, secret="whatever-the-sender-thinks")

    pushes = parse_webhook(sent, body, WebhookSecrets())

    assert pushes
    assert all(not push.ping for push in pushes)


def test_header_names_are_matched_whatever_their_case():
    body = body_of(payload("github_push.json"))
    sent = {
        "x-github-event": "push",
        "X-HUB-SIGNATURE-256": signature(SECRETS.github, body),
        "content-type": "application/json",
    }

    assert parse_webhook(sent, body, SECRETS)[0].ref == "refs/heads/main"


def test_bitbucket_cloud_may_be_checked_by_its_hook_uuid_like_argo_cd():
    body = body_of(payload("bitbucket_cloud_push.json"))
    sent = headers("bitbucket", body)

    pushes = parse_webhook(sent, body, WebhookSecrets(bitbucket_uuid=sent["X-Hook-UUID"]))

    assert len(pushes) == 2
