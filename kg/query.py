"""Named, parameterised queries: the questions users ask every day.

One place defines them for the CLI and the library. User input (a region
name, a class name) is bound as an RDF term through the store's
substitutions; it is never pasted into SPARQL text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import groupby

from rdflib import Literal, URIRef

from .errors import NotFoundError, QueryError
from .graph import READING_PATTERN, folded
from .ns import ID, KG, LANGUAGES
from .ns import SPARQL_PREFIXES as PREFIXES
from .store import READERS, Store

#: Kinds of link of ``actors --region``: located there, active there, member of a
#: cluster or network there, operator of a programme there, owner of an actor seated there.
LINKS = ("located", "active", "member", "operates", "owns")

_ACTOR_CLASSES = ("Firm", "PublicBody", "ResearchOrEducation", "DevelopmentActor", "Association", "Network",
                  "Cluster", "Organisation", "Programme", "Actor")
#: kg:Actor and its subclasses (checked against the ontology by a test); a VALUES list
#: is much faster in Oxigraph than ``rdfs:subClassOf*`` inside a large join.
ACTOR_TYPES = tuple(c for c in _ACTOR_CLASSES if c != "Programme")

#: Places are told by their IRIs (minted under id/place/), which costs nothing,
#: where a type test would make Oxigraph join with every typed node.
PLACE_IRIS = str(ID["place/"])

PLACES_NAMED = PREFIXES + """
SELECT DISTINCT ?place ?name WHERE {
  ?place a ?cls ; skos:prefLabel|skos:altLabel ?label .
  ?cls rdfs:subClassOf* kg:Place .
  FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))
}
"""

#: How an actor is linked to a place, per kind of link; ``?via`` is what the actor
#: is linked to when that is not the place itself (a network, a programme, a firm).
LINK_PATTERNS = {
    "located": (KG.locatedIn, "?actor kg:locatedIn ?place ."),
    "active": (KG.activeIn, "?actor kg:activeIn ?place ."),
    "member": (KG.memberOf, "?via kg:locatedIn|kg:activeIn ?place . ?actor kg:memberOf ?via ."),
    "operates": (KG.operates, "?via kg:locatedIn|kg:activeIn ?place . ?actor kg:operates ?via ."),
    "owns": (KG.owns, "?via kg:locatedIn ?place . ?actor kg:owns ?via ."),
}

#: One query per kind of link: a UNION of the kinds makes Oxigraph join every
#: typed node with every link, which takes minutes on a large graph. The links
#: are found first, each once (DISTINCT: the union of report graphs repeats a
#: fact once per report holding it); label and type are then looked up per link
#: (OPTIONAL lets Oxigraph look them up with the actor bound, where a plain join
#: scans every label). On benchmarks/queries.py's 1M-quad graph this took a
#: county's query from 4.6 s to 0.54 s. ``?place`` takes the places of
#: :data:`REGION_PLACES` (asked once, for their labels too) as ``values``: with
#: the place hierarchy walked inside this query instead, Oxigraph planned the
#: kinds that go through a group or a firm from the whole graph (members of
#: networks in Gjøvik 418 ms, now 7.5 ms; in Innlandet 660 ms, now 164 ms).
ACTORS_IN_REGION = {
    kind: PREFIXES + """
