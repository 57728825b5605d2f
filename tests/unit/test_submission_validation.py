import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chalicelib.errors import ApiError
from chalicelib.problems import message_of, status_of
from chalicelib.reports import (
    idempotent_report_id,
    new_report_id,
    parse_idempotency_key,
    parse_submission,
    token_matches,
    tracking_token,
)

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
VALID = {"category": "speeding", "lat": 50.06, "lon": 19.94}


def test_a_minimal_report_needs_only_category_and_point() -> None:
    submission = parse_submission(VALID, NOW)
    assert (submission.category, submission.lat, submission.lon) == ("speeding", 50.06, 19.94)
    assert submission.description is None
    assert submission.days_of_week == ()


def test_optional_fields_are_normalised() -> None:
    submission = parse_submission(
        {
            **VALID,
            "description": "  Samochody pędzą\r\nwieczorami.  ",
            "occurred_at": "2026-06-09T21:30:00+02:00",
            "time_of_day": "evening",
            "days_of_week": ["sun", "fri", "sun"],
        },
        NOW,
    )
    assert submission.description == "Samochody pędzą\nwieczorami."
    assert submission.occurred_at == datetime(2026, 6, 9, 19, 30, tzinfo=UTC)
    assert submission.time_of_day == "evening"
    assert submission.days_of_week == ("fri", "sun")


def test_a_description_of_500_characters_after_trimming_is_accepted() -> None:
    text = "ż" * 500
    assert parse_submission({**VALID, "description": f"  {text}\n"}, NOW).description == text


def test_an_empty_description_counts_as_none() -> None:
    assert parse_submission({**VALID, "description": "   "}, NOW).description is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ([], 400, "body_not_object"),
        ({**VALID, "lat": "50.06"}, 400, "wrong_type"),
        ({**VALID, "lat": True}, 400, "wrong_type"),
        ({**VALID, "category": 5}, 400, "wrong_type"),
        ({**VALID, "description": 5}, 400, "wrong_type"),
        ({**VALID, "days_of_week": "mon"}, 400, "wrong_type"),
        ({**VALID, "days_of_week": [1]}, 400, "wrong_type"),
        ({"lat": 50.0, "lon": 20.0}, 422, "missing_field"),
        ({"category": "speeding", "lon": 20.0}, 422, "missing_field"),
        ({**VALID, "category": "ufo"}, 422, "unknown_category"),
        ({**VALID, "lat": 91}, 422, "invalid_coordinates"),
        ({**VALID, "lon": -180.5}, 422, "invalid_coordinates"),
        ({**VALID, "lon": 10**400}, 422, "invalid_coordinates"),
        ({**VALID, "description": "x" * 501}, 422, "description_too_long"),
        ({**VALID, "description": "bell\x07"}, 422, "invalid_characters"),
        ({**VALID, "description": "half \ud800 surrogate"}, 422, "invalid_characters"),
        ({**VALID, "description": "plik\u202egpj.exe"}, 422, "invalid_characters"),
        ({**VALID, "description": "a \u202a b \u202c"}, 422, "invalid_characters"),
        ({**VALID, "description": "\u2066izolat\u2069 w środku"}, 422, "invalid_characters"),
        ({**VALID, "description": "x \u2068 y"}, 422, "invalid_characters"),
        ({**VALID, "description": "x \u202d y"}, 422, "invalid_characters"),
        ({**VALID, "occurred_at": "yesterday"}, 422, "invalid_datetime"),
        ({**VALID, "occurred_at": "2026-06-09T21:30:00"}, 422, "datetime_without_timezone"),
        ({**VALID, "occurred_at": "2026-06-10T14:06+02:00"}, 422, "occurred_in_future"),
        ({**VALID, "occurred_at": "2026-06-11T10:00:00Z"}, 422, "occurred_in_future"),
        ({**VALID, "occurred_at": "0001-01-01T00:00:00+01:00"}, 422, "invalid_datetime"),
        ({**VALID, "time_of_day": "popoludnie"}, 422, "invalid_time_of_day"),
        ({**VALID, "days_of_week": ["pon"]}, 422, "invalid_days_of_week"),
        ({**VALID, "photo": "x"}, 422, "unknown_field"),
    ],
)
def test_bad_reports_are_refused_with_a_clear_bilingual_error(
    body: Any, status: int, code: str
) -> None:
    with pytest.raises(ApiError) as refused:
        parse_submission(body, NOW)
    assert (status_of(refused.value), refused.value.code) == (status, code)
    assert message_of(refused.value, "pl") and message_of(refused.value, "en")
    assert message_of(refused.value, "pl") != message_of(refused.value, "en")


