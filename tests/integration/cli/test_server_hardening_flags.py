"""``gitward server``'s hardening flags are reachable: listed in its help, and a trusted proxy
that is not an address is one error line naming the flag, before anything is started."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gitward.cli.main import app


def test_the_help_lists_the_metrics_port_and_the_trusted_proxies() -> None:
    result = CliRunner().invoke(app, ["server", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "--metrics-port" in result.output
    assert "--trusted-proxies" in result.output


def test_a_trusted_proxy_that_is_not_an_address_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = CliRunner().invoke(
        app, ["server", "--data-dir", str(data), "--trusted-proxies", "proxy.example.com"]
    )
    assert result.exit_code == 2  # a usage error, as every malformed flag value
    assert "--trusted-proxies" in result.output
    assert "'proxy.example.com' is not an IP address or network" in result.output
    assert not data.exists()
