"""Point → powiat lookup over the PRG powiat layer.

The index is a regular grid over the layer's bounding box, built once per
process. A cell that no boundary edge touches belongs wholly to one powiat (or
to none), so most lookups are a single list access. A cell that edges touch
keeps its candidate powiats, each with only its own edges in that grid row, so
the point-in-polygon test there looks at a handful of edges.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Grid cells of about 7 km x 6.7 km in Poland: small enough that most cells
# hold no boundary, big enough that building stays well under 100 ms.
CELL_LON = 0.1
CELL_LAT = 0.06
METRES_PER_DEGREE = 111_195.0

Edge = tuple[float, float, float, float]
Candidates = tuple[tuple[int, list[Edge]], ...]
Cell = int | Candidates  # owner index, -1 for none, or candidates
OUTSIDE = -1


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


def _distance_m(edges: list[Edge], x: float, y: float) -> float:
    """Shortest distance in metres from (x, y) to the edges, on a local flat projection."""
    kx = math.cos(math.radians(y)) * METRES_PER_DEGREE
    ky = METRES_PER_DEGREE
    best = math.inf
    for x1, y1, x2, y2 in edges:
        ax, ay = (x1 - x) * kx, (y1 - y) * ky
        bx, by = (x2 - x) * kx, (y2 - y) * ky
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        px, py = ax + t * dx, ay + t * dy
        best = min(best, px * px + py * py)
    return math.sqrt(best)


class PowiatIndex:
    def __init__(self, powiats: list[Powiat], rings: list[list[list[list[float]]]]) -> None:
        if not powiats:
            raise ValueError("no powiats")
        self.powiats = powiats
        xs = [p[0] for feature in rings for ring in feature for p in ring]
        ys = [p[1] for feature in rings for ring in feature for p in ring]
        self._x0, self._y0 = min(xs), min(ys)
        self._ncols = int((max(xs) - self._x0) / CELL_LON) + 1
        self._nrows = int((max(ys) - self._y0) / CELL_LAT) + 1
        # Each powiat's edges, bucketed by grid row.
        self._bands: list[dict[int, list[Edge]]] = []
        # Candidate powiats per cell touched by an edge: row -> col -> set.
        touched: list[dict[int, set[int]]] = [{} for _ in range(self._nrows)]
        x0, y0 = self._x0, self._y0
        for index, feature in enumerate(rings):
            bands: dict[int, list[Edge]] = {}
            for ring in feature:
                for (x1, y1), (x2, y2) in itertools.pairwise(ring):
                    edge = (x1, y1, x2, y2)
                    r0 = int((min(y1, y2) - y0) / CELL_LAT)
                    r1 = int((max(y1, y2) - y0) / CELL_LAT)
                    c0 = int((min(x1, x2) - x0) / CELL_LON)
                    c1 = int((max(x1, x2) - x0) / CELL_LON)
                    for r in range(r0, r1 + 1):
                        band = bands.get(r)
                        if band is None:
                            bands[r] = [edge]
                        else:
                            band.append(edge)
                        row = touched[r]
                        for c in range(c0, c1 + 1):
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
        # powiat or none: its owner must have an edge on the ray to the left,
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

    def _cell(self, x: float, y: float) -> Cell:
        r = int((y - self._y0) / CELL_LAT)
        c = int((x - self._x0) / CELL_LON)
        if 0 <= r < self._nrows and 0 <= c < self._ncols and y >= self._y0 and x >= self._x0:
            return self._rows[r][c]
        return OUTSIDE

    def containing(self, lat: float, lon: float) -> Powiat | None:
        """The powiat whose polygon contains the point, if any."""
        cell = self._cell(lon, lat)
        if isinstance(cell, int):
            return self.powiats[cell] if cell != OUTSIDE else None
        for index, edges in cell:
            if _contains(edges, lon, lat):
                return self.powiats[index]
        return None

    def nearest(self, lat: float, lon: float, max_metres: float) -> Powiat | None:
        """The powiat nearest to a point outside every polygon, if within max_metres.

        Cells are larger than any tolerance we use, so the neighbouring cells
        hold every boundary within reach.
        """
        if max_metres >= CELL_LAT * METRES_PER_DEGREE * 0.5:
            raise ValueError("tolerance larger than the grid supports")
        candidates: set[int] = set()
        for dy in (-CELL_LAT, 0.0, CELL_LAT):
            for dx in (-CELL_LON, 0.0, CELL_LON):
                cell = self._cell(lon + dx, lat + dy)
                if isinstance(cell, tuple):
                    candidates.update(index for index, _ in cell)
        best, best_index = math.inf, OUTSIDE
        r = int((lat - self._y0) / CELL_LAT)
        for index in sorted(candidates):
            bands = self._bands[index]
            if _contains(bands.get(r, []), lon, lat):
                return self.powiats[index]
            edges = [e for b in (r - 1, r, r + 1) for e in bands.get(b, ())]
            distance = _distance_m(edges, lon, lat)
            if distance < best:
                best, best_index = distance, index
        if best_index == OUTSIDE or best > max_metres:
            return None
        return self.powiats[best_index]

    def locate(self, lat: float, lon: float, tolerance_m: float = 500.0) -> Powiat | None:
        """The powiat containing the point, else the nearest within the tolerance."""
        return self.containing(lat, lon) or self.nearest(lat, lon, tolerance_m)
