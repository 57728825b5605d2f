from typing import Any

import pytest

from chalicelib.limits import UNREADABLE
from chalicelib.web import client_address

CONTEXT = {"identity": {"sourceIp": "198.51.100.10"}}


def test_without_a_trusted_proxy_forwarded_headers_are_ignored() -> None:
    headers = {"x-forwarded-for": "203.0.113.9"}
    assert client_address(CONTEXT, headers, trusted_proxies=0) == "198.51.100.10"


def test_behind_a_trusted_proxy_the_last_forwarded_entry_is_the_client() -> None:
    # The client may send its own X-Forwarded-For; the proxy appends the real address.
    headers = {"x-forwarded-for": "1.2.3.4, 203.0.113.9"}
    assert client_address(CONTEXT, headers, trusted_proxies=1) == "203.0.113.9"


def test_a_garbled_forwarded_header_falls_back_to_the_peer() -> None:
    headers = {"x-forwarded-for": "not-an-address"}
    assert client_address(CONTEXT, headers, trusted_proxies=1) == "198.51.100.10"
    assert client_address(CONTEXT, {}, trusted_proxies=1) == "198.51.100.10"


def test_behind_cloudfront_and_api_gateway_the_client_is_second_from_the_end() -> None:
    # CloudFront appends the viewer, API Gateway appends the CloudFront edge it saw.
    headers = {"x-forwarded-for": "1.2.3.4, 203.0.113.9, 130.176.0.1"}
    assert client_address(CONTEXT, headers, trusted_proxies=2) == "203.0.113.9"


def test_fewer_forwarded_entries_than_proxies_falls_back_to_the_peer() -> None:
    headers = {"x-forwarded-for": "203.0.113.9"}
    assert client_address(CONTEXT, headers, trusted_proxies=2) == "198.51.100.10"


def test_a_request_that_went_around_the_proxies_is_its_own_peer() -> None:
    # Straight to API Gateway, whatever X-Forwarded-For claims: the daily limit keys the peer.
    headers = {"x-forwarded-for": "1.2.3.4, 203.0.113.9, 198.51.100.10"}
    assert client_address(CONTEXT, headers, 2, through_proxies=False) == "198.51.100.10"


# Every spelling of one client, wherever it appears, is one address.
SPELLINGS = {
    "192.0.2.1": [
        "192.0.2.1",
        " 192.0.2.1 ",
        "192.0.2.1:8080",
        "::ffff:192.0.2.1",
        "::FFFF:192.0.2.1",
        "[::ffff:192.0.2.1]:443",
        "0:0:0:0:0:ffff:c000:201",
        "::ffff:c000:0201",
        '"192.0.2.1"',
    ],
    "2001:db8::1": [
        "2001:db8::1",
        "2001:DB8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001",
        "[2001:db8::1]",
        "[2001:db8::1]:443",
        "2001:db8::1%eth0",
        "[2001:db8::1%25eth0]:80",
        "2001:db8:0:0::1",
    ],
    "fe80::1": ["fe80::1%eth0", "FE80::1%1", "[fe80::1%eth0]:8080", "fe80:0:0:0:0:0:0:1"],
}
GARBAGE = [
    "",
    " ",
    "not-an-address",
    "unknown",
    "999.1.1.1",
    "192.0.2",
    "192.0.2.1.5",
    "192.000.002.001",
    "2001:db8::1::2",
    "[2001:db8::1",
    "[2001:db8::1]x",
    "2001:db8::1]:80",
    "192.0.2.1:http",
    "192.0.2.1:",
    "[::1]:99999999",
    "１９２.０.２.１",
    "2001:db8::g",
    "::ffff:192.0.2.1:80",
    "a" * 5000,
    "%eth0",
    "\x00192.0.2.1",
    "192.0.2.1\n:80",
    "[]",
    "[]:80",
    ":",
    "::::",
]


@pytest.mark.parametrize(
    ("canonical", "spelling"),
    [(canonical, spelling) for canonical, spellings in SPELLINGS.items() for spelling in spellings],
)
def test_every_spelling_of_an_address_is_one_address(canonical: str, spelling: str) -> None:
    # In X-Forwarded-For behind one or two proxies …
    headers = {"x-forwarded-for": f"1.2.3.4, {spelling}"}
    assert client_address(CONTEXT, headers, trusted_proxies=1) == canonical
    headers = {"x-forwarded-for": f"{spelling},130.176.0.1"}
    assert client_address(CONTEXT, headers, trusted_proxies=2) == canonical
    # … and as API Gateway's sourceIp.
    assert client_address({"identity": {"sourceIp": spelling}}, {}, 0) == canonical


@pytest.mark.parametrize("garbage", GARBAGE)
def test_an_unreadable_forwarded_entry_falls_back_to_the_peer(garbage: str) -> None:
    headers = {"x-forwarded-for": f"203.0.113.9, {garbage}"}
    assert client_address(CONTEXT, headers, trusted_proxies=1) == "198.51.100.10"


@pytest.mark.parametrize("garbage", GARBAGE)
def test_an_unreadable_peer_is_the_one_shared_unreadable_client(garbage: str) -> None:
    # API Gateway always gives an address; if one ever is not, it must not crash the
    # request nor let each spelling be a client of its own.
    assert client_address({"identity": {"sourceIp": garbage}}, {}, 0) == UNREADABLE
    headers = {"x-forwarded-for": garbage}
    assert client_address({"identity": {"sourceIp": garbage}}, headers, 1) == UNREADABLE


@pytest.mark.parametrize(
    "context",
    [
        {},
        {"identity": None},
        {"identity": {}},
        {"identity": {"sourceIp": None}},
        {"identity": {"sourceIp": 12345}},
        {"identity": "198.51.100.10"},
    ],
)
def test_a_missing_or_odd_request_context_never_crashes(context: dict[str, Any]) -> None:
    assert client_address(context, {}, 0) == UNREADABLE
    assert client_address(context, {"x-forwarded-for": "203.0.113.9"}, 1) == "203.0.113.9"


def test_a_forwarded_ipv6_client_with_a_port_is_not_mistaken_for_the_proxy() -> None:
    # Before, "[2001:db8::1]:443" was unreadable, so every such client became the proxy.
    first = client_address(CONTEXT, {"x-forwarded-for": "[2001:db8::1]:443"}, 1)
    second = client_address(CONTEXT, {"x-forwarded-for": "192.0.2.7:51000"}, 1)
    assert (first, second) == ("2001:db8::1", "192.0.2.7")
