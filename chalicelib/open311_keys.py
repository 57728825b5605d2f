"""Open311 API keys: one per integrating organisation, stored only as a digest.

A key is `kmzb311_` + 43 URL-safe characters (`secrets.token_urlsafe(32)`: 256 random bits).
It is shown once, by `kmzb-admin open311 keys create`, and stored as its SHA-256 digest
(`digest`). A plain hash is enough here because the key is high-entropy random, not chosen
by a person: nobody can search 2^256 keys, so a keyed HMAC (as `limits.client_key` needs for
the small space of IP addresses) adds nothing, and a key survives a rotation of the
deployment's client-key secret; the admin command does not need that secret either.

Items live in the limits table (hash key `key` only, so no new table, IAM policy or stream):
- `open311key#<digest>`: name, created_at (ISO UTC), daily_limit (reports per Warsaw day),
  revoked_at (ISO UTC or absent); never a TTL.
- `open311quota#<digest>#<YYYY-MM-DD>`: `made` reports that Warsaw day, TTL at its end;
  charged in the report's own transaction (`storage.ReportStore.insert_charging_limit`'s
  `ceiling`), so a report is stored and counted, or neither.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.errors import StorageUnavailable
from chalicelib.limits import warsaw_day
from chalicelib.settings import Settings
from chalicelib.values import iso

KEY_PREFIX = "kmzb311_"
ITEM_PREFIX = "open311key#"
QUOTA_PREFIX = "open311quota#"
DEFAULT_DAILY_LIMIT = 100
MAX_NAME = 200
_MAX_KEY_CHARS = 128  # a real key has 51; longer is garbage, refused before hashing


def new_key() -> str:
    """A fresh API key (51 characters, 256 random bits)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def digest(key: str) -> str:
    """The stored form of a key: SHA-256, 64 hex characters."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def quota_key(key_digest: str, now: datetime) -> str:
    """The counter of a key's reports on `now`'s Warsaw day."""
    return f"{QUOTA_PREFIX}{key_digest}#{warsaw_day(now).date.isoformat()}"


@dataclass(frozen=True)
class ApiKey:
    """A key as stored: never the key itself. `id` is the first 12 hex digits of the digest
    (what `keys list` shows and `keys revoke` takes)."""

    digest: str
    name: str
    created_at: str
    daily_limit: int
    revoked_at: str | None = None

    @property
    def id(self) -> str:
        return self.digest[:12]

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def build_model(settings: Settings) -> Any:
    # pynamodb (and boto) load here, at the first request that needs a key: app.py imports
    # this module through open311_submit, and cold start matters.
    from pynamodb.attributes import NumberAttribute, UnicodeAttribute
    from pynamodb.models import Model

    class ApiKeyItem(Model):
        """An Open311 API key in the limits table (no TTL)."""

        class Meta:
            table_name = settings.limits_table
            region = settings.region
            host = settings.dynamodb_endpoint
            connect_timeout_seconds = 2
            read_timeout_seconds = 5
            max_retry_attempts = 2

        key = UnicodeAttribute(hash_key=True)  # open311key#<digest>
        name = UnicodeAttribute()
        created_at = UnicodeAttribute()
        daily_limit = NumberAttribute()
        revoked_at = UnicodeAttribute(null=True)

    return ApiKeyItem


def _from_item(item: Any) -> ApiKey:
    return ApiKey(
        digest=item.key[len(ITEM_PREFIX) :],
        name=item.name,
        created_at=item.created_at,
        daily_limit=int(item.daily_limit),
        revoked_at=item.revoked_at,
    )


class KeyStore:
    """Open311 keys in the limits table. Storage failures are StorageUnavailable."""

    def __init__(self, settings: Settings) -> None:
        self.Item = build_model(settings)

    def create(self, name: str, daily_limit: int, now: datetime) -> tuple[str, ApiKey]:
        """A new key for organisation `name`: (the key, to show once; what is stored)."""
        name = name.strip()
        if not name or len(name) > MAX_NAME or not name.isprintable():
            raise ValueError(f"the name must be 1 to {MAX_NAME} printable characters")
        if not 1 <= daily_limit <= 100_000:
            raise ValueError("the daily limit must be 1 to 100000 reports")
        from pynamodb.exceptions import PynamoDBException

        key = new_key()
        item = self.Item(
            ITEM_PREFIX + digest(key), name=name, created_at=iso(now), daily_limit=daily_limit
        )
        try:
            item.save(condition=self.Item.key.does_not_exist())
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return key, _from_item(item)

    def find(self, key: str) -> ApiKey | None:
        """The stored key `key` names, revoked or not; None for anything else."""
        if not key.startswith(KEY_PREFIX) or len(key) > _MAX_KEY_CHARS:
            return None
        wanted = digest(key)
        from pynamodb.exceptions import DoesNotExist, PynamoDBException

        try:
            item = self.Item.get(ITEM_PREFIX + wanted, consistent_read=True)
        except DoesNotExist:
            return None
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        found = _from_item(item)
        # The lookup was by digest already; compare again in constant time for good measure.
        return found if hmac.compare_digest(found.digest, wanted) else None

    def all(self) -> list[ApiKey]:
        """Every key, oldest first (a scan of the limits table: an admin command's, rare)."""
        from pynamodb.exceptions import PynamoDBException

        try:
            items = self.Item.scan(self.Item.key.startswith(ITEM_PREFIX))
            found = [_from_item(i) for i in items]
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return sorted(found, key=lambda k: (k.created_at, k.digest))

    def revoke(self, key_id: str, now: datetime) -> ApiKey:
        """Revoke the key whose id (or digest) starts with `key_id`; ValueError if that names
        no key or several. Revoking twice keeps the first time."""
        key_id = key_id.strip().lower()
        if len(key_id) < 8:
            raise ValueError("give at least 8 characters of the key's id (see `keys list`)")
        matching = [k for k in self.all() if k.digest.startswith(key_id)]
        if len(matching) != 1:
            raise ValueError(f"{len(matching)} keys have an id starting with {key_id!r}")
        key = matching[0]
        from pynamodb.exceptions import PynamoDBException

        if key.revoked_at is not None:
            return key
        try:
            self.Item(ITEM_PREFIX + key.digest).update(
                actions=[self.Item.revoked_at.set(iso(now))],
                condition=self.Item.key.exists(),
            )
        except PynamoDBException as e:
            raise StorageUnavailable(str(e)) from e
        return ApiKey(key.digest, key.name, key.created_at, key.daily_limit, iso(now))
