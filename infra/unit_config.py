"""A garrison's unit configuration: which units serve which powiats.

By default every powiat has its own unit: a Komenda Miejska Policji (KMP) for a
city with powiat rights, a Komenda Powiatowa Policji (KPP) otherwise. A
garrison's admin can write `infra/units/<garrison>.json` (`kmzb-admin units
init`), merge powiats into one unit, rename units and add their contacts, then
check it (`kmzb-admin units check`). The deployment (unit topics, routing)
reads the file through `garrison_units`; without a file, the defaults apply.

File format, as `chalicelib.units.parse_unit_file` reads it:

    {"garrison": "malopolskie",
     "units": [{"id": "kmp-1261", "name": "Komenda Miejska Policji (Kraków)",
                "teryt": "1261", "powiats": ["1261"],
                "contact": {"email": "", "phone": "", "address": ""}}]}

`teryt` is the unit's seat powiat and must be one of its `powiats`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.geo import Powiat
from chalicelib.settings import PROJECT_ROOT
from chalicelib.units import Garrison, Unit, UnitConfigError, default_unit, load_garrisons

UNITS_DIR = PROJECT_ROOT / "infra" / "units"
# A unit id becomes part of its SNS topic's name (<prefix><unit id>), which allows
# letters, digits, '-' and '_' only, 256 characters in all with the prefix.
UNIT_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,40}")
CONTACT_KEYS = ("email", "phone", "address")


class UnitFileError(UnitConfigError):
    """A unit file that fails the check; `problems` lists every problem found."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listing = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"{path}: {len(problems)} problem(s):\n{listing}")


@dataclass(frozen=True)
class BoundaryData:
    """What the unit configuration needs from the data folder."""

    garrisons: dict[str, Garrison]
    powiats: dict[str, Powiat]  # by TERYT, every powiat of the boundary layer

    @property
    def garrison_of(self) -> dict[str, str]:
        return {teryt: g.id for g in self.garrisons.values() for teryt in g.powiats}

    def garrison(self, slug: str) -> Garrison:
        found = self.garrisons.get(slug)
        if found is None:
            raise UnitConfigError(
                f"unknown garrison {slug!r}; valid garrisons: {', '.join(sorted(self.garrisons))}"
            )
        return found

    def describe(self, teryt: str) -> str:
        """'1261 (Kraków)', or the bare code of a powiat the boundary layer lacks."""
        powiat = self.powiats.get(teryt)
        return f"{teryt} ({powiat.name})" if powiat else teryt


def load_powiats(data_dir: Path) -> dict[str, Powiat]:
    """The powiats of `<data_dir>/boundaries/powiaty.geojson` by TERYT (properties only)."""
    with open(data_dir / "boundaries" / "powiaty.geojson", encoding="utf-8") as f:
        collection = json.load(f)
    powiats: dict[str, Powiat] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        powiat = Powiat(
            teryt=str(props["teryt"]),
            name=str(props["name"]),
            kind=str(props["kind"]),
            voivodeship=str(props["voivodeship"]),
        )
        powiats[powiat.teryt] = powiat
    return powiats


def load_boundary_data(data_dir: Path) -> BoundaryData:
    garrisons = load_garrisons(data_dir / "garrisons.json")
    return BoundaryData({g.id: g for g in garrisons}, load_powiats(data_dir))


def garrison_slugs(data_dir: Path) -> list[str]:
    """The garrisons' slugs in garrisons.json, sorted."""
    return sorted(g.id for g in load_garrisons(data_dir / "garrisons.json"))


def units_path(garrison: str) -> Path:
    """Where a garrison's unit file lives in the repository: infra/units/<garrison>.json
    (KMZB_UNITS_DIR moves the folder)."""
    return Path(os.environ.get("KMZB_UNITS_DIR") or UNITS_DIR) / f"{garrison}.json"


def _default_units(data: BoundaryData, garrison: Garrison) -> list[Unit]:
    missing = [t for t in garrison.powiats if t not in data.powiats]
    if missing:
        raise UnitConfigError(
            f"garrison {garrison.id}: powiats missing from the boundary data: {', '.join(missing)}"
        )
    return [default_unit(data.powiats[t], garrison.id) for t in sorted(garrison.powiats)]


def default_config(garrison: str, data_dir: Path) -> dict[str, Any]:
    """The garrison's default unit file: one unit per powiat, sorted by TERYT."""
    data = load_boundary_data(data_dir)
    units = _default_units(data, data.garrison(garrison))
    return {
        "garrison": garrison,
        "units": [
            {
                "id": unit.id,
                "name": unit.name,
                "teryt": unit.teryt,
                "powiats": list(unit.powiats),
                "contact": dict.fromkeys(CONTACT_KEYS, ""),
            }
            for unit in units
        ],
    }


def dump_config(config: dict[str, Any]) -> str:
    """A unit file's text: pretty-printed JSON, Polish letters as they are."""
    return json.dumps(config, ensure_ascii=False, indent=2) + "\n"