SELECT DISTINCT ?actor ?type ?label ?via ?place WHERE {
  { SELECT DISTINCT ?actor ?via ?place WHERE {
      PATTERN
  } }
  OPTIONAL { ?actor skos:prefLabel ?label }
  OPTIONAL { ?actor a ?type }
  FILTER(BOUND(?label) && ?type IN (ACTOR_TYPES))
}
""".replace("PATTERN", pattern).replace("ACTOR_TYPES", ", ".join(f"kg:{c}" for c in ACTOR_TYPES))
    for kind, (_, pattern) in LINK_PATTERNS.items()
}

#: The evidence of one fact. Asked per fact with bound terms: a join over all
#: evidence nodes costs more than many small lookups.
EVIDENCE = PREFIXES + """
SELECT ?s ?p ?o ?page ?sentence ?report ?confidence WHERE {
  ?ev kg:object ?o ; kg:subject ?s ; kg:predicate ?p ;
      kg:page ?page ; kg:sentence ?sentence ; kg:inReport ?r ; kg:confidence ?confidence .
  ?r dcterms:title ?report .
}
"""

ENTITIES = PREFIXES + """
SELECT ?root ?entity ?type ?label (COUNT(DISTINCT ?report) AS ?reports) WHERE {
  ?entity kg:mentionedIn ?report ; a ?type ; skos:prefLabel ?label .
  ?type rdfs:subClassOf* ?root .
} GROUP BY ?root ?entity ?type ?label ORDER BY STR(?label)
"""

#: Alternative labels: of one entity (``?entity`` bound), or of all. A join
#: with kg:mentionedIn to keep only mentioned entities cost seconds on a
#: large graph; callers ask for the entities they show. (With the preferred
#: labels as well, the scan of all took 1.26 s instead of 2 ms on
#: benchmarks/queries.py's graph: the labels other reports give an entity come
#: with the answers that name it instead, see :func:`aliases_besides`.)
ALIASES = PREFIXES + """
SELECT DISTINCT ?entity ?alias WHERE { ?entity skos:altLabel ?alias }
"""

REPORTS = PREFIXES + """
SELECT ?report ?g ?title ?series ?year ?language ?source ?hash ?pages ?software ?pipeline WHERE {
  GRAPH ?g {
    ?report a kg:Report ; dcterms:title ?title ; kg:sourceFile ?source ; kg:contentHash ?hash ;
            kg:pageCount ?pages .
    OPTIONAL { ?report dcterms:identifier ?series }
    OPTIONAL { ?report dcterms:issued ?year }
    OPTIONAL { ?report dcterms:language ?language }
    OPTIONAL { READING_PATTERN }
  }
} ORDER BY ?source
""".replace("READING_PATTERN", READING_PATTERN)

#: What is labelled exactly ``?label``: an index lookup, tried before the
#: case-insensitive scan of every label (seconds on a large graph).
LABELLED = PREFIXES + """
SELECT DISTINCT ?label ?e WHERE { ?e skos:prefLabel|skos:altLabel ?label }
"""

#: What has ``?label``, a name in lower case, as label or as the lower-case form
#: kg stores beside each label with capitals (``skos:hiddenLabel``, see
#: :func:`kg.graph.with_folded_labels`): index lookups, where comparing ``LCASE``
#: of every label scans them all.
FOLDED = PREFIXES + """
SELECT DISTINCT ?label ?e WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel skos:hiddenLabel }
  ?e ?p ?label
}
"""

#: The case-insensitive scan, for graphs an older kg wrote without hidden labels,
#: scans every label, the two label properties
#: as ``VALUES`` rather than the path ``skos:prefLabel|skos:altLabel``: on
#: benchmarks/queries.py's graph "GJØVIK" took 83 ms against 96 ms (medians
#: of 9 taking turns), and :data:`SEARCH`'s scan, written the same way,
#: 66 ms against 92 ms (medians of 15).
NAMED = PREFIXES + """
SELECT DISTINCT ?name ?e WHERE {
  VALUES ?p { skos:prefLabel skos:altLabel }
  ?e ?p ?label .
  FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))
}
"""

#: Members of one group, its IRI bound.
MEMBERS = PREFIXES + """
SELECT DISTINCT ?group ?p ?actor ?type ?label WHERE {
  VALUES ?p { kg:memberOf kg:participatesIn }
  ?actor ?p ?group .
  OPTIONAL { ?actor skos:prefLabel ?label }
  OPTIONAL { ?actor a ?type }
  FILTER(BOUND(?label) && BOUND(?type))
}
"""


def _text(text: str) -> Literal:
    """A text the queries compare through ``STR()`` (names, search words), as a query parameter.

    It carries a language tag, which ``STR()`` drops: Virtuoso 7.2 matched a
    plain literal with letters beyond ASCII ("gjøvik") against nothing in
    some query shapes (a sorted search among them), a tagged one everywhere.
    """
    return Literal(text, lang=LANGUAGES[0])


def labelled(store: Store, name: str) -> list[URIRef]:
    """What has exactly ``name`` (spacing folded) as label or alternative label, in Bokmål or Nynorsk."""
    name = " ".join(name.split())
    return [r["e"] for r in store.select(LABELLED, values={"label": [Literal(name, lang=lang) for lang in LANGUAGES]})]


def named(store: Store, name: str) -> list[URIRef]:
    """What has ``name`` as label or alternative label: the exact label first, then ignoring case.

    Ignoring case looks the lower-case name up among the labels and their
    hidden lower-case forms; only when that finds nothing are all labels
    scanned, which finds names in graphs written before kg 0.3.2.
    """
    name = " ".join(name.split())
    return (labelled(store, name) or _by_folded_label(store, name)
            or [r["e"] for r in store.select(NAMED, {"name": _text(name)})])


def _by_folded_label(store: Store, name: str) -> list[URIRef]:
    """What has ``name`` as label ignoring case, by its lower-case form (see :data:`FOLDED`)."""
    return [r["e"] for r in store.select(FOLDED, values={"label": [Literal(folded(name), lang=lang)
                                                                  for lang in LANGUAGES]})]


@dataclass
class Row:
    """One entity in an answer, with its links and their evidence."""

    iri: str
    label: str
    type: str
    aliases: list[str] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"label": self.label, "type": self.type, "iri": self.iri, "aliases": self.aliases, "links": self.links}


def _local(iri) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def preferred_label(labels: Iterable[str]) -> str:
    """The one label shown for an entity that reports name differently ("Siva" in one, "SIVA" in another).

    Each store answers in its own order, so the choice must not depend on
    it: a label not written in capitals if there is one (capitals are how a
    heading or an acronym writes a name), then the first in alphabetical order.
    """
    return min(labels, key=lambda label: (label.isupper(), label))


def aliases_besides(names: Iterable[str], label: str) -> list[str]:
    """An entity's other names, sorted: its alternative labels and the labels other
    reports give it ("Lettmetallklyngen" where the label shown is "Lettmetallklynga"),
    not the label shown, and one of each spelling that differs from another only in
    case ("SIVA" beside "Siva" is no alias)."""
    seen = {label.casefold()}
    out = []
    for name in sorted(set(names), key=lambda n: (n.isupper(), n)):
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return sorted(out)


_PLACE_CLASSES = ("Locality", "Municipality", "Region", "County", "Country", "Place")


def _by_type_and_name(row: Row) -> tuple:
    """Rows by type and name; two entities of one name (the two Våler) by IRI, not in the store's order."""
    return row.type, row.label.lower(), row.iri


def _most_specific(types: set[str]) -> str:
    for cls in (*_ACTOR_CLASSES, *_PLACE_CLASSES):
        if cls in types:
            return cls
    return sorted(types)[0] if types else "Actor"


class _Names:
    """The labels and types an answer gives each entity, folded into the one label and type shown.

    A store repeats an entity in an answer once per label and type (reports
    may label it differently, and a node has a class and its superclasses), and
    every answer folds them the same way, whatever order the store gave.
    """

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = defaultdict(set)
        self.types: dict[str, set[str]] = defaultdict(set)

    def add(self, node, label=None, type_=None) -> str:
        """Note a label and a type (either may be None) of ``node``; return its IRI as a string."""
        iri = str(node)
        if label is not None:
            self.labels[iri].add(str(label))
        if type_ is not None:
            self.types[iri].add(_local(type_))
        return iri

    def label(self, iri: str) -> str:
        return preferred_label(self.labels[iri])

    def type(self, iri: str) -> str:
        return _most_specific(self.types[iri])


#: From this many entities on, their aliases come from one scan of every alternative
#: label instead of one lookup each: on benchmarks/queries.py's 1M-quad graph a
#: lookup took about 170 us (a county's 5,204 actors 0.8-0.9 s), the scan 3 ms.
ALIAS_SCAN_FROM = 500


def _aliases(store: Store, iris: list[str] | None = None) -> dict[str, list[str]]:
    """Alternative labels of ``iris`` (one lookup each, or one scan for many), or of everything (one scan)."""
    out: dict[str, set[str]] = defaultdict(set)
    if iris is not None and len(iris) < ALIAS_SCAN_FROM:
        answers = (row for iri in iris for row in store.strings(ALIASES, {"entity": URIRef(iri)}))
    else:
        answers = store.strings(ALIASES)  # read as text: a large store has tens of thousands
    for entity, alias in answers:
        out[entity].add(alias)
    wanted = out.keys() if iris is None else set(iris) & out.keys()
    return {k: sorted(out[k]) for k in wanted}


def find_places(store: Store, name: str) -> list[URIRef]:
    """Places whose label or alternative label is ``name`` (case-insensitive)."""
    name = " ".join(name.split())
    hits = [e for e in labelled(store, name) if e.startswith(PLACE_IRIS)]
    for form in (name, name[:-1]) if name.endswith("s") else (name,):  # "Hedmarks": a genitive
        hits = (hits or [e for e in _by_folded_label(store, form) if e.startswith(PLACE_IRIS)]
                or [r["place"] for r in store.select(PLACES_NAMED, {"name": _text(form)})])
    return hits


