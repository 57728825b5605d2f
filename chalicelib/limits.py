"""The daily report limit: who the client is (pseudonymously) and when their day ends."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WARSAW = ZoneInfo("Europe/Warsaw")


def client_key(secret: bytes, address: str) -> str:
    """A stable pseudonym for a client address; the address itself is never stored."""
    return hmac.new(secret, address.encode("utf-8"), hashlib.sha256).hexdigest()


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
