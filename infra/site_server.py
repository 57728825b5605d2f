"""The local stand-in for CloudFront: the site and feeds from the S3 bucket, /v1/* to the API.

In AWS one distribution serves the bucket (site and feeds) and routes /v1/* to
API Gateway, so pages, feeds and the API share an origin; this keeps that true
locally. Objects are read from moto's S3 anonymously, as the bucket policy allows.

Every response carries the security headers CloudFront's response headers policy adds
(infra/site_headers.py), over plain http: no HSTS, no upgrade-insecure-requests. Origins the
pages may fetch from or show images of besides the site's own, as the deployment passes them
to the policy in AWS (e.g. the Cognito domain of the officers' sign-in), can be given
locally, separated by spaces, in KMZB_SITE_CONNECT_SRC and KMZB_SITE_IMG_SRC.

Every method on /v1/* is passed to the API, which answers it (a 405 in its error format
for one it does not declare). Elsewhere GET and HEAD read the bucket: a folder named
without its slash (`/officer`) is redirected to it (`/officer/`), a missing page is an
HTML 404 page, never S3's XML; other methods are a 405.
"""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from chalicelib.contract import FORWARDED_HEADERS, RETURNED_HEADERS
from infra.local_api import ChunkedBodyError, problem_answer, read_chunked
from infra.site_headers import security_headers

# What CloudFront forwards to the API and what it returns: the deployment's own lists.
PASSED_HEADERS = FORWARDED_HEADERS
# The paths CloudFront routes to the API (infra/constructs/site.py): all else is the bucket.
API_PREFIXES = ("/v1/", "/open311/")
MAX_BODY = 64 * 1024
SITE_METHODS = ("GET", "HEAD")
# A browser revalidating its copy of a page (Cache-Control: no-cache) asks with these; the
# bucket answers 304 Not Modified when it is current, as CloudFront does.
CONDITIONAL_HEADERS = ("if-none-match", "if-modified-since")

NOT_FOUND_PAGE = """<!doctype html>
<html lang="pl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nie znaleziono strony — KMZB</title>
</head>
<body>
<main>
<h1>Nie znaleziono strony</h1>
<p>Pod tym adresem nie ma strony. <a href="/">Przejdź do mapy zagrożeń</a>.</p>
<p lang="en">Page not found. <a href="/">Go to the threat map</a>.</p>
</main>
</body>
</html>
""".encode()


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

    @staticmethod
    def _fetch(request: urllib.request.Request) -> tuple[int, Any, bytes] | None:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()
        except (urllib.error.URLError, OSError):
            return None

    def _relay(self, request: urllib.request.Request) -> None:
        fetched = self._fetch(request)
        if fetched is None:
            self.send_error(502, "origin unreachable")
            return
        self._send(*fetched)

    def _send(self, status: int, headers: Any, payload: bytes) -> None:
        self.send_response(status)
        for name in RETURNED_HEADERS:
            if headers.get(name):
                self.send_header(name, headers[name])
        length = len(payload)
        if self.command == "HEAD" and not payload:  # the API's HEAD answer: its own length
            length = int(headers.get("Content-Length") or 0)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _api(self) -> None:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            # CloudFront passes a chunked body on; the API gets it with its length.
            try:
                body: bytes | None = read_chunked(self.rfile, MAX_BODY) or None
            except ChunkedBodyError as e:
                self.close_connection = True
                problem = problem_answer(e.error, self.path, self.headers)
                self._send(problem.status, problem.headers, problem.payload())
                return
        else:
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
        conditions = {k: v for k, v in self.headers.items() if k.lower() in CONDITIONAL_HEADERS}
        request = urllib.request.Request(
            f"{self.bucket_url}/{key}", headers=conditions, method="GET"
        )
        fetched = self._fetch(request)
        if fetched is None:
            self.send_error(502, "origin unreachable")
        elif fetched[0] == 304:
            self._not_modified(fetched[1])
        elif fetched[0] in (403, 404):  # S3 says 403 to a reader who may not list the bucket
            self._missing(path, key)
        else:
            self._send(*fetched)

    def _not_modified(self, headers: Any) -> None:
        """The browser's copy is current: 304, no body (nor a Content-Length of one)."""
        self.send_response(304)
        for name in ("ETag", "Cache-Control"):
            if headers.get(name):
                self.send_header(name, headers[name])
        self.end_headers()

    def _missing(self, path: str, key: str) -> None:
        """A folder asked for without its slash is redirected; anything else is a 404 page."""
        if not key.endswith("index.html"):
            folder = f"{self.bucket_url}/{key}/index.html"
            fetched = self._fetch(urllib.request.Request(folder, method="GET"))
            if fetched is not None and fetched[0] == 200:
                parts = urlsplit(self.path)
                location = urlunsplit(("", "", path + "/", parts.query, ""))
                self.send_response(301)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Content-Length", str(len(NOT_FOUND_PAGE)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(NOT_FOUND_PAGE)

    def _any(self) -> None:
        if urlsplit(self.path).path.startswith(API_PREFIXES):
            self._api()  # every method, as CloudFront's /v1/* and /open311/* behaviours allow
        elif self.command in SITE_METHODS:
            self._object()
        else:
            self.send_response(405)
            self.send_header("Allow", ", ".join(SITE_METHODS))
            self.send_header("Content-Length", "0")
            self.end_headers()

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<METHOD>: every method is answered.
        if name.startswith("do_"):
            return self._any
        raise AttributeError(name)


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # as the local API: 50 clients at once are all answered
    daemon_threads = True


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
        self._server = _Server(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
