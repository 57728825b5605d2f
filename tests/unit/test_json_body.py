"""Request bodies: a key repeated in any JSON object, at any depth, is a 400, never last-wins."""

from typing import Any

import pytest

from chalicelib.errors import ApiError
from chalicelib.problems import message_of, render, status_of
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
        assert (status_of(error), error.code) == (400, "duplicate_key")
        assert f'"{key}"' in message_of(error, "pl") and f'"{key}"' in message_of(error, "en")
        assert render(error).body["error"]["message_en"] == message_of(error, "en")


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
    assert len(message_of(refused.value, "en")) < 200
    with pytest.raises(ApiError) as refused:
        parse_json_body('{"a\\u0000b": 1, "a\\u0000b": 2}', JSON)
    polish = message_of(refused.value, "pl")
    assert "\x00" not in polish and "\\u0000" in polish


def test_malformed_json_is_still_malformed_json() -> None:
    for raw in ('{"a": 1,', '{"a": NaN}', b'{"a": "\xff"}', "[" * 100_000):
        with pytest.raises(ApiError) as refused:
            parse_json_body(raw, JSON)
        assert refused.value.code in ("malformed_json", "body_too_large")


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "GZIP", "identity, gzip", "x"])
def test_a_compressed_body_is_refused_rather_than_read_as_it_stands(encoding):
    with pytest.raises(ApiError) as refused:
        parse_json_body('{"category": "vandalism"}', JSON, encoding)
    assert (status_of(refused.value), refused.value.code) == (415, "unsupported_content_encoding")


@pytest.mark.parametrize("encoding", [None, "identity", "Identity", " identity "])
def test_an_identity_encoding_is_read(encoding):
    assert parse_json_body('{"a": 1}', JSON, encoding) == {"a": 1}
