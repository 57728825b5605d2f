"""Adapting HTTP to the domain: JSON bodies, query parameters, client addresses, and the one
middleware that answers every refusal as an RFC 9457 problem (chalicelib/problems.py)."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Chalice, Response
from chalice.app import ChaliceUnhandledError, ChaliceViewError, Request

from chalicelib import problems
from chalicelib.errors import (
    DomainError,
    OutcomeUnknown,
    Refused,
    StorageUnavailable,
    ValidationFailed,
)
from chalicelib.limits import UNREADABLE, parse_address
from chalicelib.observability import logger

MAX_BODY_BYTES = 16 * 1024
JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
log = logger  # the service's one Logger (chalicelib.observability)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Called for every object at every depth. A repeated key is refused rather than letting
    # the last value silently win, as unknown fields are refused: a client's mistake is never
    # quietly dropped.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _shown_key(key: str) -> str:
    text = key if len(key) <= 40 else key[:40] + "…"
    return json.dumps(text, ensure_ascii=True)  # quoted, escaped: never raw control characters


def parse_json_body(
    raw: bytes | str | None, content_type: str | None, content_encoding: str | None = None
) -> Any:
    """The request's JSON value, or a ValidationFailed: 415 not `application/json` or a
    `Content-Encoding` other than `identity` (a compressed body is not decoded: refused rather
    than read as it stands), 413 over
    `MAX_BODY_BYTES`, 400 `malformed_json` (not JSON, not UTF-8, NaN/Infinity, too deep) or
    400 `duplicate_key` (a key repeated in any object, at any depth)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ValidationFailed("unsupported_media_type")
    if (content_encoding or "identity").strip().lower() != "identity":
        raise ValidationFailed("unsupported_content_encoding")
    if raw is not None and len(raw) > MAX_BODY_BYTES:
        raise ValidationFailed("body_too_large", max_kib=MAX_BODY_BYTES // 1024)
    try:
        # NaN and Infinity are not JSON, whatever Python's parser allows.
        return json.loads(
            raw or b"", parse_constant=_reject_constant, object_pairs_hook=_unique_keys
        )
    except _DuplicateKey as e:
        raise ValidationFailed("duplicate_key", key=_shown_key(e.key)) from None
    except (ValueError, RecursionError):
        raise ValidationFailed("malformed_json") from None


def query_params(raw: Mapping[str, str] | None, allowed: frozenset[str]) -> dict[str, str]:
    """The query string's parameters as `{name: value}`; every bad one is a 400.

    `raw` is Chalice's `request.query_params` (a MultiDict with `getlist`, or None when the
    URL has no query). A name we do not know is `unknown_parameter`, a name given twice
    (`?status=a&status=b`: which one did the client mean?) is `duplicate_parameter`, and a
    name without a value is `empty_parameter`, never silently resolved to one value.
    """
    if not raw:
        return {}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValidationFailed("unknown_parameter", names=", ".join(unknown[:5]))
    getlist = getattr(raw, "getlist", None)
    repeated = sorted(name for name in raw if callable(getlist) and len(getlist(name)) > 1)
    if repeated:
        raise ValidationFailed("duplicate_parameter", names=", ".join(repeated[:5]))
    params = {name: raw[name] for name in raw}
    empty = sorted(name for name, value in params.items() if value == "")
    if empty:
        raise ValidationFailed("empty_parameter", names=", ".join(empty[:5]))
    return params


def client_address(
    request_context: Mapping[str, Any],
    headers: Mapping[str, str],
    trusted_proxies: int,
    through_proxies: bool = True,
) -> str:
    """The address the daily limit counts, in one canonical spelling.

    API Gateway's sourceIp is the peer it saw. Behind trusted proxies each one
    appends the peer it saw to X-Forwarded-For, so the client is the entry that
    many places from the end (CloudFront, then API Gateway: 2; the local site
    server: 1); entries before it are whatever the client sent. A request that did not come
    through the proxies (`through_proxies` False: straight to API Gateway) is its own peer.

    Either source may spell an address with a port, brackets, a zone id, upper case or as
    IPv4-mapped IPv6: the answer is `limits.parse_address`'s canonical form (`192.0.2.1`,
    `2001:db8::1`). An unreadable forwarded entry falls back to the peer; an unreadable
    peer is `limits.UNREADABLE`, one shared client. Never raises.
    """
    identity = request_context.get("identity") if isinstance(request_context, Mapping) else None
    source = identity.get("sourceIp") if isinstance(identity, Mapping) else None
    peer = parse_address(source) if isinstance(source, str) else None
    forwarded = headers.get("x-forwarded-for") if trusted_proxies > 0 and through_proxies else None
    if isinstance(forwarded, str):
        entries = forwarded.split(",")
        if len(entries) >= trusted_proxies:
            client = parse_address(entries[-trusted_proxies])
            if client is not None:
                return str(client)
    return str(peer) if peer is not None else UNREADABLE


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        body=json.dumps(body, ensure_ascii=False),
        status_code=status,
        headers={**JSON_HEADERS, **(headers or {})},
    )


def problem_response(problem: problems.ProblemResponse) -> Response:
    headers: dict[str, str | list[str]] = {**problem.headers}
    body = problem.payload().decode("utf-8")
    return Response(body=body, status_code=problem.status, headers=headers)


