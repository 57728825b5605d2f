"""The local API server: Chalice's local server with API Gateway's answers where they differ.

Requests are routed, authorized and handled by Chalice's own local gateway
(`chalice.local.LocalGateway`), as `chalice local` does; `make run` starts this instead
because, in front of the same app:

- an unknown path is a 404 and an officer route without `Authorization` a 401, both
  problems (RFC 9457) built by the API's own `problems.render`, as the deployment's
  gateway responses give them in AWS (`infra/garrison_stack.GATEWAY_MESSAGES`; a test
  keeps the two alike), not
  `403 {"message": "Missing Authentication Token"}`;
- every HTTP method reaches the app, so one the API does not declare (TRACE, PUT, DELETE,
  OPTIONS, PATCH, ...) is its 405 in the error format with `Allow`, not the development
  server's 501 page; OPTIONS gets no CORS stand-in answer (the site and the API share an
  origin, so the API declares no CORS); a method no route declares on an unknown path is
  a 405 too, without `Allow`;
- HEAD answers carry no body;
- a chunked request body (`Transfer-Encoding: chunked`, as curl sends a piped body) is
  read as API Gateway reads it, not dropped into a `malformed_json` 400;
- the listen backlog is 128, not 5: 50 clients connecting at once are all answered;
- each request is logged without the client's address, and credentials in the query
  (the reporters' tracking tokens) are redacted (`web.redact_credentials`).

    python -m infra.local_api --port 8000     # as `make run` starts it
"""

from __future__ import annotations

import argparse
import logging
import sys
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    ForbiddenError,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    NotAuthorizedError,
    ThreadedHTTPServer,
)

from chalicelib import problems
from chalicelib.errors import DomainError
from chalicelib.problems import refusal
from chalicelib.web import redact_credentials

BACKLOG = 128
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's request payload limit
MAX_CHUNK_LINE = 1024


def _gateway(code: str, variant: str = "") -> tuple[int, str, str, str]:
    error = refusal(code, variant)
    polish, english = problems.message_of(error, "pl"), problems.message_of(error, "en")
    return (problems.status_of(error), code, polish, english)


# What API Gateway answers itself (the deployment's gateway responses, same texts), from
# the one table of refusals (chalicelib/problems.py).
NOT_FOUND = _gateway("not_found", "gateway")
UNAUTHORIZED = _gateway("unauthorized", "gateway")
REJECTED = _gateway("request_rejected")
UNAVAILABLE = _gateway("service_unavailable")


def problem_answer(
    error: DomainError,
    target: str,
    headers: Any,
    *,
    status: int | None = None,
    allow: str | None = None,
) -> problems.ProblemResponse:
    """`error` as the problem answer to a request for `target` (its path is the `instance`,
    never its query) with request `headers` (their Accept-Language)."""
    return problems.render(
        error,
        instance=urlsplit(target).path,
        accept_language=headers.get("accept-language"),
        status=status,
        headers={"Allow": allow} if allow else None,
    )


