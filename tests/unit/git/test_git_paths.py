"""Paths named by Applications stay inside their repository, symlinks included."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitward.errors import Location, PathEscapeError, SourceError
from gitward.git.paths import check_tree_inside, join_source_path, resolve_inside

WHERE = Location("root.yaml", "Application ai-chatbot-dev", "spec.source.helm.valueFiles[0]")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with a chart and the values files of the strategy document's layout."""
    root = tmp_path / "repo"
    (root / "helm/ai-chatbot/templates").mkdir(parents=True)
    (root / "helm/ai-chatbot/Chart.yaml").write_text("name: ai-chatbot\n")
    (root / "gitops/dev").mkdir(parents=True)
    (root / "gitops/dev/values.yaml").write_text("replicas: 1\n")
    return root


def test_a_plain_relative_path_resolves_inside(repo: Path):
    found = resolve_inside(repo, "gitops/dev/values.yaml", where=WHERE)

    assert found == (repo / "gitops/dev/values.yaml").resolve()


def test_dot_dot_segments_that_stay_inside_are_allowed(repo: Path):
    relative = join_source_path("helm/ai-chatbot", "../../gitops/dev/values.yaml")

    found = resolve_inside(repo, relative, where=WHERE)

    assert relative == "gitops/dev/values.yaml"
    assert found.read_text() == "replicas: 1\n"


def test_a_leading_slash_in_a_value_file_means_the_repository_root():
    assert join_source_path("helm/ai-chatbot", "/gitops/dev/values.yaml") == (
        "gitops/dev/values.yaml"
    )


@pytest.mark.parametrize(
    ("relative", "complaint"),
    [
        ("../outside.yaml", "climbs out"),
        ("helm/../../outside.yaml", "climbs out"),
        ("..", "climbs out"),
        ("/etc/passwd", "absolute"),
        ("file:///etc/passwd", "URL"),
        ("file:/etc/passwd", "URL"),
        ("https://example.com/values.yaml", "URL"),
        ("values\x00.yaml", "NUL"),
    ],
)
def test_paths_that_leave_the_repository_are_refused(repo: Path, relative: str, complaint: str):
    with pytest.raises(PathEscapeError) as raised:
        resolve_inside(repo, relative, where=WHERE)

    assert complaint in raised.value.message
    assert raised.value.where == WHERE
    assert raised.value.hint


def test_dot_dot_escaping_from_a_chart_directory_is_refused(repo: Path):
    relative = join_source_path("helm/ai-chatbot", "../../../secrets.yaml")

    with pytest.raises(PathEscapeError):
        resolve_inside(repo, relative, where=WHERE)


def test_a_symlink_to_outside_the_repository_is_refused(repo: Path):
    (repo / "gitops/dev/evil.yaml").symlink_to("/etc/passwd")

    with pytest.raises(PathEscapeError) as raised:
        resolve_inside(repo, "gitops/dev/evil.yaml", where=WHERE)

    assert "symlink" in raised.value.message


def test_a_symlinked_directory_leading_outside_is_refused(repo: Path):
    (repo / "etc").symlink_to("/etc")

    with pytest.raises(PathEscapeError):
        resolve_inside(repo, "etc/passwd", where=WHERE)


def test_a_symlink_chain_that_ends_outside_is_refused(repo: Path, tmp_path: Path):
    (tmp_path / "secret.yaml").write_text("password: x\n")
    (repo / "gitops/step2.yaml").symlink_to("../../secret.yaml")
    (repo / "gitops/dev/step1.yaml").symlink_to("../step2.yaml")

    with pytest.raises(PathEscapeError):
        resolve_inside(repo, "gitops/dev/step1.yaml", where=WHERE)


def test_a_dangling_symlink_pointing_outside_is_refused_not_missing(repo: Path):
    (repo / "gitops/ghost.yaml").symlink_to("/nonexistent/ghost.yaml")

    with pytest.raises(PathEscapeError):
        resolve_inside(repo, "gitops/ghost.yaml", where=WHERE)


