"""`make run` answers as the deployment in AWS does: through the API's port and through the
site server's /v1/* relay (the local CloudFront) alike."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.engines import free_port
from tests.integration.test_local_stack import REPORT, _call, _start, _stop, _wait_for_addresses

UNDECLARED = ["TRACE", "PUT", "DELETE", "OPTIONS", "PATCH"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state = tmp_path_factory.mktemp("kmzb-state")
    ports = {name: free_port() for name in ("api", "site", "dynamodb", "moto")}
    process = _start(state, ports)
    try:
        addresses = _wait_for_addresses(state, process)
        yield {
            "api": f"http://127.0.0.1:{ports['api']}",
            "site": f"http://127.0.0.1:{ports['site']}",
            "api_port": ports["api"],
            "site_port": ports["site"],
            "logs": Path(addresses["logs"]),
        }
    finally:
        _stop(process)


def request(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, Any, bytes]:
    """(status, headers, body) without following redirects."""
    import http.client

    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request(method, target, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def error_of(status: int, headers: Any, body: bytes, expected: int) -> dict[str, str]:
    assert status == expected, body[:300]
    assert headers["Content-Type"] == "application/problem+json", body[:300]
    error = json.loads(body)["error"]
    assert error["code"] and error["message"] and error["message_en"]
    assert error["message"] != error["message_en"]
    return dict(error)


@pytest.fixture(params=["api", "site"])
def base(request: Any, stack: dict[str, Any]) -> str:
    return str(stack[request.param])


@pytest.mark.parametrize(
    "path",
    ["/v1/nothing", "/v1/reports/01ABC/unknown", "/v1/officer", "/v1/categories/x", "/v1/"],
)
def test_an_unknown_api_path_is_a_404_in_the_error_format(base: str, path: str) -> None:
    for method in ("GET", "POST"):
        for headers in ({}, {"Authorization": "Bearer x"}):  # a header changes nothing
            error = error_of(*request(base + path, method, headers), 404)
            assert error == {
                "code": "not_found",
                "message": "Nie ma takiego zasobu.",
                "message_en": "Not found.",
            }


def test_the_local_gateway_answers_as_the_deployments_gateway_responses() -> None:
    from infra import local_api
    from infra.garrison_stack import GATEWAY_MESSAGES

    assert (404, *GATEWAY_MESSAGES["MISSING_AUTHENTICATION_TOKEN"][1:]) == local_api.NOT_FOUND
    assert local_api.UNAUTHORIZED[1:] == GATEWAY_MESSAGES["UNAUTHORIZED"][1:]
    assert local_api.REJECTED[1:] == GATEWAY_MESSAGES["DEFAULT_4XX"][1:]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/officer/me"),
        ("GET", "/v1/officer/reports?status=new"),
        ("GET", "/v1/officer/reports/01ABC"),
        ("POST", "/v1/officer/reports/01ABC/status"),
        ("POST", "/v1/officer/consultations"),
    ],
)
def test_an_officer_route_without_authorization_is_a_401_in_the_error_format(
    base: str, method: str, path: str
) -> None:
    error = error_of(*request(base + path, method), 401)
    assert error["code"] == "unauthorized"
    # With a header that is not a valid token: the same kind of answer, from the app.
    bad = request(base + path, method, {"Authorization": "Bearer not-a-token"})
    assert error_of(*bad, 401)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/v1/reports", "POST"),
        ("/v1/health", "GET"),
        ("/v1/officer/me", "GET"),
        ("/v1/reports/01ABC/confirmations", "POST"),
        ("/v1/nothing", None),
    ],
)
def test_a_method_the_api_does_not_declare_is_a_405_in_the_error_format(
    base: str, path: str, allow: str | None
) -> None:
    for method in UNDECLARED:
        status, headers, body = request(base + path, method)
        error = error_of(status, headers, body, 405)
        assert error["code"] == "method_not_allowed"
        assert method in error["message"] and method in error["message_en"]
        assert headers.get("Allow") == allow
    status, headers, body = request(base + path, "HEAD")  # no body, and no S3 XML
    assert (status, body) == (405, b"")
    assert headers["Content-Type"] == "application/problem+json"


def test_the_site_server_passes_every_method_on_v1_to_the_api(stack: dict[str, Any]) -> None:
    for method in ["GET", "POST", *UNDECLARED]:
        via_site = request(stack["site"] + "/v1/health", method)
        direct = request(stack["api"] + "/v1/health", method)
        assert via_site[0] == direct[0] != 501
        assert via_site[2] == direct[2]


@pytest.mark.parametrize(
    ("path", "location"),
    [("/officer", "/officer/"), ("/officer?lang=pl", "/officer/?lang=pl")],
)
def test_a_folder_without_its_slash_is_redirected(
    stack: dict[str, Any], path: str, location: str
) -> None:
    status, headers, _ = request(stack["site"] + path)
    assert (status, headers["Location"]) == (301, location)
    status, headers, body = request(stack["site"] + location)
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize("path", ["/nothing", "/officer/nothing.html", "/feeds/none.json", "/v1"])
def test_a_missing_page_is_an_html_404_page(stack: dict[str, Any], path: str) -> None:
    status, headers, body = request(stack["site"] + path)
    assert status == 404
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Nie znaleziono strony" in body and b"<?xml" not in body
    assert "default-src" in headers["Content-Security-Policy"]  # the site's headers too
    status, _, body = request(stack["site"] + path, "HEAD")
    assert (status, body) == (404, b"")


def test_other_methods_on_site_pages_are_refused(stack: dict[str, Any]) -> None:
    for method in ("POST", "DELETE", "PUT"):
        status, headers, _ = request(stack["site"] + "/index.html", method)
        assert (status, headers["Allow"]) == (405, "GET, HEAD")


def _concurrent_gets(port: int, path: str, clients: int) -> list[str]:
    """`clients` connections opened at the same instant, one GET each: their statuses.

    The kernel completes a handshake at once while the listen backlog has room; a SYN it
    drops is retransmitted only after a second. So a connection not made within 0.9 s is one
    the server's backlog refused (a protocol property, not a speed target)."""
    start, results = threading.Barrier(clients), []

    def one() -> None:
        start.wait()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.9) as s:
                s.settimeout(60)
                s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            status = data.split(b" ", 2)[1].decode() if data else "no answer"
        except OSError as e:
            status = type(e).__name__
        results.append(status)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("server", ["api_port", "site_port"])