def _contact_problems(label: str, contact: Any) -> list[str]:
    from infra.contacts import AdminError, normalise_email, normalise_phone

    if contact is None:
        return []
    if not isinstance(contact, dict):
        return [f"{label}: 'contact' must be an object with email, phone and address"]
    problems = []
    for key, normalise in (("email", normalise_email), ("phone", normalise_phone)):
        value = contact.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            problems.append(f"{label}: contact {key} must be text")
            continue
        try:
            normalise(value)
        except AdminError as e:
            problems.append(f"{label}: contact {key}: {e}")
    address = contact.get("address")
    if address is not None and not isinstance(address, str):
        problems.append(f"{label}: contact address must be text")
    return problems


def _check(raw: Any, garrison: Garrison, data: BoundaryData) -> list[str]:
    if not isinstance(raw, dict):
        return ['the file must hold a JSON object: {"garrison": "...", "units": [...]}']
    problems: list[str] = []
    named = raw.get("garrison")
    if named is not None and named != garrison.id:
        problems.append(f"the file is for garrison {named!r}, not {garrison.id!r}")
    units = raw.get("units")
    if not isinstance(units, list):
        problems.append("'units' must be a list of units")
        return problems
    if not units:
        problems.append("'units' is empty")
    garrison_of = data.garrison_of
    own = set(garrison.powiats)
    served_by: dict[str, str] = {}  # powiat -> the first unit serving it
    ids: dict[str, int] = {}  # unit id -> its position (1-based)
    for position, entry in enumerate(units, start=1):
        if not isinstance(entry, dict):
            problems.append(f"unit #{position}: must be an object")
            continue
        unit_id = entry.get("id")
        label = f"unit #{position}"
        if not isinstance(unit_id, str) or not unit_id:
            problems.append(f"{label}: no id")
        else:
            label = f"unit {unit_id}"
            if not UNIT_ID_PATTERN.fullmatch(unit_id):
                problems.append(
                    f"{label}: the id may hold only letters, digits, '-' and '_', "
                    "at most 40 characters (it names the unit's SNS topic)"
                )
            if unit_id in ids:
                problems.append(f"{label}: the id is used by units #{ids[unit_id]} and #{position}")
            else:
                ids[unit_id] = position
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{label}: no name")
        members = entry.get("powiats")
        if not isinstance(members, list) or not members:
            problems.append(f'{label}: no powiats (a list of TERYT codes, e.g. ["1261"])')
            members = []
        for member in members:
            if not isinstance(member, str):
                problems.append(f"{label}: powiat {member!r} must be a TERYT code in quotes")
                continue
            if member not in data.powiats:
                listed = garrison_of.get(member)
                problems.append(
                    f"{label}: unknown TERYT code {member!r}"
                    + (
                        f" (garrisons.json lists it for {listed}, the boundary data lacks it)"
                        if listed
                        else ""
                    )
                )
                continue
            if member not in own:
                other = garrison_of.get(member)
                where = f"garrison {other}" if other else "no garrison"
                problems.append(
                    f"{label}: powiat {data.describe(member)} belongs to {where}, not {garrison.id}"
                )
                continue
            if member in served_by:
                problems.append(
                    f"powiat {data.describe(member)} is served by both "
                    f"{served_by[member]} and {label.removeprefix('unit ')}"
                )
            else:
                served_by[member] = label.removeprefix("unit ")
        seat = entry.get("teryt")
        if seat is not None and (not isinstance(seat, str) or seat not in members):
            problems.append(f"{label}: seat 'teryt' {seat!r} is not one of its powiats")
        problems.extend(_contact_problems(label, entry.get("contact")))
    for teryt in sorted(own - set(served_by)):
        problems.append(f"powiat {data.describe(teryt)} is served by no unit")
    return problems


def check_config(raw: Any, garrison: str, data_dir: Path) -> list[str]:
    """Every problem of a unit file's content (parsed JSON) for the garrison; [] if none.

    Raises UnitConfigError for an unknown garrison.
    """
    data = load_boundary_data(data_dir)
    return _check(raw, data.garrison(garrison), data)


def read_unit_file(path: Path) -> Any:
    """A unit file's parsed JSON; a UnitFileError if it is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise UnitFileError(path, [f"not valid JSON: {e}"]) from None
    except UnicodeDecodeError as e:
        raise UnitFileError(path, [f"not UTF-8 text: {e}"]) from None


def garrison_units(garrison: str, data_dir: Path, path: Path | None = None) -> list[Unit]:
    """The garrison's units: those of its unit file if there is one, else the defaults.

    `path` defaults to `units_path(garrison)`. A file that fails the check
    raises UnitFileError listing every problem; an unknown garrison raises
    UnitConfigError.
    """
    from chalicelib.units import parse_unit_file

    data = load_boundary_data(data_dir)
    found = data.garrison(garrison)
    path = units_path(garrison) if path is None else path
    if not path.exists():
        return _default_units(data, found)
    raw = read_unit_file(path)
    problems = _check(raw, found, data)
    if problems:
        raise UnitFileError(path, problems)
    own = {t: data.powiats[t] for t in found.powiats}
    return parse_unit_file(raw, own, data.garrison_of)
