"""Importing the official PRG boundaries (Państwowy Rejestr Granic, GUGiK).

GUGiK publishes the administrative units as shapefiles or a GeoPackage in
EPSG:2180 (PUWG 1992), with the TERYT code in `JPT_KOD_JE` and the name in
`JPT_NAZWA_` ("powiat bolesławiecki", "powiat Wrocław", "województwo
dolnośląskie"). The project reads WGS84 GeoJSON (RFC 7946) instead:

    powiaty.geojson      properties teryt (4 digits), name, kind (city|county), voivodeship
    wojewodztwa.geojson  properties teryt (2 digits), name
    terytorium.geojson   derived from both (`derive_territory`): properties kind
                         (abroad|land|water) and, for land and water, teryt

`import_prg` converts the powiat and voivodeship layers, validates the result
and writes the three files only if it passes: nothing changes on a failed import.
pyogrio, pyproj and shapely are imported where needed, not with this module.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import tempfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SOURCE_EPSG = 2180
CODE_FIELD = "JPT_KOD_JE"
NAME_FIELD = "JPT_NAZWA_"
EXPECTED_POWIATS = 380
EXPECTED_VOIVODESHIPS = 16
DECIMALS = 6  # about 0.1 m
# Poland's extent with a margin, in degrees: a converted boundary outside it
# means coordinates in another system than the layer claims.
POLAND_BOUNDS = (13.5, 48.5, 24.5, 55.5)
POWIATS_FILE = "powiaty.geojson"
VOIVODESHIPS_FILE = "wojewodztwa.geojson"
TERRITORY_FILE = "terytorium.geojson"  # the name chalicelib.units also reads

POWIAT = "powiat"
VOIVODESHIP = "voivodeship"
CODE_LENGTH = {POWIAT: 4, VOIVODESHIP: 2}
NAME_KEYWORD = {POWIAT: "powiat", VOIVODESHIP: "wojew"}
NAME_PREFIX = {
    POWIAT: re.compile(r"^powiat\s+", re.IGNORECASE),
    VOIVODESHIP: re.compile(r"^województwo\s+", re.IGNORECASE),
}
# Some extracts name a city with powiat rights "powiat m. Kraków" or "m. st. Warszawa".
CITY_PREFIX = re.compile(r"^(?:m\.\s*st\.|m\.|miasto)\s+", re.IGNORECASE)


class PrgError(Exception):
    """Input the import cannot use at all (missing layer, wrong CRS): nothing written."""


@dataclass(frozen=True)
class Layer:
    """One layer of a file; `name` None for a file's only layer."""

    path: Path
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.path} (layer {self.name})" if self.name else str(self.path)


@dataclass(frozen=True)
class Record:
    """One feature as read from PRG: its code, PRG name and geometry in EPSG:2180."""

    teryt: str
    name: str
    geometry: Any  # a shapely geometry, or None when the feature has none


@dataclass
class ImportResult:
    powiats: dict[str, Any]  # the FeatureCollection of powiaty.geojson
    voivodeships: dict[str, Any]  # the FeatureCollection of wojewodztwa.geojson
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)  # the two converted layers
    derived: list[Path] = field(default_factory=list)  # terytorium.geojson


def powiat_kind(teryt: str) -> str:
    """ "city" for a city with powiat rights (powiat part 61 and above), else "county"."""
    return "city" if int(teryt[2:]) >= 61 else "county"


def plain_name(prg_name: str, role: str, city: bool = False) -> str:
    """A PRG name without its "powiat " / "województwo " prefix."""
    name = NAME_PREFIX[role].sub("", prg_name.strip(), count=1)
    if city:
        name = CITY_PREFIX.sub("", name, count=1)
    return name.strip()


# --- finding the layers --------------------------------------------------------------


def _field(fields: Sequence[str], wanted: str, where: Layer) -> str:
    """The layer's field named `wanted` (any case; a longer name that starts like it will do)."""
    exact = [f for f in fields if f.upper() == wanted]
    if exact:
        return exact[0]
    stem = wanted.rstrip("_")
    similar = [f for f in fields if f.upper().startswith(stem)]
    if len(similar) == 1:
        return similar[0]
    raise PrgError(
        f"{where}: no field {wanted} (fields: {', '.join(fields) or 'none'}); is this a PRG layer?"
    )


