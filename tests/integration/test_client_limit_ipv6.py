"""The daily limit through the HTTP API counts clients: an IPv6 /64, any spelling of an address."""

from __future__ import annotations

from typing import Any

from chalicelib.deployment import Deployment
from tests.integration.test_submission import KRAKOW, post


def test_a_second_report_from_the_same_ipv6_slash_64_is_refused(
    client: Any, deployment: Deployment
) -> None:
    assert post(client, KRAKOW, ip="2001:db8:cafe:1::1").status_code == 201
    second = post(client, KRAKOW, ip="2001:db8:cafe:1::2")
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) > 0
    # Another spelling of the same /64, with a port: still the same client.
    assert post(client, KRAKOW, ip="[2001:DB8:CAFE:1:0:0:0:FFFF]:443").status_code == 429
    # The neighbouring /64 is another client.
    assert post(client, KRAKOW, ip="2001:db8:cafe:2::1").status_code == 201
    assert len(list(deployment.store.Report.scan(consistent_read=True))) == 2


def test_an_ipv4_client_spelled_as_mapped_ipv6_or_with_a_port_is_one_client(
    client: Any,
) -> None:
    assert post(client, KRAKOW, ip="::ffff:192.0.2.1").status_code == 201
    assert post(client, KRAKOW, ip="192.0.2.1:8080").status_code == 429
    assert post(client, KRAKOW, ip="192.0.2.1").status_code == 429


def test_a_garbled_forwarded_address_is_answered_not_crashed(client: Any) -> None:
    # Unreadable: keyed by the peer the proxy saw (here the test client's own address).
    first = post(client, KRAKOW, ip="not-an-address, [::1")
    assert first.status_code == 201
    second = post(client, KRAKOW, ip="%zz:::80")
    assert second.status_code == 429
    assert "error" in second.json_body
