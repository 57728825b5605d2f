import itertools
import json
import random
from pathlib import Path

import pytest

from chalicelib.geo import PowiatIndex, TerritoryIndex, Zone, _contains, _rings_of


def test_the_grid_index_agrees_with_testing_every_polygon(data_dir: Path) -> None:
    collection = json.loads((data_dir / "boundaries" / "powiaty.geojson").read_text("utf-8"))
    index = PowiatIndex.from_geojson(collection)
    polygons = [
        (
            f["properties"]["teryt"],
            [
                (a[0], a[1], b[0], b[1])
                for r in _rings_of(f["geometry"])
                for a, b in itertools.pairwise(r)
            ],
        )
        for f in collection["features"]
    ]
    rng = random.Random(7)
    for _ in range(1500):
        lat, lon = rng.uniform(48.9, 55.0), rng.uniform(14.0, 24.3)
        expected = next((t for t, edges in polygons if _contains(edges, lon, lat)), None)
        found = index.containing(lat, lon)
        assert (found.teryt if found else None) == expected, (lat, lon)


def test_a_city_inside_a_county_is_a_hole_of_the_county(router) -> None:
    # Nowy Sącz (1262) lies inside powiat nowosądecki (1210).
    assert router.index.containing(49.6249, 20.6915).teryt == "1262"
    assert router.index.containing(49.55, 20.55).teryt == "1210"


def test_the_zone_index_agrees_with_testing_every_zone(data_dir: Path) -> None:
    path = data_dir / "boundaries" / "terytorium.geojson"
    collection = json.loads(path.read_text("utf-8"))
    index = TerritoryIndex.from_geojson(collection)
    zones = [
        (
            Zone(f["properties"]["kind"], f["properties"].get("teryt")),
            [
                (a[0], a[1], b[0], b[1])
                for r in _rings_of(f["geometry"])
                for a, b in itertools.pairwise(r)
            ],
        )
        for f in collection["features"]
    ]
    rng = random.Random(11)
    # Half the points along the border and the coast, where the zones are.
    border = [(49.0, 49.6, 18.5, 23.0), (50.6, 51.2, 14.8, 15.6), (53.8, 55.2, 14.0, 19.8)]
    for k in range(1500):
        if k % 2:
            lat0, lat1, lon0, lon1 = border[k % 3]
            lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        else:
            lat, lon = rng.uniform(48.9, 55.4), rng.uniform(14.0, 24.3)
        expected = next((z for z, edges in zones if _contains(edges, lon, lat)), None)
        assert index.zone(lat, lon) == expected, (lat, lon)


def test_a_zone_file_names_its_kinds_and_powiats() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    for properties in ({"kind": "sea"}, {"kind": "water"}, {"kind": "abroad", "teryt": "1261"}):
        feature = {"type": "Feature", "properties": properties, "geometry": square}
        with pytest.raises(ValueError):
            TerritoryIndex.from_geojson({"type": "FeatureCollection", "features": [feature]})
    assert TerritoryIndex([], []).zone(0.5, 0.5) is None