def _path(request: Request | None) -> str | None:
    """The path the client asked for (not Chalice's route template), without the query."""
    if request is None:
        return None
    # API Gateway's event has it as `path` (without the stage); Chalice's local gateway
    # only in the request context.
    event = request.to_original_event()
    path = event.get("path") or event.get("requestContext", {}).get("path")
    return path if isinstance(path, str) else request.path


def answer(
    error: DomainError, request: Request | None, headers: Mapping[str, str] | None = None
) -> Response:
    """`error` as the problem response to `request` (its path, its Accept-Language)."""
    language = request.headers.get("accept-language") if request is not None else None
    return problem_response(
        problems.render(error, instance=_path(request), accept_language=language, headers=headers)
    )


class ViewFailed(ChaliceUnhandledError):
    """Carries a view's exception past Chalice's own catch-all, which would answer it with a
    bare 500 before any middleware saw it: only ChaliceUnhandledError reaches middleware."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _reaching_middleware(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def raising(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except (ChaliceUnhandledError, ChaliceViewError):
            raise
        except Exception as e:
            raise ViewFailed(e) from e

    return raising


class Api(Chalice):
    """Chalice with `problem_middleware` registered for "http", always the innermost
    middleware (next to the views, so that every other one sees a response, never an
    exception), and every route's exceptions reaching it: no route needs a decorator of its
    own for errors."""

    def __init__(self, app_name: str, **kwargs: Any) -> None:
        super().__init__(app_name, **kwargs)
        self.register_middleware(problem_middleware, "http")

    def register_middleware(self, func: Callable[..., Any], event_type: str = "all") -> None:
        super().register_middleware(func, event_type)
        # Chalice calls middleware in registration order, the last registered innermost.
        self.middleware_handlers.sort(key=lambda handler: handler[0] is problem_middleware)

    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        register = super().route(path, **kwargs)

        def declare(view: Callable[..., Any]) -> Callable[..., Any]:
            register(_reaching_middleware(view))
            return view

        return declare


def problem_middleware(request: Request, get_response: Callable[..., Response]) -> Response:
    """The one place an API error becomes a response: a DomainError is its problem
    (problems.PROBLEMS), StorageUnavailable a 503 (logged), anything else a 500 (logged, never
    shown); Chalice's own answers (405 with `Allow`, a 500 of its own) get the same format."""
    try:
        return normalise_framework_error(get_response(request), request)
    except ViewFailed as failed:
        error = failed.error
    if isinstance(error, DomainError):
        return answer(error, request)
    if isinstance(error, StorageUnavailable):
        log.exception("DynamoDB unavailable", exc_info=error)
        return answer(problems.unavailable(isinstance(error, OutcomeUnknown)), request)
    log.exception("unexpected failure", exc_info=error)
    return answer(Refused("internal_error"), request)


def normalise_framework_error(response: Response, request: Request | None = None) -> Response:
    """Give Chalice's own errors (405 for a method a route does not declare, with `Allow`;
    its 500 for an exception it caught, whose text is never shown) the problem format."""
    body = response.body
    if response.status_code < 400 or problems.MEDIA_TYPE in str(
        response.headers.get("Content-Type", "")
    ):
        return response
    allow = {k: str(v) for k, v in response.headers.items() if k.lower() == "allow"}
    if response.status_code >= 500:
        return answer(Refused("internal_error"), request)
    if isinstance(body, dict) and "Code" in body:
        message = str(body.get("Message", ""))
        if response.status_code == 405:
            method = message.rpartition(":")[2].strip()  # Chalice: "Unsupported method: X"
            return answer(Refused("method_not_allowed", method=method), request, allow)
        language = request.headers.get("accept-language") if request is not None else None
        problem = problems.render(
            Refused("unsupported_request", reason=message),
            instance=_path(request),
            accept_language=language,
            status=response.status_code,
            headers=allow,
        )
        return problem_response(problem)
    return response


# Query parameters whose values are credentials: never written to a log. `token` is the
# reporter's tracking token (GET /v1/reports/{id}?token=); the rest are the usual names.
CREDENTIAL_PARAMETERS = frozenset(
    {
        "token",
        "tracking_token",
        "access_token",
        "id_token",
        "refresh_token",
        "code",
        "code_verifier",
        "secret",
        "password",
        "key",
        "api_key",
        "signature",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
    }
)
REDACTED = "REDACTED"


def redact_credentials(text: str) -> str:
    """`text` (a URL, a request line, a log line) with the value of every credential query
    parameter replaced by REDACTED. Names are compared as the API reads them: percent- and
    plus-decoded, in any case (`?TOKEN=`, `?to%6Ben=`); `?`, `&` and `;` separate pairs."""
    import re
    from urllib.parse import unquote_plus

    def redact(match: re.Match[str]) -> str:
        separator, name = match.group(1), match.group(2)
        if unquote_plus(name).strip().lower() in CREDENTIAL_PARAMETERS:
            return f"{separator}{name}={REDACTED}"
        return match.group(0)

    return re.sub(r"([?&;])([^=&;#\s\"?]*)=([^&;#\s\"?]*)", redact, text)