def _places_or_fail(store: Store, name: str) -> list[URIRef]:
    places = find_places(store, name)
    if not places:
        raise NotFoundError(f"no place named {name!r}; try a county, region, municipality or locality name")
    return places


def _add_alternative_labels(store: Store, rows: list[Row]) -> None:
    """Add the stored alternative labels of the rows shown (a page) to their aliases."""
    aliases = _aliases(store, [r.iri for r in rows])
    for row in rows:
        row.aliases = aliases_besides([*row.aliases, *aliases.get(row.iri, [])], row.label)


def _check_link(link: str | None) -> None:
    """Raise QueryError unless ``link`` is None or one of :data:`LINKS`."""
    if link and link not in LINKS:
        raise QueryError(f"unknown link kind {link!r}; choose one of: {', '.join(LINKS)}")


def _page(rows: list[Row], limit: int | None, offset: int) -> list[Row]:
    """Rows ``offset`` to ``offset + limit`` of a sorted answer (all from ``offset`` when ``limit`` is None).

    Raises:
        QueryError: a negative offset or a limit below 1.
    """
    if offset < 0 or (limit is not None and limit < 1):
        raise QueryError(f"limit must be at least 1 and offset at least 0 (got limit={limit}, offset={offset})")
    return rows[offset: None if limit is None else offset + limit]


def actors_in_region(store: Store, name: str, link: str | None = None, limit: int | None = None,
                     offset: int = 0, evidence: bool = True) -> list[Row]:
    """Actors linked to a place or any place inside it, each once, sorted by type and name.

    A county holds thousands of actors once many reports are stored: the links
    are found in one query per kind, while aliases and evidence are looked up
    per actor, so they are fetched only for the page asked for.

    Args:
        name: a county, region, municipality or locality name ("Innlandet", "Glåmdalen").
        link: one of :data:`LINKS` to keep one kind of link; None keeps all.
        limit: at most this many actors (None: all of them).
        offset: actors to skip first, for the next page.
        evidence: give each link the report, page and sentence it was read from
            (one row per link and sentence); without, one row per link.

    Raises:
        QueryError: no place has that name, the link kind is unknown, or a bad limit or offset.
    """
    _check_link(link)
    rows, facts = _actors(store, _places_or_fail(store, name), link)
    return _complete(store, _page(rows, limit, offset), facts, evidence)


#: One link of an actor to a place, before its evidence is looked up.
_Fact = tuple[str, str, URIRef, str]  # kind, place label, predicate, object IRI


def _actors(store: Store, places: list[URIRef], link: str | None,
            region_places: list[dict] | None = None) -> tuple[list[Row], dict[str, list[_Fact]]]:
    """Actors linked to any of ``places`` or a place inside them, sorted, and their links by actor IRI.

    ``region_places`` is the answer of :data:`REGION_PLACES` for the one place
    in ``places`` when the caller has asked it already; otherwise it is asked here.
    """
    rows: dict[str, Row] = {}
    names = _Names()
    facts: dict[str, list[_Fact]] = defaultdict(list)
    seen_links = set()
    for region in places:
        found = region_places if region_places is not None else store.select(REGION_PLACES, {"region": region})
        place_labels = {str(r["place"]): str(r["label"]) for r in found}
        inside = list({r["place"]: None for r in found})  # each place once, as the term it came as
        for kind, predicate, (iri, type_, label, via, place_iri) in _links_of(store, inside, link):
            names.add(iri, label, type_)
            rows.setdefault(iri, Row(iri, "", ""))
            key = (iri, kind, place_iri)
            if key not in seen_links:
                seen_links.add(key)
                place = place_labels.get(place_iri) or _local(place_iri)
                facts[iri].append((kind, place, predicate, via or place_iri))
    for iri, row in rows.items():
        row.type, row.label = names.type(iri), names.label(iri)
        row.aliases = aliases_besides(names.labels[iri], row.label)  # the other reports' labels
    return sorted(rows.values(), key=_by_type_and_name), facts


def _complete(store: Store, rows: list[Row], facts: dict[str, list[_Fact]], evidence: bool) -> list[Row]:
    """Add the alternative labels to the aliases of one page's rows, and give them their links
    (with evidence when asked)."""
    _add_alternative_labels(store, rows)
    for row in rows:
        # in the order of LINKS, then by place: the same on every store, whatever order its answer came in
        for kind, place, predicate, obj in sorted(facts[row.iri], key=lambda f: (LINKS.index(f[0]), f[1])):
            found = fact_evidence(store, URIRef(row.iri), predicate, URIRef(obj)) if evidence else []
            for ev in found or [{}]:
                row.links.append({"link": kind, "place": place, "report": ev.get("report"), "page": ev.get("page"),
                                  "sentence": ev.get("sentence"), "confidence": ev.get("confidence")})
    return rows


def _links_of(store: Store, places: list[URIRef], link: str | None):
    """(kind, predicate, row) of every link of an actor to one of ``places`` (a region and the places inside it).

    A row is the text of ``?actor ?type ?label ?via ?place`` (``via`` None for
    a direct link): a county's thousands of rows are read as text, since
    building rdflib terms for them added a third to the time (3,669 links on
    benchmarks/queries.py's graph: 84 ms as terms, 63 ms as text). Each kind
    is asked for each of :data:`~kg.store.READERS` parts of the places, all at
    once: every row names one place, so the parts' answers together are the
    whole answer, and a county's located actors took 30.0 ms on two threads
    against 49.3 ms in one query (the store's lookups of labels and types).
    """
    parts = [places[i::READERS] for i in range(min(READERS, len(places)))] or [places]
    asks = [(kind, part) for kind in ([link] if link else LINKS) for part in parts]
    answers = store.strings_at_once([(ACTORS_IN_REGION[kind], None, {"place": part}) for kind, part in asks])
    for (kind, _), rows in zip(asks, answers):
        predicate = LINK_PATTERNS[kind][0]
        for row in rows:
            yield kind, predicate, row


def _reading_order(evidence: dict) -> tuple:
    return evidence["report"], evidence["page"], evidence["sentence"]


def fact_evidence(store: Store, s: URIRef, p: URIRef, o: URIRef) -> list[dict]:
    """Where a fact was read: report title, page, sentence and confidence, in report and page order."""
    out = []
    for r in store.select(EVIDENCE, {"s": s, "p": p, "o": o}):
        ev = _evidence_of(r)
        if ev not in out:
            out.append(ev)
    return sorted(out, key=_reading_order)


