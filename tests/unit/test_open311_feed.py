"""The Open311 endpoint's address for discovery (chalicelib/open311_feed.base_url)."""

from __future__ import annotations

import pytest

from chalicelib.open311_feed import base_url

AWS_CONTEXT = {"domainName": "abc123.execute-api.eu-central-1.amazonaws.com", "stage": "api"}


@pytest.mark.parametrize(
    ("headers", "context", "local", "expected"),
    [
        ({"host": "127.0.0.1:8000"}, {}, True, "http://127.0.0.1:8000/open311/v2"),
        # Chalice's local server fills a context too: locally the Host wins.
        ({"host": "127.0.0.1:8001"}, AWS_CONTEXT, True, "http://127.0.0.1:8001/open311/v2"),
        (
            {"host": "abc123.execute-api.eu-central-1.amazonaws.com"},
            AWS_CONTEXT,
            False,
            "https://abc123.execute-api.eu-central-1.amazonaws.com/api/open311/v2",
        ),
        ({}, {}, True, "http://localhost/open311/v2"),
        ({"host": "x", "x-forwarded-proto": "https"}, {}, False, "https://x/open311/v2"),
    ],
)
def test_the_discovery_address(
    headers: dict[str, str], context: dict[str, str], local: bool, expected: str
) -> None:
    assert base_url(headers, context, local) == expected
