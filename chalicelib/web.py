"""Adapting HTTP to the domain: JSON bodies, client addresses, error responses."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Response

from chalicelib.errors import ApiError, StorageUnavailable, bad_request, storage_unavailable
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
    """The request's JSON value, or an ApiError: 415 not `application/json` or a
    `Content-Encoding` other than `identity` (a compressed body is not decoded: refused rather
    than read as it stands), 413 over
    `MAX_BODY_BYTES`, 400 `malformed_json` (not JSON, not UTF-8, NaN/Infinity, too deep) or
    400 `duplicate_key` (a key repeated in any object, at any depth)."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            "Treść żądania musi być w formacie JSON (Content-Type: application/json).",
            "The request body must be JSON (Content-Type: application/json).",
        )
    if (content_encoding or "identity").strip().lower() != "identity":
        raise ApiError(
            415,
            "unsupported_content_encoding",
            "Treść żądania nie może być kompresowana (Content-Encoding).",
            "The request body must not be compressed (Content-Encoding).",
        )
    if raw is not None and len(raw) > MAX_BODY_BYTES:
        raise ApiError(
            413,
            "body_too_large",
            f"Treść żądania może mieć najwyżej {MAX_BODY_BYTES // 1024} KiB.",
            f"The request body may be at most {MAX_BODY_BYTES // 1024} KiB.",
        )
    try:
        # NaN and Infinity are not JSON, whatever Python's parser allows.
        return json.loads(
            raw or b"", parse_constant=_reject_constant, object_pairs_hook=_unique_keys
        )
    except _DuplicateKey as e:
        raise bad_request(
            "duplicate_key",
            f"Klucz {_shown_key(e.key)} występuje w obiekcie JSON więcej niż raz.",
            f"The key {_shown_key(e.key)} appears more than once in a JSON object.",
        ) from None
    except (ValueError, RecursionError):
        raise bad_request(
            "malformed_json",
            "Treść żądania nie jest poprawnym dokumentem JSON (UTF-8).",
            "The request body is not a valid JSON document (UTF-8).",
        ) from None


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
        raise bad_request(
            "unknown_parameter",
            "Nieznany parametr: " + ", ".join(unknown[:5]) + ".",
            "Unknown parameter: " + ", ".join(unknown[:5]) + ".",
        )
    getlist = getattr(raw, "getlist", None)
    repeated = sorted(name for name in raw if callable(getlist) and len(getlist(name)) > 1)
    if repeated:
        raise bad_request(
            "duplicate_parameter",
            "Parametr podany więcej niż raz: " + ", ".join(repeated[:5]) + ".",
            "A parameter given more than once: " + ", ".join(repeated[:5]) + ".",
        )
    params = {name: raw[name] for name in raw}
    empty = sorted(name for name, value in params.items() if value == "")
    if empty:
        raise bad_request(
            "empty_parameter",
            "Parametr bez wartości: " + ", ".join(empty[:5]) + ".",
            "A parameter without a value: " + ", ".join(empty[:5]) + ".",
        )
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


def error_response(error: ApiError) -> Response:
    return json_response(error.status, error.body(), error.headers)


def api_view(view: Callable[..., Response]) -> Callable[..., Response]:
    """Turn domain errors into their JSON answers; an unknown failure is logged, not leaked."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except ApiError as e:
            return error_response(e)
        except StorageUnavailable as e:
            log.exception("DynamoDB unavailable")
            return error_response(storage_unavailable(e))
        except Exception:
            log.exception("unexpected failure")
            return error_response(
                ApiError(
                    500,
                    "internal_error",
                    "Wystąpił nieoczekiwany błąd. Spróbuj ponownie później.",
                    "An unexpected error occurred. Please try again later.",
                )
            )

    return wrapper


def normalise_framework_error(response: Response) -> Response:
    """Give Chalice's own errors (405 for a method a route does not declare, with `Allow`;
    415, ...) our error format, the Polish message in Polish."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = str(body.get("Code"))
        message = str(body.get("Message", ""))
        allow = {k: str(v) for k, v in response.headers.items() if k.lower() == "allow"}
        if response.status_code == 405:
            method = message.rpartition(":")[2].strip()  # Chalice: "Unsupported method: X"
            error = ApiError(
                405,
                "method_not_allowed",
                f"Nieobsługiwana metoda: {method}.",
                f"Unsupported method: {method}.",
                headers=allow,
            )
        else:
            error = ApiError(
                response.status_code,
                code,
                "Nieobsługiwane żądanie.",
                "Unsupported request: " + message,
                headers=allow,
            )
        return error_response(error)
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
