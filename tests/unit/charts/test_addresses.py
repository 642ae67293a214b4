"""A chart repository host on a non-public address needs the operator's permission."""

from __future__ import annotations

import pytest

from gitward.charts.addresses import AddressPolicy
from gitward.errors import ConfigError, Location

WHERE = Location(file="apps.yaml", obj="Application web", field="spec.source")


def resolver(*addresses: str) -> AddressPolicy:
    return AddressPolicy(allow_private=False, resolve=lambda host: addresses)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "::1",
     "fe80::1", "fd00::1", "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1"],
)  # fmt: skip
def test_a_host_resolving_to_a_non_public_address_is_refused(address: str) -> None:
    with pytest.raises(ConfigError, match="non-public address") as refused:
        resolver("93.184.216.34", address).check("charts.example.com", where=WHERE)
    assert refused.value.where == WHERE
    assert "GITWARD_ALLOW_PRIVATE_CHART_REPOS" in (refused.value.hint or "")


def test_a_literal_address_is_judged_without_resolving_it() -> None:
    policy = AddressPolicy(allow_private=False, resolve=lambda host: pytest.fail("resolved"))
    with pytest.raises(ConfigError):
        policy.check("[::1]")
    policy.check("93.184.216.34")


def test_public_hosts_pass_and_the_operator_may_allow_private_ones() -> None:
    resolver("93.184.216.34", "2606:2800:220:1::").check("charts.example.com")
    AddressPolicy(allow_private=True, resolve=lambda host: ["127.0.0.1"]).check("localhost")
