"""The security response headers of the site: one definition for CloudFront and for `make run`.

In AWS a CloudFront response headers policy adds them to every response of the distribution
(the CDK stack builds it from this module); locally infra/site_server.py, the stand-in for
CloudFront, sends the same headers, so that a page that breaks the policy breaks locally too.

The Content-Security-Policy is strict: scripts, styles, workers, fonts and the manifest only
from the site itself, no inline script or style, no eval, nothing may frame the site.
Leaflet sets its positions and sizes through the CSSOM (`element.style.…`), which style-src
does not govern, so style-src 'self' is enough. Images: the site's own (Leaflet's marker and
layer icons), OpenStreetMap's tiles, and data: (Leaflet cancels a tile's loading by pointing it
at a data: GIF). tests/browser/test_csp.py loads every page under this policy.

Plain Python, no AWS imports: the CDK stack and the local server both import it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_OPENSTREETMAP_TILES = "https://tile.openstreetmap.org"

HSTS_MAX_AGE_SECONDS = 63072000  # two years
REFERRER_POLICY = "strict-origin-when-cross-origin"
FRAME_OPTIONS = "DENY"
# "Use my location" of the report form needs geolocation, on the site's own pages only; the
# rest of the powerful features are refused to the site and to anything it could embed.
PERMISSIONS_POLICY = ", ".join(
    [
        "geolocation=(self)",
        "camera=()",
        "microphone=()",
        "accelerometer=()",
        "gyroscope=()",
        "magnetometer=()",
        "midi=()",
        "payment=()",
        "usb=()",
        "serial=()",
        "hid=()",
        "display-capture=()",
        "screen-wake-lock=()",
        "xr-spatial-tracking=()",
        "publickey-credentials-get=()",
        "browsing-topics=()",
    ]
)

# Sources no extra may add: each would let in what the policy is there to keep out.
_FORBIDDEN_SOURCES = frozenset(
    {"*", "http:", "https:", "ws:", "wss:", "data:", "blob:", "filesystem:", "mediastream:"}
)


def _host(source: str) -> str:
    """The host part of a source expression: "*" for https://*, *:443 or *."""
    return re.split(r"[:/]", source.split("://", 1)[-1], maxsplit=1)[0]


def _checked(sources: Sequence[str], directive: str) -> list[str]:
    """Extra host sources (origins such as https://example.org, maybe with a path)."""
    if isinstance(sources, str):
        raise TypeError(f"{directive}: give a sequence of sources, not one string")
    checked: list[str] = []
    for source in sources:
        if (
            not source
            or any(c.isspace() or c in ";,'\"" for c in source)
            or source.lower() in _FORBIDDEN_SOURCES
            or _host(source) == "*"
        ):
            raise ValueError(f"{directive}: {source!r} is not an allowed extra source")
        checked.append(source)
    return checked


def _sources(defaults: Sequence[str], extras: Sequence[str], directive: str) -> str:
    unique = dict.fromkeys([*defaults, *_checked(extras, directive)])
    return " ".join([directive, *unique])


def content_security_policy(
    connect_src: Sequence[str] = (),
    img_src: Sequence[str] = (),
    *,
    upgrade_insecure: bool = True,
) -> str:
    """The Content-Security-Policy value.

    `connect_src`: origins fetched besides the site itself (the Cognito domain of the officer
    panel's token endpoint; the garrisons' origins for the national site). `img_src`: image
    origins besides the site and OpenStreetMap (other tile servers). `upgrade_insecure`: False
    for local plain-http serving, where upgrading the site's own requests would break it.
    """
    directives = [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        _sources(["'self'", "data:", _OPENSTREETMAP_TILES], img_src, "img-src"),
        _sources(["'self'"], connect_src, "connect-src"),
        "worker-src 'self'",  # the map's module worker, cluster-worker.js; no blob: workers
        "font-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
    if upgrade_insecure:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def _strict_transport_security() -> str:
    return f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains"


def security_headers(
    connect_src: Sequence[str] = (), img_src: Sequence[str] = (), *, https: bool = True
) -> dict[str, str]:
    """Header name → value for every response; Strict-Transport-Security only over https."""
    headers = {
        "Content-Security-Policy": content_security_policy(
            connect_src, img_src, upgrade_insecure=https
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = _strict_transport_security()
    return headers
