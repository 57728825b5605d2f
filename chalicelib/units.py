"""Police garrisons and units, and routing a point to the unit that serves it.

A garrison is a voivodeship HQ (or Komenda Stołeczna Policji) and one
deployment. A unit is a county or city HQ (KPP/KMP) serving one or more
powiats. By default each powiat has its own unit; an admin's unit file can
merge powiats into one unit or rename units.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib import categories
from chalicelib.errors import OnWater, OutsideDeployment, OutsidePoland, ValidationFailed
from chalicelib.geo import ABROAD, WATER, Powiat, PowiatIndex, TerritoryIndex

# The derived zones beside powiaty.geojson (infra/prg.py writes them).
TERRITORY_FILE = "terytorium.geojson"

# Categories about water: the only ones taken on open water (the territorial
# sea and the bays' internal waters), where no other concern can arise.
WATER_CATEGORIES = frozenset(
    {"dangerous_water", "dangerous_waterside", "drownings", "wild_swimming", "poaching"}
)


@dataclass(frozen=True)
class Garrison:
    id: str  # slug, as in garrisons.json
    headquarters: str
    seat: str
    voivodeship: str
    powiats: tuple[str, ...]

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "headquarters": self.headquarters, "seat": self.seat}


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    teryt: str  # the TERYT of the unit's seat powiat
    garrison: str
    powiats: tuple[str, ...]

    def summary(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "teryt": self.teryt}


@dataclass(frozen=True)
class Placement:
    """Where a point belongs: its powiat, the unit serving it and the unit's garrison."""

    powiat: Powiat
    unit: Unit
    garrison: Garrison

    def as_dict(self) -> dict[str, object]:
        return {
            "powiat": {"teryt": self.powiat.teryt, "name": self.powiat.name},
            "unit": self.unit.summary(),
            "garrison": self.garrison.as_dict(),
        }


class UnitConfigError(ValueError):
    pass


def on_water_error() -> OnWater:
    """422 "on_water": a category not about water, on Polish waters beyond the shore."""
    names = [c for c in categories.CATEGORIES if c.code in WATER_CATEGORIES and c.active]
    return OnWater(
        ", ".join(f"„{c.name_pl}”" for c in names),
        ", ".join(f"'{c.name_en}'" for c in names),
    )


def parse_coordinate(value: float, name: str) -> float:
    """A latitude ("lat") or longitude ("lon") in range, else `invalid_coordinates`."""
    limit = 90.0 if name == "lat" else 180.0
    try:
        value = float(value)
    except OverflowError:  # an integer too large for a float
        value = math.inf
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise ValidationFailed("invalid_coordinates", name=name, low=-limit, high=limit)
    return value


# A coordinate in a query string: plain ASCII decimal (`50.06`, `-1`, `+19.9`), nothing that
# Python's float() also takes (`٥٠`, ` 50`, `1e1`, `inf`, `nan`, `5_0`).
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def parse_point_query(lat: str | None, lon: str | None) -> tuple[float, float]:
    """`?lat=..&lon=..` of a query string, in degrees (WGS84), as `(lat, lon)`.

    Each must be a plain ASCII decimal number (sign, digits, at most one dot): anything else,
    however float() would read it (other scripts' digits, padding, exponents), is a 400
    `wrong_type`; a missing one is `missing_field`; out of range as `parse_coordinate` says.
    """
    point = []
    for name, raw in (("lat", lat), ("lon", lon)):
        if raw is None or not raw.strip():
            raise ValidationFailed("missing_field", "parameter", name=name)
        if not _DECIMAL.fullmatch(raw):
            raise ValidationFailed("wrong_type", "parameter_number", name=name)
        point.append(parse_coordinate(float(raw), name))
    return point[0], point[1]


def load_garrisons(path: Path) -> list[Garrison]:
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return [
        Garrison(
            id=g["garrison"],
            headquarters=g["headquarters"],
            seat=g["seat"],
            voivodeship=g["voivodeship_teryt"],
            powiats=tuple(g["powiats"]),
        )
        for g in raw
    ]


