"""Which addresses count as public for outbound requests to user-given URLs (no traffic here)."""

from __future__ import annotations

import ipaddress

import pytest

from ihub.kit.egress import is_public_address


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",  # loopback
        "10.1.2.3",  # RFC 1918
        "172.16.0.1",
        "192.168.1.10",
        "169.254.169.254",  # link-local: the cloud metadata service
        "100.100.100.200",  # carrier-grade NAT (a metadata address too)
        "0.0.0.0",
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "::1",
        "fe80::1",
        "fd00:ec2::254",  # unique local: a metadata address
        "::ffff:127.0.0.1",  # IPv4-mapped loopback
        "::ffff:10.0.0.1",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888"])
def test_global_unicast_addresses_are_public(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