def _layers_of(path: Path) -> list[str]:
    import pyogrio
    from pyogrio.errors import DataSourceError

    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except DataSourceError as e:
        raise PrgError(f"{path}: cannot read it as a shapefile or GeoPackage ({e})") from None


def _code_length(layer: Layer) -> int | None:
    """The length of the first feature's TERYT code, if the layer has the code field."""
    import pyogrio
    from pyogrio import raw

    fields = [str(f) for f in pyogrio.read_info(layer.path, layer=layer.name)["fields"]]
    try:
        code = _field(fields, CODE_FIELD, layer)
    except PrgError:
        return None
    values = raw.read(
        layer.path, layer=layer.name, columns=[code], read_geometry=False, max_features=1
    )[3]
    if not values or len(values[0]) == 0:
        return None
    return len(str(values[0][0]).strip())


def _role_of(layer: Layer) -> str | None:
    """Which layer this is, by its name ("…powiat…", "…wojew…") or else its code length."""
    name = (layer.name or layer.path.stem).lower()
    for role, keyword in NAME_KEYWORD.items():
        if keyword in name:
            return role
    length = _code_length(layer)
    return next((role for role, n in CODE_LENGTH.items() if n == length), None)


def pick_layer(path: Path, role: str, hint: str = "") -> Layer:
    """The `role` layer (POWIAT or VOIVODESHIP) of a shapefile or GeoPackage."""
    names = _layers_of(path)
    if len(names) == 1:
        only = Layer(path, names[0] if path.suffix.lower() == ".gpkg" else None)
        found = _role_of(only)
        if found in (role, None):
            return only
        raise PrgError(f"{path} holds the {found} layer, not the {role} one{hint}")
    layers = [Layer(path, name) for name in names]
    matching = [layer for layer in layers if _role_of(layer) == role]
    if len(matching) == 1:
        return matching[0]
    which = "several" if matching else "no"
    raise PrgError(f"{path}: {which} {role} layers among {', '.join(names)}{hint}")


def _find_shapefile(directory: Path, role: str) -> Path:
    keyword = NAME_KEYWORD[role]
    found = sorted(
        p for p in directory.rglob("*") if p.suffix.lower() == ".shp" and keyword in p.name.lower()
    )
    if len(found) != 1:
        which = "several" if found else "no"
        listing = f": {', '.join(str(p) for p in found)}" if found else ""
        raise PrgError(f"{directory}: {which} *{keyword}*.shp files{listing}")
    return found[0]


def find_layers(path: Path, voivodeships: Path | None = None) -> tuple[Layer, Layer]:
    """The powiat and voivodeship layers of the PRG download at `path`.

    `path` is a GeoPackage holding both layers, the powiat shapefile (then
    `voivodeships` is the voivodeship one), or a folder holding *powiat*.shp
    and *wojew*.shp. `voivodeships` (a file) overrides where that layer is found.
    """
    for given in (path, voivodeships):
        if given is not None and not given.exists():
            raise PrgError(f"{given}: no such file or folder")
    if voivodeships is not None and voivodeships.is_dir():
        voivodeships = _find_shapefile(voivodeships, VOIVODESHIP)
    if path.is_dir():
        powiats = pick_layer(_find_shapefile(path, POWIAT), POWIAT)
        if voivodeships is None:
            voivodeships = _find_shapefile(path, VOIVODESHIP)
        return powiats, pick_layer(voivodeships, VOIVODESHIP)
    powiats = pick_layer(path, POWIAT)
    if voivodeships is None:
        hint = "; give the voivodeship layer with --voivodeships"
        return powiats, pick_layer(path, VOIVODESHIP, hint)
    return powiats, pick_layer(voivodeships, VOIVODESHIP)


# --- reading -------------------------------------------------------------------------


