"""Point → powiat lookup over the PRG powiat layer, and the national territory's zones.

The index is a regular grid over a layer's bounding box, built once per
process. A cell that no boundary edge touches belongs wholly to one polygon (or
to none), so most lookups are a single list access. A cell that edges touch
keeps its candidate polygons, each with only its own edges in that grid row, so
the point-in-polygon test there looks at a handful of edges.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Grid cells of about 7 km x 6.7 km in Poland: small enough that most cells
# hold no boundary, big enough that building stays well under 100 ms.
CELL_LON = 0.1
CELL_LAT = 0.06

Edge = tuple[float, float, float, float]
Candidates = tuple[tuple[int, list[Edge]], ...]
Cell = int | Candidates  # owner index, -1 for none, or candidates
OUTSIDE = -1

# Zone kinds of terytorium.geojson (infra/prg.py derives it).
ABROAD = "abroad"  # inside a powiat polygon but outside Poland
LAND = "land"  # Polish land or shore in no powiat polygon
WATER = "water"  # Polish internal waters or territorial sea in no powiat polygon
ZONE_KINDS = (ABROAD, LAND, WATER)


@dataclass(frozen=True)
class Powiat:
    teryt: str
    name: str
    kind: str  # "city" (city with powiat rights) or "county"
    voivodeship: str


def _rings_of(geometry: dict[str, Any]) -> list[list[list[float]]]:
    kind = geometry["type"]
    if kind == "Polygon":
        return list(geometry["coordinates"])
    if kind == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"unsupported geometry type {kind!r}")


def _contains(edges: list[Edge], x: float, y: float) -> bool:
    """Even-odd ray casting; holes and multi-part polygons need no special case."""
    inside = False
    for x1, y1, x2, y2 in edges:
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


class PolygonGrid:
    """Which of some polygons (each a list of rings) contains a point: their index, or -1."""

    def __init__(self, rings: list[list[list[list[float]]]]) -> None:
        if not rings:
            raise ValueError("no polygons")
        xs = [p[0] for feature in rings for ring in feature for p in ring]
        ys = [p[1] for feature in rings for ring in feature for p in ring]
        self._x0, self._y0 = min(xs), min(ys)
        self._ncols = int((max(xs) - self._x0) / CELL_LON) + 1
        self._nrows = int((max(ys) - self._y0) / CELL_LAT) + 1
        # Each polygon's edges, bucketed by grid row.
        self._bands: list[dict[int, list[Edge]]] = []
        # Candidate polygons per cell touched by an edge: row -> col -> set.
        touched: list[dict[int, set[int]]] = [{} for _ in range(self._nrows)]
        x0, y0 = self._x0, self._y0
        last_col = self._ncols - 1
        for index, feature in enumerate(rings):
            bands: dict[int, list[Edge]] = {}
            for ring in feature:
                for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                    edge = (x1, y1, x2, y2)
                    r0 = int((min(y1, y2) - y0) / CELL_LAT)
                    r1 = int((max(y1, y2) - y0) / CELL_LAT)
                    # A hair wider, for rounding where the edge meets a cell's side.
                    c0 = max(0, int((min(x1, x2) - x0 - 1e-9) / CELL_LON))
                    c1 = min(last_col, int((max(x1, x2) - x0 + 1e-9) / CELL_LON))
                    for r in range(r0, r1 + 1):
                        band = bands.get(r)
                        if band is None:
                            bands[r] = [edge]
                        else:
                            band.append(edge)
                        row = touched[r]
                        if r0 == r1 or c0 == c1:
                            columns = range(c0, c1 + 1)
                        else:
                            # Only the cells the edge crosses in this row: its
                            # bounding box would also mark cells wholly inside
                            # another polygon, which would then miss it.
                            lo = max(min(y1, y2), y0 + r * CELL_LAT)
                            hi = min(max(y1, y2), y0 + (r + 1) * CELL_LAT)
                            slope = (x2 - x1) / (y2 - y1)
                            xa, xb = x1 + (lo - y1) * slope, x1 + (hi - y1) * slope
                            columns = range(
                                max(0, int((min(xa, xb) - x0 - 1e-9) / CELL_LON)),
                                min(last_col, int((max(xa, xb) - x0 + 1e-9) / CELL_LON)) + 1,
                            )
                        for c in columns:
                            cell = row.get(c)
                            if cell is None:
                                row[c] = {index}
                            else:
                                cell.add(index)
            self._bands.append(bands)
        self._rows: list[list[Cell]] = [self._build_row(r, touched[r]) for r in range(self._nrows)]

    def _build_row(self, r: int, touched: dict[int, set[int]]) -> list[Cell]:
        row: list[Cell] = [OUTSIDE] * self._ncols
        if not touched:
            return row
        columns = sorted(touched)
        for c in columns:
            row[c] = tuple((i, self._bands[i].get(r, [])) for i in sorted(touched[c]))
        # A run of untouched cells between two touched ones lies wholly in one
        # polygon or none: its owner must have an edge on the ray to the left,
        # so the touched cells to the left, nearest first, hold the candidates.
        # Cells left of the first or right of the last touched cell are outside.
        y = self._y0 + (r + 0.5) * CELL_LAT
        for k in range(1, len(columns)):
            start, end = columns[k - 1] + 1, columns[k]
            if start >= end:
                continue
            x = self._x0 + (start + 0.5) * CELL_LON
            owner = self._owner_from_left(row, columns[:k], x, y)
            if owner != OUTSIDE:
                row[start:end] = [owner] * (end - start)
        return row

    @staticmethod
    def _owner_from_left(row: list[Cell], columns: list[int], x: float, y: float) -> int:
        seen: set[int] = set()
        for c in reversed(columns):
            cell = row[c]
            assert isinstance(cell, tuple)
            for index, edges in cell:
                if index not in seen:
                    seen.add(index)
                    if _contains(edges, x, y):
                        return index
        return OUTSIDE

    def _cell(self, x: float, y: float) -> Cell:
        r = int((y - self._y0) / CELL_LAT)
        c = int((x - self._x0) / CELL_LON)
        if 0 <= r < self._nrows and 0 <= c < self._ncols and y >= self._y0 and x >= self._x0:
            return self._rows[r][c]
        return OUTSIDE

    def find(self, lat: float, lon: float) -> int:
        """The index of the polygon containing the point, or OUTSIDE (-1)."""
        cell = self._cell(lon, lat)
        if isinstance(cell, int):
            return cell
        for index, edges in cell:
            if _contains(edges, lon, lat):
                return index
        return OUTSIDE


class PowiatIndex(PolygonGrid):
    """The powiat layer: powiaty.geojson."""

    def __init__(self, powiats: list[Powiat], rings: list[list[list[list[float]]]]) -> None:
        if not powiats:
            raise ValueError("no powiats")
        super().__init__(rings)
        self.powiats = powiats

    @classmethod
    def from_geojson(cls, collection: dict[str, Any]) -> PowiatIndex:
        powiats: list[Powiat] = []
        rings: list[list[list[list[float]]]] = []
        for feature in collection["features"]:
            props = feature["properties"]
            powiats.append(
                Powiat(
                    teryt=str(props["teryt"]),
                    name=str(props["name"]),
                    kind=str(props["kind"]),
                    voivodeship=str(props["voivodeship"]),
                )
            )
            rings.append(_rings_of(feature["geometry"]))
        return cls(powiats, rings)

    @classmethod
    def from_file(cls, path: Path) -> PowiatIndex:
        with open(path, encoding="utf-8") as f:
            return cls.from_geojson(json.load(f))

    def containing(self, lat: float, lon: float) -> Powiat | None:
        """The powiat whose polygon contains the point, if any."""
        index = self.find(lat, lon)
        return self.powiats[index] if index != OUTSIDE else None


@dataclass(frozen=True)
class Zone:
    kind: str  # ABROAD, LAND or WATER
    teryt: str | None  # the nearest powiat (LAND, WATER); None for ABROAD


class TerritoryIndex:
    """The zones of terytorium.geojson: where the powiat layer alone is not Poland.

    Zones are disjoint: ABROAD lies inside powiat polygons, LAND and WATER
    outside all of them. A point in no zone is in Poland exactly when a powiat
    polygon contains it.
    """

    def __init__(self, zones: list[Zone], rings: list[list[list[list[float]]]]) -> None:
        self.zones = zones
        self._grid = PolygonGrid(rings) if zones else None

    @classmethod
    def from_geojson(cls, collection: dict[str, Any]) -> TerritoryIndex:
        zones: list[Zone] = []
        rings: list[list[list[list[float]]]] = []
        for feature in collection["features"]:
            props = feature["properties"]
            kind = str(props["kind"])
            if kind not in ZONE_KINDS:
                raise ValueError(f"unknown zone kind {kind!r}")
            teryt = props.get("teryt")
            if (teryt is None) != (kind == ABROAD):
                raise ValueError(f"a {kind} zone {'without' if teryt is None else 'with'} a teryt")
            zones.append(Zone(kind, None if teryt is None else str(teryt)))
            rings.append(_rings_of(feature["geometry"]))
        return cls(zones, rings)

    @classmethod
    def from_file(cls, path: Path) -> TerritoryIndex:
        with open(path, encoding="utf-8") as f:
            return cls.from_geojson(json.load(f))

    def zone(self, lat: float, lon: float) -> Zone | None:
        """The zone containing the point, if any."""
        if self._grid is None:
            return None
        index = self._grid.find(lat, lon)
        return self.zones[index] if index != OUTSIDE else None