def test_a_symlink_that_stays_inside_is_followed(repo: Path):
    (repo / "helm/ai-chatbot/values-dev.yaml").symlink_to("../../gitops/dev/values.yaml")

    found = resolve_inside(repo, "helm/ai-chatbot/values-dev.yaml", where=WHERE)

    assert found == (repo / "gitops/dev/values.yaml").resolve()


def test_a_root_reached_through_a_symlink_is_compared_by_its_real_path(repo: Path, tmp_path: Path):
    alias = tmp_path / "alias"
    alias.symlink_to(repo)

    found = resolve_inside(alias, "gitops/dev/values.yaml", where=WHERE)

    assert found == (repo / "gitops/dev/values.yaml").resolve()


def test_a_missing_path_is_a_source_error(repo: Path):
    with pytest.raises(SourceError) as raised:
        resolve_inside(repo, "gitops/prod/values.yaml", where=WHERE)

    assert "gitops/prod/values.yaml" in raised.value.message


def test_a_missing_path_may_be_allowed(repo: Path):
    found = resolve_inside(repo, "gitops/prod/values.yaml", where=WHERE, must_exist=False)

    assert found == repo.resolve() / "gitops/prod/values.yaml"


def test_a_symlink_loop_is_a_source_error(repo: Path):
    (repo / "a").symlink_to("b")
    (repo / "b").symlink_to("a")

    with pytest.raises(SourceError):
        resolve_inside(repo, "a", where=WHERE)


def test_a_chart_without_escaping_symlinks_passes_the_tree_check(repo: Path):
    (repo / "helm/ai-chatbot/values-dev.yaml").symlink_to("../../gitops/dev/values.yaml")

    check_tree_inside(repo, repo / "helm/ai-chatbot", where=WHERE)


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc", "../../../../outside"])
def test_a_chart_holding_an_escaping_symlink_fails_the_tree_check(repo: Path, target: str):
    (repo / "helm/ai-chatbot/templates/leak.yaml").symlink_to(target)

    with pytest.raises(PathEscapeError) as raised:
        check_tree_inside(repo, repo / "helm/ai-chatbot", where=WHERE)

    assert "helm/ai-chatbot/templates/leak.yaml" in raised.value.message


def test_a_chart_directory_that_is_itself_a_link_outside_fails_the_tree_check(
    repo: Path, tmp_path: Path
):
    (tmp_path / "elsewhere").mkdir()
    (repo / "helm/linked").symlink_to(tmp_path / "elsewhere")

    with pytest.raises(PathEscapeError):
        check_tree_inside(repo, repo / "helm/linked", where=WHERE)


@pytest.mark.parametrize(
    "relative",
    ["a" * 5000 + ".yaml", "dir/" + "n" * 256, "/".join(["d" * 200] * 25), "ok/../" + "x" * 300],
)
@pytest.mark.parametrize("must_exist", [True, False])
def test_a_path_too_long_for_the_file_system_is_a_located_error(
    repo: Path, relative: str, must_exist: bool
) -> None:
    with pytest.raises(SourceError) as caught:
        resolve_inside(repo, relative, where=WHERE, must_exist=must_exist)

    message = str(caught.value)
    assert "spec.source.helm.valueFiles[0]" in message
    assert "too long" in message
    assert len(message) < 500


def test_an_os_error_while_looking_is_a_located_error(repo: Path) -> None:
    locked = repo / "locked"
    locked.mkdir()
    (locked / "inner").mkdir()
    locked.chmod(0)
    try:
        if (locked / "inner").exists():  # running as a user the permission does not stop
            pytest.skip("directory permissions do not apply to this user")
    except PermissionError:
        pass
    try:
        with pytest.raises(SourceError, match="cannot be looked up") as caught:
            resolve_inside(repo, "locked/inner/values.yaml", where=WHERE)
    finally:
        locked.chmod(0o755)
    assert caught.value.where == WHERE
