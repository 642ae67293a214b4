"""The server's hardening settings from the environment: the metrics listener, the trusted
proxies (addresses or networks, checked) and the smaller webhook limit without a secret."""

from __future__ import annotations

import pytest

from gitward.errors import ConfigError
from gitward.settings import ServerSettings


def test_the_defaults_trust_no_proxy_and_serve_metrics_on_8083() -> None:
    settings = ServerSettings.from_env({})
    assert settings.trusted_proxies == ()
    assert (settings.metrics_host, settings.metrics_port) == ("", 8083)
    assert settings.webhook_unsigned_max_bytes == 1024 * 1024
    assert settings.webhook_max_bytes == 50 * 1024 * 1024


def test_the_environment_sets_each() -> None:
    settings = ServerSettings.from_env(
        {
            "GITWARD_TRUSTED_PROXIES": "10.0.0.5, 192.168.0.0/24,::1",
            "GITWARD_METRICS_PORT": "9100",
            "GITWARD_METRICS_HOST": "127.0.0.1",
            "GITWARD_WEBHOOK_UNSIGNED_MAX_BYTES": "4096",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.5", "192.168.0.0/24", "::1")
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9100)
    assert settings.webhook_unsigned_max_bytes == 4096


@pytest.mark.parametrize("value", ["*", "proxy.example.com", "10.0.0.300"])
def test_a_proxy_that_is_not_an_address_or_network_is_refused(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ServerSettings.from_env({"GITWARD_TRUSTED_PROXIES": value})
    assert caught.value.where.field == "GITWARD_TRUSTED_PROXIES"
    assert value in caught.value.problem
