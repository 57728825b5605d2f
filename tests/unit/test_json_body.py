"""Request bodies: a key repeated in any JSON object, at any depth, is a 400, never last-wins."""

from typing import Any

import pytest

from chalicelib.errors import ApiError
from chalicelib.web import parse_json_body

JSON = "application/json"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ('{"lat": 50.06, "lon": 19.93, "lat": 52.22, "lon": 21.01}', "lat"),
        ('{"category": "speeding", "category": "speeding"}', "category"),  # same value too
        ('{"a": {"b": 1, "b": 2}}', "b"),  # nested
        ('[{"x": 1}, {"y": 1, "y": 1}]', "y"),  # an object inside a list
        ('{"a": [[{"deep": {"k": 1, "k": null}}]]}', "k"),
        ('{"status": "Weryfikacja", "version": 1, "version": 2}', "version"),  # officer bodies
        ('{"text": "notatka", "text": "inna"}', "text"),
        ('{"lat": 1, "l\\u0061t": 2}', "lat"),  # the same key spelt with an escape
        ('{"": 1, "": 2}', ""),
    ],
)
def test_a_repeated_key_is_a_400_naming_it(raw: str, key: str) -> None:
    for body in (raw, raw.encode("utf-8")):
        with pytest.raises(ApiError) as refused:
            parse_json_body(body, JSON)
        error = refused.value
        assert (error.status, error.code) == (400, "duplicate_key")
        assert f'"{key}"' in error.message_pl and f'"{key}"' in error.message_en
        assert error.body()["error"]["message_en"] == error.message_en


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ('{"lat": 50.06, "lon": 19.93}', {"lat": 50.06, "lon": 19.93}),
        ('{"a": {"k": 1}, "b": {"k": 2}}', {"a": {"k": 1}, "b": {"k": 2}}),  # siblings may share
        ('[{"k": 1}, {"k": 2}]', [{"k": 1}, {"k": 2}]),
        ('{"Lat": 1, "lat": 2}', {"Lat": 1, "lat": 2}),  # keys are case-sensitive
        ('{"a": {"a": {"a": 1}}}', {"a": {"a": {"a": 1}}}),
    ],
)
def test_distinct_keys_are_read_as_before(raw: str, value: Any) -> None:
    assert parse_json_body(raw, JSON) == value


def test_a_long_or_strange_repeated_key_is_shown_short_and_escaped() -> None:
    long_key = "k" * 300
    with pytest.raises(ApiError) as refused:
        parse_json_body(f'{{"{long_key}": 1, "{long_key}": 2}}', JSON)
    assert len(refused.value.message_en) < 200
    with pytest.raises(ApiError) as refused:
        parse_json_body('{"a\\u0000b": 1, "a\\u0000b": 2}', JSON)
    assert "\x00" not in refused.value.message_pl and "\\u0000" in refused.value.message_pl


def test_malformed_json_is_still_malformed_json() -> None:
    for raw in ('{"a": 1,', '{"a": NaN}', b'{"a": "\xff"}', "[" * 100_000):
        with pytest.raises(ApiError) as refused:
            parse_json_body(raw, JSON)
        assert refused.value.code in ("malformed_json", "body_too_large")


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "GZIP", "identity, gzip", "x"])
def test_a_compressed_body_is_refused_rather_than_read_as_it_stands(encoding):
    with pytest.raises(ApiError) as refused:
        parse_json_body('{"category": "vandalism"}', JSON, encoding)
    assert (refused.value.status, refused.value.code) == (415, "unsupported_content_encoding")


@pytest.mark.parametrize("encoding", [None, "identity", "Identity", " identity "])
def test_an_identity_encoding_is_read(encoding):
    assert parse_json_body('{"a": 1}', JSON, encoding) == {"a": 1}
