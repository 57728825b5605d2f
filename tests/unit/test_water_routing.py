"""Polish internal waters and the territorial sea are Poland; the neighbours' waters are not.

Water outside every powiat polygon goes to the nearest coastal powiat's unit,
for the categories about water; other categories get 422 "on_water" there.
The lagoons' Polish parts belong to gminas, so to powiats: every category is
taken there. Rules: docs/ARCHITECTURE.md, "Routing a point".
"""

from __future__ import annotations

import pytest

from chalicelib import categories
from chalicelib.errors import ApiError
from chalicelib.problems import message_of, status_of
from chalicelib.units import WATER_CATEGORIES, Router

# (water body, lat, lon, teryt of the nearest coastal powiat)
OPEN_WATER = [
    ("Zatoka Pucka", 54.68, 18.55, "2211"),
    ("Zatoka Pucka, west", 54.72, 18.47, "2211"),
    ("Zatoka Gdańska, 8 km off Gdańsk", 54.45, 18.75, "2261"),
    ("Zatoka Gdańska, off Gdynia", 54.53, 18.62, "2262"),
    ("Zatoka Gdańska, middle", 54.50, 19.00, "2211"),
    ("Zatoka Gdańska, off the Vistula Spit", 54.40, 19.30, "2210"),
    ("Zatoka Gdańska, near the Russian border", 54.47, 19.45, "2210"),
    ("Zatoka Pomorska, off Świnoujście", 54.05, 14.40, "3207"),
    ("Zatoka Pomorska, off Międzyzdroje", 54.10, 14.60, "3207"),
    ("Zatoka Pomorska, east", 54.08, 14.90, "3205"),
    ("territorial sea, 10 km off Łeba", 54.85, 17.55, "2208"),
    ("territorial sea, 13 km off Kołobrzeg", 54.30, 15.55, "3208"),
    ("territorial sea, 5 km off Ustka", 54.63, 16.85, "2212"),
    ("territorial sea, 20 km off Rozewie", 55.02, 18.35, "2211"),
]

LAGOONS = [
    ("Zalew Wiślany, Polish part", 54.33, 19.45, "2804"),
    ("Zalew Wiślany, Polish part, west", 54.30, 19.30, "2804"),
    ("Zalew Wiślany, Polish part, by the border", 54.38, 19.60, "2804"),
    ("Zalew Szczeciński, Polish part", 53.78, 14.40, "3263"),
    ("Zalew Szczeciński, Polish part, north", 53.82, 14.30, "3263"),
]

NOT_POLISH_WATER = [
    ("open sea, 40 km off Łeba", 55.12, 17.55),
    ("open sea, 30 km off Kołobrzeg", 54.45, 15.55),
    ("open sea, north of the Pomeranian Bay", 54.40, 14.60),
    ("open sea, mid-Baltic", 55.30, 16.00),
    ("open sea, beyond the Gulf of Gdańsk", 54.95, 19.10),
    ("Zalew Wiślany, Russian part", 54.55, 19.90),
    ("Zalew Wiślany, Russian part, south", 54.50, 19.80),
    ("Zalew Wiślany, Russian part, by the border", 54.47, 19.75),
    ("Zalew Wiślany, Russian part, east", 54.62, 20.10),
    ("Russian sea, north-west of Baltiysk", 54.60, 19.70),
    ("Russian sea, off the spit", 54.52, 19.65),
    ("Zalew Szczeciński, German part, by the border", 53.80, 14.245),
    ("Zalew Szczeciński, German part", 53.80, 14.10),
    ("Zalew Szczeciński, off Ueckermünde", 53.75, 14.05),
    ("Zalew Szczeciński, off Usedom", 53.86, 14.15),
    ("German sea, off Ahlbeck", 54.00, 14.15),
    ("German sea, off Heringsdorf", 53.98, 14.18),
    ("German sea, north of Poland's limit in the Pomeranian Bay", 54.16, 14.25),
]

