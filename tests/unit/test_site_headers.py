import pytest

from infra.site_headers import (
    FRAME_OPTIONS,
    HSTS_MAX_AGE_SECONDS,
    PERMISSIONS_POLICY,
    REFERRER_POLICY,
    content_security_policy,
    security_headers,
)

COGNITO = "https://kmzb.auth.eu-central-1.amazoncognito.com"


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


def test_the_policy_is_strict() -> None:
    policy = directives(content_security_policy())
    every_source = [source for sources in policy.values() for source in sources]
    assert "'unsafe-inline'" not in every_source
    assert "'unsafe-eval'" not in every_source
    assert "*" not in every_source
    assert not [s for s in every_source if s.startswith("'nonce-") or s == "blob:"]
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["worker-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["upgrade-insecure-requests"] == []


def test_extras_join_their_directive_once() -> None:
    garrison = "https://slaskie.kmzb.example"
    tiles = "https://tiles.example.org"
    policy = directives(content_security_policy([COGNITO, garrison, COGNITO], [tiles]))
    assert policy["connect-src"] == ["'self'", COGNITO, garrison]
    assert policy["img-src"] == ["'self'", "data:", "https://tile.openstreetmap.org", tiles]
    assert COGNITO not in policy["img-src"] and tiles not in policy["connect-src"]
    assert policy["script-src"] == ["'self'"]


@pytest.mark.parametrize(
    "source",
    [
        "*",
        "https:",
        "data:",
        "blob:",
        "'unsafe-inline'",
        "'self'",
        "https://*",
        "*:443",
        "",
        "https://a.example; script-src *",
        "https://a.example https://b.example",
    ],
)
def test_an_extra_that_would_open_the_policy_is_refused(source: str) -> None:
    with pytest.raises(ValueError):
        content_security_policy([source])
    with pytest.raises(ValueError):
        security_headers(img_src=[source])


def test_a_single_string_is_not_taken_for_a_list_of_sources() -> None:
    with pytest.raises(TypeError):
        content_security_policy(COGNITO)


def test_over_plain_http_no_hsts_and_no_upgrade() -> None:
    local = security_headers([COGNITO], https=False)
    assert "Strict-Transport-Security" not in local
    assert "upgrade-insecure-requests" not in local["Content-Security-Policy"]
    assert local["Content-Security-Policy"] == content_security_policy(
        [COGNITO], upgrade_insecure=False
    )


def test_over_https_every_header() -> None:
    headers = security_headers([COGNITO])
    assert headers == {
        "Content-Security-Policy": content_security_policy([COGNITO]),
        "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    assert HSTS_MAX_AGE_SECONDS == 63072000
    assert FRAME_OPTIONS == "DENY"
    assert REFERRER_POLICY == "strict-origin-when-cross-origin"


def test_only_the_site_itself_may_ask_for_the_location() -> None:
    features = dict(item.split("=", 1) for item in PERMISSIONS_POLICY.split(", "))
    assert features["geolocation"] == "(self)"  # the report form's "use my location"
    assert features["camera"] == "()" and features["microphone"] == "()"
    assert [name for name, allow in features.items() if allow != "()"] == ["geolocation"]
