"""The one table of refusals (chalicelib/problems.py): every domain error's status, code and
messages in both languages, the RFC 9457 document and the Accept-Language rules."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from chalicelib import errors, problems
from chalicelib.errors import (
    ConfirmationLimitReached,
    DailyLimitReached,
    DomainError,
    Forbidden,
    OnWater,
    OutsideDeployment,
    OutsidePoland,
    Refused,
    ReportNotFound,
    RoleRequired,
    StaleReport,
    TransitionNotAllowed,
    Unauthorized,
    ValidationFailed,
)
from chalicelib.problems import PROBLEMS, language, message_of, render, status_of, template_fields

ROOT = Path(__file__).resolve().parents[2]

# (error, status, code, in the Polish message, in the English message)
CASES: list[tuple[DomainError, int, str, str, str]] = [
    (
        DailyLimitReached(3 * 3600 + 25 * 60 + 7),
        429,
        "daily_limit",
        "za 3 godz. 25 min",
        "in 3 h 25 min",
    ),
    (
        ConfirmationLimitReached(60, 10),
        429,
        "daily_confirmation_limit",
        "najwyżej 10",
        "At most 10",
    ),
    (
        TransitionNotAllowed(
            "new",
            "confirmed",
            from_status_pl="Nowe",
            from_status_en="New",
            to_status_pl="Potwierdzone",
            to_status_en="Confirmed",
        ),
        409,
        "conflict",
        "z „Nowe” na „Potwierdzone”",
        "from 'New' to 'Confirmed'",
    ),
    (StaleReport(), 409, "conflict", "ktoś inny", "Someone else"),
    (OutsidePoland(), 422, "outside_poland", "poza granicami Polski", "outside Poland"),
    (OnWater("„Woda”", "'Water'"), 422, "on_water", "dotyczących wody: „Woda”.", "here: 'Water'."),
    (
        OutsideDeployment("mazowieckie", "Komenda Stołeczna Policji"),
        422,
        "outside_deployment",
        "obsługuje Komenda Stołeczna Policji (garnizon mazowieckie)",
        "served by Komenda Stołeczna Policji (garrison mazowieckie)",
    ),
    (ReportNotFound(), 404, "not_found", "Nie znaleziono.", "Not found."),
    (Unauthorized(), 401, "unauthorized", "brak ważnego tokenu.", "no valid token."),
    # The token library's English reason stays out of the Polish message.
    (Unauthorized("expired"), 401, "unauthorized", "ważnego tokenu.", "token (expired)."),
    (Forbidden(), 403, "forbidden", "innej jednostki", "another unit"),
    (Forbidden("unknown_garrison", garrison="x"), 403, "forbidden", "garnizon „x”", "garrison 'x'"),
    (
        RoleRequired("assign", role="officer"),
        403,
        "role_required",
        "(officer) nie pozwala przydzielać",
        "(officer) may not assign",
    ),
    (
        RoleRequired("", role="admin"),
        403,
        "role_required",
        "nie pozwala tego zrobić",
        "may not do this",
    ),
    (ValidationFailed("malformed_json"), 400, "malformed_json", "JSON (UTF-8)", "JSON document"),
    (ValidationFailed("body_too_large", max_kib=16), 413, "body_too_large", "16 KiB", "16 KiB"),
    (
        ValidationFailed("unsupported_media_type"),
        415,
        "unsupported_media_type",
        "application/json",
        "application/json",
    ),
    (
        ValidationFailed("missing_field", name="lat"),
        422,
        "missing_field",
        "pola „lat”",
        "field 'lat'",
    ),
    (
        ValidationFailed("missing_field", "parameter", name="lon"),
        422,
        "missing_field",
        "parametru „lon”",
        "parameter 'lon'",
    ),
    (
        errors.wrong_type("lat", "number"),
        400,
        "wrong_type",
        "oczekiwano liczby.",
        "expected a number.",
    ),
    (
        ValidationFailed("invalid_coordinates", name="lat", low=-90.0, high=90.0),
        422,
        "invalid_coordinates",
        "od -90 do 90",
        "from -90 to 90",
    ),
    # Release 1's statuses, kept where one code had two: a query parameter is a 400.
    (
        ValidationFailed("unknown_category"),
        422,
        "unknown_category",
        "GET /v1/categories",
        "GET /v1/categories",
    ),
    (
        ValidationFailed("unknown_category", "parameter"),
        400,
        "unknown_category",
        "Nieznana kategoria.",
        "Unknown category.",
    ),
    (
        ValidationFailed("out_of_range", name="version", maximum=9),
        400,
        "out_of_range",
        "od 1 do 9",
        "from 1 to 9",
    ),
    (
        ValidationFailed(
            "out_of_range", "date", name="meeting_date", first="2000-01-01", last="2100-12-31"
        ),
        422,
        "out_of_range",
        "od 2000-01-01",
        "from 2000-01-01",
    ),
    (
        ValidationFailed("inactive_category", name_pl="Kategoria", name_en="Category"),
        422,
        "inactive_category",
        "„Kategoria”",
        "'Category'",
    ),
    (Refused("own_report"), 409, "own_report", "Twoje zgłoszenie", "your own report"),
    (
        problems.unavailable(False),
        503,
        "storage_unavailable",
        "chwilowo niedostępna",
        "temporarily unavailable",
    ),
    (problems.unavailable(True), 503, "storage_unavailable", "Idempotency-Key", "Idempotency-Key"),
    (Refused("internal_error"), 500, "internal_error", "nieoczekiwany", "unexpected"),
    (Refused("rate_limited"), 429, "rate_limited", "za kilka minut", "in a few minutes"),
]


@pytest.mark.parametrize(
    ("error", "status", "code", "polish", "english"),
    CASES,
    ids=[f"{c[2]}-{c[0].variant or 'default'}" for c in CASES],
)
def test_each_domain_error_has_its_status_code_and_both_messages(
    error: DomainError, status: int, code: str, polish: str, english: str
) -> None:
    assert (status_of(error), error.code) == (status, code)
    assert polish in message_of(error, "pl")
    assert english in message_of(error, "en")
    body = render(error, instance="/v1/x").body
    assert body["status"] == status and body["code"] == code
    assert body["message"] == message_of(error, "pl")
    assert body["message_en"] == message_of(error, "en")
    assert body["error"] == {
        "code": code,
        "message": body["message"],
        "message_en": body["message_en"],
    }


def test_a_problem_is_an_rfc_9457_document_with_the_legacy_member() -> None:
    error = DailyLimitReached(125)
    problem = render(error, instance="/v1/reports", accept_language="pl-PL")
    assert problem.status == 429
    assert problem.headers["Content-Type"] == "application/problem+json"
    assert problem.headers["Retry-After"] == "125"
    assert problem.headers["Content-Language"] == "pl"
    assert problem.headers["Vary"] == "Accept-Language"
    body = problem.body
    assert body["type"] == "https://kmzb.policja.gov.pl/problems/daily_limit"
    assert body["title"] == "Dzienny limit zgłoszeń"
    assert body["detail"] == body["message"]
    assert body["instance"] == "/v1/reports"
    assert body["message_en"].startswith("A report has already been sent today")
    english = render(error, instance="/v1/reports", accept_language="en").body
    assert (english["title"], english["detail"]) == ("Daily report limit", body["message_en"])
    assert english["message"] == body["message"]  # both messages, whatever the language


def test_extras_are_added_but_never_replace_the_standard_members() -> None:
    error = StaleReport()
    error.extra = {"current": {"id": "01ABC", "version": 3}, "status": 200, "type": "x"}
    body = render(error).body
    assert body["current"] == {"id": "01ABC", "version": 3}
    assert body["status"] == 409
    assert body["type"].endswith("/conflict")


def test_a_status_override_and_extra_headers_are_kept() -> None:
    problem = render(
        Refused("method_not_allowed", method="PUT"), status=405, headers={"Allow": "GET"}
    )
    assert problem.status == problem.body["status"] == 405
    assert problem.headers["Allow"] == "GET"
    assert problem.body["message"] == "Nieobsługiwana metoda: PUT."


def test_a_missing_value_or_unknown_code_never_raises() -> None:
    # A bug in the raising code must still give an answer, not a 500 of its own.
    assert message_of(ValidationFailed("missing_field"), "pl") == "Brak wymaganego pola."
    unknown = Refused("no_such_code")
    assert status_of(unknown) == 500
    assert render(unknown).body["code"] == "internal_error"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "pl"),
        ("", "pl"),
        ("en", "en"),
        ("EN", "en"),
        ("en-GB", "en"),
        ("en-US,en;q=0.9", "en"),
        ("pl", "pl"),
        ("pl-PL,pl;q=0.9,en-US;q=0.8,en;q=0.7", "pl"),
        ("en;q=0.8, pl;q=0.9", "pl"),
        ("pl;q=0.5, en;q=0.6", "en"),
        ("pl;q=0.5, en;q=0.5", "pl"),  # a tie: the first listed
        ("en;q=0.5, pl;q=0.5", "en"),
        ("de-DE, de;q=0.9, en;q=0.1", "en"),  # the best of those we have
        ("de, fr", "pl"),  # none we have: the default
        ("*", "pl"),
        ("*;q=0.9, en;q=0.8", "pl"),
        ("en;q=0", "pl"),  # "not acceptable"
        ("en;q=0.000", "pl"),
        ("en; q=1.000", "en"),
        ("en;Q=0.7", "en"),
        ("english", "pl"),  # a range of 7 letters, but not "en"
        ("en;q=2", "pl"),  # malformed q-values are ignored
        ("en;q=0.9999", "pl"),
        ("en;q=", "pl"),
        ("en;q=abc", "pl"),
        ("en;level=1", "pl"),
        ("en;q=0.5;q=0.7", "pl"),
        ("en_US", "pl"),
        ("€n", "pl"),
        (";;;,,,", "pl"),
        ("en\x00", "pl"),
        ("xx;q=1, en-gb;q=0.3", "en"),
        ("en-" + "a" * 9, "pl"),  # subtags are at most 8 characters
        ("en," * 600, "pl"),  # too long to read
    ],
)
def test_accept_language_picks_the_language(header: str | None, expected: str) -> None:
    assert language(header) == expected
    body = render(ReportNotFound(), accept_language=header).body
    assert body["title"] == ("Nie znaleziono" if expected == "pl" else "Not found")


def test_every_code_has_a_title_and_every_message_in_both_languages() -> None:
    for code, row in PROBLEMS.items():
        assert 400 <= row.status <= 599, code
        title_pl, title_en = row.title
        assert title_pl and title_en and title_pl != title_en, code
        assert row.messages, code
        for variant, (polish, english) in row.messages.items():
            assert polish.strip() and english.strip(), (code, variant)
            # Both languages name the same values (but an English library's reason, which
            # only the English message repeats: Chalice's, the token library's).
            if (code, variant) not in {("unsupported_request", ""), ("unauthorized", "reason")}:
                assert template_fields(polish) == template_fields(english), (code, variant)
        assert set(row.statuses) <= set(row.messages), code


def _raised_refusals() -> list[tuple[str, int, str, str | None, set[str] | None]]:
    """(file, line, code, variant, value names) of every refusal named by a literal code in
    app.py, chalicelib/ and infra/ (value names None where `**values` are passed on)."""
    found = []
    paths = [ROOT / "app.py", *ROOT.glob("chalicelib/*.py"), *ROOT.glob("infra/*.py")]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            if node.func.id not in ("ValidationFailed", "Refused", "refusal"):
                continue
            literal = [a.value if isinstance(a, ast.Constant) else None for a in node.args]
            if not literal or not isinstance(literal[0], str):
                continue
            second = literal[1] if len(literal) > 1 else ""
            variant = second if isinstance(second, str) else None
            names = {k.arg for k in node.keywords if k.arg is not None}
            spread = any(k.arg is None for k in node.keywords)
            found.append((path.name, node.lineno, literal[0], variant, None if spread else names))
    return found


def test_every_refusal_raised_is_in_the_table_with_the_values_its_message_needs() -> None:
    raised = _raised_refusals()
    assert len(raised) > 50  # the walk found them
    for where, line, code, variant, names in raised:
        assert code in PROBLEMS, f"{where}:{line}: {code} is not in problems.PROBLEMS"
        row = PROBLEMS[code]
        if variant is None:  # chosen at run time
            continue
        assert variant in row.messages, f"{where}:{line}: {code}/{variant}"
        if names is None:
            continue
        given = {n[:-3] if n[-3:] in ("_pl", "_en") else n for n in names}
        for template in row.messages[variant]:
            missing = template_fields(template) - given
            assert not missing, f"{where}:{line}: {code}/{variant} lacks {missing}"


def _subclasses(cls: type[Any]) -> list[type[Any]]:
    return [cls, *(s for c in cls.__subclasses__() for s in _subclasses(c))]


def test_every_named_domain_error_is_in_the_table() -> None:
    for cls in _subclasses(DomainError):
        if cls.__module__ == errors.__name__ and "code" in cls.__dict__:
            assert cls.code in PROBLEMS, cls.__name__


def _app_with_an_outer_middleware(seen: list[Any]) -> Any:
    """A web.Api app whose own middleware, registered after the problem middleware, records
    what it receives; its routes raise."""
    from chalicelib.web import Api

    app = Api(app_name="problems-test")

    @app.middleware("http")
    def outer(event: Any, get_response: Any) -> Any:
        response = get_response(event)  # an exception here would skip the next line
        seen.append(response.status_code)
        return response

    @app.route("/refused/{thing}", methods=["GET"])
    def refused(thing: str) -> Any:
        raise OutsidePoland()

    @app.route("/broken", methods=["GET"])
    def broken() -> Any:
        raise RuntimeError("table kmzb-secret unreadable")

    return app


def test_domain_errors_of_any_route_reach_the_one_middleware_innermost() -> None:
    import json

    from chalice.test import Client

    seen: list[Any] = []
    with Client(_app_with_an_outer_middleware(seen)) as client:
        response = client.http.get("/refused/a?b=c", headers={"Accept-Language": "en"})
        broken = client.http.get("/broken")
        undeclared = client.http.request("PUT", "/broken")
    assert response.status_code == 422
    body = json.loads(response.body)
    assert (body["code"], body["title"], body["instance"]) == (
        "outside_poland",
        "Point outside Poland",
        "/refused/a",
    )
    assert response.headers["Content-Type"] == "application/problem+json"
    assert broken.status_code == 500
    assert json.loads(broken.body)["code"] == "internal_error"
    assert b"secret" not in broken.body and b"RuntimeError" not in broken.body
    assert undeclared.status_code == 405 and undeclared.headers["Allow"] == "GET"
    assert json.loads(undeclared.body)["message_en"] == "Unsupported method: PUT."
    # The app's other middleware saw each answer, never an exception.
    assert seen == [422, 500, 405]


@pytest.mark.parametrize(
    ("error", "challenge"),
    [
        (Unauthorized(), 'Bearer realm="kmzb"'),
        (problems.refusal("unauthorized", "gateway"), 'Bearer realm="kmzb"'),
        (Unauthorized("Not enough segments"), 'Bearer realm="kmzb", error="invalid_token"'),
    ],
)
def test_a_401_names_the_bearer_scheme_and_a_refused_token(
    error: errors.DomainError, challenge: str
) -> None:
    # RFC 6750 §3: a client learns from the 401 itself how to authenticate.
    answer = render(error, instance="/v1/officer/me")
    assert answer.headers["WWW-Authenticate"] == challenge
    assert "Not enough" not in answer.body["message"]


def test_only_a_401_carries_a_challenge() -> None:
    assert "WWW-Authenticate" not in render(ReportNotFound()).headers
    assert "WWW-Authenticate" not in render(Forbidden()).headers


@pytest.mark.parametrize("variant", ["", "parameter"])
def test_an_unknown_status_points_to_the_status_catalogue(variant: str) -> None:
    answer = render(problems.refusal("unknown_status", variant, status="done"))
    assert "GET /v1/statuses" in answer.body["message"]
    assert "GET /v1/statuses" in answer.body["message_en"]