TEXT_CASES = json.loads((Path(__file__).parents[1] / "text_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", TEXT_CASES, ids=[c["name"] for c in TEXT_CASES])
def test_the_description_is_stored_as_the_form_counts_it(case: dict[str, Any]) -> None:
    # The form's counter (static_site/plaintext.js) runs the same cases: what it shows as
    # n/500 is what the server counts, so a text the form allows is never a 422 here.
    if case["length"] > 500:
        with pytest.raises(ApiError) as refused:
            parse_submission({**VALID, "description": case["input"]}, NOW)
        assert refused.value.code == "description_too_long"
        return
    submission = parse_submission({**VALID, "description": case["input"]}, NOW)
    assert submission.description == (None if case["blank"] else case["clean"])


@pytest.mark.parametrize(
    "text", ["\ufeff" + "a" * 500, "\u200b" + "ą" * 499 + "\u2060", "\u180e" + "b" * 500 + "\u0085"]
)
def test_invisible_characters_at_the_ends_do_not_count_towards_the_limit(text: str) -> None:
    description = parse_submission({**VALID, "description": text}, NOW).description
    assert description is not None and len(description) in (499, 500)


@pytest.mark.parametrize(
    "wall",
    [
        "2026-06-09T21:30:00",
        "2026-01-09T21:30",
        "2025-10-26T02:30",  # the autumn hour: which of the two?
        "2026-03-29T02:30:00",  # the spring gap: no Warsaw clock shows it
        "2025-03-30T02:15",
        "2026-01-01",
    ],
)
def test_a_time_without_an_offset_is_refused_so_no_wall_time_is_guessed(wall: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_submission({**VALID, "occurred_at": wall}, NOW)
    assert (status_of(refused.value), refused.value.code) == (422, "datetime_without_timezone")
    assert "+02:00" in message_of(refused.value, "pl")
    assert "+01:00" in message_of(refused.value, "en")


def test_a_time_with_an_offset_is_that_instant() -> None:
    for text in ("2026-03-29T01:30:00+00:00", "2026-03-29T03:30:00+02:00", "2026-03-29T01:30Z"):
        moment = parse_submission({**VALID, "occurred_at": text}, NOW).occurred_at
        assert moment == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_an_event_a_few_minutes_ahead_is_clock_skew_not_the_future() -> None:
    soon = (NOW + timedelta(minutes=3)).isoformat()
    assert parse_submission({**VALID, "occurred_at": soon}, NOW).occurred_at is not None


def test_idempotency_keys_must_be_short_printable_ascii() -> None:
    assert parse_idempotency_key(None) is None
    assert parse_idempotency_key("a1b2-c3") == "a1b2-c3"
    for bad in ("", "x" * 256, "zażółć", "tab\tkey"):
        with pytest.raises(ApiError):
            parse_idempotency_key(bad)


def test_report_ids_sort_by_time_and_idempotent_ids_are_stable_per_client() -> None:
    first, later = new_report_id(NOW), new_report_id(NOW + timedelta(seconds=1))
    assert len(first) == 26 and first < later
    a = idempotent_report_id(b"k" * 20, "client-a", "key-1")
    assert a == idempotent_report_id(b"k" * 20, "client-a", "key-1")
    assert a != idempotent_report_id(b"k" * 20, "client-b", "key-1")


def test_tracking_tokens_are_bound_to_their_report() -> None:
    secret = b"s" * 20
    report_id, other_id = new_report_id(NOW), new_report_id(NOW)
    token = tracking_token(secret, report_id)
    assert token_matches(secret, report_id, token)
    assert not token_matches(secret, other_id, token)
    assert not token_matches(secret, report_id, None)
    assert not token_matches(secret, report_id, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not token_matches(secret, report_id, "żółw")
    assert not token_matches(secret, "\ud800" * 26, token)


@pytest.mark.parametrize(
    "text",
    [
        "\u2800",
        "\u3164\u3164",
        "\u115f\u1160",
        "\uffa0",
        "\u200e\u200f",
        "\u034f\ufe0f\ufe00",
        "\u061c\u2061\u2064",
        "\U000e0020\U000e007f",
        "\u2800 \u3164\n\u200e",
    ],
)
def test_a_description_of_only_invisible_characters_is_none(text: str) -> None:
    assert parse_submission({**VALID, "description": text}, NOW).description is None


@pytest.mark.parametrize(
    ("text", "in_force"),
    [
        ("2025-07-01T18:30:00+01:00", "+02:00"),  # the winter offset in July: an hour off
        ("2026-01-15T18:30:00+02:00", "+01:00"),  # the summer offset in January
        ("2026-03-29T02:30:00+01:00", "+02:00"),  # a spring-gap wall time, either offset
        ("2026-03-29T02:30:00+02:00", "+01:00"),
        ("2025-10-26T03:30:00+02:00", "+01:00"),  # after the autumn change
        ("2026-05-01T10:00:00+14:00", "+02:00"),
        ("2026-05-01T10:00:00-05:00", "+02:00"),
        ("2026-02-01T10:00:00+01:30", "+01:00"),
        ("2026-05-01T10:00:00-00:00", "+02:00"),  # RFC 3339's "offset unknown"
    ],
)
def test_an_offset_other_than_utc_or_the_one_in_force_in_warsaw_is_refused(
    text: str, in_force: str
) -> None:
    with pytest.raises(ApiError) as refused:
        parse_submission({**VALID, "occurred_at": text}, NOW)
    assert (status_of(refused.value), refused.value.code) == (422, "wrong_utc_offset")
    assert f"obowiązywało przesunięcie {in_force}" in message_of(refused.value, "pl")
    assert in_force in message_of(refused.value, "en")


@pytest.mark.parametrize(
    "text",
    [
        "2026-05-01T10:00:00+01:00:30",  # an offset with seconds
        "2026-05-01T10:00:00+02:00:00.5",
        "2025-11-29T10:00:00+01:00\x00",  # CPython's fromisoformat would take the NUL
        "2025-11-29T10:00:00+01:00\n",
        " 2025-11-29T10:00:00+01:00",
        "2025-11-29 10:00:00+01:00",
        "2025-11-29t10:00:00+01:00",
        "2025-11-29T10:00:00z",
        "2025-11-29T10:00:00+0100",
        "20251129T100000Z",
        "2025-11-29T10+01:00",
        "2025-11-29Z",
        "2025-11-29T10:00:00.1234567+01:00",
        "٢٠٢٥-11-29T10:00:00+01:00",  # non-ASCII digits
        "2025-11-29T24:00:00+01:00",
        "2025-11-29T10:00:00+24:00",
    ],
)
def test_anything_but_strict_iso_8601_is_refused(text: str) -> None:
    with pytest.raises(ApiError) as refused:
        parse_submission({**VALID, "occurred_at": text}, NOW)
    assert (status_of(refused.value), refused.value.code) == (422, "invalid_datetime")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2025-07-01T18:30:00+02:00", datetime(2025, 7, 1, 16, 30, tzinfo=UTC)),
        ("2025-07-01T16:30:00Z", datetime(2025, 7, 1, 16, 30, tzinfo=UTC)),
        ("2025-07-01T16:30+00:00", datetime(2025, 7, 1, 16, 30, tzinfo=UTC)),
        ("2026-01-15T18:30:00.125+01:00", datetime(2026, 1, 15, 17, 30, 0, 125000, tzinfo=UTC)),
        ("2025-10-26T02:30:00+02:00", datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),  # autumn, 1st
        ("2025-10-26T02:30:00+01:00", datetime(2025, 10, 26, 1, 30, tzinfo=UTC)),  # autumn, 2nd
        ("2026-03-29T01:59:59+01:00", datetime(2026, 3, 29, 0, 59, 59, tzinfo=UTC)),
        ("2026-03-29T03:00:00+02:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
    ],
)
def test_utc_or_the_offset_in_force_in_warsaw_is_that_instant(text: str, instant: datetime) -> None:
    assert parse_submission({**VALID, "occurred_at": text}, NOW).occurred_at == instant