def entities(store: Store, type_name: str | None = None) -> list[Row]:
    """Entities mentioned in the stored reports, optionally of one class (and its subclasses)."""
    root = KG.Actor if type_name is None else _class(type_name)
    rows: dict[str, Row] = {}
    names = _Names()
    roots = [root] if type_name else [KG.Actor, KG.Programme, KG.Place, KG.Sector]
    for r_root in roots:
        for r in store.select(ENTITIES, {"root": r_root}):
            iri = names.add(r["entity"], r["label"], r["type"])
            rows.setdefault(iri, Row(iri, "", ""))
    aliases = _aliases(store)
    for iri, row in rows.items():
        ts = names.types[iri]
        row.type = names.type(iri) if ts & set(_ACTOR_CLASSES) else sorted(ts)[0]
        row.label = names.label(iri)
        row.aliases = aliases_besides([*names.labels[iri], *aliases.get(iri, [])], row.label)
    return sorted(rows.values(), key=_by_type_and_name)


def members(store: Store, name: str, limit: int | None = None, offset: int = 0,
            evidence: bool = True) -> list[Row]:
    """Members of (or participants in) a network, cluster or programme, each once, sorted by name.

    Args:
        name: the group's name or alias, any case.
        limit: at most this many members (None: all of them).
        offset: members to skip first, for the next page.
        evidence: give each member the sentences that say so (looked up for the page only).

    Raises:
        QueryError: nothing has that name, or a bad limit or offset.
    """
    rows: dict[str, Row] = {}
    names = _Names()
    facts: dict[str, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    groups = named(store, name)
    if not groups:
        raise NotFoundError(f"nothing is named {name!r}; search for the cluster, network or programme first")
    for group in groups:
        for r in store.select(MEMBERS, {"group": group}):
            iri = names.add(r["actor"], r["label"], r["type"])
            rows.setdefault(iri, Row(iri, "", ""))
            facts[iri].append((r["p"], r["group"]))
    for iri, row in rows.items():
        row.label = names.label(iri)
        row.aliases = aliases_besides(names.labels[iri], row.label)  # the other reports' labels
    page = _page(sorted(rows.values(), key=lambda r: (r.label.lower(), r.iri)), limit, offset)
    for row in page:
        row.type = names.type(row.iri)
    _add_alternative_labels(store, page)
    for row in page if evidence else ():
        for predicate, group in facts[row.iri]:
            for ev in fact_evidence(store, URIRef(row.iri), predicate, group):
                if ev not in row.links:
                    row.links.append(ev)
        row.links.sort(key=_reading_order)
    return page


def reports(store: Store) -> list[dict]:
    """Stored reports with their graph, title, series, year, written standard, file, size and what read them."""
    out = []
    for r in store.select(REPORTS):
        out.append({
            "graph": str(r["g"]),
            "title": str(r["title"]),
            "series": str(r["series"]) if r.get("series") else None,
            "year": str(r["year"]) if r.get("year") else None,
            # "nb" (Bokmål) or "nn" (Nynorsk); None for a graph an older kg wrote without it
            "language": str(r["language"]).rsplit("/", 1)[1] if r.get("language") else None,
            "source": str(r["source"]),
            "sha256": str(r["hash"]),
            "pages": int(r["pages"]),
            "triples": store.count(str(r["g"])),
            # kg's version and the pipeline that read it; None for a graph an older kg wrote without them
            "read_by": f"{r['software']}, {r['pipeline']}" if r.get("software") else None,
        })
    return out


def _class(name: str) -> URIRef:
    try:
        if not re.fullmatch(r"[A-Z][A-Za-z]{1,40}", name):
            raise AttributeError(name)
        return getattr(KG, name)
    except AttributeError:
        raise QueryError(f"unknown class {name!r}; use one of the ontology classes, e.g. Firm, Organisation, "
                         "Programme, Place, Cluster, Network") from None


NETWORK_EDGES = PREFIXES + """
SELECT DISTINCT ?s ?sLabel ?sType ?p ?o ?oLabel ?oType WHERE {
  ?s ?p ?o .
  VALUES ?p { kg:locatedIn kg:activeIn kg:memberOf kg:participatesIn kg:operates kg:owns }
  ?s skos:prefLabel ?sLabel ; a ?sType . ?o skos:prefLabel ?oLabel ; a ?oType .
  FILTER(STRSTARTS(STR(?sType), STR(kg:)) && STRSTARTS(STR(?oType), STR(kg:)))
}
"""


@dataclass(frozen=True)
class Edge:
    """One link of the actor network."""

    source: str
    source_label: str
    source_type: str
    link: str
    target: str
    target_label: str
    target_type: str


def network(store: Store) -> list[Edge]:
    """Every link between actors, programmes and places, for Gephi and networkx."""
    edges: dict[tuple[str, str, str], Edge] = {}
    names = _Names()
    rows = store.select(NETWORK_EDGES)
    for r in rows:
        names.add(r["s"], r["sLabel"], r["sType"])
        names.add(r["o"], r["oLabel"], r["oType"])
    for r in rows:
        s, o = str(r["s"]), str(r["o"])
        key = (s, _local(r["p"]), o)
        if key not in edges:
            edges[key] = Edge(s, names.label(s), names.type(s), key[1], o, names.label(o), names.type(o))
    return sorted(edges.values(), key=lambda e: (e.source_label, e.link, e.target_label, e.source, e.target))


REPORT_ADDS_ENTITIES = PREFIXES + """
SELECT ?g ?entity ?label ?type WHERE {
  GRAPH ?g { ?entity kg:mentionedIn ?r }
  ?entity skos:prefLabel ?label ; a ?type .
  FILTER NOT EXISTS { GRAPH ?other { ?entity kg:mentionedIn ?r2 } FILTER(?other != ?g) }
}
"""

REPORT_ADDS_FACTS = PREFIXES + """
SELECT ?g ?s ?sLabel ?p ?o ?oLabel WHERE {
  GRAPH ?g { ?s ?p ?o }
  VALUES ?p { kg:locatedIn kg:activeIn kg:memberOf kg:participatesIn kg:operates kg:owns kg:foundedYear }
  ?s skos:prefLabel ?sLabel .
  OPTIONAL { ?o skos:prefLabel ?oLabel }
  FILTER NOT EXISTS { GRAPH ?other { ?s ?p ?o } FILTER(?other != ?g) }
}
"""


def report_adds(store: Store, graph_iri: str) -> dict:
    """What one report adds to the others: entities no other report mentions, and new facts."""
    g = URIRef(graph_iri)
    names = _Names()
    for r in store.select(REPORT_ADDS_ENTITIES, {"g": g}):
        names.add(r["entity"], r["label"], r["type"])
    new_entities = sorted(
        ({"label": names.label(i), "type": names.type(i), "iri": i} for i in names.types),
        key=lambda e: (e["type"], e["label"], e["iri"]),
    )
    rows = store.select(REPORT_ADDS_FACTS, {"g": g})
    for r in rows:
        names.add(r["s"], r["sLabel"])
        names.add(r["o"], r.get("oLabel"))
    facts = sorted({(names.label(str(r["s"])), _local(r["p"]),
                     names.label(str(r["o"])) if names.labels[str(r["o"])] else str(r["o"])) for r in rows})
    return {"entities": new_entities, "facts": [{"subject": s, "predicate": p, "object": o} for s, p, o in facts]}


def find_report(store: Store, ref: str) -> list[dict]:
    """Stored reports matching a file name, graph IRI or SHA-256 prefix (8+ characters)."""
    return [r for r in reports(store)
            if ref in (r["source"], r["graph"]) or (len(ref) >= 8 and r["sha256"].startswith(ref))]


# ------------------------------------------------------------ explorer lookups

#: What search finds: actors, programmes, places and sectors (the subclasses of
#: kg:Actor, kg:Programme, kg:Place and kg:Sector, checked against the ontology by
#: a test), listed because a class path in the query is not portable: Virtuoso
#: refuses ``rdfs:subClassOf*`` with neither end bound.
SEARCHED_TYPES = (*_ACTOR_CLASSES, *_PLACE_CLASSES, "Sector")

#: Every name containing ``?text``, each entity with each of its matching names
#: once, by rank: the exact name (0), then names that start with the text
#: (1), then the rest (2). Only the rank is sorted in the store: engines order
#: names differently (Virtuoso puts "Gjøvik-regionen" elsewhere than
#: Oxigraph), so names are ordered in Python, one rank at a time. Labels and
#: types are looked up afterwards (:data:`SEARCH_CARDS`) only for the entities
#: shown, so a text that nearly every name contains ("as") costs reading its
#: names, not a lookup per name: on benchmarks/queries.py's 1M-quad graph
#: 6.5–7.3 s before, 0.6–0.8 s after.
SEARCH = PREFIXES + """
SELECT ?text ?entity ?matched ?rank WHERE {
  { SELECT DISTINCT ?text ?entity ?matched WHERE {
      VALUES ?name { skos:prefLabel skos:altLabel }
      ?entity ?name ?matched .
      FILTER(CONTAINS(LCASE(STR(?matched)), LCASE(STR(?text))))
  } }
  BIND(LCASE(STR(?matched)) AS ?lower)
  BIND(IF(?lower = LCASE(STR(?text)), 0, IF(STRSTARTS(?lower, LCASE(STR(?text))), 1, 2)) AS ?rank)
} ORDER BY ?rank
"""

#: Label, type and whether a report mentions it, of the entities ``?entity`` takes as values.
SEARCH_CARDS = PREFIXES + """
SELECT ?entity ?label ?type ?mentioned WHERE {
  ?entity skos:prefLabel ?label ; a ?type .
  FILTER(?type IN (SEARCHED_TYPES))
  BIND(EXISTS { ?entity kg:mentionedIn ?report } AS ?mentioned)
}
""".replace("SEARCHED_TYPES", ", ".join(f"kg:{c}" for c in SEARCHED_TYPES))


def search(store: Store, text: str, limit: int = 50) -> list[dict]:
    """Entities, places and sectors whose name contains ``text`` (case-insensitive), best matches first.

    Exact names rank before names that start with the text, which rank
    before names that merely contain it; within each, entities that reports
    mention come before gazetteer places nobody wrote about, then by the name
    that matched. Ranks are read best first, and within a rank the entities
    are looked up in name order until ``limit`` mentioned ones are found:
    nothing after them can rank above them.
    """
    text = " ".join(text.split())
    if not text:
        return []
    hits: dict[str, dict] = {}
    names = _Names()
    mentioned, batch_size = 0, max(limit, 20)  # entities looked up per request
    rows = store.strings(SEARCH, {"text": _text(text)})  # ?text ?entity ?matched ?rank
    for rank, group in groupby(rows, key=lambda row: int(row[3])):
        best: dict[str, str] = {}  # each entity's best name of this rank
        for _, iri, matched, _ in group:
            if iri not in hits and (iri not in best or _name_order(matched) < _name_order(best[iri])):
                best[iri] = matched
        ordered = sorted(best, key=lambda iri: (_name_order(best[iri]), iri))
        for start in range(0, len(ordered), batch_size):
            batch = ordered[start:start + batch_size]
            cards = store.select(SEARCH_CARDS, values={"entity": [URIRef(iri) for iri in batch]})
            seen = {names.add(r["entity"], r["label"], r["type"]): bool(r["mentioned"].toPython()) for r in cards}
            for iri in batch:
                if iri in seen:
                    hits[iri] = {"iri": iri, "label": "", "matched": best[iri], "rank": rank, "mentioned": seen[iri]}
                    mentioned += seen[iri]
            if mentioned >= limit:
                break  # the rest of this rank, and every later rank, come after these
        if mentioned >= limit:
            break
    for iri, hit in hits.items():
        hit["type"], hit["label"] = names.type(iri), names.label(iri)
    ordered_hits = sorted(hits.values(), key=lambda h: (h["rank"], not h["mentioned"], _name_order(h["matched"]),
                                                        h["iri"]))
    return [{k: v for k, v in h.items() if k != "rank"} for h in ordered_hits[:limit]]


def _name_order(name: str) -> tuple[str, str]:
    """How names are ordered within a rank: ignoring case, then as written."""
    return name.lower(), name


ENTITY_TYPES = PREFIXES + """
SELECT ?e ?label ?type ?alias ?founded WHERE {
  ?e skos:prefLabel ?label ; a ?type .
  OPTIONAL { ?e skos:altLabel ?alias }
  OPTIONAL { ?e kg:foundedYear ?founded }
}
"""

ENTITY_FACTS = PREFIXES + """
SELECT ?e ?dir ?p ?other ?otherLabel ?otherType WHERE {
  VALUES ?p { kg:locatedIn kg:activeIn kg:memberOf kg:participatesIn kg:operates kg:owns kg:inSector kg:partOf }
  { ?e ?p ?other . BIND("out" AS ?dir) }
  UNION
  { ?other ?p ?e . BIND("in" AS ?dir) }
  ?other skos:prefLabel ?otherLabel ; a ?otherType .
  FILTER(STRSTARTS(STR(?otherType), STR(kg:)))
}
"""

# Oxigraph plans greedily by constants: a pattern like ``?ev kg:predicate kg:mentionedIn``
# looks selective but matches every mention, so evidence is reached from its
# subject and the predicate tested in a FILTER. OPTIONAL comes last: patterns
# after it are evaluated on their own and joined afterwards.
FIGURES = PREFIXES + """
SELECT ?obs ?subject ?subjectLabel ?measure ?value ?unit ?year ?page ?sentence ?report WHERE {
  ?obs kg:about ?subject ; kg:measure ?measure ; kg:value ?value ; kg:unit ?unit .
  ?subject skos:prefLabel ?subjectLabel .
  ?ev kg:subject ?obs ; kg:page ?page ; kg:sentence ?sentence ; kg:inReport ?r .
  ?r dcterms:title ?report .
  OPTIONAL { ?obs kg:refYear ?year }
}
"""

#: Mentions in reading order: by report, page and where the sentence starts
#: (page alone left the order within a page to the store).
MENTIONS = PREFIXES + """
SELECT ?e ?report ?g ?page ?sentence WHERE {
  ?ev kg:subject ?e ; kg:predicate ?mentioned ; kg:page ?page ; kg:sentence ?sentence ; kg:inReport ?r ;
      kg:charStart ?start .
  FILTER(?mentioned = kg:mentionedIn)
  GRAPH ?g { ?r dcterms:title ?report }
} ORDER BY STR(?report) ?page ?start
"""

_PREDICATE_NAMES = {
    "out": {"locatedIn": "located in", "activeIn": "active in", "memberOf": "member of",
            "participatesIn": "participates in", "operates": "operates", "owns": "owns",
            "inSector": "in sector", "partOf": "part of"},
    "in": {"locatedIn": "has located here", "activeIn": "has active here", "memberOf": "has member",
           "participatesIn": "has participant", "operates": "is operated by", "owns": "is owned by",
           "inSector": "has actor", "partOf": "contains"},
}


def _evidence_of(r: dict) -> dict | None:
    if not r.get("sentence"):
        return None
    return {"report": str(r["report"]), "page": int(r["page"]), "sentence": str(r["sentence"]),
            **({"confidence": float(r["confidence"])} if r.get("confidence") is not None else {})}


def entity(store: Store, iri: str, mentions: int = 20) -> dict:
    """Everything known about one entity: type, aliases, links with evidence, figures, mentions.

    Raises:
        QueryError: no entity has this IRI.
    """
    node = _iri(iri)
    rows = store.select(ENTITY_TYPES, {"e": node})
    if not rows:
        raise NotFoundError(f"no entity {iri}; search for it by name first")
    types = {_local(r["type"]) for r in rows}
    facts: dict[tuple, dict] = {}
    names = _Names()
    for r in store.select(ENTITY_FACTS, {"e": node}):
        key = (str(r["dir"]), _local(r["p"]), names.add(r["other"], r["otherLabel"], r["otherType"]))
        facts.setdefault(key, {"direction": key[0], "predicate": key[1],
                               "relation": _PREDICATE_NAMES[key[0]][key[1]], "iri": key[2], "evidence": []})
    for (direction, predicate, other), fact in facts.items():
        fact["type"], fact["label"] = names.type(other), names.label(other)
        s_, o_ = (node, URIRef(other)) if direction == "out" else (URIRef(other), node)
        fact["evidence"] = fact_evidence(store, s_, KG[predicate], o_)
    seen, mention_list, reports_seen = set(), [], {}
    for r in store.select(MENTIONS, {"e": node}):
        reports_seen[str(r["g"])] = str(r["report"])
        key = (str(r["report"]), str(r["sentence"]))
        if key not in seen and len(mention_list) < mentions:
            seen.add(key)
            mention_list.append({"report": key[0], "page": int(r["page"]), "sentence": key[1]})
    labels = {str(r["label"]) for r in rows}
    label = preferred_label(labels)
    return {
        "iri": iri,
        "label": label,
        "type": _most_specific(types),
        "types": sorted(types),
        "aliases": aliases_besides(labels | {str(r["alias"]) for r in rows if r.get("alias")}, label),
        "founded": sorted({str(r["founded"]) for r in rows if r.get("founded")}),
        "facts": sorted(facts.values(), key=lambda f: (f["direction"] == "in", f["predicate"], f["label"], f["iri"])),
        "figures": _figures(store, [node]),
        "mentions": mention_list,
        "reports": [{"graph": g, "title": t} for g, t in sorted(reports_seen.items(), key=lambda x: (x[1], x[0]))],
    }


def _figures(store: Store, subjects: list[URIRef]) -> list[dict]:
    out: dict[str, dict] = {}
    names = _Names()
    for subject in subjects:
        for r in store.select(FIGURES, {"subject": subject}):
            obs = str(r["obs"])
            fig = out.setdefault(obs, {
                "subject": str(r["subject"]), "subject_label": "",
                "measure": str(r["measure"]), "value": float(r["value"]), "unit": str(r["unit"]),
                "year": int(str(r["year"])) if r.get("year") else None, "evidence": [],
            })
            names.add(obs, r["subjectLabel"])
            ev = _evidence_of(r)
            if ev and ev not in fig["evidence"]:
                fig["evidence"].append(ev)
    for obs, fig in out.items():
        fig["subject_label"] = names.label(obs)
        fig["evidence"].sort(key=_reading_order)
    # two figures alike but for where they were read are told apart by that, not by the store's order
    return sorted(out.values(), key=lambda f: (f["subject_label"], f["measure"], f["year"] or 0, f["value"],
                                               [_reading_order(e) for e in f["evidence"]]))


#: The places inside a region. Labels and types are looked up with the place
#: bound (OPTIONAL), as in :data:`ACTORS_IN_REGION`: a plain join scanned
#: every label (1.4 s for a county on benchmarks/queries.py's 1M-quad graph).
REGION_PLACES = PREFIXES + """
SELECT ?region ?place ?label ?type ?number WHERE {
  { SELECT DISTINCT ?region ?place WHERE { ?place kg:partOf* ?region } }
  OPTIONAL { ?place skos:prefLabel ?label }
  OPTIONAL { ?place a ?type }
  OPTIONAL { ?place kg:municipalityNumber|kg:countyNumber ?number }
  FILTER(BOUND(?label) && STRSTARTS(STR(?type), STR(kg:)))
}
"""

PARENTS = PREFIXES + """
SELECT ?place ?parent ?label WHERE { ?place kg:partOf ?parent . ?parent skos:prefLabel ?label }
"""

#: What figures of a region are about: its places, and the actors located or
#: active there (the zero-or-one path: the place itself, or what links to it),
#: found first; then each is checked for a figure with the subject bound. On
#: benchmarks/queries.py's 1M-quad graph this took a municipality from 366 ms
#: to 3 ms and a county from 372 to 88 ms (medians of 7), where joining every
#: figure was planned first; a UNION with BIND, as before, Virtuoso 7.2 cannot run.
REGION_SUBJECTS = PREFIXES + """
SELECT DISTINCT ?region ?subject WHERE {
  { SELECT DISTINCT ?region ?subject WHERE {
      ?place kg:partOf* ?region .
      ?subject (kg:locatedIn|kg:activeIn)? ?place .
  } }
  FILTER EXISTS { ?obs kg:about ?subject }
}
"""


#: Actors a region's page shows at a time, with their evidence.
REGION_PAGE = 200


def region_overview(store: Store, name: str, link: str | None = None, limit: int = REGION_PAGE,
                    offset: int = 0) -> dict:
    """A region's page: the place itself, the places inside it, one page of its actors by type, its figures.

    Args:
        link: one of :data:`LINKS` to keep one kind of link; None keeps all.
        limit: actors on the page; ``actor_count`` says how many there are in all.
        offset: actors to skip first, for the next page.

    Raises:
        QueryError: no place has that name, the link kind is unknown, or a bad limit or offset.
    """
    _check_link(link)
    root = _places_or_fail(store, name)[0]
    places = store.select(REGION_PLACES, {"region": root})
    inside: dict[str, dict] = {}
    names = _Names()
    for r in places:
        iri = names.add(r["place"], r["label"], r["type"])
        p = inside.setdefault(iri, {"iri": iri, "number": None})
        if r.get("number"):
            p["number"] = str(r["number"])
    for iri, p in inside.items():
        p["type"], p["label"] = names.type(iri), names.label(iri)
    me = inside.pop(str(root))
    parents = sorted((str(r["label"]), str(r["parent"])) for r in store.select(PARENTS, {"place": root}))
    actors, facts = _actors(store, [root], link, places)
    by_type: dict[str, list[dict]] = defaultdict(list)
    for row in _complete(store, _page(actors, limit, offset), facts, evidence=True):
        by_type[row.type].append(row.as_dict())
    return {
        "iri": str(root), "label": me["label"], "type": me["type"], "number": me["number"],
        "actor_count": len(actors), "offset": offset, "limit": limit,
        "part_of": [{"iri": iri, "label": label} for label, iri in parents],
        "places": sorted(inside.values(), key=lambda p: (_PLACE_CLASSES.index(p["type"]) if p["type"] in
                                                         _PLACE_CLASSES else 99, p["label"], p["iri"])),  # two Våler
        "actors": dict(sorted(by_type.items())),
        "figures": _figures_in(store, [root]),
    }


def region_figures(store: Store, name: str) -> list[dict]:
    """Figures about a region, the places inside it and the actors located or active there."""
    return _figures_in(store, _places_or_fail(store, name))


def _figures_in(store: Store, places: list[URIRef]) -> list[dict]:
    subjects = {r["subject"] for p in places for r in store.select(REGION_SUBJECTS, {"region": p})}
    return _figures(store, sorted(subjects))


#: The class list, not ``rdfs:subClassOf* kg:Actor``: joined with the evidence, that
#: path made Virtuoso 7.2 answer nothing.
CO_MENTIONED = PREFIXES + """
SELECT ?e ?other ?label ?type (COUNT(DISTINCT ?sentence) AS ?sentences) WHERE {
  ?ev1 kg:subject ?e ; kg:predicate ?p1 ; kg:inReport ?r ; kg:sentence ?sentence .
  ?ev2 kg:sentence ?sentence ; kg:inReport ?r ; kg:subject ?other ; kg:predicate ?p2 .
  FILTER(?p1 = kg:mentionedIn && ?p2 = kg:mentionedIn)
  FILTER(?other != ?e)
  ?other skos:prefLabel ?label ; a ?type .
  FILTER(?type IN (ACTOR_TYPES))
} GROUP BY ?e ?other ?label ?type
""".replace("ACTOR_TYPES", ", ".join(f"kg:{c}" for c in ACTOR_TYPES))


def co_mentioned(store: Store, iri: str) -> list[dict]:
    """Actors named in the same sentences as an entity, most shared sentences first."""
    out: dict[str, dict] = {}
    names = _Names()
    for r in store.select(CO_MENTIONED, {"e": _iri(iri)}):
        other = names.add(r["other"], r["label"], r["type"])
        out[other] = {"iri": other, "sentences": int(r["sentences"])}  # each label and type counts them all
    for other, row in out.items():
        row["label"], row["type"] = names.label(other), names.type(other)
    return sorted(out.values(), key=lambda r: (-r["sentences"], r["label"].casefold(), r["iri"]))


GROUP_EDGES = PREFIXES + """
SELECT DISTINCT ?g ?s ?p ?o WHERE {
  VALUES ?p { kg:locatedIn kg:activeIn kg:memberOf kg:participatesIn kg:operates kg:owns }
  { ?g ?p ?o . BIND(?g AS ?s) }
  UNION
  { ?s ?p ?g . BIND(?g AS ?o) }
  UNION
  { ?m kg:memberOf|kg:participatesIn|kg:operates ?g . ?m ?p ?o . BIND(?m AS ?s) }
  UNION
  { ?m kg:memberOf|kg:participatesIn|kg:operates ?g . ?s ?p ?m . BIND(?m AS ?o) }
}
"""


def group_graph(store: Store, iri: str) -> dict:
    """The picture of a cluster, network or programme: its members, operators and their links.

    Nodes are the group, the actors linked to it and the places and actors
    those are linked to; edges are the links among them.
    """
    g = _iri(iri)
    edges = {(str(r["s"]), _local(r["p"]), str(r["o"])) for r in store.select(GROUP_EDGES, {"g": g})}
    node_iris = {iri} | {s for s, _, _ in edges} | {o for _, _, o in edges}
    nodes = []
    for n in sorted(node_iris):
        names = _Names()
        for r in store.select(ENTITY_TYPES, {"e": URIRef(n)}):
            names.add(n, r["label"], r["type"])
        if names.labels:
            nodes.append({"iri": n, "label": names.label(n), "type": names.type(n), "center": n == iri})
    known = {n["iri"] for n in nodes}
    return {"nodes": nodes, "edges": [{"source": s, "link": p, "target": o} for s, p, o in sorted(edges)
                                      if s in known and o in known]}


REGIONS = PREFIXES + """
SELECT ?region ?label ?type (COUNT(DISTINCT ?a) AS ?actors) WHERE {
  ?a kg:locatedIn|kg:activeIn ?p . ?p kg:partOf* ?region .
  ?region a ?type ; skos:prefLabel ?label .
  VALUES ?type { kg:County kg:Region }
} GROUP BY ?region ?label ?type
"""


def regions(store: Store) -> list[dict]:
    """Counties and regions with the number of actors located or active in them, most first."""
    out = [{"iri": str(r["region"]), "label": str(r["label"]), "type": _local(r["type"]),
            "actors": int(r["actors"])} for r in store.select(REGIONS)]
    return sorted(out, key=lambda r: (-r["actors"], r["label"], r["iri"]))


GROUPS = PREFIXES + """
SELECT DISTINCT ?g ?label ?type WHERE {
  ?g kg:mentionedIn ?r ; a ?type ; skos:prefLabel ?label .
  VALUES ?type { kg:Cluster kg:Network kg:Programme }
}
"""


def groups(store: Store) -> list[dict]:
    """Clusters, networks and programmes the reports name, by label."""
    names = _Names()
    for r in store.select(GROUPS):
        names.add(r["g"], r["label"], r["type"])
    out = [{"iri": g, "label": names.label(g), "type": names.type(g)} for g in names.labels]
    return sorted(out, key=lambda g: (g["label"].casefold(), g["iri"]))


def _iri(iri: str) -> URIRef:
    """An IRI from user input, checked to be absolute and free of characters IRIs forbid."""
    if not re.fullmatch(r"https?://[^\s<>\"{}|\\^`]+", iri or ""):
        raise QueryError(f"not an entity IRI: {iri[:80]!r}")
    return URIRef(iri)


# ------------------------------------------------------------ named queries

@dataclass(frozen=True)
class Param:
    """One parameter of a named query."""

    name: str
    help: str
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class NamedQuery:
    """A question users ask every day, defined once for the CLI, the HTTP API and the explorer."""

    name: str
    title: str
    params: tuple[Param, ...]
    run: Callable[..., object]

    def describe(self) -> dict:
        return {"name": self.name, "title": self.title,
                "params": [{"name": p.name, "help": p.help, "required": p.required, "choices": list(p.choices)}
                           for p in self.params]}


def _rows(func):
    """Adapt a function returning :class:`Row` records to plain dictionaries."""
    return lambda store, **kw: [r.as_dict() for r in func(store, **kw)]


_REGION = Param("region", "county, region, municipality or locality name")
_ENTITY = Param("iri", "the entity's IRI (from search or another answer)")
_LINK = Param("link", "one kind of link", required=False, choices=LINKS)
_LIMIT = Param("limit", "at most this many rows (default: all)", required=False)
_OFFSET = Param("offset", "rows to skip first, for the next page (default 0)", required=False)


def _number(value: str | None, name: str, default: int | None) -> int | None:
    """A whole-number parameter from its string form."""
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()):
        raise QueryError(f"parameter {name!r} must be a whole number, not {value[:20]!r}")
    return int(value)


