import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.errors import ApiError
from chalicelib.problems import message_of, status_of
from chalicelib.units import Router, UnitConfigError, load_garrisons, parse_unit_file


def test_points_go_to_the_city_police_of_their_city(router: Router) -> None:
    krakow = router.place(50.0614, 19.9366)  # Rynek Główny
    assert krakow.powiat.teryt == "1261"
    assert krakow.unit.teryt == "1261"
    assert krakow.unit.name.startswith("Komenda Miejska Policji")
    assert krakow.garrison.id == "malopolskie"
    assert router.place(53.1325, 23.1688).powiat.teryt == "2061"  # Białystok
    warsaw = router.place(52.2297, 21.0122)
    assert warsaw.powiat.teryt == "1465"
    assert warsaw.garrison.id == "stoleczny"


def test_a_land_county_has_a_county_police_unit(router: Router) -> None:
    # Wieliczka lies in powiat wielicki (1219), outside the city of Kraków.
    wieliczka = router.place(49.9871, 20.0653)
    assert wieliczka.powiat.teryt == "1219"
    assert wieliczka.unit.name.startswith("Komenda Powiatowa Policji")


def test_points_outside_poland_are_refused(router: Router) -> None:
    for lat, lon in [(52.52, 13.405), (50.45, 30.52), (0.0, 0.0)]:  # Berlin, Kyiv, the ocean
        with pytest.raises(ApiError) as refused:
            router.place(lat, lon)
        assert status_of(refused.value) == 422
        assert refused.value.code == "outside_poland"


def test_a_point_just_off_the_coast_goes_to_the_nearest_powiat(router: Router) -> None:
    assert router.index.containing(54.40, 18.70) is None  # outside the simplified coast
    assert router.place(54.40, 18.70, "illegal_parking").powiat.teryt == "2261"  # Gdańsk
    with pytest.raises(ApiError) as refused:
        router.place(54.45, 18.75, "illegal_parking")  # several kilometres out
    assert refused.value.code == "on_water"
    assert router.place(54.45, 18.75, "dangerous_water").powiat.teryt == "2261"


def test_a_router_without_the_zones_file_is_refused(data_dir: Path, tmp_path: Path) -> None:
    boundaries = tmp_path / "boundaries"
    boundaries.mkdir()
    (boundaries / "powiaty.geojson").write_bytes(
        (data_dir / "boundaries" / "powiaty.geojson").read_bytes()
    )
    with pytest.raises(UnitConfigError, match=r"terytorium\.geojson is missing"):
        Router.from_files(boundaries / "powiaty.geojson", data_dir / "garrisons.json")


def test_a_deployment_refuses_points_of_other_garrisons_naming_who_serves_them(
    data_dir: Path,
) -> None:
    krakow_only = Router.from_files(
        data_dir / "boundaries" / "powiaty.geojson",
        data_dir / "garrisons.json",
        served=frozenset({"malopolskie"}),
    )
    assert krakow_only.place(50.0614, 19.9366).garrison.id == "malopolskie"
    with pytest.raises(ApiError) as refused:
        krakow_only.place(52.2297, 21.0122)
    assert status_of(refused.value) == 422
    assert refused.value.code == "outside_deployment"
    assert "Komenda Stołeczna Policji" in message_of(refused.value, "pl")
    assert {u.garrison for u in krakow_only.units} == {"malopolskie"}
    assert len(krakow_only.units) == 22


def test_by_default_every_one_of_380_powiats_has_its_own_unit(router: Router) -> None:
    assert len(router.units) == 380
    assert all(len(u.powiats) == 1 for u in router.units)


def _powiats_and_garrisons(router: Router) -> tuple[dict[str, Any], dict[str, str]]:
    garrison_of = {t: g.id for g in router.garrisons.values() for t in g.powiats}
    return router.powiats, garrison_of


def test_an_admin_can_merge_a_city_and_its_county_into_one_unit(
    router: Router, data_dir: Path
) -> None:
    powiats, garrison_of = _powiats_and_garrisons(router)
    config = {
        "units": [
            {
                "id": "kmp-tarnow",
                "name": "Komenda Miejska Policji w Tarnowie",
                "teryt": "1263",
                "powiats": ["1263", "1216"],
            }
        ]
    }
    units = parse_unit_file(config, powiats, garrison_of)
    merged = Router(router.index, load_garrisons(data_dir / "garrisons.json"), units)
    tarnow_city = merged.place(50.0125, 20.9886)
    tarnow_county = merged.place(50.0833, 21.1167)  # a village in powiat tarnowski
    assert tarnow_city.powiat.teryt == "1263"
    assert tarnow_county.powiat.teryt == "1216"
    assert tarnow_city.unit == tarnow_county.unit
    assert tarnow_city.unit.name == "Komenda Miejska Policji w Tarnowie"
    assert len(merged.units) == 379


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"units": [{"id": "a", "name": "A", "powiats": ["9999"]}]}, "unknown powiat"),
        (
            {
                "units": [
                    {"id": "a", "name": "A", "powiats": ["1261"]},
                    {"id": "b", "name": "B", "powiats": ["1261"]},
                ]
            },
            "in both",
        ),
        ({"units": [{"id": "a", "name": "A", "powiats": ["1261", "1465"]}]}, "several garrisons"),
        ({"units": [{"id": "a", "name": " ", "powiats": ["1261"]}]}, "no name"),
        ({"units": [{"id": "a", "name": "A", "teryt": "1465", "powiats": ["1261"]}]}, "seat"),
        ([], "expected"),
    ],
)
def test_a_broken_unit_file_is_refused_with_a_clear_reason(
    router: Router, config: Any, problem: str
) -> None:
    powiats, garrison_of = _powiats_and_garrisons(router)
    with pytest.raises(UnitConfigError, match=problem):
        parse_unit_file(json.loads(json.dumps(config)), powiats, garrison_of)
