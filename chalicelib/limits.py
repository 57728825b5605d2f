"""The daily report limit: who the client is (pseudonymously) and when their day ends.

A client is one IPv4 address or one IPv6 /64; see `client_identity`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


# An IPv6 host is given at least a /64 (RFC 7421; SLAAC needs one): any address in it is
# the same client, whichever interface identifier it picks (privacy extensions rotate it).
IPV6_CLIENT_PREFIX = 64
# What every address that cannot be read counts as: one shared client, so that garbage
# never escapes the limit (each spelling its own client) and never crashes a request.
UNREADABLE = "unreadable"
_MAX_ADDRESS_CHARS = 100  # "[full IPv6 %zone]:port" is well below; longer is garbage


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address in one X-Forwarded-For entry or a `sourceIp`, or None if there is none.

    Accepts every spelling of one address: IPv4 dotted quad, IPv6 compressed or expanded
    in any case, an IPv4-mapped IPv6 address (returned as the IPv4 address), a zone id
    (`fe80::1%eth0`, dropped), a port (`192.0.2.1:8080`, `[2001:db8::1]:443`, dropped),
    surrounding whitespace or quotes. Never raises.
    """
    if not isinstance(text, str):
        return None
    value = text.strip().strip('"').strip()
    if not value or len(value) > _MAX_ADDRESS_CHARS or not value.isascii():
        return None
    if value.startswith("["):  # "[v6]" or "[v6]:port"
        end = value.find("]")
        if end < 0 or not _is_port_suffix(value[end + 1 :]):
            return None
        value = value[1:end]
    elif value.count(":") == 1:  # "v4:port"; a bare IPv6 address has two colons or more
        value, port = value.split(":")
        if not _is_port_suffix(":" + port):
            return None
    value = value.split("%", 1)[0]  # the zone names an interface of the proxy, not the client
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port_suffix(text: str) -> bool:
    return text == "" or (text[:1] == ":" and text[1:].isdigit() and 0 < len(text) <= 6)


def client_identity(address: str) -> str:
    """Who the daily limit counts for an address: the IPv4 address itself, the /64 of an
    IPv6 address (e.g. `2001:db8:cafe:1::/64`), or `UNREADABLE` for anything that is not
    an address. Every spelling of one client (see `parse_address`) gives the same value."""
    parsed = parse_address(address)
    if parsed is None:
        return UNREADABLE
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, IPV6_CLIENT_PREFIX), strict=False))
    return str(parsed)


def client_key(secret: bytes, address: str) -> str:
    """A stable pseudonym for a client (64 hex characters): HMAC-SHA256 of its
    `client_identity`, so an IPv6 /64 is one client. The address itself is never stored."""
    identity = client_identity(address)
    return hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Day:
    """A calendar day in Warsaw, as the limit counts it."""

    date: date
    ends_at: datetime  # the next midnight in Warsaw, timezone-aware

    @property
    def expires_epoch(self) -> int:
        """The TTL value for a record that lives until the end of the day."""
        return int(self.ends_at.timestamp())

    def seconds_left(self, now: datetime) -> int:
        """Seconds from now to the next Warsaw midnight, for Retry-After (at least 1)."""
        return max(1, math.ceil((self.ends_at - now).total_seconds()))


def warsaw_day(now: datetime) -> Day:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(WARSAW)
    # Combining the wall-clock midnight with the zone gives the right instant on
    # DST days too (those days last 23 or 25 hours).
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=WARSAW)
    return Day(local.date(), midnight)


def limit_key(client: str) -> str:
    """The key of a client's daily report-limit record."""
    return f"report#{client}"
