"""Sending a request to an address someone typed, without letting it reach inside the network.

Every address the host name resolves to is checked: private, loopback, link-local (cloud
metadata), multicast, reserved and unspecified ones are refused, loopback only allowed when the
settings say so (a laptop run, the tests). The request then goes to the address that was
checked, with the original host in `Host` and in TLS's SNI, so a name that resolves to a public
address for the check and to a private one a moment later (DNS rebinding) gains nothing.
Redirects are never followed and timeouts are short."""

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RESPONSE_PREVIEW = 200  # characters of the answer kept in the delivery log

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedAddress(Exception):
    """The URL may not be called; the message says why, for the admin."""


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    response: str
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def check_url_shape(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("Enter a full http:// or https:// address.")
    if parts.username or parts.password:
        raise RefusedAddress("Leave user names and passwords out of the address.")


def refusal_for(address: Address, *, allow_loopback: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "it is this machine (loopback)"
    if address.is_link_local:
        return "it is a link-local address"
    if address.is_private:
        return "it is a private network address"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "it is not a public address"
    return None


async def resolve(url: str, *, allow_loopback: bool) -> Address:
    """The first address of the URL's host, once every address it has was found allowed."""
    check_url_shape(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise RefusedAddress(f"{host} could not be found.") from error
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        reason = refusal_for(address, allow_loopback=allow_loopback)
        if reason is not None:
            raise RefusedAddress(f"{host} can't receive webhooks: {reason}.")
    return addresses[0]


def _pinned(url: str, address: Address) -> str:
    parts = urlsplit(url)
    literal = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


async def post(url: str, *, body: bytes, headers: dict[str, str], allow_loopback: bool) -> Outcome:
    """POSTs `body`; any refusal, network error or answer comes back as an `Outcome`."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = await resolve(url, allow_loopback=allow_loopback)
    except RefusedAddress as refusal:
        return Outcome(None, "", elapsed(), str(refusal))
    parts = urlsplit(url)
    host_header = parts.netloc.rpartition("@")[2]
    try:
        async with httpx.AsyncClient(
            timeout=TIMEOUT, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(
                _pinned(url, address),
                content=body,
                headers={**headers, "Host": host_header},
                extensions={"sni_hostname": parts.hostname or ""},
            )
    except httpx.HTTPError as error:
        return Outcome(None, "", elapsed(), f"{type(error).__name__}: {error}"[:300])
    preview = response.content[: RESPONSE_PREVIEW * 4].decode("utf-8", "replace")
    return Outcome(response.status_code, preview[:RESPONSE_PREVIEW], elapsed(), "")