def check_crs(crs: str | None, where: Layer) -> None:
    """Refuse a layer that is not in EPSG:2180, PRG's coordinate system."""
    from pyproj import CRS

    if not crs:
        raise PrgError(
            f"{where}: the layer has no coordinate system (a shapefile needs its .prj); "
            f"PRG layers are in EPSG:{SOURCE_EPSG}"
        )
    parsed = CRS.from_user_input(crs)
    expected = CRS.from_epsg(SOURCE_EPSG)
    if parsed.to_epsg(min_confidence=70) == SOURCE_EPSG or parsed.equals(
        expected, ignore_axis_order=True
    ):
        return
    code = parsed.to_epsg(min_confidence=70)
    label = f"EPSG:{code}" if code else "no EPSG code"
    raise PrgError(
        f"{where}: the layer is in {parsed.name} ({label}), not EPSG:{SOURCE_EPSG} "
        f"({expected.name}) as PRG downloads are; nothing was imported"
    )


def _code(value: Any, role: str) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, numbers.Real):  # Python's and numpy's numbers
        # A numeric field loses the leading zero: 201 is "0201".
        number = float(value)
        if not math.isfinite(number) or number != int(number):
            return str(value)
        return str(int(number)).zfill(CODE_LENGTH[role])
    return str(value).strip()


def read_layer(layer: Layer, role: str, encoding: str | None = None) -> list[Record]:
    """The features of a PRG layer, geometries in EPSG:2180 (2D)."""
    import pyogrio
    import shapely
    from pyogrio import raw

    options: dict[str, Any] = {"encoding": encoding} if encoding else {}
    info = pyogrio.read_info(layer.path, layer=layer.name, **options)
    check_crs(info["crs"], layer)
    fields = [str(f) for f in info["fields"]]
    code_field = _field(fields, CODE_FIELD, layer)
    name_field = _field(fields, NAME_FIELD, layer)
    meta, _, wkb, values = raw.read(
        layer.path,
        layer=layer.name,
        columns=[code_field, name_field],
        force_2d=True,
        **options,
    )
    check_crs(meta["crs"], layer)
    columns = dict(zip((str(f) for f in meta["fields"]), values, strict=True))
    geometries = shapely.from_wkb(wkb) if wkb is not None else [None] * len(columns[code_field])
    return [
        Record(_code(code, role), "" if name is None else str(name), geometry)
        for code, name, geometry in zip(
            columns[code_field], columns[name_field], geometries, strict=True
        )
    ]


# --- converting and validating -------------------------------------------------------


