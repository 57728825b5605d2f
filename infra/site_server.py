"""The local stand-in for CloudFront: the site and feeds from the S3 bucket, /v1/* to the API.

In AWS one distribution serves the bucket (site and feeds) and routes /v1/* to
API Gateway, so pages, feeds and the API share an origin; this keeps that true
locally. Objects are read from moto's S3 anonymously, as the bucket policy allows.

Every response carries the security headers CloudFront's response headers policy adds
(infra/site_headers.py), over plain http: no HSTS, no upgrade-insecure-requests. Origins the
pages may fetch from or show images of besides the site's own, as the deployment passes them
to the policy in AWS (e.g. the Cognito domain of the officers' sign-in), can be given
locally, separated by spaces, in KMZB_SITE_CONNECT_SRC and KMZB_SITE_IMG_SRC.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from infra.site_headers import security_headers

# What CloudFront must forward to the API too (Authorization: the officers' tokens).
PASSED_HEADERS = ("authorization", "content-type", "idempotency-key", "accept", "accept-language")
RETURNED_HEADERS = (
    "Content-Type",
    "Cache-Control",
    "ETag",
    "Retry-After",
    "Location",
    "Idempotent-Replayed",
    "Allow",
)
MAX_BODY = 64 * 1024


class _Handler(BaseHTTPRequestHandler):
    api_url = ""
    bucket_url = ""
    added_headers: Mapping[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.added_headers.items():  # on every response, errors too
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the API logs requests; static files are not worth a line each

    def _relay(self, request: urllib.request.Request) -> None:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, headers, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            status, headers, payload = e.code, e.headers, e.read()
        except (urllib.error.URLError, OSError):
            self.send_error(502, "origin unreachable")
            return
        self.send_response(status)
        for name in RETURNED_HEADERS:
            if headers.get(name):
                self.send_header(name, headers[name])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _api(self) -> None:
        length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_HEADERS}
        self._relay(
            urllib.request.Request(
                self.api_url + self.path, data=body, headers=headers, method=self.command
            )
        )

    def _object(self) -> None:
        path = urlsplit(self.path).path
        key = path.lstrip("/")
        if key == "" or key.endswith("/"):
            key += "index.html"  # CloudFront's default root object, and S3 website style
        if ".." in key.split("/"):
            self.send_error(400)
            return
        # HEAD is answered from a GET without its body: moto refuses anonymous HEADs.
        self._relay(urllib.request.Request(f"{self.bucket_url}/{key}", method="GET"))

    def do_GET(self) -> None:
        self._api() if self.path.startswith("/v1/") else self._object()

    def do_HEAD(self) -> None:
        self._object()

    def do_POST(self) -> None:
        if self.path.startswith("/v1/"):
            self._api()
        else:
            self.send_error(405)


def _sources_from_env(name: str) -> list[str]:
    return os.environ.get(name, "").split()


class SiteServer:
    def __init__(
        self,
        bucket_url: str,
        port: int,
        api_url: str,
        *,
        connect_src: Sequence[str] | None = None,
        img_src: Sequence[str] | None = None,
    ) -> None:
        if connect_src is None:
            connect_src = _sources_from_env("KMZB_SITE_CONNECT_SRC")
        if img_src is None:
            img_src = _sources_from_env("KMZB_SITE_IMG_SRC")
        self.headers = security_headers(connect_src, img_src, https=False)
        attributes = {"api_url": api_url, "bucket_url": bucket_url, "added_headers": self.headers}
        handler = type("SiteHandler", (_Handler,), attributes)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
