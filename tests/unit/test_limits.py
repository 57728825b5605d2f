import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from chalicelib.limits import (
    UNREADABLE,
    client_identity,
    client_key,
    limit_key,
    parse_address,
    warsaw_day,
)

SECRET = b"secret-one-secret"


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_client_key_is_a_keyed_hash_that_hides_the_address() -> None:
    key = client_key(b"secret-one-secret", "203.0.113.7")
    assert len(key) == 64
    assert "203.0.113.7" not in key
    assert key == client_key(b"secret-one-secret", "203.0.113.7")
    assert key != client_key(b"secret-two-secret", "203.0.113.7")
    assert key != client_key(b"secret-one-secret", "203.0.113.8")
    assert limit_key(key) == f"report#{key}"


def test_the_day_ends_at_warsaw_midnight_in_summer() -> None:
    # 23:59 CEST on 10 June is 21:59 UTC; the day ends at 22:00 UTC.
    late = utc(2026, 6, 10, 21, 59)
    day = warsaw_day(late)
    assert str(day.date) == "2026-06-10"
    assert day.ends_at == utc(2026, 6, 10, 22, 0)
    assert day.seconds_left(late) == 60
    # 00:01 CEST on 11 June belongs to the next day.
    assert str(warsaw_day(utc(2026, 6, 10, 22, 1)).date) == "2026-06-11"


def test_the_day_ends_at_warsaw_midnight_in_winter() -> None:
    late = utc(2026, 12, 1, 22, 59)  # 23:59 CET
    day = warsaw_day(late)
    assert str(day.date) == "2026-12-01"
    assert day.ends_at == utc(2026, 12, 1, 23, 0)
    assert str(warsaw_day(utc(2026, 12, 1, 23, 1)).date) == "2026-12-02"


def test_days_of_a_dst_change_last_23_and_25_hours() -> None:
    # Clocks go forward on 29 March 2026: 00:01 CET that day to midnight is 22:59.
    spring_start = utc(2026, 3, 28, 23, 1)
    spring = warsaw_day(spring_start)
    assert str(spring.date) == "2026-03-29"
    assert spring.ends_at == utc(2026, 3, 29, 22, 0)
    assert spring.seconds_left(spring_start) == 22 * 3600 + 59 * 60
    # Clocks go back on 25 October 2026: that day lasts 25 hours.
    autumn_start = utc(2026, 10, 24, 22, 1)  # 00:01 CEST
    autumn = warsaw_day(autumn_start)
    assert str(autumn.date) == "2026-10-25"
    assert autumn.ends_at == utc(2026, 10, 25, 23, 0)
    assert autumn.seconds_left(autumn_start) == 24 * 3600 + 59 * 60


def test_the_ttl_of_a_limit_record_is_the_end_of_the_day() -> None:
    day = warsaw_day(utc(2026, 6, 10, 12, 0))
    assert day.expires_epoch == int(utc(2026, 6, 10, 22, 0).timestamp())


# One client: every address of one IPv6 /64, every spelling of one address.
ONE_CLIENT = [
    [
        "2001:db8:cafe:1::1",
        "2001:db8:cafe:1::2",
        "2001:DB8:CAFE:1::FFFF",
        "2001:0db8:cafe:0001:0000:0000:0000:0001",
        "2001:db8:cafe:1:ffff:ffff:ffff:ffff",
        "2001:db8:cafe:1:a1b2:c3d4:e5f6:789",
        "[2001:db8:cafe:1::1]:443",
        "[2001:db8:cafe:1::99]",
        "2001:db8:cafe:1::1%eth0",
        " 2001:db8:cafe:1::3 ",
    ],
    [
        "192.0.2.1",
        "::ffff:192.0.2.1",
        "::FFFF:C000:0201",
        "[::ffff:192.0.2.1]:80",
        "192.0.2.1:8080",
        "0:0:0:0:0:ffff:192.0.2.1",
    ],
    ["fe80::1%eth0", "fe80::2%wlan0", "[fe80::abcd%1]:8080", "FE80::1"],
]
# Different clients: neighbouring /64s, neighbouring IPv4 addresses, v4 and v6.
DIFFERENT = [
    "2001:db8:cafe:1::1",
    "2001:db8:cafe:2::1",
    "2001:db8:cafe:0:ffff:ffff:ffff:ffff",
    "2001:db8:caff:1::1",
    "2001:db9:cafe:1::1",
    "192.0.2.1",
    "192.0.2.2",
    "::192.0.2.1",  # IPv4-compatible (deprecated) is IPv6, not the IPv4 address
    "64:ff9b::192.0.2.1",
    "fe80::1",
    "2001:db8:cafe:10::1",
    "127.0.0.1",
    UNREADABLE,
]


@pytest.mark.parametrize("spellings", ONE_CLIENT, ids=lambda s: s[0])
def test_every_address_and_spelling_of_one_client_gives_one_key(spellings: list[str]) -> None:
    keys = {client_key(SECRET, spelling) for spelling in spellings}
    assert len(keys) == 1


def test_different_clients_get_different_keys() -> None:
    keys = {client_key(SECRET, address) for address in DIFFERENT}
    assert len(keys) == len(DIFFERENT)


@pytest.mark.parametrize(
    ("address", "identity"),
    [
        ("2001:db8:cafe:1::1", "2001:db8:cafe:1::/64"),
        ("2001:DB8:CAFE:1:0:0:0:2", "2001:db8:cafe:1::/64"),
        ("[2001:db8::1]:443", "2001:db8::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("192.0.2.1:8080", "192.0.2.1"),
        ("203.0.113.7", "203.0.113.7"),
        ("not-an-address", UNREADABLE),
        ("", UNREADABLE),
        ("2001:db8::1::2", UNREADABLE),
    ],
)
def test_the_client_identity_is_the_ipv4_address_or_the_ipv6_slash_64(
    address: str, identity: str
) -> None:
    assert client_identity(address) == identity


def test_ipv4_keys_are_unchanged_by_the_ipv6_prefix() -> None:
    # Limit and confirmation records already stored for IPv4 clients keep their keys.
    expected = hmac.new(SECRET, b"203.0.113.7", hashlib.sha256).hexdigest()
    assert client_key(SECRET, "203.0.113.7") == expected
    assert client_key(SECRET, "::ffff:203.0.113.7") == expected


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "x",
        "unknown",
        "1.2.3",
        "1.2.3.4.5",
        "256.0.0.1",
        "01.2.3.4",
        ":::",
        "[::1",
        "::1]",
        "[::1]:",
        "[::1]:port",
        "1.2.3.4:5:6",
        "１.２.３.４",
        "a" * 10_000,
        "2001:db8::/64",
        "::ffff:1.2.3.4:80",
        "\u0000",
        "1.2.3.4/32",
    ],
)
def test_garbage_is_never_an_address_and_never_raises(garbage: str) -> None:
    assert parse_address(garbage) is None
    assert client_identity(garbage) == UNREADABLE
    assert client_key(SECRET, garbage) == client_key(SECRET, UNREADABLE)
