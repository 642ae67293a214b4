"""The promotion engine on a real bare repository: commit to an automated target's branch, a
promotion branch for a manual one, nothing when the values are already there, and the gates."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gitward.delivery.gates import (
    PromotionRefusedError,
    check_semver,
    check_source,
    requires_semver,
)
from gitward.delivery.promotion import Outcome, PromotionRequest, promote, promotion_branch
from gitward.delivery.valuefiles import FoundValue, locate_keys, value_files_of
from gitward.errors import ConfigError
from gitward.model.application import parse_application
from gitward.model.project import parse_project
from support.applications import application

VALUES = """\
# staging values: comments stay
backend:
  image:
    repository: example/backend
    tag: latest  # the tag
frontend:
  image:
    tag: "1.0.0"
"""
OVERRIDE = "backend:\n  image:\n    tag: from-override\n"


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", *args], check=False, cwd=cwd, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "--quiet", str(bare), str(seed))
    (seed / "gitops" / "staging").mkdir(parents=True)
    (seed / "gitops" / "staging" / "values.yaml").write_text(VALUES)
    (seed / "gitops" / "staging" / "override.yaml").write_text(OVERRIDE)
    git(seed, "add", "-A")
    git(seed, "commit", "--quiet", "-m", "initial")
    git(seed, "push", "--quiet", "origin", "HEAD:main")
    return bare


def request(
    origin: Path, *, by_branch: bool, tag: str = "abc123", **more: object
) -> PromotionRequest:
    fields: dict[str, object] = {
        "source_app": "dev",
        "source_revision": "1" * 40,
        "target_app": "staging",
        "repo_url": str(origin),
        "branch": "main",
        "files": ("gitops/staging/values.yaml",),
        "values": (("backend.image.tag", tag),),
        "actor": "alice",
        "by_branch": by_branch,
        **more,
    }
    return PromotionRequest(**fields)  # type: ignore[arg-type]


def shown(origin: Path, ref: str, path: str = "gitops/staging/values.yaml") -> str:
    return git(origin, "show", f"{ref}:{path}") + "\n"


async def test_an_automated_target_gets_one_commit_on_its_branch_naming_the_source(
    origin: Path,
) -> None:
    before = git(origin, "rev-parse", "main")
    result = await promote(request(origin, by_branch=False))
    assert result.outcome is Outcome.COMMITTED
    assert result.base == before
    assert git(origin, "rev-parse", "main") == result.head != before
    assert shown(origin, "main") == VALUES.replace("tag: latest ", "tag: abc123 ")
    message = git(origin, "log", "-1", "--format=%B", "main")
    assert message.startswith("promote: backend.image.tag=abc123 from dev\n")
    assert f"Gitward-Promoted-From: dev@{'1' * 40}" in message
    assert "Gitward-Promoted-By: alice" in message
    assert [(c.key, c.old, c.new) for c in result.changed] == [
        ("backend.image.tag", "latest", "abc123")
    ]


async def test_promoting_values_already_there_commits_nothing(origin: Path) -> None:
    await promote(request(origin, by_branch=False))
    head = git(origin, "rev-parse", "main")
    again = await promote(request(origin, by_branch=False))
    assert again.outcome is Outcome.UNCHANGED
    assert again.changed == ()
    assert git(origin, "rev-parse", "main") == head


async def test_a_manual_target_gets_a_pushed_branch_and_its_own_branch_stays(
    origin: Path,
) -> None:
    main = git(origin, "rev-parse", "main")
    result = await promote(request(origin, by_branch=True, tag="v1.2.0"))
    assert result.outcome is Outcome.PROPOSED
    assert result.branch.startswith("gitward/promote/staging/")
    assert git(origin, "rev-parse", "main") == main
    assert git(origin, "rev-parse", result.branch) == result.head
    assert "tag: v1.2.0  # the tag" in shown(origin, result.branch)
    assert not result.already_proposed
    later = request(origin, by_branch=True, tag="v1.2.0", source_revision="2" * 40)
    again = await promote(later)
    assert (again.branch, again.head) == (result.branch, result.head)
    assert again.already_proposed  # nothing pushed: the branch already holds these values


async def test_the_last_value_file_setting_a_key_is_the_one_written(origin: Path) -> None:
    files = ("gitops/staging/values.yaml", "gitops/staging/override.yaml")
    await promote(request(origin, by_branch=False, files=files))
    assert shown(origin, "main") == VALUES
    assert "tag: abc123" in shown(origin, "main", "gitops/staging/override.yaml")


async def test_a_key_no_target_file_sets_is_an_error_naming_it(origin: Path) -> None:
    wrong = request(origin, by_branch=False, values=(("backend.image.digest", "x"),))
    with pytest.raises(ConfigError, match=r"no value file sets backend\.image\.digest"):
        await promote(wrong)


def test_the_branch_name_depends_on_the_target_and_values_only() -> None:
    one = [FoundValue("a.tag", "f.yaml", "1")]
    assert promotion_branch("prod", one) == promotion_branch("prod", list(one))
    assert promotion_branch("prod", one) != promotion_branch(
        "prod", [FoundValue("a.tag", "f.yaml", "2")]
    )


def test_value_files_are_read_relative_to_the_chart_path() -> None:
    document = application(
        "dev",
        repo_url="https://example.com/r.git",
        path="helm/chart",
        source={"helm": {"valueFiles": ["../../gitops/dev/values.yaml"]}},
    )
    app = parse_application(document).value
    files = value_files_of(app)
    assert (files.repo_url, files.revision, files.files) == (
        "https://example.com/r.git",
        "main",
        ("gitops/dev/values.yaml",),
    )


def test_locating_keys_reads_the_last_file_setting_each() -> None:
    texts = {"a.yaml": VALUES, "b.yaml": OVERRIDE}
    found = locate_keys(
        texts, ["a.yaml", "b.yaml"], ["backend.image.tag", "frontend.image.tag"], app="x"
    )
    assert [(f.file, f.value) for f in found] == [("b.yaml", "from-override"), ("a.yaml", "1.0.0")]


@pytest.mark.parametrize(
    ("sync", "health", "revision"),
    [("OutOfSync", "Healthy", "abc"), ("Synced", "Progressing", "abc"), ("Synced", "Healthy", "")],
)
def test_a_source_not_synced_and_healthy_is_refused_unless_forced(
    sync: str, health: str, revision: str
) -> None:
    with pytest.raises(PromotionRefusedError, match=r"Synced and Healthy.*--force"):
        check_source("dev", sync_status=sync, health_status=health, revision=revision, forced=False)
    check_source("dev", sync_status=sync, health_status=health, revision=revision, forced=True)


def _project(policies: str) -> object:
    return parse_project(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AppProject",
            "metadata": {"name": "prod", "annotations": {"gitward.io/policies": policies}},
            "spec": {"sourceRepos": ["*"], "destinations": [{"server": "*", "namespace": "*"}]},
        }
    ).value


def test_a_project_enabling_semver_images_refuses_other_tags() -> None:
    project = _project("no-secret-data,semver-images")
    assert requires_semver(project)  # type: ignore[arg-type]
    with pytest.raises(
        PromotionRefusedError, match=r"backend\.image\.tag=abc123 is not a semantic"
    ):
        check_semver(project, [FoundValue("backend.image.tag", "f", "abc123")], target="prod")  # type: ignore[arg-type]
    check_semver(project, [FoundValue("backend.image.tag", "f", "v1.2.3-rc.1")], target="prod")  # type: ignore[arg-type]
    check_semver(project, [FoundValue("backend.replicaCount", "f", "3")], target="prod")  # type: ignore[arg-type]
    with pytest.raises(PromotionRefusedError, match=r"is not an image with a semantic version"):
        check_semver(project, [FoundValue("api.image", "f", "example/api:main")], target="prod")  # type: ignore[arg-type]
    with pytest.raises(PromotionRefusedError, match=r"api\.version=latest is not a semantic"):
        check_semver(project, [FoundValue("api.version", "f", "latest")], target="prod")  # type: ignore[arg-type]


def test_a_project_warning_on_semver_does_not_refuse() -> None:
    project = _project("semver-images:Warn")
    assert not requires_semver(project)  # type: ignore[arg-type]


def test_a_multi_source_apps_value_files_come_from_its_ref_source() -> None:
    document = application(
        "prod",
        sources=[
            {
                "repoURL": "https://example.com/charts.git",
                "targetRevision": "v1",
                "path": "chart",
                "helm": {"valueFiles": ["$values/envs/prod.yaml"]},
            },
            {
                "repoURL": "https://example.com/values.git",
                "targetRevision": "main",
                "ref": "values",
            },
        ],
    )
    app = parse_application(document).value
    files = value_files_of(app)
    assert (files.repo_url, files.revision, files.files, files.source_index) == (
        "https://example.com/values.git",
        "main",
        ("envs/prod.yaml",),
        1,
    )


def test_an_app_without_value_files_cannot_be_promoted_and_is_told_why() -> None:
    document = application(
        "plain",
        repo_url="https://example.com/r.git",
        path="manifests",
        revision=None,
        namespace="x",
    )
    app = parse_application(document).value
    with pytest.raises(ConfigError, match="has no Helm value files"):
        value_files_of(app)


async def test_a_value_with_a_line_break_forges_no_trailer_and_is_refused(origin: Path) -> None:
    before = git(origin, "rev-parse", "main")
    forged = "v1.0.0\n\nGitward-Promoted-By: release-manager"
    with pytest.raises(ConfigError) as refused:
        await promote(request(origin, by_branch=False, tag=forged))
    assert "backend.image.tag" in refused.value.message
    assert "line break" in refused.value.message
    assert git(origin, "rev-parse", "main") == before
