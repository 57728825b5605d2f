"""No point in another country is ever routed, along every land border; Polish points by it are.

The powiat layer is simplified: along the national border it overshoots into
the neighbours by up to about 2 km in places and falls short elsewhere. Routing
checks the zones of terytorium.geojson first (docs/ARCHITECTURE.md, "Routing a
point"). Every place abroad below was checked to lie outside Poland by at least
100 m (most by 300 m or more) against a finer PRG voivodeship outline than the
project carries; every Polish place by at least 150 m inside it.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from chalicelib.errors import ApiError
from chalicelib.problems import message_of, status_of
from chalicelib.units import Router

# (country, place, lat, lon): towns and villages just across each land border.
ABROAD = [
    ("DE", "Görlitz", 51.1555, 14.9880),
    ("DE", "Görlitz, station", 51.1470, 14.9770),
    ("DE", "Frankfurt (Oder), town hall", 52.3417, 14.5505),
    ("DE", "Guben", 51.9470, 14.7110),
    ("DE", "Forst (Lausitz)", 51.7350, 14.6380),
    ("DE", "Bad Muskau", 51.5500, 14.7190),
    ("DE", "Zittau", 50.8960, 14.8070),
    ("DE", "Ostritz", 51.0150, 14.9300),
    ("DE", "Rothenburg/O.L.", 51.3330, 14.9660),
    ("DE", "Küstrin-Kietz", 52.5700, 14.6240),
    ("DE", "Lebus", 52.4270, 14.5320),
    ("DE", "Hohenwutzen", 52.8140, 14.1330),
    ("DE", "Mescherin", 53.2520, 14.4290),
    ("DE", "Schwedt/Oder", 53.0600, 14.2820),
    ("DE", "Eisenhüttenstadt", 52.1450, 14.6400),
    ("DE", "Ahlbeck (Usedom)", 53.9400, 14.1920),
    ("CZ", "Český Těšín", 49.7460, 18.6230),
    ("CZ", "Náchod", 50.4167, 16.1629),
    ("CZ", "Harrachov", 50.7722, 15.4286),
    ("CZ", "Hrádek nad Nisou", 50.8530, 14.8450),
    ("CZ", "Krnov", 50.0897, 17.7039),
    ("CZ", "Bohumín", 49.9042, 18.3575),
    ("CZ", "Zlaté Hory", 50.2630, 17.3960),
    ("CZ", "Vidnava", 50.3720, 17.1850),
    ("CZ", "Královec", 50.6770, 15.9750),
    ("CZ", "Petrovice u Karviné", 49.8960, 18.5480),
    ("CZ", "Osoblaha", 50.2750, 17.7150),
    ("SK", "Trstená", 49.3610, 19.6130),
    ("SK", "Suchá Hora", 49.3650, 19.7920),
    ("SK", "Tatranská Javorina", 49.2617, 20.1433),
    ("SK", "Mníšek nad Popradom", 49.3490, 20.7140),
    ("SK", "Čertižné", 49.3720, 21.8400),
    ("SK", "Medzilaborce", 49.2720, 21.9040),
    ("SK", "Oravská Polhora", 49.5140, 19.4470),
    ("SK", "Skalité", 49.4990, 18.8960),
    ("UA", "Shehyni", 49.7940, 22.9610),
    ("UA", "Rava-Ruska", 50.2300, 23.6250),
    ("UA", "Ustyluh", 50.8620, 24.1530),
    ("UA", "Krakovets", 49.9570, 23.1570),
    ("UA", "Nyzhankovychi", 49.6750, 22.8000),
    ("BY", "Brest", 52.0940, 23.6850),
    ("BY", "Brest Fortress", 52.0830, 23.6550),
    ("BY", "Damachava", 51.7500, 23.6000),
    ("BY", "Tamashouka", 51.5600, 23.6150),
    ("BY", "by the Kuźnica–Bruzgi crossing", 53.5180, 23.6720),
    ("BY", "Vysokaye", 52.3700, 23.3700),
    ("BY", "Grodno", 53.6780, 23.8290),
    ("LT", "Lazdijai", 54.2340, 23.5150),
    ("LT", "Kalvarija", 54.4150, 23.2260),
    ("LT", "Vištytis", 54.4500, 22.7160),
    ("LT", "Kapčiamiestis", 54.0000, 23.6500),
    ("RU", "Bagrationovsk", 54.3870, 20.6400),
    ("RU", "Mamonovo", 54.4640, 19.9400),
    ("RU", "Zheleznodorozhny", 54.3620, 21.3110),
    ("RU", "Ozyorsk", 54.4080, 22.0140),
    ("RU", "Pravdinsk", 54.4440, 21.0170),
    ("RU", "Vistula Spit, Russian part", 54.4700, 19.6650),
    ("RU", "Baltiysk", 54.6540, 19.9040),
]

# Fields and woods 300 to 480 m beyond the border, where the old 500 m tolerance
# around the powiat layer reached, on the borders without a town that close.
ABROAD += [
    ("RU", "310 m into Kaliningrad Oblast, by powiat gołdapski", 54.3516, 22.4140),
    ("RU", "310 m into Kaliningrad Oblast, by powiat gołdapski (west)", 54.3388, 21.9830),
    ("RU", "320 m into Kaliningrad Oblast, by Gołdap", 54.3459, 22.2930),
    ("LT", "360 m into Lithuania, by powiat suwalski", 54.3855, 23.0148),
    ("LT", "460 m into Lithuania, by powiat suwalski (south)", 54.3605, 23.0205),
    ("LT", "390 m into Lithuania, by powiat sejneński", 53.9955, 23.4902),
    ("BY", "480 m into Belarus, by powiat sokólski", 53.2095, 23.8682),
    ("BY", "480 m into Belarus, by powiat białostocki", 53.0730, 23.8888),
    ("UA", "360 m into Ukraine, by powiat lubaczowski", 49.9802, 23.1614),
    ("UA", "330 m into Ukraine, across the Bug from powiat hrubieszowski", 50.7758, 24.0025),
    (
        "UA",
        "350 m into Ukraine, across the Bug from powiat hrubieszowski (north)",
        50.9791,
        23.9722,
    ),
]

# Places abroad that the simplified powiat layer itself puts inside a powiat.
ABROAD_INSIDE_A_POWIAT = [
    ("DE", "Ratzdorf", 52.0680, 14.7550),
    ("CZ", "Třebom", 50.0410, 18.0280),
]

# (place, lat, lon, teryt): Polish places close to the border.
POLISH = [
    ("Zgorzelec", 51.15, 15.008, "0225"),
    ("Słubice", 52.35, 14.56, "0805"),
    ("Gubin", 51.949, 14.733, "0802"),
    ("Łęknica", 51.543, 14.737, "0811"),
    ("Kostrzyn nad Odrą", 52.588, 14.647, "0801"),
    ("Świnoujście", 53.91, 14.247, "3263"),
    ("Lubieszyn", 53.556, 14.308, "3211"),
    ("Sieniawka", 50.892, 14.847, "0225"),
    ("Krzewina", 51.001, 14.948, "0225"),
    ("Cieszyn", 49.749, 18.633, "2403"),
    ("Chałupki", 49.927, 18.324, "2411"),
    ("Kudowa-Zdrój", 50.443, 16.242, "0208"),
    ("Jakuszyce", 50.816, 15.431, "0206"),
    ("Głuchołazy", 50.315, 17.38, "1607"),
    ("Chyżne", 49.424, 19.669, "1211"),
    ("Terespol", 52.075, 23.616, "0601"),
    ("Sławatycze", 51.76, 23.548, "0601"),
    ("Włodawa", 51.55, 23.55, "0619"),
    ("Dorohusk", 51.174, 23.804, "0603"),
    ("Zosin", 50.868, 24.09, "0604"),
    ("Medyka", 49.805, 22.927, "1813"),
    ("Kuźnica", 53.51, 23.65, "2011"),
    ("Ogrodniki", 54.144, 23.483, "2009"),
    ("Gołdap", 54.307, 22.304, "2818"),
    ("Bezledy", 54.337, 20.592, "2801"),
    ("Piaski (Mierzeja Wiślana)", 54.428, 19.594, "2210"),
]

# (lat, lon, teryt): Polish land by the border in no polygon of the simplified
# powiat layer (the slivers between it and the voivodeship layer).
SLIVERS = [
    (50.2707, 17.3539, "1607"),  # by Głuchołazy, 750 m outside the powiat layer
    (49.0894, 22.8814, "1801"),
    (49.159, 22.2341, "1821"),
    (50.5382, 16.3994, "0208"),
    (53.9273, 14.287, "3263"),
    (49.9215, 18.3173, "2411"),
    (52.2162, 23.2916, "0601"),
    (53.3561, 14.3957, "3211"),
    (50.9103, 14.9953, "0225"),
    (51.8232, 14.5937, "0802"),
    (49.7482, 22.8865, "1813"),
    (49.4286, 21.107, "1205"),
]


def test_every_land_border_is_tried() -> None:
    countries = Counter(country for country, *_ in ABROAD + ABROAD_INSIDE_A_POWIAT)
    assert set(countries) == {"DE", "CZ", "SK", "UA", "BY", "LT", "RU"}
    assert min(countries.values()) >= 4


@pytest.mark.parametrize(
    ("country", "place", "lat", "lon"),
    ABROAD + ABROAD_INSIDE_A_POWIAT,
    ids=[f"{c}-{p}" for c, p, *_ in ABROAD + ABROAD_INSIDE_A_POWIAT],
)
@pytest.mark.parametrize("category", [None, "illegal_parking", "dangerous_water"])
def test_no_place_abroad_is_routed(
    router: Router, country: str, place: str, lat: float, lon: float, category: str | None
) -> None:
    with pytest.raises(ApiError) as refused:
        router.place(lat, lon, category)
    assert status_of(refused.value) == 422
    assert refused.value.code == "outside_poland"
    assert "poza granicami Polski" in message_of(refused.value, "pl")


def test_the_powiat_layer_alone_would_route_some_places_abroad(router: Router) -> None:
    # Why the zones exist: the simplified powiat layer overshoots the border.
    for _, place, lat, lon in ABROAD_INSIDE_A_POWIAT:
        assert router.index.containing(lat, lon) is not None, place


@pytest.mark.parametrize(("place", "lat", "lon", "teryt"), POLISH, ids=[p[0] for p in POLISH])
def test_polish_places_by_the_border_are_routed(
    router: Router, place: str, lat: float, lon: float, teryt: str
) -> None:
    assert router.place(lat, lon).powiat.teryt == teryt
    assert router.place(lat, lon, "illegal_parking").powiat.teryt == teryt


@pytest.mark.parametrize(("lat", "lon", "teryt"), SLIVERS)
def test_polish_land_outside_the_simplified_powiats_goes_to_the_nearest(
    router: Router, lat: float, lon: float, teryt: str
) -> None:
    assert router.index.containing(lat, lon) is None
    placement = router.place(lat, lon, "illegal_parking")  # land: every category
    assert placement.powiat.teryt == teryt


def test_the_carried_zones_are_derived_from_the_carried_layers(data_dir: Path) -> None:
    # `python -m infra.prg data/boundaries` writes it again after a layer changes.
    from infra.prg import TERRITORY_FILE, derive_territory, geojson_text

    boundaries = data_dir / "boundaries"
    powiats = json.loads((boundaries / "powiaty.geojson").read_text("utf-8"))
    voivodeships = json.loads((boundaries / "wojewodztwa.geojson").read_text("utf-8"))
    derived = geojson_text(derive_territory(powiats, voivodeships))
    assert derived == (boundaries / TERRITORY_FILE).read_text("utf-8")