def _converter(simplify_m: float) -> Any:
    """A function: EPSG:2180 geometry -> WGS84 geometry, rounded, RFC 7946 winding."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    transformer = Transformer.from_crs(SOURCE_EPSG, 4326, always_xy=True)

    def to_wgs84(coords: Any) -> Any:
        lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([lon, lat]), DECIMALS)

    def convert(geometry: Any) -> Any:
        if simplify_m > 0:
            geometry = shapely.simplify(geometry, simplify_m, preserve_topology=True)
        converted = shapely.transform(geometry, to_wgs84)
        # RFC 7946: exterior rings counterclockwise, holes clockwise.
        return shapely.orient_polygons(converted, exterior_cw=False)

    return convert


def _geometry_problem(geometry: Any) -> str | None:
    import shapely

    if geometry is None or geometry.is_empty:
        return "no geometry"
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        return f"a {geometry.geom_type}, not a polygon"
    if not shapely.is_valid(geometry):
        return f"invalid geometry ({shapely.is_valid_reason(geometry)})"
    west, south, east, north = geometry.bounds
    x0, y0, x1, y1 = POLAND_BOUNDS
    if west < x0 or south < y0 or east > x1 or north > y1:
        return (
            f"lies outside Poland (lon {west:.3f}..{east:.3f}, lat {south:.3f}..{north:.3f}); "
            "are the coordinates really EPSG:2180?"
        )
    return None


def _feature(properties: dict[str, str], geometry: Any) -> dict[str, Any]:
    from shapely.geometry import mapping

    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def _convert_layer(
    records: list[Record], role: str, convert: Any, errors: list[str]
) -> dict[str, dict[str, Any]]:
    """Features by TERYT; problems appended to `errors`."""
    label = "powiat" if role == POWIAT else "voivodeship"
    counts = Counter(r.teryt for r in records)
    for teryt, count in sorted(counts.items()):
        if teryt and count > 1:
            errors.append(f"{label} {teryt}: {count} features have this TERYT code")
    features: dict[str, dict[str, Any]] = {}
    for position, record in enumerate(records, start=1):
        teryt = record.teryt
        if not re.fullmatch(rf"\d{{{CODE_LENGTH[role]}}}", teryt):
            errors.append(
                f"{label} feature #{position} ({record.name or 'no name'}): {CODE_FIELD} "
                f"{teryt!r} is not a {CODE_LENGTH[role]}-digit TERYT code"
            )
            continue
        city = role == POWIAT and powiat_kind(teryt) == "city"
        name = plain_name(record.name, role, city)
        if not name:
            errors.append(f"{label} {teryt}: no name in {NAME_FIELD}")
        geometry = None if record.geometry is None else convert(record.geometry)
        problem = _geometry_problem(geometry)
        if problem:
            errors.append(f"{label} {teryt} ({name or 'no name'}): {problem}")
            continue
        properties = {"teryt": teryt, "name": name}
        if role == POWIAT:
            properties |= {"kind": powiat_kind(teryt), "voivodeship": teryt[:2]}
        features.setdefault(teryt, _feature(properties, geometry))
    return features


def _garrison_warnings(powiats: set[str], garrisons_path: Path | None) -> list[str]:
    if garrisons_path is None:
        return []
    if not garrisons_path.exists():
        return [f"{garrisons_path} not found: the import was not compared with the garrisons"]
    from chalicelib.units import load_garrisons

    warnings = []
    listed: set[str] = set()
    for garrison in load_garrisons(garrisons_path):
        listed.update(garrison.powiats)
        missing = [t for t in garrison.powiats if t not in powiats]
        if len(missing) == len(garrison.powiats):
            warnings.append(
                f"garrison {garrison.id}: all its {len(missing)} powiats are missing "
                "from the import"
            )
        elif missing:
            warnings.append(
                f"garrison {garrison.id}: {len(missing)} of its {len(garrison.powiats)} "
                f"powiats are missing from the import: {', '.join(missing)}"
            )
    unlisted = sorted(powiats - listed)
    if unlisted:
        warnings.append(
            f"powiats in no garrison of {garrisons_path.name} (routing refuses them until "
            f"it lists them): {', '.join(unlisted)}"
        )
    return warnings


def convert_layers(
    powiats: list[Record],
    voivodeships: list[Record],
    simplify_m: float = 0.0,
    expect_powiats: int = EXPECTED_POWIATS,
    expect_voivodeships: int = EXPECTED_VOIVODESHIPS,
    garrisons_path: Path | None = None,
) -> ImportResult:
    """Both layers converted to the project's GeoJSON, with every error and warning."""
    if not math.isfinite(simplify_m) or simplify_m < 0:
        raise PrgError(f"the simplification tolerance must be 0 or more metres, not {simplify_m}")
    convert = _converter(simplify_m)
    errors: list[str] = []
    powiat_features = _convert_layer(powiats, POWIAT, convert, errors)
    voivodeship_features = _convert_layer(voivodeships, VOIVODESHIP, convert, errors)
    powiat_codes = {r.teryt for r in powiats if r.teryt}
    voivodeship_codes = {r.teryt for r in voivodeships if r.teryt}
    for role, codes, expected in (
        ("powiats", powiat_codes, expect_powiats),
        ("voivodeships", voivodeship_codes, expect_voivodeships),
    ):
        if len(codes) != expected:
            errors.append(
                f"expected {expected} {role}, the input holds {len(codes)} "
                f"(for a partial extract give --expect-{role} {len(codes)})"
            )
    orphans: dict[str, list[str]] = {}
    for teryt in sorted(powiat_codes):
        if teryt[:2] not in voivodeship_codes:
            orphans.setdefault(teryt[:2], []).append(teryt)
    for voivodeship, members in orphans.items():
        errors.append(
            f"voivodeship {voivodeship} of powiats {', '.join(members)} "
            "is not in the voivodeship layer"
        )

    def collection(features: dict[str, dict[str, Any]]) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [features[t] for t in sorted(features)]}

    return ImportResult(
        powiats=collection(powiat_features),
        voivodeships=collection(voivodeship_features),
        errors=errors,
        warnings=_garrison_warnings(powiat_codes, garrisons_path),
    )


