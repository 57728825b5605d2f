"""The local stand-in for CloudFront: the static site, with /v1/* passed to the API.

In AWS one distribution serves the site from S3 and routes /v1/* to API
Gateway, so the page and the API share an origin; this keeps that true locally.
"""

from __future__ import annotations

import functools
import threading
import urllib.error
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# What CloudFront must forward to the API too (Authorization: the officers' tokens).
PASSED_HEADERS = ("authorization", "content-type", "idempotency-key", "accept", "accept-language")
MAX_BODY = 64 * 1024


class _Handler(SimpleHTTPRequestHandler):
    api_url = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the API logs requests; static files are not worth a line each

    def _proxy(self) -> None:
        length = min(int(self.headers.get("content-length") or 0), MAX_BODY)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_HEADERS}
        request = urllib.request.Request(
            self.api_url + self.path, data=body, headers=headers, method=self.command
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, reply_headers, payload = response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            status, reply_headers, payload = e.code, e.headers, e.read()
        except (urllib.error.URLError, OSError):
            self.send_error(502, "API unreachable")
            return
        self.send_response(status)
        for name in ("Content-Type", "Retry-After", "Location", "Idempotent-Replayed", "Allow"):
            if reply_headers.get(name):
                self.send_header(name, reply_headers[name])
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        if self.path.startswith("/v1/"):
            self._proxy()
        else:
            super().do_GET()

    def do_POST(self) -> None:
        if self.path.startswith("/v1/"):
            self._proxy()
        else:
            self.send_error(405)


class SiteServer:
    def __init__(self, root: Path, port: int, api_url: str) -> None:
        handler = type("SiteHandler", (_Handler,), {"api_url": api_url})
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), functools.partial(handler, directory=str(root))
        )
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
