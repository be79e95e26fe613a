"""Outbound HTTP to URLs a user typed in, refusing internal networks (SSRF protection).

The host is resolved when a connection is opened, every address it resolves to must be public,
and the socket then connects to exactly one of those checked addresses. So a DNS answer that
changes between a check and the connect (rebinding) cannot slip through. Clients built on it
must not follow redirects (``follow_redirects=False``, httpx's default).
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["BlockedAddress", "is_public_address", "public_only_transport"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(Exception):
    """The URL leads to a loopback, private, link-local, metadata or otherwise internal address."""


def is_public_address(address: IPAddress) -> bool:
    """Globally routable unicast only; this excludes loopback, RFC 1918, link-local (and with it
    169.254.169.254, the cloud metadata service), carrier-grade NAT, ULA and reserved ranges."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from exc
    # Drop an IPv6 zone ("fe80::1%eth0") before parsing; such an address is refused anyway.
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(addresses))


class _PublicOnlyBackend(httpcore.SyncBackend):
    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = _resolve(host, port)
        for address in addresses:
            if not is_public_address(address):
                raise BlockedAddress(f"{host} resolves to {address}, which is not a public address")
        error: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"{host} has no address")


def public_only_transport(
    *, allow_private: bool, max_connections: int, verify: ssl.SSLContext | bool = True
) -> httpx.HTTPTransport:
    """A transport whose connections only reach public addresses, unless ``allow_private``."""
    limits = httpx.Limits(max_connections=max_connections, keepalive_expiry=30)
    transport = httpx.HTTPTransport(verify=verify, limits=limits, trust_env=False)
    if not allow_private:
        # httpx offers no public hook for the network backend; this is the pool it builds itself,
        # plus the backend. Environment proxies are off above, so nothing connects around it.
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PublicOnlyBackend(),
        )
    return transport