# --- writing -------------------------------------------------------------------------


def geojson_text(collection: dict[str, Any]) -> str:
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def write_atomically(files: dict[Path, str]) -> None:
    """Write every file to a temporary one beside it, then rename them all into place."""
    temporary: list[tuple[Path, Path]] = []
    try:
        for target, text in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            temporary.append((Path(name), target))
            with os.fdopen(handle, "w", encoding="utf-8") as f:
                f.write(text)
        for source, target in temporary:
            os.replace(source, target)
    finally:
        for source, _ in temporary:
            source.unlink(missing_ok=True)


def import_prg(
    path: Path,
    output_dir: Path,
    voivodeships: Path | None = None,
    simplify_m: float = 0.0,
    expect_powiats: int = EXPECTED_POWIATS,
    expect_voivodeships: int = EXPECTED_VOIVODESHIPS,
    garrisons_path: Path | None = None,
    encoding: str | None = None,
) -> ImportResult:
    """Convert a PRG download and, if it validates, write both GeoJSON files to `output_dir`.

    Raises PrgError for input it cannot use at all; returns the result with
    `errors` (nothing written) or `written` (the files' paths).
    """
    powiat_layer, voivodeship_layer = find_layers(path, voivodeships)
    result = convert_layers(
        read_layer(powiat_layer, POWIAT, encoding),
        read_layer(voivodeship_layer, VOIVODESHIP, encoding),
        simplify_m,
        expect_powiats,
        expect_voivodeships,
        garrisons_path,
    )
    if not result.errors:
        territory = derive_territory(result.powiats, result.voivodeships)
        files = {
            output_dir / POWIATS_FILE: geojson_text(result.powiats),
            output_dir / VOIVODESHIPS_FILE: geojson_text(result.voivodeships),
            output_dir / TERRITORY_FILE: geojson_text(territory),
        }
        write_atomically(files)
        result.written = list(files)[:2]
        result.derived = list(files)[2:]
    return result


# --- the national territory: what the powiat layer alone gets wrong ------------------
#
# Routing (chalicelib.units) takes a point's powiat from the powiat layer, but
# that layer alone is not Poland: a simplified layer overshoots the national
# border in places (points abroad inside a powiat) and falls short in others,
# and no PRG powiat holds the territorial sea (nor, before 2025, the internal
# waters of the Gulf of Gdańsk). `derive_territory` writes those differences
# as zones the router checks before the powiat layer:
#
#   abroad  parts of powiat polygons outside the national territory: refused;
#   land    Polish land (and shore) in no powiat polygon: the nearest powiat;
#   water   Polish internal waters and territorial sea in no powiat polygon:
#           the nearest coastal powiat, for water categories only.
#
# The national territory is the union of the voivodeship layer (its outline
# is the more exact one along the land borders; since 2025 it holds the Gulf
# of Gdańsk's internal waters) and the territorial sea: 12 nautical miles
# around it, on the sea side only, cut off on Germany's side by the 1989
# treaty line and on Russia's side by a line left of the equidistance line.

