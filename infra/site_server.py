"""The local stand-in for CloudFront: the site and feeds from the S3 bucket, /v1/* to the API.

In AWS one distribution serves the bucket (site and feeds) and routes /v1/* to
API Gateway, so pages, feeds and the API share an origin; this keeps that true
locally. Objects are read from moto's S3 anonymously, as the bucket policy allows.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

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
        self._relay(urllib.request.Request(f"{self.bucket_url}/{key}", method=self.command))

    def do_GET(self) -> None:
        self._api() if self.path.startswith("/v1/") else self._object()

    def do_HEAD(self) -> None:
        self._object()

    def do_POST(self) -> None:
        if self.path.startswith("/v1/"):
            self._api()
        else:
            self.send_error(405)


class SiteServer:
    def __init__(self, bucket_url: str, port: int, api_url: str) -> None:
        handler = type("SiteHandler", (_Handler,), {"api_url": api_url, "bucket_url": bucket_url})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
