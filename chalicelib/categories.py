"""The KMZB threat-category catalogue: the single source for the whole project."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Visibility(StrEnum):
    """When reports of a category may appear on the public map."""

    ALWAYS = "always"
    NEVER = "never"
    CONFIRMED_ONLY = "confirmed_only"


@dataclass(frozen=True)
class Category:
    code: str
    name_pl: str
    name_en: str
    active: bool = True
    visibility: Visibility = Visibility.ALWAYS

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name_pl": self.name_pl,
            "name_en": self.name_en,
            "active": self.active,
            "public_visibility": self.visibility.value,
        }


# The 27 categories of July 2020 (see shared/reference/KMZB.md). A category
# withdrawn later stays here with active=False so that old reports keep a
# valid code; citizens may only choose active ones.
CATEGORIES: tuple[Category, ...] = (
    Category("vandalism", "Akty wandalizmu", "Vandalism"),
    Category("wild_swimming", "Dzikie kąpieliska", "Unofficial swimming spots"),
    Category("illegal_dumping", "Dzikie wysypiska śmieci", "Illegal dumps"),
    Category(
        "minors_at_risk",
        "Grupowanie się małoletnich zagrożonych demoralizacją",
        "Gatherings of minors at risk",
    ),
    Category("poaching", "Kłusownictwo", "Poaching"),
    Category(
        "dangerous_waterside",
        "Miejsca niebezpieczne na terenach wodnych",
        "Dangerous places by the water",
    ),
    Category("dangerous_water", "Miejsca niebezpieczne na wodach", "Dangerous places on the water"),
    Category(
        "dangerous_venue",
        "Miejsce niebezpiecznej działalności rozrywkowej",
        "Dangerous entertainment venue",
        visibility=Visibility.CONFIRMED_ONLY,
    ),
    Category("illegal_logging", "Nielegalna wycinka drzew", "Illegal tree felling"),
    Category("illegal_racing", "Nielegalne rajdy samochodowe", "Illegal car racing"),
    Category("illegal_parking", "Nieprawidłowe parkowanie", "Illegal parking"),
    Category(
        "track_crossing",
        "Niestrzeżone przejście przez tory",
        "Unguarded pedestrian track crossing",
    ),
    Category("level_crossing", "Niestrzeżony przejazd kolejowy", "Unguarded level crossing"),
    Category(
        "road_infrastructure",
        "Niewłaściwa infrastruktura drogowa",
        "Faulty road infrastructure",
    ),
    Category("greenery_damage", "Niszczenie zieleni", "Damage to greenery"),
    Category(
        "homeless_in_need",
        "Osoba bezdomna wymagająca pomocy",
        "Homeless person in need of help",
    ),
    Category("quads_in_forest", "Poruszanie się po terenach leśnych quadami", "Quads in forests"),
    Category("speeding", "Przekraczanie dozwolonej prędkości", "Speeding"),
    Category(
        "public_drinking",
        "Spożywanie alkoholu w miejscach niedozwolonych",
        "Drinking in prohibited places",
    ),
    Category("drownings", "Utonięcia", "Drownings"),
    Category(
        "drug_use",
        "Używanie środków odurzających",
        "Drug use",
        visibility=Visibility.NEVER,
    ),
    Category("stray_dogs", "Wałęsające się bezpańskie psy", "Stray dogs"),
    Category("grass_burning", "Wypalanie traw", "Grass burning"),
    Category(
        "wildlife_collisions",
        "Zdarzenia drogowe z udziałem zwierząt leśnych",
        "Road incidents with wild animals",
    ),
    Category(
        "animal_cruelty",
        "Znęcanie się nad zwierzętami",
        "Animal cruelty",
        visibility=Visibility.NEVER,
    ),
    Category(
        "traffic_organisation",
        "Zła organizacja ruchu drogowego",
        "Poor traffic organisation",
    ),
    Category("begging", "Żebractwo", "Begging"),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}


def get(code: str) -> Category | None:
    return BY_CODE.get(code)


def catalogue() -> dict[str, Any]:
    """GET /v1/categories' answer (also a static file on the national map)."""
    return {"categories": [c.as_dict() for c in CATEGORIES]}