class ChunkedBodyError(Exception):
    """A chunked body that cannot be read: its refusal is `error`."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.code)
        self.error = error


def read_chunked(stream: Any, limit: int) -> bytes:
    """The body of a `Transfer-Encoding: chunked` request (RFC 9112, section 7.1).

    Raises ChunkedBodyError: 400 for malformed chunking, 413 past `limit` bytes.
    """
    malformed = ChunkedBodyError(refusal("malformed_body"))
    body = bytearray()
    while True:
        line = stream.readline(MAX_CHUNK_LINE)
        size_text = line.split(b";", 1)[0].strip()
        if not line.endswith(b"\n") or not size_text or size_text.strip(b"0123456789abcdefABCDEF"):
            raise malformed
        size = int(size_text, 16)
        if size == 0:
            break
        if len(body) + size > limit:
            raise ChunkedBodyError(refusal("body_too_large", "gateway"))
        chunk = stream.read(size)
        if len(chunk) != size or stream.readline(3) not in (b"\r\n", b"\n"):
            raise malformed
        body += chunk
    while True:  # trailer fields, up to the empty line
        line = stream.readline(MAX_CHUNK_LINE)
        if line in (b"\r\n", b"\n", b""):
            return bytes(body)


class _Gateway(LocalGateway):
    def _has_user_defined_options_method(self, lambda_event: Any) -> bool:
        return True  # OPTIONS goes to the app like any method: no CORS here, as in AWS


class ApiRequestHandler(ChaliceRequestHandler):
    """Chalice's request handler, for any method, answering gateway errors in our format."""

    declared_methods: frozenset[str] = frozenset({"GET", "POST"})

    def __init__(
        self,
        request: Any,
        client_address: Any,
        server: Any,
        app_object: Chalice,
        config: Config,
    ) -> None:
        self.local_gateway = _Gateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<METHOD>; every method goes to the gateway.
        if name.startswith("do_"):
            return self._generic_handle
        raise AttributeError(name)

    def _parse_payload(self) -> tuple[dict[str, Any], bytes | None]:
        if "chunked" not in self.headers.get("transfer-encoding", "").lower():
            return super()._parse_payload()
        body = read_chunked(self.rfile, MAX_PAYLOAD_BYTES)
        headers = {k: v for k, v in dict(self.headers).items() if k.lower() != "transfer-encoding"}
        headers["Content-Length"] = str(len(body))
        return headers, body or None

    def _generic_handle(self) -> None:
        try:
            super()._generic_handle()
        except ChunkedBodyError as e:
            self.close_connection = True  # where the next request would start is unknown
            problem = problem_answer(e.error, self.path, self.headers)
            self._send_http_response(problem.status, problem.headers, problem.payload())

    # Chalice binds its own handler to these names; ours must answer them too.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _send_error_response(self, error: LocalGatewayException) -> None:
        kind = error.headers.get("x-amzn-ErrorType")
        status = None
        if isinstance(error, NotAuthorizedError):
            refused = refusal("unauthorized", "gateway")
        elif isinstance(error, ForbiddenError) and kind == "UnauthorizedException":
            # No route matched the path (API Gateway: MISSING_AUTHENTICATION_TOKEN).
            if self.command in self.declared_methods:
                refused = refusal("not_found", "gateway")
            else:
                refused = refusal("method_not_allowed", method=self.command)
        elif error.CODE < 500:
            refused, status = refusal("request_rejected"), error.CODE
        else:
            refused = refusal("service_unavailable")
        problem = problem_answer(refused, self.path, self.headers, status=status)
        headers = {**problem.headers, "x-amzn-RequestId": error.headers.get("x-amzn-RequestId")}
        self._send_http_response(problem.status, headers, problem.payload())

    def _send_http_response_with_body(
        self, code: int, headers: dict[str, Any], body: str | bytes
    ) -> None:
        if self.command != "HEAD":
            super()._send_http_response_with_body(code, headers, body)
            return
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
        self._send_headers(headers)  # and no body: a HEAD answer has none

    def log_message(self, format: str, *args: Any) -> None:
        # No client address (a raw IP is never logged) and no credentials from the query.
        line = redact_credentials(format % args)
        sys.stderr.write(f"[{self.log_date_time_string()}] {line}\n")


class ApiServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG


def create_server(app: Chalice, config: Config, host: str, port: int) -> LocalDevServer:
    """A local server of `app` (Chalice's, with the changes above), bound and ready to serve."""
    if not isinstance(app, LocalChalice):
        # As `chalice local` does: current_request per thread.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    declared = frozenset(method for methods in app.routes.values() for method in methods)
    handler = type("KmzbApiRequestHandler", (ApiRequestHandler,), {"declared_methods": declared})
    return LocalDevServer(app, config, host, port, handler_cls=handler, server_cls=ApiServer)


def main(argv: list[str] | None = None) -> int:
    import os

    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes

    from infra.engines import PROJECT_ROOT

    parser = argparse.ArgumentParser(description="Serve the KMZB API locally.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--stage", default="local", help="the Chalice stage (.chalice/config.json)")
    args = parser.parse_args(argv)
    # As `chalice local`: the stage's environment, and the app's logs on stdout.
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    factory = CLIFactory(str(PROJECT_ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=args.stage)
    app = config.chalice_app
    validate_routes(app.routes)
    server = create_server(app, config, args.host, args.port)
    server.serve_forever()  # until SIGTERM
    return 0


if __name__ == "__main__":
    sys.exit(main())
