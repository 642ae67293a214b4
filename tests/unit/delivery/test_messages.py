"""The write-back's commit message: conventional subject, one trailer per key, the CI run."""

from __future__ import annotations

from gitward.delivery.editing import SetValue
from gitward.delivery.messages import SUBJECT_LIMIT, ci_run_url, commit_message

TAG = SetValue("backend.image.tag", "latest", "abc123")


def test_one_key_names_itself_in_the_subject_and_a_trailer() -> None:
    assert commit_message("gitops/dev/values.yaml", [TAG]) == (
        "ci(values): set backend.image.tag=abc123 in gitops/dev/values.yaml\n\n"
        "Gitward-Values: gitops/dev/values.yaml backend.image.tag=abc123\n"
    )


def test_many_keys_are_counted_in_the_subject_and_listed_in_trailers() -> None:
    keys = [SetValue(f"{name}.image.tag", "latest", "abc123") for name in ("backend", "ml", "ui")]
    message = commit_message("gitops/dev/values.yaml", keys, ci_run="https://ci/run/7")
    subject, _, trailers = message.partition("\n\n")
    assert subject == "ci(values): set 3 keys in gitops/dev/values.yaml"
    assert len(subject) <= SUBJECT_LIMIT
    assert trailers.splitlines() == [
        "Gitward-Values: gitops/dev/values.yaml backend.image.tag=abc123",
        "Gitward-Values: gitops/dev/values.yaml ml.image.tag=abc123",
        "Gitward-Values: gitops/dev/values.yaml ui.image.tag=abc123",
        "Gitward-CI-Run: https://ci/run/7",
    ]


def test_a_given_subject_replaces_the_conventional_one_and_keeps_the_trailers() -> None:
    message = commit_message("v.yaml", [TAG], subject="release: backend abc123")
    assert message.startswith("release: backend abc123\n\nGitward-Values: v.yaml ")


def test_the_ci_run_comes_from_the_option_then_github_actions_then_nowhere() -> None:
    github = {
        "GITHUB_SERVER_URL": "https://github.com/",
        "GITHUB_REPOSITORY": "org/app",
        "GITHUB_RUN_ID": "42",
    }
    assert ci_run_url("https://ci/1", github) == "https://ci/1"
    assert ci_run_url(None, github) == "https://github.com/org/app/actions/runs/42"
    assert ci_run_url(None, {"GITHUB_RUN_ID": "42"}) is None
