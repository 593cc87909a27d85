"""Industries as a small SKOS scheme (``ontology/sectors.ttl``) and how to find them in text.

A sector is named by a label or by a compound ending in one, in any of its
Norwegian inflections: "treindustrien", "reiselivsnæringa", "lokal mat".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from rdflib import Graph
from rdflib.namespace import SKOS

from .ns import ID, KG

_ENDINGS = r"(?:en|a|et|ene|er|ar|ane|n)?s?"  # definite, plural and genitive forms


@dataclass(frozen=True)
class Sector:
    """A concept of the sector scheme."""

    key: str  # "sector/treindustri"
    label: str
    pattern: re.Pattern


@cache
def load() -> tuple[Sector, ...]:
    """The sectors of ``ontology/sectors.ttl``, once per process."""
    from .graph import ontology_path

    g = Graph().parse(ontology_path("sectors.ttl"), format="turtle")
    out = []
    for concept in sorted(g.subjects(predicate=None, object=KG.Sector)):
        labels = [str(x) for p in (SKOS.prefLabel, SKOS.altLabel) for x in g.objects(concept, p)
                  if getattr(x, "language", None) in ("nb", "nn")]
        forms = "|".join(_forms(labels))
        pattern = re.compile(rf"(?<![\w-])(?:{forms})(?![\w-])", re.IGNORECASE)
        pref = next(str(x) for x in g.objects(concept, SKOS.prefLabel) if getattr(x, "language", None) == "nb")
        out.append(Sector(str(concept)[len(str(ID)):], pref, pattern))
    return tuple(out)


def _forms(labels: list[str]) -> list[str]:
    """Patterns for the forms a sector's labels take in text.

    A word matches as itself or as a compound's last part, in any inflection
    ("reiselivsnæringa"); an acronym only in capitals, alone or before a
    hyphen ("IKT-næringen"), since as the end of a word "IKT" would match
    "distrikt", "innsikt" and "oversikt".
    """
    words = sorted((lbl for lbl in labels if not lbl.isupper()), key=len, reverse=True)
    acronyms = sorted((lbl for lbl in labels if lbl.isupper()), key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return ([rf"[\wæøå]*?(?:{alternatives}){_ENDINGS}"] if words else []) + [
        rf"(?-i:{re.escape(a)})(?:-[\wæøå]+)?" for a in acronyms]


def find(text: str) -> list[tuple[int, int, Sector]]:
    """(start, end, sector) for every sector named in ``text``, leftmost and longest first."""
    hits = sorted(((m.start(), m.end(), s) for s in load() for m in s.pattern.finditer(text)),
                  key=lambda h: (h[0], -(h[1] - h[0])))
    out, last_end = [], -1
    for start, end, sector in hits:
        if start >= last_end:
            out.append((start, end, sector))
            last_end = end
    return out

