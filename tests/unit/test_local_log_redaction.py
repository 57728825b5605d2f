"""Credentials in a query string (the reporters' tracking tokens) never reach a log line."""

from __future__ import annotations

import pytest

from chalicelib.web import redact_credentials

TOKEN = "xfstwOdV0L3fhW1OsPT_1fSJ"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f'"GET /v1/reports/01ABC?token={TOKEN} HTTP/1.1" 200 -',
            '"GET /v1/reports/01ABC?token=REDACTED HTTP/1.1" 200 -',
        ),
        (f"/v1/reports/01ABC?TOKEN={TOKEN}", "/v1/reports/01ABC?TOKEN=REDACTED"),
        (f"/v1/reports/01ABC?to%6Ben={TOKEN}", "/v1/reports/01ABC?to%6Ben=REDACTED"),
        (f"/v1/reports/01ABC?%74oken={TOKEN}", "/v1/reports/01ABC?%74oken=REDACTED"),
        (f"/x?a=1&token={TOKEN}&b=2", "/x?a=1&token=REDACTED&b=2"),
        (f"/x?token={TOKEN}&token={TOKEN}", "/x?token=REDACTED&token=REDACTED"),
        (f"/x?a=b;token={TOKEN}", "/x?a=b;token=REDACTED"),
        (f"/x?a=1?token={TOKEN}", "/x?a=1?token=REDACTED"),
        (f"/x?tracking_token={TOKEN}", "/x?tracking_token=REDACTED"),
        (f"/x?id_token={TOKEN}&code=abc", "/x?id_token=REDACTED&code=REDACTED"),
        (f"/x?X-Amz-Signature={TOKEN}", "/x?X-Amz-Signature=REDACTED"),
    ],
)
def test_credential_values_are_redacted(line: str, expected: str) -> None:
    assert redact_credentials(line) == expected
    assert TOKEN not in redact_credentials(line)


@pytest.mark.parametrize(
    "line",
    [
        '"GET /v1/officer/reports?status=Nowe&cursor=abc&limit=20 HTTP/1.1" 200 -',
        '"GET /v1/units/locate?lat=50.06&lon=19.93 HTTP/1.1" 200 -',
        '"POST /v1/reports HTTP/1.1" 201 -',
        "/x?tokens=1&mytoken=2",
    ],
)
def test_other_parameters_are_kept(line: str) -> None:
    assert redact_credentials(line) == line