def default_unit(powiat: Powiat, garrison: str) -> Unit:
    """One unit per powiat: a city with powiat rights has a KMP, a land county a KPP."""
    if powiat.kind == "city":
        return Unit(
            id=f"kmp-{powiat.teryt}",
            name=f"Komenda Miejska Policji ({powiat.name})",
            teryt=powiat.teryt,
            garrison=garrison,
            powiats=(powiat.teryt,),
        )
    return Unit(
        id=f"kpp-{powiat.teryt}",
        name=f"Komenda Powiatowa Policji (powiat {powiat.name})",
        teryt=powiat.teryt,
        garrison=garrison,
        powiats=(powiat.teryt,),
    )


def parse_unit_file(
    raw: Any, powiats: dict[str, Powiat], garrison_of: dict[str, str]
) -> list[Unit]:
    """Units an admin configured: `{"units": [{"id", "name", "teryt", "powiats"}]}`.

    Powiats the file does not mention keep their default unit.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("units"), list):
        raise UnitConfigError('expected {"units": [...]}')
    units: list[Unit] = []
    claimed: dict[str, str] = {}
    for entry in raw["units"]:
        if not isinstance(entry, dict):
            raise UnitConfigError("each unit must be an object")
        unit_id, name = entry.get("id"), entry.get("name")
        members = entry.get("powiats")
        if not isinstance(unit_id, str) or not unit_id:
            raise UnitConfigError("a unit has no id")
        if not isinstance(name, str) or not name.strip():
            raise UnitConfigError(f"unit {unit_id}: no name")
        if not isinstance(members, list) or not members:
            raise UnitConfigError(f"unit {unit_id}: no powiats")
        teryt = str(entry.get("teryt", members[0]))
        if teryt not in members:
            raise UnitConfigError(f"unit {unit_id}: seat {teryt} is not one of its powiats")
        for member in members:
            if member not in powiats:
                raise UnitConfigError(f"unit {unit_id}: unknown powiat {member}")
            if member in claimed:
                raise UnitConfigError(f"powiat {member} is in both {claimed[member]} and {unit_id}")
            claimed[member] = unit_id
        garrisons = {garrison_of[m] for m in members}
        if len(garrisons) != 1:
            raise UnitConfigError(f"unit {unit_id}: powiats of several garrisons")
        units.append(Unit(unit_id, name.strip(), teryt, garrisons.pop(), tuple(members)))
    ids = [u.id for u in units]
    if len(set(ids)) != len(ids):
        raise UnitConfigError("duplicate unit id")
    for teryt, powiat in powiats.items():
        if teryt not in claimed:
            units.append(default_unit(powiat, garrison_of[teryt]))
    return units


class Router:
    """Routes points to units, for a deployment serving some garrisons."""

    def __init__(
        self,
        index: PowiatIndex,
        garrisons: list[Garrison],
        units: list[Unit] | None = None,
        served: frozenset[str] | None = None,
        territory: TerritoryIndex | None = None,
    ) -> None:
        self.index = index
        # Without the zones only points inside a powiat polygon are placed.
        self.territory = territory if territory is not None else TerritoryIndex([], [])
        self.garrisons = {g.id: g for g in garrisons}
        powiats = {p.teryt: p for p in index.powiats}
        self._garrison_of = {teryt: g.id for g in garrisons for teryt in g.powiats}
        missing = sorted(set(powiats) - set(self._garrison_of))
        if missing:
            raise UnitConfigError(f"powiats in no garrison: {', '.join(missing)}")
        if units is None:
            units = [default_unit(p, self._garrison_of[p.teryt]) for p in index.powiats]
        self._unit_of = {teryt: u for u in units for teryt in u.powiats}
        self.served = served if served is not None else frozenset(self.garrisons)
        unknown = sorted(self.served - set(self.garrisons))
        if unknown:
            raise UnitConfigError(f"unknown garrisons: {', '.join(unknown)}")
        self.units = [u for u in units if u.garrison in self.served]
        self.powiats = powiats
        unknown_zones = sorted({z.teryt for z in self.territory.zones if z.teryt} - set(powiats))
        if unknown_zones:
            raise UnitConfigError(
                f"{TERRITORY_FILE} names powiats not in the powiat layer: "
                f"{', '.join(unknown_zones)}; derive it again (kmzb-admin boundaries import-prg)"
            )

    @classmethod
    def from_files(
        cls,
        powiats_path: Path,
        garrisons_path: Path,
        units_path: Path | None = None,
        served: frozenset[str] | None = None,
    ) -> Router:
        """The router over powiats_path and the zones beside it (terytorium.geojson)."""
        index = PowiatIndex.from_file(powiats_path)
        territory_path = powiats_path.with_name(TERRITORY_FILE)
        if not territory_path.exists():
            raise UnitConfigError(
                f"{territory_path} is missing: without it points abroad inside the simplified "
                "powiat layer would be routed and Polish waters refused; "
                "`kmzb-admin boundaries import-prg` writes it beside powiaty.geojson "
                "(`python -m infra.prg <boundaries folder>` derives it from the two layers there)"
            )
        territory = TerritoryIndex.from_file(territory_path)
        garrisons = load_garrisons(garrisons_path)
        units = None
        if units_path is not None:
            with open(units_path, encoding="utf-8") as f:
                raw = json.load(f)
            garrison_of = {t: g.id for g in garrisons for t in g.powiats}
            units = parse_unit_file(raw, {p.teryt: p for p in index.powiats}, garrison_of)
        return cls(index, garrisons, units, served, territory)

    def find(self, lat: float, lon: float) -> tuple[Powiat | None, bool]:
        """The powiat serving a point (None: not in Poland), and whether it is on open water.

        A zone of terytorium.geojson decides first: abroad is no powiat, Polish
        land outside the powiat polygons goes to the nearest powiat, Polish
        water outside them to the nearest coastal powiat. Else the powiat
        polygon containing the point.
        """
        zone = self.territory.zone(lat, lon)
        if zone is None:
            return self.index.containing(lat, lon), False
        if zone.kind == ABROAD or zone.teryt is None:
            return None, False
        return self.powiats[zone.teryt], zone.kind == WATER

    def locate(self, lat: float, lon: float, category: str | None = None) -> Powiat:
        """The powiat serving a point in Poland (the rules: docs/ARCHITECTURE.md).

        On open water only a water category, or None (any: who would serve a
        report there), is placed. Raises OutsidePoland or OnWater.
        """
        powiat, on_water = self.find(lat, lon)
        if powiat is None:
            raise OutsidePoland()
        if on_water and category is not None and category not in WATER_CATEGORIES:
            raise on_water_error()
        return powiat

    def place(self, lat: float, lon: float, category: str | None = None) -> Placement:
        """The powiat, unit and garrison of a point this deployment serves.

        `category` is the report's category code; None asks who would serve a
        report of any category there. Raises OutsidePoland, OnWater (on water for a category
        not about water) or OutsideDeployment (served elsewhere).
        """
        powiat = self.locate(lat, lon, category)
        garrison = self.garrisons[self._garrison_of[powiat.teryt]]
        if garrison.id not in self.served:
            raise OutsideDeployment(garrison.id, garrison.headquarters)
        return Placement(powiat, self._unit_of[powiat.teryt], garrison)

    def unit_by_reference(self, reference: str) -> Unit | None:
        """A served unit by its id, or by the TERYT of its seat or of any powiat it serves."""
        for unit in self.units:
            if reference in (unit.id, unit.teryt):
                return unit
        covering = self._unit_of.get(reference)
        return covering if covering is not None and covering.garrison in self.served else None

    def units_view(self) -> list[dict[str, object]]:
        """The units this deployment serves, with their powiats."""
        return [
            {
                **unit.summary(),
                "garrison": unit.garrison,
                "powiats": [
                    {"teryt": t, "name": self.powiats[t].name, "kind": self.powiats[t].kind}
                    for t in unit.powiats
                ],
            }
            for unit in self.units
        ]