def _paged(func):
    """Adapt a paged function returning :class:`Row` records to string parameters and dictionaries."""
    def run(store: Store, limit: str | None = None, offset: str | None = None, **kw) -> list[dict]:
        rows = func(store, limit=_number(limit, "limit", None), offset=_number(offset, "offset", 0), **kw)
        return [r.as_dict() for r in rows]
    return run


NAMED_QUERIES: dict[str, NamedQuery] = {q.name: q for q in (
    NamedQuery("search", "Entities whose name contains a text",
               (Param("text", "part of a name, any case"),), search),
    NamedQuery("actors-of-region", "Actors linked to a region or any place inside it, sorted by type and name",
               (_REGION, _LINK, _LIMIT, _OFFSET),
               lambda store, region, **kw: _paged(actors_in_region)(store, name=region, **kw)),
    NamedQuery("region", "A region: its places, one page of its actors by type, and figures",
               (_REGION, _LINK, Param("limit", f"actors on the page (default {REGION_PAGE})", required=False),
                _OFFSET),
               lambda store, region, link=None, limit=None, offset=None: region_overview(
                   store, region, link, _number(limit, "limit", REGION_PAGE), _number(offset, "offset", 0))),
    NamedQuery("figures-of-region", "Figures about a region, its places and the actors there", (_REGION,),
               lambda store, region: region_figures(store, region)),
    NamedQuery("members", "Members of or participants in a cluster, network or programme",
               (Param("name", "the cluster's, network's or programme's name"), _LIMIT, _OFFSET),
               lambda store, name, **kw: _paged(members)(store, name=name, **kw)),
    NamedQuery("entity", "One entity with its links, figures and the sentences behind them", (_ENTITY,),
               lambda store, iri: entity(store, iri)),
    NamedQuery("co-mentioned", "Actors named in the same sentences as an entity", (_ENTITY,), co_mentioned),
    NamedQuery("group-graph", "Members and links of a cluster, network or programme, as nodes and edges",
               (_ENTITY,), group_graph),
    NamedQuery("entities", "Entities of one ontology class (all actors, programmes, places and sectors without)",
               (Param("type", "ontology class, e.g. Firm, Organisation, Network", required=False),),
               lambda store, type=None: _rows(entities)(store, type_name=type)),
    NamedQuery("reports", "Stored reports", (), reports),
    NamedQuery("regions", "Counties and regions with actors, most actors first", (), regions),
    NamedQuery("groups", "Clusters, networks and programmes the reports name", (), groups),
    NamedQuery("report-adds", "What one report adds to the others",
               (Param("report", "file name, graph IRI or SHA-256 prefix"),),
               lambda store, report: _report_adds_by_ref(store, report)),
)}

