"""chalicelib.web.query_params: one value per known name, or a 400 that says why."""

from __future__ import annotations

import pytest
from chalice.app import MultiDict

from chalicelib.errors import ApiError
from chalicelib.problems import status_of
from chalicelib.web import query_params

ALLOWED = frozenset({"status", "limit", "lat", "lon"})


def _raw(**values: list[str]) -> MultiDict:
    return MultiDict(values)


@pytest.mark.parametrize(
    "values",
    [
        {"status": ["Nowe", "Weryfikacja"]},
        {"limit": ["5", "6"]},
        {"limit": ["5", "5"]},  # even the same value twice: the client sent something odd
        {"lat": ["50.06", "52.2"], "lon": ["19.93"]},
        {"lon": ["19.93"], "lat": ["1", "2", "3"]},
    ],
)
def test_a_repeated_parameter_is_a_400(values: dict[str, list[str]]) -> None:
    with pytest.raises(ApiError) as refused:
        query_params(_raw(**values), ALLOWED)
    assert (status_of(refused.value), refused.value.code) == (400, "duplicate_parameter")


@pytest.mark.parametrize(
    "values",
    [{"foo": ["1"]}, {"status": ["Nowe"], "Status": ["Nowe"]}, {"lat": ["1"], "x": ["1", "2"]}],
)
def test_an_unknown_parameter_is_a_400(values: dict[str, list[str]]) -> None:
    with pytest.raises(ApiError) as refused:
        query_params(_raw(**values), ALLOWED)
    assert (status_of(refused.value), refused.value.code) == (400, "unknown_parameter")


def test_each_known_parameter_once_is_its_value() -> None:
    assert query_params(_raw(lat=["50.06"], lon=["19.93"]), ALLOWED) == {
        "lat": "50.06",
        "lon": "19.93",
    }
    assert query_params(None, frozenset()) == {}
    assert query_params(_raw(), frozenset()) == {}
    with pytest.raises(ApiError) as refused:
        query_params(_raw(limit=[""]), ALLOWED)
    assert refused.value.code == "empty_parameter"