TERRITORIAL_SEA_M = 12 * 1852.0
# Polish land outside every powiat polygon lies within this of one (the
# simplified powiat layer falls up to about 1.9 km short); farther out, the
# voivodeship layer's surplus is the Gulf of Gdańsk's water.
LAND_BAND_M = 2000.0
# Sea this close to land counts as land (piers, breakwaters, beaches, the
# layers' simplified coastline): every category is accepted there.
SHORE_M = 500.0
# The Polish coast lies north of this latitude (Świnoujście, 53.91° N); the
# lagoons south of it are in the voivodeship layer, their foreign parts never water.
COAST_SOUTH = 53.85
# Germany's side of the sea (lon, lat; WGS84): the territorial sea boundary of
# the 1989 GDR-Poland treaty (points A, B, C, from the land border's end on the
# coast) and Poland's outer limit in the Pomeranian Bay (C, D, E), closed far west.
GERMANY_SIDE = (
    (12.0, 52.0),
    (14.227994, 52.0),
    (14.227994, 53.929292),  # A, on the coast
    (14.244122, 53.989294),  # B
    (14.203342, 54.127711),  # C
    (14.280833, 54.126944),  # D
    (14.346667, 54.143889),  # E
    (14.346667, 56.0),
    (12.0, 56.0),
)
# Russia's side: from the land border's end on the Vistula Spit north-west, left
# of the equidistance line (about 19.42° E at 54.58° N), closed far east.
RUSSIA_SIDE = (
    (19.6377, 54.4592),  # the land border on the spit's sea coast
    (19.30, 54.62),
    (19.30, 56.0),
    (25.0, 56.0),
    (25.0, 52.0),
    (19.6377, 52.0),
)
SIDE_MARGIN_M = 300.0  # the treaty points' datum and the layers' precision
# Points of the open Baltic: the territorial sea is the part of the band that holds one.
SEA_SEEDS = ((17.5, 54.9), (15.5, 54.3), (18.9, 54.7), (14.6, 54.1))
SAMPLE_M = 250.0  # spacing of the outline points whose Voronoi cells name the nearest powiat
MIN_AREA_M2 = 100.0  # slivers of rounding, dropped
# Zones narrower than this are where the two layers differ by less than their own
# precision (two simplifications of one boundary): dropped, the powiat layer decides.
MIN_WIDTH_M = 10.0