#: Longest accepted parameter value: names and IRIs are short; longer input is an error, not a query.
MAX_PARAM = 500


def run_named(store: Store, name: str, params: Mapping[str, str]) -> object:
    """Run a named query with string parameters, checked against its declaration.

    Raises:
        QueryError: unknown query or parameter, a missing or over-long value, a value not among the choices.
    """
    query = NAMED_QUERIES.get(name)
    if query is None:
        raise NotFoundError(f"no named query {name!r}; choose one of: {', '.join(NAMED_QUERIES)}")
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        raise QueryError(f"query {name!r} takes no parameter {unknown[0]!r}; it takes: "
                         f"{', '.join(declared) or 'none'}")
    args = {}
    for p in query.params:
        value = params.get(p.name)
        if value is None or value == "":
            if p.required:
                raise QueryError(f"query {name!r} needs the parameter {p.name!r} ({p.help})")
            continue
        if len(value) > MAX_PARAM or "\x00" in value:
            raise QueryError(f"parameter {p.name!r} is too long or holds a NUL character")
        if p.choices and value not in p.choices:
            raise QueryError(f"parameter {p.name!r} must be one of: {', '.join(p.choices)}")
        args[p.name] = value
    return query.run(store, **args)


def _report_adds_by_ref(store: Store, ref: str) -> dict:
    found = find_report(store, ref)
    if len(found) != 1:
        raise NotFoundError(f"{len(found) or 'no'} reports match {ref!r}; give a file name, graph IRI or longer hash")
    return {"report": found[0], **report_adds(store, found[0]["graph"])}
