"""The Open311 server's source at the edge: a garrison's published GeoJSON feed, read from the
site bucket (chalicelib/feed.py writes it) and cached, so that GET requests never reach
DynamoDB.

The pointer `feeds/<garrison>/current.json` is read at most every `POINTER_TTL_S` seconds (the
feed's own `max-age`); the GeoJSON it names is immutable, so it is read only when the pointer
names a new one. A garrison without a feed yet has no requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from chalicelib import open311
from chalicelib.open311 import Open311Error

if TYPE_CHECKING:
    from chalicelib.units import Router

POINTER_TTL_S = 60.0
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "403", "AccessDenied"})


class PublicFeedReader:
    """Reads published features through `s3` (a boto3 client) from `bucket`."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        ttl: float = POINTER_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._pointers: dict[str, tuple[float, str | None]] = {}  # garrison -> (read at, key)
        self._features: dict[str, list[dict[str, Any]]] = {}  # geojson key -> features

    def _get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            body: bytes = self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read()
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in MISSING_CODES:
                return None
            raise
        return body

    def _geojson_key(self, garrison: str) -> str | None:
        now = self._clock()
        with self._lock:
            cached = self._pointers.get(garrison)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        body = self._get(f"feeds/{garrison}/current.json")
        key = None
        if body is not None:
            pointer = json.loads(body)
            name = pointer.get("geojson") if isinstance(pointer, dict) else None
            key = name.lstrip("/") if isinstance(name, str) else None
        with self._lock:
            self._pointers[garrison] = (now, key)
        return key

    def features(self, garrison: str) -> list[dict[str, Any]]:
        """The garrison's published GeoJSON features (docs/FEED.md), [] before its first feed."""
        key = self._geojson_key(garrison)
        if key is None:
            return []
        with self._lock:
            found = self._features.get(key)
        if found is not None:
            return found
        body = self._get(key)
        features: list[dict[str, Any]] = json.loads(body)["features"] if body else []
        with self._lock:
            # Only the current files are kept: an older feed is never asked for again.
            current = {k for _t, k in self._pointers.values() if k}
            self._features = {k: v for k, v in self._features.items() if k in current}
            self._features[key] = features
        return features


_readers: dict[tuple[str | None, str], PublicFeedReader] = {}


def reader(region: str, endpoint: str | None, bucket: str) -> PublicFeedReader:
    """One reader per bucket and process (its cache outlives a request), its client lazy."""
    found = _readers.get((endpoint, bucket))
    if found is None:
        import boto3

        s3 = boto3.client("s3", region_name=region, endpoint_url=endpoint)
        found = _readers[(endpoint, bucket)] = PublicFeedReader(s3, bucket)
    return found


def _jurisdictions(router: Router, query: dict[str, str], required: bool = True) -> list[str]:
    """The garrisons a request reads: `jurisdiction_id` (a served garrison's slug; where the
    deployment serves several it is required when `required`: the requests differ by garrison,
    the services do not), else every served garrison."""
    served = sorted(router.served)
    wanted = query.pop("jurisdiction_id", None)
    if wanted is None:
        if required and len(served) > 1:
            raise Open311Error(
                400,
                "jurisdiction_id jest wymagany / is required: " + ", ".join(served),
            )
        return served
    if wanted not in served:
        raise Open311Error(404, f"Nieznany jurisdiction_id / not found: {wanted}")
    return [wanted]


def _records(router: Router, feeds: PublicFeedReader, garrisons: list[str]) -> list[dict[str, Any]]:
    places = open311.places_of(
        (teryt, unit.name, router.powiats[teryt].name)
        for unit in router.units
        for teryt in unit.powiats
    )
    return [
        open311.request_record(feature, places)
        for garrison in garrisons
        for feature in feeds.features(garrison)
    ]


def _only(query: dict[str, str], allowed: frozenset[str] = frozenset()) -> None:
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise Open311Error(400, f"Nieznany parametr / unknown parameter: {', '.join(unknown)}")


def _ok(fmt: str, root: str, value: Any) -> tuple[int, str, bytes]:
    body, content_type = open311.render(fmt, root, value)
    return 200, content_type, body


def serve(
    segments: list[str],
    query: dict[str, str],
    router: Router,
    feeds: PublicFeedReader,
    base_url: str,
    now: datetime,
) -> tuple[int, str, bytes]:
    """GET /open311/v2/<segments…>: (status, Content-Type, body). Refusals are the
    specification's errors in the document's format (JSON when the format is unknown)."""
    fmt = "json"
    try:
        name, fmt = open311.parse_document(segments[-1])
        parts = [*segments[:-1], name]
        query = dict(query)
        garrisons = _jurisdictions(router, query, required=parts[0] == "requests")
        if parts == ["discovery"]:
            _only(query)
            contact = "; ".join(
                g.headquarters for s, g in sorted(router.garrisons.items()) if s in router.served
            )
            body = open311.discovery(base_url, contact)
            return _ok(fmt, "discovery", body)
        if parts == ["services"]:
            _only(query)
            return _ok(fmt, "services", open311.services())
        if len(parts) == 2 and parts[0] == "services":
            _only(query)
            definition = open311.service_definition(parts[1])
            return _ok(fmt, "service_definition", definition)
        if parts == ["requests"]:
            chosen = open311.select_requests(_records(router, feeds, garrisons), query, now)
            return _ok(fmt, "service_requests", chosen)
        if len(parts) == 2 and parts[0] == "requests":
            _only(query)
            found = [
                r for r in _records(router, feeds, garrisons) if r["service_request_id"] == parts[1]
            ]
            if not found:
                raise Open311Error(404, f"Nie ma takiego zgłoszenia / no such request: {parts[1]}")
            return _ok(fmt, "service_requests", found)
        raise Open311Error(
            404, "Nie ma takiego dokumentu / no such document: " + "/".join(segments)
        )
    except Open311Error as e:
        return open311.error_response(e.status, e.description, fmt)


def base_url(headers: Mapping[str, str], context: Mapping[str, Any], local: bool) -> str:
    """The endpoint's address for discovery. Locally the Host the request came to (the API's
    or the site server's port). In AWS the API Gateway stage's own address (`domainName` and
    `stage` of the request context): CloudFront sends API Gateway's host, not the viewer's, so
    the site's address is not known to the function (docs/OPEN311.md)."""
    domain, stage = context.get("domainName"), context.get("stage")
    if not local and isinstance(domain, str) and isinstance(stage, str) and domain and stage:
        return f"https://{domain}/{stage}/open311/v2"
    host = headers.get("host") or "localhost"
    scheme = headers.get("x-forwarded-proto") or "http"
    return f"{scheme}://{host}/open311/v2"