def derive_territory(powiats: dict[str, Any], voivodeships: dict[str, Any]) -> dict[str, Any]:
    """The zones of terytorium.geojson (WGS84 FeatureCollection) from the two layers.

    Each feature has `kind` ("abroad", "land" or "water") and, for land and
    water, `teryt`: the powiat whose outline is nearest. Works on partial
    extracts too (no coast: no water).
    """
    import numpy as np
    import shapely
    from pyproj import Transformer
    from shapely.geometry import MultiPoint, Point, Polygon, mapping, shape

    to_m = Transformer.from_crs(4326, SOURCE_EPSG, always_xy=True)
    to_deg = Transformer.from_crs(SOURCE_EPSG, 4326, always_xy=True)

    def forward(geometry: Any) -> Any:
        return shapely.transform(
            geometry, lambda c: np.column_stack(to_m.transform(c[:, 0], c[:, 1]))
        )

    def back(geometry: Any) -> Any:
        return shapely.transform(
            geometry,
            lambda c: np.round(np.column_stack(to_deg.transform(c[:, 0], c[:, 1])), DECIMALS),
        )

    def areal(geometry: Any, min_area: float = 0.0, min_width: float = 0.0) -> Any:
        """The polygons of a geometry, valid, without parts under min_area or min_width."""
        parts = [
            p
            for p in shapely.get_parts(shapely.make_valid(geometry))
            if p.geom_type in ("Polygon", "MultiPolygon")
            and p.area >= min_area
            and (min_width <= 0 or not p.buffer(-min_width / 2).is_empty)
        ]
        return shapely.union_all(parts) if parts else Polygon()

    teryts = [str(f["properties"]["teryt"]) for f in powiats["features"]]
    powiat_shapes = [areal(forward(shape(f["geometry"]))) for f in powiats["features"]]
    land_all = areal(shapely.union_all(powiat_shapes))
    outline = areal(
        shapely.union_all([areal(forward(shape(f["geometry"]))) for f in voivodeships["features"]])
    )
    neighbours = shapely.union_all(
        [forward(Polygon(GERMANY_SIDE)), forward(Polygon(RUSSIA_SIDE))]
    ).buffer(SIDE_MARGIN_M)
    inland = forward(
        Polygon([(12.0, 48.0), (25.0, 48.0), (25.0, COAST_SOUTH), (12.0, COAST_SOUTH)])
    )
    band = (
        shapely.buffer(outline, TERRITORIAL_SEA_M, quad_segs=4)
        .difference(outline)
        .difference(neighbours)
        .difference(inland)
    )
    seeds = [forward(Point(*s)) for s in SEA_SEEDS]
    sea = areal(
        shapely.union_all(
            [p for p in shapely.get_parts(band) if any(p.contains(s) for s in seeds)] or [Polygon()]
        )
    )
    territory = shapely.union(outline, sea)
    abroad = areal(land_all.difference(territory), MIN_AREA_M2, MIN_WIDTH_M)
    extra = areal(territory.difference(land_all))
    land = shapely.union(
        extra.intersection(outline).intersection(land_all.buffer(LAND_BAND_M)),
        extra.intersection(sea).intersection(shapely.union(outline, land_all).buffer(SHORE_M)),
    )
    # Farther from the powiats: water if it reaches the sea (the Gulf of Gdańsk), else land.
    rest = shapely.get_parts(areal(extra.difference(land), MIN_AREA_M2))
    wet = [p for p in rest if not sea.is_empty and p.distance(sea) < 1.0]
    water = areal(shapely.union_all(wet or [Polygon()]))
    land = areal(shapely.union_all([land, *(p for p in rest if not any(p is w for w in wet))]))

    # The nearest powiat: Voronoi cells of points along the powiats' outer outline,
    # each point labelled with the powiat it lies on, merged per powiat.
    regions: dict[str, Any] = {}
    boundary = land_all.boundary
    if not (land.is_empty and water.is_empty) and boundary.length > 0:
        count = int(boundary.length // SAMPLE_M) + 2
        points = shapely.line_interpolate_point(boundary, np.linspace(0, boundary.length, count))
        points = shapely.points(np.unique(shapely.get_coordinates(points), axis=0))
        nearest = shapely.STRtree(powiat_shapes).query_nearest(points, all_matches=False)
        label = dict(zip(nearest[0].tolist(), (teryts[i] for i in nearest[1]), strict=True))
        extent = shapely.union(territory, land_all).envelope.buffer(50_000)
        cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(points), extend_to=extent))
        cell_index, point_index = shapely.STRtree(points).query(cells, predicate="contains")
        grouped: dict[str, list[Any]] = {}
        for c, p in zip(cell_index.tolist(), point_index.tolist(), strict=True):
            grouped.setdefault(label[p], []).append(cells[c])
        regions = {t: shapely.union_all(g).intersection(extent) for t, g in grouped.items()}

    zones: list[tuple[dict[str, str], Any]] = []
    if not abroad.is_empty:
        zones.append(({"kind": "abroad"}, abroad))
    for kind, area in (("land", land), ("water", water)):
        for teryt in sorted(regions) if not area.is_empty else ():
            piece = areal(area.intersection(regions[teryt]), MIN_AREA_M2, MIN_WIDTH_M)
            if not piece.is_empty:
                zones.append(({"kind": kind, "teryt": teryt}, piece))
    features = []
    for properties, geometry in zones:
        geometry = shapely.orient_polygons(areal(back(geometry)), exterior_cw=False)
        if not geometry.is_empty:
            features.append(
                {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}
            )
    return {"type": "FeatureCollection", "features": features}


def write_territory(boundaries_dir: Path) -> Path:
    """Derive terytorium.geojson from the two layers in `boundaries_dir` and write it there."""
    with open(boundaries_dir / POWIATS_FILE, encoding="utf-8") as f:
        powiats = json.load(f)
    with open(boundaries_dir / VOIVODESHIPS_FILE, encoding="utf-8") as f:
        voivodeships = json.load(f)
    target = boundaries_dir / TERRITORY_FILE
    write_atomically({target: geojson_text(derive_territory(powiats, voivodeships))})
    return target


if __name__ == "__main__":
    # python -m infra.prg data/boundaries: re-derive terytorium.geojson from the layers there.
    import sys

    for folder in sys.argv[1:] or ["data/boundaries"]:
        print(write_territory(Path(folder)))
