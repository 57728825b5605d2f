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
