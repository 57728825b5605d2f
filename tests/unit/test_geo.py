import itertools
import json
import random
from pathlib import Path

from chalicelib.geo import PowiatIndex, _contains, _rings_of


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