def test_fifty_concurrent_clients_are_all_answered_at_once(
    stack: dict[str, Any], server: str
) -> None:
    # With Chalice's listen backlog of 5 some handshakes wait for the kernel's retransmits
    # (1, 3, 7 s) or time out; here every connection is taken at once and answered.
    results = _concurrent_gets(stack[server], "/v1/categories", 50)
    assert results == ["200"] * 50


def test_the_api_log_never_holds_a_tracking_token(stack: dict[str, Any]) -> None:
    status, receipt = _call(stack["site"] + "/v1/reports", REPORT)
    assert status == 201
    report, token = receipt["id"], receipt["tracking_token"]
    encoded = urllib.parse.quote(token, safe="")
    for base in (stack["api"], stack["site"]):
        assert request(f"{base}/v1/reports/{report}?token={token}")[0] == 200
        for query in (
            f"TOKEN={token}",
            f"to%6Ben={encoded}",
            f"x=1&token={token}",
            f"token={token}&token={token}",
            f"token={token};a=b",
            f"a=1?token={token}",
        ):
            assert request(f"{base}/v1/reports/{report}?{query}")[0] in (200, 400, 404)
    time.sleep(0.5)
    log = (stack["logs"] / "api.log").read_text("utf-8")
    assert report in log  # requests are still logged ...
    assert f"/v1/reports/{report}?token=REDACTED" in log
    assert token not in log and encoded not in log  # ... without the credential
    assert token[:8] not in log
    lines = [line for line in log.splitlines() if report in line]
    assert not any(line.startswith("127.0.0.1") for line in lines)  # nor the client's address


def _chunked_post(base: str, path: str, pieces: list[bytes]) -> tuple[int, Any, bytes]:
    import http.client

    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    connection.request("POST", path, body=iter(pieces), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def test_a_chunked_body_is_read_as_api_gateway_reads_it(base: str) -> None:
    # curl sends a piped body chunked; the body must reach the app whole, in any pieces.
    body = json.dumps({"category": "no_such_category", "lat": 50.06, "lon": 19.93}).encode()
    for pieces in ([body], [body[:7], body[7:20], body[20:]], [bytes([b]) for b in body]):
        error = error_of(*_chunked_post(base, "/v1/reports", pieces), 422)
        assert error["code"] != "malformed_json"
    repeated = b'{"lat": 50.06, "lon": 19.93, "lat": 52.2}'
    error = error_of(*_chunked_post(base, "/v1/reports", [repeated[:10], repeated[10:]]), 400)
    assert error["code"] == "duplicate_key"  # parsed, so the repeated key is seen
    big = b'{"category": "vandalism", "description": "' + b"a" * 20_000 + b'"}'
    assert _chunked_post(base, "/v1/reports", [big[:9000], big[9000:]])[0] == 413


@pytest.mark.parametrize(
    "raw",
    [
        b"zz\r\n{}\r\n0\r\n\r\n",  # not a hexadecimal size
        b"\r\n",  # no size at all
        b"5\r\n{}\r\n0\r\n\r\n",  # shorter than announced
        b"-2\r\n{}\r\n0\r\n\r\n",  # negative
    ],
)
def test_a_malformed_chunked_body_is_a_400_in_the_error_format(
    stack: dict[str, Any], raw: bytes
) -> None:
    for port in (stack["api_port"], stack["site_port"]):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            head = (
                "POST /v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            )
            s.sendall(head.encode() + raw)
            s.shutdown(socket.SHUT_WR)  # a short body ends here, as a client that gave up
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head_text, _, payload = data.partition(b"\r\n\r\n")
        assert head_text.split(b" ")[1] == b"400", data[:300]
        error = json.loads(payload)["error"]
        assert error["code"] == "malformed_body" and error["message"] and error["message_en"]


def test_a_compressed_body_is_refused_through_either_port(base: str) -> None:
    # The site server (as CloudFront's origin request policy) passes Content-Encoding on, so
    # the API can say why it will not read the body, rather than calling it malformed.
    import http.client

    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    connection.request("POST", "/v1/reports", body=json.dumps(REPORT), headers=headers)
    response = connection.getresponse()
    error = error_of(response.status, response.headers, response.read(), 415)
    connection.close()
    assert error["code"] == "unsupported_content_encoding"
