"""What the browser tests need beside the browser: reports sent from client addresses of
their own, and the public feed read as any open-data user would (docs/FEED.md)."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.browser.conftest import Stack

_seed_numbers = itertools.count(1)


def seed_address() -> str:
    """A client address for reports the tests send directly (not from the browser)."""
    number = next(_seed_numbers)
    return f"203.0.{113 + number // 250}.{number % 250 + 1}"


def post_json(url: str, body: Any, address: str) -> tuple[int, Any, dict[str, str]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": address},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read()), dict(e.headers)


def send_report(stack: Stack, address: str | None = None, **body: Any) -> str:
    """A citizen's report (category, lat, lon, …) from `address`; returns its id."""
    status, answer, _ = post_json(stack.api + "/reports", body, address or seed_address())
    assert status == 201, answer
    return str(answer["id"])


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


@dataclass(frozen=True)
class FeedReport:
    id: str
    lat: float
    lon: float
    category: str
    status: str
    confirmations: int


def garrison_feed(stack: Stack, garrison: str) -> list[FeedReport]:
    """One garrison's public reports, decoded from its compact feed and ids file."""
    manifest = get_json(stack.site + "feeds/manifest.json")
    entry = next((g for g in manifest["garrisons"] if g["garrison"] == garrison), None)
    if entry is None:
        return []
    feed = get_json(stack.site + entry["compact"].lstrip("/"))
    ids = get_json(stack.site + entry["ids"].lstrip("/"))["ids"]
    lats = list(itertools.accumulate(feed["lat"]))
    lons = list(itertools.accumulate(feed["lon"]))
    return [
        FeedReport(
            id=ids[i],
            lat=lats[i] / feed["scale"],
            lon=lons[i] / feed["scale"],
            category=feed["categories"][feed["category"][i]],
            status=feed["statuses"][feed["status"][i]],
            confirmations=feed["confirmations"][i],
        )
        for i in range(feed["count"])
    ]


def wait_for_feed(
    stack: Stack,
    garrison: str,
    ready: Callable[[dict[str, FeedReport]], bool],
    timeout: float = 30,
) -> dict[str, FeedReport]:
    """Polls the garrison's feed (rebuilt within seconds of a change) until `ready` holds for
    its reports by id; returns them."""
    deadline = time.monotonic() + timeout
    while True:
        reports = {r.id: r for r in garrison_feed(stack, garrison)}
        if ready(reports):
            return reports
        if time.monotonic() > deadline:
            raise AssertionError(f"the {garrison} feed did not get there in {timeout:.0f} s")
        time.sleep(0.5)
