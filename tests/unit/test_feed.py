import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import workflow as w
from chalicelib.feed import (
    DAY0,
    SCALE,
    build_garrison_feed,
    manifest_file,
    publicly_visible,
)
from chalicelib.reports import Report

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
BASE = Report(
    id="01KTRFJY80WF2X5JV103FQV21Y",
    category="speeding",
    lat=50.061412,
    lon=19.936623,
    teryt="1261",
    powiat_name="Kraków",
    unit_id="kmp-1261",
    unit_name="Komenda Miejska Policji (Kraków)",
    unit_teryt="1261",
    garrison="malopolskie",
    status=w.NEW,
    status_version=1,
    created_at=NOW - timedelta(days=3),
    modified_at=NOW - timedelta(days=1),
)


@pytest.mark.parametrize(
    ("status", "age_days", "visible"),
    [
        (w.NEW, 400, True),
        (w.VERIFYING, 400, True),
        (w.CONFIRMED, 400, True),
        (w.CONFIRMED_HANDED_OVER, 400, True),
        (w.NOT_CONFIRMED, 6, True),
        (w.NOT_CONFIRMED, 8, False),
        (w.CONFIRMED_ELIMINATED, 29, True),
        (w.CONFIRMED_ELIMINATED, 31, False),
        (w.PRANK_OR_MISTAKE, 0, False),
    ],
)
def test_the_public_sees_statuses_as_kmzb_rules_say(
    status: str, age_days: int, visible: bool
) -> None:
    report = replace(BASE, status=status, modified_at=NOW - timedelta(days=age_days))
    assert publicly_visible(report, NOW) is visible


def test_some_categories_are_never_public_and_venues_only_once_confirmed() -> None:
    assert not publicly_visible(replace(BASE, category="animal_cruelty"), NOW)
    assert not publicly_visible(replace(BASE, category="drug_use", status=w.CONFIRMED), NOW)
    assert not publicly_visible(replace(BASE, category="dangerous_venue"), NOW)
    assert publicly_visible(replace(BASE, category="dangerous_venue", status=w.CONFIRMED), NOW)


def test_a_duplicate_is_not_shown_twice() -> None:
    duplicate = replace(BASE, status=w.NOT_CONFIRMED, duplicate_of="01KTRFJY80AAAAAAAAAAAAAAAA")
    assert not publicly_visible(duplicate, NOW)


def decode(compact: dict) -> list[dict]:
    """What a map client does with the compact feed (docs/FEED.md)."""
    items, lat, lon = [], 0, 0
    for i in range(compact["count"]):
        lat += compact["lat"][i]
        lon += compact["lon"][i]
        items.append(
            {
                "lat": lat / compact["scale"],
                "lon": lon / compact["scale"],
                "category": compact["categories"][compact["category"][i]],
                "status": compact["statuses"][compact["status"][i]],
                "teryt": compact["powiats"][compact["powiat"][i]],
                "created": compact["created"][i],
                "occurred": compact["occurred"][i],
                "time_of_day": compact["time_of_day"][i],
                "days": compact["days"][i],
                "confirmations": compact["confirmations"][i],
            }
        )
    return items


def test_the_compact_feed_decodes_to_the_reports_it_was_built_from() -> None:
    reports = [
        BASE,
        replace(
            BASE,
            id="01KTRFJY80WF2X5JV103FQV22Z",
            lat=49.5,
            lon=20.2,
            category="begging",
            status=w.CONFIRMED,
            teryt="1210",
            time_of_day="night",
            days_of_week=("mon", "sun"),
            occurred_at=NOW - timedelta(days=5),
            confirmations=4,
        ),
    ]
    feed = build_garrison_feed(reports, "malopolskie", "KWP Kraków", NOW)
    compact = json.loads(feed.files[0].body)
    ids = json.loads(feed.files[1].body)["ids"]
    assert compact["format"] == "kmzb-compact-1"
    items = {ident: item for ident, item in zip(ids, decode(compact), strict=True)}
    first, second = items[BASE.id], items["01KTRFJY80WF2X5JV103FQV22Z"]
    assert abs(first["lat"] - BASE.lat) <= 1 / SCALE and abs(first["lon"] - BASE.lon) <= 1 / SCALE
    assert (first["category"], first["status"], first["teryt"]) == ("speeding", "new", "1261")
    assert first["created"] == (BASE.created_at.date() - DAY0).days
    assert (first["occurred"], first["time_of_day"], first["days"]) == (-1, -1, 0)
    assert (second["category"], second["status"], second["confirmations"]) == (
        "begging",
        "confirmed",
        4,
    )
    assert second["time_of_day"] == 3 and second["days"] == 1 + 64
    assert feed.pointer["count"] == 2
    assert feed.pointer["compact"] == "/" + feed.files[0].key


def test_no_private_detail_reaches_any_byte_of_the_feed() -> None:
    secrets = {
        "description": "SEKRET-OPIS Jan Kowalski tel. 600100200",
        "assignee": "SEKRET-ASYSTENT st. sierż. Nowak",
        "handed_to": "SEKRET-INSTYTUCJA",
        "meeting_place": "SEKRET-SPOTKANIE",
        "request_hash": "SEKRETHASH0123456789",
        "unit_name": "SEKRET-JEDNOSTKA",
        "duplicate_of": None,
    }
    reports = [
        replace(BASE, id=f"01KTRFJY80WF2X5JV103FQV2{i:02d}", **secrets)  # type: ignore[arg-type]
        for i in range(5)
    ] + [replace(BASE, id="01KTRFJY80WF2X5JV103FQV299", category="drug_use", description="X")]
    feed = build_garrison_feed(reports, "malopolskie", "KWP Kraków", NOW)
    written = b"".join(f.body for f in (*feed.files, feed.pointer_file()))
    written += manifest_file([feed.pointer], NOW).body
    assert b"SEKRET" not in written
    assert "SEKRET".encode("utf-16-le") not in written
    assert b"01KTRFJY80WF2X5JV103FQV299" not in written  # a never-public category
    assert json.loads(feed.files[0].body)["count"] == 5


def test_file_names_follow_their_content() -> None:
    one = build_garrison_feed([BASE], "malopolskie", "KWP", NOW)
    same = build_garrison_feed([BASE], "malopolskie", "KWP", NOW)
    other = build_garrison_feed([replace(BASE, status=w.VERIFYING)], "malopolskie", "KWP", NOW)
    assert [f.key for f in one.files] == [f.key for f in same.files]
    assert one.files[0].key != other.files[0].key
    assert all(f.cache_control.endswith("immutable") for f in one.files)
    assert one.pointer_file().cache_control == "public, max-age=60"
