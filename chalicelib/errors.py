"""Errors a client can act on: an HTTP status, a stable code and a message in Polish and English."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message_pl: str,
        message_en: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_pl = message_pl
        self.message_en = message_en
        self.headers = headers or {}
        self.extra: dict[str, Any] = {}  # more for the client, e.g. a report's current state

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "code": self.code,
                "message": self.message_pl,
                "message_en": self.message_en,
            },
            **self.extra,
        }


def invalid(code: str, message_pl: str, message_en: str) -> ApiError:
    """Valid JSON whose content we cannot accept."""
    return ApiError(422, code, message_pl, message_en)


def bad_request(code: str, message_pl: str, message_en: str) -> ApiError:
    """Malformed input: not JSON, or a value of the wrong type."""
    return ApiError(400, code, message_pl, message_en)


def wrong_type(name: str, expected_pl: str, expected_en: str) -> ApiError:
    return bad_request(
        "wrong_type",
        f"Pole „{name}” ma zły typ: oczekiwano {expected_pl}.",
        f"Field '{name}' has the wrong type: expected {expected_en}.",
    )


def json_object(body: Any) -> dict[str, Any]:
    """The request body as a JSON object, or a 400."""
    if not isinstance(body, dict):
        raise bad_request(
            "body_not_object",
            "Treść żądania musi być obiektem JSON.",
            "The request body must be a JSON object.",
        )
    return body


def known_fields(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    """The body as a JSON object of `allowed` fields only: not an object is a 400, an unknown
    field a 422 `unknown_field`, so that a client's typo is never silently dropped."""
    body = json_object(body)
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid(
            "unknown_field",
            "Nieznane pole: " + ", ".join(unknown[:5]) + ".",
            "Unknown field: " + ", ".join(unknown[:5]) + ".",
        )
    return body


def not_found() -> ApiError:
    return ApiError(404, "not_found", "Nie znaleziono.", "Not found.")


class StorageUnavailable(Exception):
    """DynamoDB did not answer; the request changed nothing we know of."""


class OutcomeUnknown(StorageUnavailable):
    """A report's write was sent but its answer was lost (a timeout, a dropped connection,
    a 5xx): DynamoDB may well have committed it."""


def storage_unavailable(error: StorageUnavailable | None = None) -> ApiError:
    """The 503 for a DynamoDB failure; a submission whose write may have been committed says
    so, and how to get its receipt (the same Idempotency-Key replays it, see reports.submit)."""
    if isinstance(error, OutcomeUnknown):
        return ApiError(
            503,
            "storage_unavailable",
            "Usługa chwilowo nie odpowiada i nie wiemy, czy zgłoszenie zostało zapisane: mogło "
            "zostać przyjęte. Ponów wysłanie z tym samym nagłówkiem Idempotency-Key: jeśli "
            "zgłoszenie zapisano, otrzymasz jego potwierdzenie. Ponowienie bez tego klucza może "
            "zostać odrzucone jako drugie zgłoszenie dzisiaj.",
            "The service did not answer and we do not know whether the report was stored: it "
            "may have been. Retry with the same Idempotency-Key header: if it was stored, you "
            "get its receipt. A retry without that key may be refused as a second report today.",
            headers={"Retry-After": "5"},
        )
    return ApiError(
        503,
        "storage_unavailable",
        "Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę.",
        "The service is temporarily unavailable. Please try again shortly.",
        headers={"Retry-After": "5"},
    )


class VersionConflict(Exception):
    """The report changed since the caller read it (optimistic locking)."""


class InvalidCursor(ValueError):
    """A page cursor we did not make."""
