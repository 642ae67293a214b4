"""Self-hosted GitHub Enterprise and GitLab installs for promotion pull requests: ``gitward
server --git-host KIND=URL`` or ``$GITWARD_GIT_HOSTS``, checked before anything starts and
handed to the server's services, where promotion finds them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ApiFactory
from typer.testing import CliRunner

from gitward.cli.main import app
from gitward.delivery.pullrequests import HostKind, compare_link, host_of
from gitward.errors import ConfigError
from gitward.server.running import ServerConfig
from gitward.settings import Settings


def test_the_environment_lists_hosts_by_kind_and_web_address() -> None:
    env = {"GITWARD_GIT_HOSTS": "github=https://code.acme.com/, gitlab=https://acme.io/gitlab"}
    settings = Settings.from_env(env)
    assert settings.git.hosts == (
        ("github", "https://code.acme.com"),
        ("gitlab", "https://acme.io/gitlab"),
    )
    assert ServerConfig.from_settings(settings, data_dir=Path()).git_hosts == settings.git.hosts
    assert Settings.from_env({}).git.hosts == ()


@pytest.mark.parametrize(
    "value", ["gitea=https://git.acme.io", "gitlab", "gitlab=acme.io", "github=https://u:p@x.io"]
)
def test_a_malformed_entry_in_the_environment_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"GITWARD_GIT_HOSTS": value})
    assert "GITWARD_GIT_HOSTS" in raised.value.message
    assert "u:p@" not in raised.value.message


def test_the_flag_is_listed_and_a_malformed_one_stops_before_anything_starts(
    tmp_path: Path,
) -> None:
    help_text = CliRunner().invoke(app, ["server", "--help"], env={"COLUMNS": "200"}).output
    assert "--git-host" in help_text
    assert "GITWARD_GIT_HOSTS" in help_text
    data = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["server", "--data-dir", str(data), "--git-host", "gitea=https://git.acme.io"]
    )
    assert result.exit_code == 2
    assert "--git-host: 'gitea=https://git.acme.io' is not KIND=URL" in result.output
    assert not data.exists()


async def test_the_servers_services_recognise_the_configured_hosts(
    api_factory: ApiFactory,
) -> None:
    settings = Settings.from_env({"GITWARD_GIT_HOSTS": "gitlab=https://acme.io/gitlab"})
    api = await api_factory(git_hosts=settings.git.hosts)
    hosts = api.server.services.git_hosts
    found = host_of("git@acme.io:platform/infra.git", hosts)
    assert found is not None
    assert (found.kind, found.project) == (HostKind.GITLAB, "platform/infra")
    assert compare_link("git@acme.io:platform/infra.git", "promote/prod", "main", hosts) == (
        "https://acme.io/gitlab/platform/infra/-/merge_requests/new?"
        "merge_request%5Bsource_branch%5D=promote%2Fprod&merge_request%5Btarget_branch%5D=main"
    )