NOT_WATER = sorted({c.code for c in categories.CATEGORIES} - WATER_CATEGORIES)


def test_the_water_categories_are_categories_about_water() -> None:
    assert WATER_CATEGORIES.issubset(c.code for c in categories.CATEGORIES)
    assert {"dangerous_water", "dangerous_waterside", "drownings"} <= WATER_CATEGORIES
    assert "illegal_parking" not in WATER_CATEGORIES


@pytest.mark.parametrize(
    ("water", "lat", "lon", "teryt"), OPEN_WATER, ids=[w[0] for w in OPEN_WATER]
)
def test_polish_sea_waters_go_to_the_nearest_coastal_powiat(
    router: Router, water: str, lat: float, lon: float, teryt: str
) -> None:
    assert router.index.containing(lat, lon) is None  # in no powiat polygon
    for category in sorted(WATER_CATEGORIES):
        placement = router.place(lat, lon, category)
        assert placement.powiat.teryt == teryt
        assert placement.unit.id.endswith(teryt)
        assert placement.garrison.id in ("pomorskie", "zachodniopomorskie")
    # Without a category (GET /v1/units/locate): who would serve a report there.
    assert router.place(lat, lon).powiat.teryt == teryt


@pytest.mark.parametrize(
    ("water", "lat", "lon", "teryt"), OPEN_WATER, ids=[w[0] for w in OPEN_WATER]
)
def test_other_categories_on_open_water_are_refused_saying_why(
    router: Router, water: str, lat: float, lon: float, teryt: str
) -> None:
    for category in NOT_WATER:
        with pytest.raises(ApiError) as refused:
            router.place(lat, lon, category)
        assert status_of(refused.value) == 422
        assert refused.value.code == "on_water"
        assert "wodach" in message_of(refused.value, "pl")
        assert "Miejsca niebezpieczne na wodach" in message_of(refused.value, "pl")
        assert "Polish sea waters" in message_of(refused.value, "en")


def test_the_issues_example_a_dangerous_water_report_in_zatoka_pucka(router: Router) -> None:
    placement = router.place(54.68, 18.55, "dangerous_water")
    assert placement.unit.id == "kpp-2211"  # Komenda Powiatowa Policji w Pucku
    assert placement.unit.name == "Komenda Powiatowa Policji (powiat pucki)"


@pytest.mark.parametrize(("water", "lat", "lon", "teryt"), LAGOONS, ids=[w[0] for w in LAGOONS])
def test_the_lagoons_polish_parts_are_powiat_territory(
    router: Router, water: str, lat: float, lon: float, teryt: str
) -> None:
    assert router.place(lat, lon, "dangerous_water").powiat.teryt == teryt
    assert router.place(lat, lon, "illegal_parking").powiat.teryt == teryt


@pytest.mark.parametrize(
    ("water", "lat", "lon"), NOT_POLISH_WATER, ids=[w[0] for w in NOT_POLISH_WATER]
)
@pytest.mark.parametrize("category", [None, "dangerous_water", "illegal_parking"])
def test_the_open_sea_and_the_neighbours_waters_are_refused(
    router: Router, water: str, lat: float, lon: float, category: str | None
) -> None:
    with pytest.raises(ApiError) as refused:
        router.place(lat, lon, category)
    assert status_of(refused.value) == 422
    assert refused.value.code == "outside_poland"


@pytest.mark.parametrize(
    ("place", "lat", "lon", "teryt"),
    [
        ("Port Północny, Gdańsk (outside the simplified coast)", 54.40, 18.70, "2261"),
        ("the shore of Zatoka Pucka", 54.64, 18.52, "2211"),
        ("Sopot pier", 54.4452, 18.5750, "2264"),
    ],
)
def test_the_shore_takes_every_category(
    router: Router, place: str, lat: float, lon: float, teryt: str
) -> None:
    assert router.place(lat, lon, "illegal_parking").powiat.teryt == teryt
    assert router.place(lat, lon, "dangerous_water").powiat.teryt == teryt
