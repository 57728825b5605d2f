"""kmzb-admin boundaries import-prg, on small PRG-like layers the tests write in EPSG:2180."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyogrio import raw
from pyproj import Transformer

from chalicelib.errors import ApiError
from chalicelib.geo import PowiatIndex
from chalicelib.units import Router
from infra import prg
from infra.admin import run

KRAKOW = (19.9366, 50.0614)  # lon, lat
WROCLAW = (17.0385, 51.1079)
TO_2180 = Transformer.from_crs(4326, 2180, always_xy=True)
SIDE = 10_000.0  # metres
STEP = 100.0  # a vertex every 100 m along the squares' edges


def square(lon: float, lat: float, dx: float = 0.0, side: float = SIDE) -> Any:
    """A square of `side` metres in EPSG:2180 around a point, moved `dx` metres east."""
    x, y = TO_2180.transform(lon, lat)
    x += dx
    box = shapely.box(x - side / 2, y - side / 2, x + side / 2, y + side / 2)
    return shapely.segmentize(box, STEP)


def bow_tie(lon: float, lat: float, dx: float) -> Any:
    x, y = TO_2180.transform(lon, lat)
    x += dx
    h = SIDE / 2
    return shapely.Polygon([(x - h, y - h), (x + h, y + h), (x + h, y - h), (x - h, y + h)])


def powiat_rows(invalid: bool = False) -> list[tuple[str, str, Any]]:
    krakowski = bow_tie(*KRAKOW, -SIDE) if invalid else square(*KRAKOW, dx=-SIDE)
    return [
        ("1261", "powiat Kraków", square(*KRAKOW)),
        ("1206", "powiat krakowski", krakowski),
        ("0264", "powiat Wrocław", square(*WROCLAW)),
    ]


def voivodeship_rows() -> list[tuple[str, str, Any]]:
    return [
        ("12", "województwo małopolskie", square(*KRAKOW, dx=-SIDE / 2, side=3 * SIDE)),
        ("02", "województwo dolnośląskie", square(*WROCLAW, side=3 * SIDE)),
    ]


def write_layer(
    path: Path,
    rows: list[tuple[str, str, Any]],
    layer: str | None = None,
    crs: str = "EPSG:2180",
    append: bool = False,
) -> Path:
    driver = "GPKG" if path.suffix == ".gpkg" else "ESRI Shapefile"
    options: dict[str, Any] = {"layer": layer, "append": append} if layer else {}
    if driver == "ESRI Shapefile":
        options["encoding"] = "UTF-8"
    raw.write(
        path,
        geometry=np.array([shapely.to_wkb(g) for _, _, g in rows], dtype=object),
        field_data=[
            np.array([code for code, _, _ in rows], dtype=object),
            np.array([name for _, name, _ in rows], dtype=object),
        ],
        fields=["JPT_KOD_JE", "JPT_NAZWA_"],
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
        **options,
    )
    return path


@pytest.fixture
def prg_dir(tmp_path: Path) -> Path:
    """A folder like the PRG shapefile download: Powiaty.shp and Wojewodztwa.shp."""
    folder = tmp_path / "PRG_jednostki_administracyjne"
    folder.mkdir()
    write_layer(folder / "Powiaty.shp", powiat_rows())
    write_layer(folder / "Wojewodztwa.shp", voivodeship_rows())
    return folder


@pytest.fixture
def env(data_dir: Path, tmp_path: Path) -> dict[str, str]:
    """A data folder holding only garrisons.json: the default output lands in tmp_path."""
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(data_dir / "garrisons.json", data / "garrisons.json")
    return {"KMZB_DATA_DIR": str(data)}


def admin(env: dict[str, str], *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = run(list(argv), env, out)
    return code, out.getvalue()


def import_prg(env: dict[str, str], *argv: str, expect: bool = True) -> tuple[int, str]:
    counts = ["--expect-powiats", "3", "--expect-voivodeships", "2"] if expect else []
    return admin(env, "boundaries", "import-prg", *argv, *counts)


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


def vertices(collection: dict[str, Any], teryt: str) -> int:
    feature = next(f for f in collection["features"] if f["properties"]["teryt"] == teryt)
    return len(feature["geometry"]["coordinates"][0])


def assert_converted(output: Path) -> None:
    text = (output / "powiaty.geojson").read_text("utf-8")
    assert "Kraków" in text and "Wrocław" in text  # UTF-8 as it is
    powiats = json.loads(text)
    assert powiats["type"] == "FeatureCollection"
    assert [f["properties"] for f in powiats["features"]] == [
        {"teryt": "0264", "name": "Wrocław", "kind": "city", "voivodeship": "02"},
        {"teryt": "1206", "name": "krakowski", "kind": "county", "voivodeship": "12"},
        {"teryt": "1261", "name": "Kraków", "kind": "city", "voivodeship": "12"},
    ]
    for feature, (lon, lat) in zip(
        powiats["features"], (WROCLAW, (KRAKOW[0] - 0.14, KRAKOW[1]), KRAKOW), strict=True
    ):
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid and geometry.geom_type == "Polygon"
        centre = geometry.centroid
        assert centre.x == pytest.approx(lon, abs=0.01)  # lon first (RFC 7946)
        assert centre.y == pytest.approx(lat, abs=0.01)
        ring = feature["geometry"]["coordinates"][0]
        assert all(round(c, 6) == c for point in ring for c in point)
        assert shapely.LinearRing(ring).is_ccw  # RFC 7946 winding
    voivodeships = read(output / "wojewodztwa.geojson")
    assert [f["properties"] for f in voivodeships["features"]] == [
        {"teryt": "02", "name": "dolnośląskie"},
        {"teryt": "12", "name": "małopolskie"},
    ]


def test_a_shapefile_folder_is_converted_to_the_projects_geojson(
    env: dict[str, str], prg_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    code, out = import_prg(env, str(prg_dir), "--output-dir", str(output))
    assert code == 0, out
    assert "wrote 3 powiats to" in out and "2 voivodeships" in out
    # Only three powiats of garrisons.json are there: a warning, not a failure.
    assert "warning: garrison malopolskie: 20 of its 22 powiats are missing" in out
    assert_converted(output)
    assert sorted(p.name for p in output.iterdir()) == [
        "powiaty.geojson",
        "terytorium.geojson",
        "wojewodztwa.geojson",
    ]


def test_the_output_routes_points(env: dict[str, str], prg_dir: Path) -> None:
    code, out = import_prg(env, str(prg_dir))  # default: <KMZB_DATA_DIR>/boundaries
    assert code == 0, out
    index = PowiatIndex.from_file(Path(env["KMZB_DATA_DIR"]) / "boundaries" / "powiaty.geojson")
    assert index.containing(KRAKOW[1], KRAKOW[0]).teryt == "1261"  # type: ignore[union-attr]
    assert index.containing(KRAKOW[1], KRAKOW[0] - 0.14).teryt == "1206"  # type: ignore[union-attr]
    assert index.containing(WROCLAW[1], WROCLAW[0]).name == "Wrocław"  # type: ignore[union-attr]
    assert index.containing(52.23, 21.01) is None  # Warsaw: not in this extract


def test_the_import_derives_the_zones_the_router_reads(
    env: dict[str, str], prg_dir: Path, data_dir: Path
) -> None:
    code, out = import_prg(env, str(prg_dir))
    assert code == 0, out
    boundaries = Path(env["KMZB_DATA_DIR"]) / "boundaries"
    zones = read(boundaries / prg.TERRITORY_FILE)
    # The voivodeship squares are larger than the powiats: land zones, no water inland.
    assert {f["properties"]["kind"] for f in zones["features"]} == {"land"}
    router = Router.from_files(boundaries / "powiaty.geojson", data_dir / "garrisons.json")
    north_of_krakow = (KRAKOW[1] + 0.072, KRAKOW[0])  # 8 km: in małopolskie, in no powiat
    assert router.index.containing(*north_of_krakow) is None
    assert router.place(*north_of_krakow, "illegal_parking").powiat.teryt == "1261"
    with pytest.raises(ApiError) as refused:
        router.place(KRAKOW[1], KRAKOW[0] + 0.17)  # 12 km east: beyond the voivodeship
    assert refused.value.code == "outside_poland"


def test_a_powiat_shapefile_takes_the_voivodeships_from_an_option(
    env: dict[str, str], prg_dir: Path, tmp_path: Path, capsys: Any
) -> None:
    output = tmp_path / "out"
    powiats, voivodeships = prg_dir / "Powiaty.shp", prg_dir / "Wojewodztwa.shp"
    code, _ = import_prg(env, str(powiats), "--output-dir", str(output))
    assert code == 2
    assert "give the voivodeship layer with --voivodeships" in capsys.readouterr().err
    code, out = import_prg(
        env, str(powiats), "--voivodeships", str(voivodeships), "--output-dir", str(output)
    )
    assert code == 0, out
    assert_converted(output)


@pytest.mark.parametrize(
    "layers", [("A02_Granice_powiatow", "A01_Granice_wojewodztw"), ("jednostki_b", "jednostki_a")]
)
def test_a_geopackage_holding_both_layers(
    env: dict[str, str], tmp_path: Path, layers: tuple[str, str]
) -> None:
    # With neutral layer names, the code length (4 or 2 digits) tells the layers apart.
    gpkg = tmp_path / "PRG.gpkg"
    write_layer(gpkg, voivodeship_rows(), layer=layers[1])
    write_layer(gpkg, powiat_rows(), layer=layers[0], append=True)
    output = tmp_path / "out"
    code, out = import_prg(env, str(gpkg), "--output-dir", str(output))
    assert code == 0, out
    assert_converted(output)


def test_another_coordinate_system_is_refused(
    env: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    folder = tmp_path / "wgs84"
    folder.mkdir()
    rows = [
        (code, name, shapely.box(lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))
        for code, name, (lon, lat) in [("1261", "powiat Kraków", KRAKOW)]
    ]
    write_layer(folder / "powiaty.shp", rows, crs="EPSG:4326")
    write_layer(folder / "wojewodztwa.shp", voivodeship_rows())
    output = tmp_path / "out"
    code, out = import_prg(env, str(folder), "--output-dir", str(output))
    assert code == 2 and out == ""
    err = capsys.readouterr().err
    assert "powiaty.shp: the layer is in WGS 84 (EPSG:4326), not EPSG:2180" in err
    assert not output.exists()


def test_an_invalid_polygon_is_reported_by_teryt_and_nothing_changes(
    env: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    folder = tmp_path / "prg"
    folder.mkdir()
    write_layer(folder / "powiaty.shp", powiat_rows(invalid=True))
    write_layer(folder / "wojewodztwa.shp", voivodeship_rows())
    output = tmp_path / "out"
    output.mkdir()
    (output / "powiaty.geojson").write_text("before", "utf-8")
    code, out = import_prg(env, str(folder), "--output-dir", str(output))
    assert code == 2
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(
        "error: powiat 1206 (krakowski): invalid geometry (Self-intersection"
    )
    assert "nothing was written" in capsys.readouterr().err
    assert [p.name for p in output.iterdir()] == ["powiaty.geojson"]
    assert (output / "powiaty.geojson").read_text("utf-8") == "before"


def test_a_partial_extract_fails_the_default_counts(
    env: dict[str, str], prg_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    code, out = import_prg(env, str(prg_dir), "--output-dir", str(output), expect=False)
    assert code == 2
    assert "error: expected 380 powiats, the input holds 3" in out
    assert "error: expected 16 voivodeships, the input holds 2" in out
    assert not output.exists()


def test_duplicates_and_orphans_are_errors(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "prg"
    folder.mkdir()
    rows = [*powiat_rows(), ("1261", "powiat Kraków", square(*KRAKOW, dx=SIDE))]
    rows.append(("3064", "powiat Poznań", square(16.93, 52.41)))
    write_layer(folder / "powiaty.shp", rows)
    write_layer(folder / "wojewodztwa.shp", voivodeship_rows())
    code, out = import_prg(env, str(folder), "--output-dir", str(tmp_path / "out"))
    assert code == 2
    assert "error: powiat 1261: 2 features have this TERYT code" in out
    assert "error: voivodeship 30 of powiats 3064 is not in the voivodeship layer" in out
    assert not (tmp_path / "out").exists()


def test_simplify_reduces_the_vertices(env: dict[str, str], prg_dir: Path, tmp_path: Path) -> None:
    exact, simple = tmp_path / "exact", tmp_path / "simple"
    assert import_prg(env, str(prg_dir), "--output-dir", str(exact))[0] == 0
    assert import_prg(env, str(prg_dir), "--output-dir", str(simple), "--simplify", "50")[0] == 0
    assert vertices(read(exact / "powiaty.geojson"), "1261") == 4 * SIDE / STEP + 1
    assert vertices(read(simple / "powiaty.geojson"), "1261") == 5
    assert_converted(simple)


def test_pure_helpers() -> None:
    assert prg.powiat_kind("1261") == "city" and prg.powiat_kind("1206") == "county"
    assert prg.plain_name("powiat bolesławiecki", prg.POWIAT) == "bolesławiecki"
    assert prg.plain_name("Powiat m. st. Warszawa", prg.POWIAT, city=True) == "Warszawa"
    assert prg.plain_name("Wrocław", prg.POWIAT, city=True) == "Wrocław"
    assert prg.plain_name("województwo łódzkie", prg.VOIVODESHIP) == "łódzkie"
