"""The domain's refusals: exceptions with a stable code and the values their message needs.

The domain (reports, units, workflow, officers, auth, confirmations, the body and query
parsers) raises these and knows no HTTP: `chalicelib/problems.py` holds the one table that
maps each `code` (and `variant`, a more precise wording of the same refusal) to its HTTP
status and its Polish and English title and message, and the API's middleware
(`web.problem_middleware`) turns any of them into an RFC 9457 problem response.

A value whose name ends in `_pl` or `_en` (e.g. `status_pl`, a status's Polish name) is used,
without the suffix, only in that language's message. Imports nothing of the project.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal the client can act on (its input, its rights, the report's state).

    `code`: stable, in problems.PROBLEMS; `variant`: which of the code's messages ("" the
    default); `values`: what the message names (field names, limits, a retry delay in seconds
    as `retry_after`); `extra`: members added to the answer as they are (e.g. a conflict's
    `current` report).
    """

    code: str = "internal_error"

    def __init__(self, variant: str = "", /, **values: Any) -> None:
        super().__init__(f"{self.code}/{variant}" if variant else self.code)
        self.variant = variant
        self.values = values
        self.extra: dict[str, Any] = {}


class Refused(DomainError):
    """A refusal named by its code: `Refused("missing_field", name="lat")`, or with a variant
    of the code's message: `Refused("missing_field", "parameter", name="lat")`."""

    def __init__(self, code: str, variant: str = "", /, **values: Any) -> None:
        self.code = code
        super().__init__(variant, **values)


class ValidationFailed(Refused):
    """The request's input (body, query, headers) is malformed or cannot be accepted."""


class ReportNotFound(DomainError):
    """No such report, or not one the caller may know of (a wrong tracking token)."""

    code = "not_found"


class Unauthorized(DomainError):
    """No verified officer identity; `reason` says why the token was refused (no secrets)."""

    code = "unauthorized"

    def __init__(self, reason: str = "") -> None:
        super().__init__("reason" if reason else "", reason=reason)


class Forbidden(DomainError):
    """The caller may not see this (another unit's report, a unit, a deployment)."""

    code = "forbidden"


class RoleRequired(DomainError):
    """The caller's role may not perform this action (`variant`: the action)."""

    code = "role_required"


class Conflict(DomainError):
    """The report's state does not allow the change (`variant` says which rule)."""

    code = "conflict"


class StaleReport(Conflict):
    """Someone else changed the report since the caller read it."""

    def __init__(self) -> None:
        super().__init__("stale")


class TransitionNotAllowed(Conflict):
    """No move from `from_status` to `to_status` (codes; `*_pl`/`*_en` their names)."""

    def __init__(self, from_status: str, to_status: str, **names: str) -> None:
        super().__init__("transition", from_status=from_status, to_status=to_status, **names)


class DailyLimitReached(DomainError):
    """The client's one report of the day was sent; the next one in `retry_after` seconds."""

    code = "daily_limit"

    def __init__(self, retry_after: int) -> None:
        hours, minutes = retry_after // 3600, (retry_after % 3600) // 60
        super().__init__(retry_after=retry_after, hours=hours, minutes=minutes)


class ConfirmationLimitReached(DomainError):
    """`limit` confirmations a day were given; more in `retry_after` seconds."""

    code = "daily_confirmation_limit"

    def __init__(self, retry_after: int, limit: int) -> None:
        super().__init__(retry_after=retry_after, limit=limit)


class OutsidePoland(DomainError):
    """The point lies outside Poland (its land and its sea waters)."""

    code = "outside_poland"


class OnWater(DomainError):
    """On Polish sea waters only the water categories (`names_pl`, `names_en`) are taken."""

    code = "on_water"

    def __init__(self, names_pl: str, names_en: str) -> None:
        super().__init__(names_pl=names_pl, names_en=names_en)


class OutsideDeployment(DomainError):
    """The point is served by `garrison` (its `headquarters`), not by this deployment."""

    code = "outside_deployment"

    def __init__(self, garrison: str, headquarters: str) -> None:
        super().__init__(garrison=garrison, headquarters=headquarters)


# Deprecated name (release 1), for code that still catches it: every refusal is a DomainError.
ApiError = DomainError


def wrong_type(name: str, expected: str) -> ValidationFailed:
    """A field of the wrong JSON type; `expected` is a `wrong_type` variant (problems.py):
    "string", "number", "integer", "list_of_strings", "date_string"."""
    return ValidationFailed("wrong_type", expected, name=name)


def json_object(body: Any) -> dict[str, Any]:
    """The request body as a JSON object, or `body_not_object`."""
    if not isinstance(body, dict):
        raise ValidationFailed("body_not_object")
    return body


def known_fields(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """The body as a JSON object of `allowed` fields only: not an object is `body_not_object`,
    an unknown field `unknown_field`, so that a client's typo is never silently dropped."""
    body = json_object(body)
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationFailed("unknown_field", names=", ".join(unknown[:5]))
    return body


def not_found() -> ReportNotFound:
    return ReportNotFound()


class StorageUnavailable(Exception):
    """DynamoDB did not answer; the request changed nothing we know of."""


class OutcomeUnknown(StorageUnavailable):
    """A report's write was sent but its answer was lost (a timeout, a dropped connection,
    a 5xx): DynamoDB may well have committed it."""


class VersionConflict(Exception):
    """The report changed since the caller read it (optimistic locking)."""


class InvalidCursor(ValueError):
    """A page cursor we did not make."""
