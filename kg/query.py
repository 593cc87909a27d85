"""Named, parameterised queries: the questions users ask every day.

One place defines them for the CLI and the library. User input (a region
name, a class name) is bound as an RDF term through the store's
substitutions; it is never pasted into SPARQL text.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from .errors import QueryError
from .ns import KG
from .store import Store

PREFIXES = """
PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

#: Kinds of link of ``actors --region``: located there, active there, member of a
#: cluster or network there, operator of a programme there, owner of an actor seated there.
LINKS = ("located", "active", "member", "operates", "owns")

_ACTOR_CLASSES = ("Firm", "PublicBody", "ResearchOrEducation", "DevelopmentActor", "Association", "Network",
                  "Cluster", "Organisation", "Programme", "Actor")

PLACES_NAMED = PREFIXES + """
SELECT DISTINCT ?place ?name WHERE {
  ?place a ?cls ; skos:prefLabel|skos:altLabel ?label .
  ?cls rdfs:subClassOf* kg:Place .
  FILTER(LCASE(STR(?label)) = LCASE(STR(?name)))
}
"""

ACTORS_IN_REGION = PREFIXES + """
SELECT ?region ?actor ?type ?label ?kind ?place ?placeLabel ?page ?sentence ?report ?confidence WHERE {
  ?place kg:partOf* ?region .
  {
    ?actor kg:locatedIn ?place . BIND("located" AS ?kind) BIND(kg:locatedIn AS ?p) BIND(?place AS ?via)
  } UNION {
    ?actor kg:activeIn ?place . BIND("active" AS ?kind) BIND(kg:activeIn AS ?p) BIND(?place AS ?via)
  } UNION {
    ?via kg:locatedIn|kg:activeIn ?place . ?actor kg:memberOf ?via .
    BIND("member" AS ?kind) BIND(kg:memberOf AS ?p)
  } UNION {
    ?via kg:locatedIn|kg:activeIn ?place . ?actor kg:operates ?via .
    BIND("operates" AS ?kind) BIND(kg:operates AS ?p)
  } UNION {
    ?via kg:locatedIn ?place . ?actor kg:owns ?via .
    BIND("owns" AS ?kind) BIND(kg:owns AS ?p)
  }
  ?actor a ?type ; skos:prefLabel ?label .
  ?type rdfs:subClassOf* kg:Actor .
  OPTIONAL { ?place skos:prefLabel ?placeLabel }
  OPTIONAL {
    ?ev kg:subject ?actor ; kg:predicate ?p ; kg:object ?via ;
        kg:page ?page ; kg:sentence ?sentence ; kg:inReport ?r ; kg:confidence ?confidence .
    ?r dcterms:title ?report .
  }
}
"""

ENTITIES = PREFIXES + """
SELECT ?root ?entity ?type ?label (COUNT(DISTINCT ?report) AS ?reports) WHERE {
  ?entity kg:mentionedIn ?report ; a ?type ; skos:prefLabel ?label .
  ?type rdfs:subClassOf* ?root .
} GROUP BY ?root ?entity ?type ?label ORDER BY ?label
"""

ALIASES = PREFIXES + """
SELECT ?entity ?alias WHERE { ?entity kg:mentionedIn ?r ; skos:altLabel ?alias }
"""

REPORTS = PREFIXES + """
SELECT ?report ?g ?title ?series ?year ?source ?hash ?pages WHERE {
  GRAPH ?g {
    ?report a kg:Report ; dcterms:title ?title ; kg:sourceFile ?source ; kg:contentHash ?hash ;
            kg:pageCount ?pages .
    OPTIONAL { ?report dcterms:identifier ?series }
    OPTIONAL { ?report dcterms:issued ?year }
  }
} ORDER BY ?source
"""

MEMBERS = PREFIXES + """
SELECT ?name ?actor ?type ?label ?page ?sentence WHERE {
  ?group skos:prefLabel|skos:altLabel ?glabel .
  FILTER(LCASE(STR(?glabel)) = LCASE(STR(?name)))
  ?actor kg:memberOf|kg:participatesIn ?group ; a ?type ; skos:prefLabel ?label .
  OPTIONAL { ?ev kg:subject ?actor ; kg:object ?group ; kg:page ?page ; kg:sentence ?sentence }
}
"""


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


_PLACE_CLASSES = ("Locality", "Municipality", "Region", "County", "Country", "Place")


def _most_specific(types: set[str]) -> str:
    for cls in (*_ACTOR_CLASSES, *_PLACE_CLASSES):
        if cls in types:
            return cls
    return sorted(types)[0] if types else "Actor"


def _aliases(store: Store) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for r in store.select(ALIASES):
        out[str(r["entity"])].add(str(r["alias"]))
    return {k: sorted(v) for k, v in out.items()}


def find_places(store: Store, name: str) -> list[URIRef]:
    """Places whose label or alternative label is ``name`` (case-insensitive)."""
    name = name.strip()
    hits = [r["place"] for r in store.select(PLACES_NAMED, {"name": Literal(name)})]
    if not hits and name.endswith("s"):
        hits = [r["place"] for r in store.select(PLACES_NAMED, {"name": Literal(name[:-1])})]
    return hits


def actors_in_region(store: Store, name: str, link: str | None = None) -> list[Row]:
    """Actors linked to a place or any place inside it, each once, with evidence.

    Args:
        name: a county, region, municipality or locality name ("Innlandet", "Glåmdalen").
        link: one of :data:`LINKS` to keep one kind of link; None keeps all.

    Raises:
        QueryError: no place has that name, or the link kind is unknown.
    """
    if link and link not in LINKS:
        raise QueryError(f"unknown link kind {link!r}; choose one of: {', '.join(LINKS)}")
    places = find_places(store, name)
    if not places:
        raise QueryError(f"no place named {name!r}; try a county, region, municipality or locality name")
    rows: dict[str, Row] = {}
    types: dict[str, set[str]] = defaultdict(set)
    seen_links = set()
    for region in places:
        for r in store.select(ACTORS_IN_REGION, {"region": region}):
            kind = str(r["kind"])
            if link and kind != link:
                continue
            iri = str(r["actor"])
            types[iri].add(_local(r["type"]))
            row = rows.setdefault(iri, Row(iri, str(r["label"]), ""))
            key = (iri, kind, str(r["place"]), str(r.get("sentence")))
            if key in seen_links:
                continue
            seen_links.add(key)
            row.links.append({
                "link": kind,
                "place": str(r["placeLabel"]) if r.get("placeLabel") else _local(r["place"]),
                "report": str(r["report"]) if r.get("report") else None,
                "page": int(r["page"]) if r.get("page") is not None else None,
                "sentence": str(r["sentence"]) if r.get("sentence") else None,
                "confidence": float(r["confidence"]) if r.get("confidence") is not None else None,
            })
    aliases = _aliases(store)
    for iri, row in rows.items():
        row.type = _most_specific(types[iri])
        row.aliases = aliases.get(iri, [])
    return sorted(rows.values(), key=lambda r: (r.type, r.label.lower()))


def entities(store: Store, type_name: str | None = None) -> list[Row]:
    """Entities mentioned in the stored reports, optionally of one class (and its subclasses)."""
    root = KG.Actor if type_name is None else _class(type_name)
    rows: dict[str, Row] = {}
    types: dict[str, set[str]] = defaultdict(set)
    roots = [root] if type_name else [KG.Actor, KG.Programme, KG.Place, KG.Sector]
    for r_root in roots:
        for r in store.select(ENTITIES, {"root": r_root}):
            iri = str(r["entity"])
            types[iri].add(_local(r["type"]))
            rows.setdefault(iri, Row(iri, str(r["label"]), ""))
    aliases = _aliases(store)
    for iri, row in rows.items():
        ts = types[iri]
        row.type = _most_specific(ts) if ts & set(_ACTOR_CLASSES) else sorted(ts)[0]
        row.aliases = aliases.get(iri, [])
    return sorted(rows.values(), key=lambda r: (r.type, r.label.lower()))


def members(store: Store, name: str) -> list[Row]:
    """Members of (or participants in) a network, cluster or programme, each once."""
    rows: dict[str, Row] = {}
    types: dict[str, set[str]] = defaultdict(set)
    for r in store.select(MEMBERS, {"name": Literal(name.strip())}):
        iri = str(r["actor"])
        types[iri].add(_local(r["type"]))
        row = rows.setdefault(iri, Row(iri, str(r["label"]), ""))
        if r.get("sentence"):
            row.links.append({"page": int(r["page"]), "sentence": str(r["sentence"])})
    aliases = _aliases(store)
    for iri, row in rows.items():
        row.type = _most_specific(types[iri])
        row.aliases = aliases.get(iri, [])
    return sorted(rows.values(), key=lambda r: r.label.lower())


def reports(store: Store) -> list[dict]:
    """Stored reports with their graph, title, series, year, file and size."""
    out = []
    for r in store.select(REPORTS):
        out.append({
            "graph": str(r["g"]),
            "title": str(r["title"]),
            "series": str(r["series"]) if r.get("series") else None,
            "year": str(r["year"]) if r.get("year") else None,
            "source": str(r["source"]),
            "sha256": str(r["hash"]),
            "pages": int(r["pages"]),
            "triples": store.count(str(r["g"])),
        })
    return out


def _class(name: str) -> URIRef:
    try:
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
    types: dict[str, set[str]] = defaultdict(set)
    rows = store.select(NETWORK_EDGES)
    for r in rows:
        types[str(r["s"])].add(_local(r["sType"]))
        types[str(r["o"])].add(_local(r["oType"]))
    for r in rows:
        s, o = str(r["s"]), str(r["o"])
        key = (s, _local(r["p"]), o)
        if key not in edges:
            edges[key] = Edge(s, str(r["sLabel"]), _most_specific(types[s]), key[1], o, str(r["oLabel"]),
                              _most_specific(types[o]))
    return sorted(edges.values(), key=lambda e: (e.source_label, e.link, e.target_label))


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
    types: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, str] = {}
    for r in store.select(REPORT_ADDS_ENTITIES, {"g": g}):
        types[str(r["entity"])].add(_local(r["type"]))
        labels[str(r["entity"])] = str(r["label"])
    new_entities = sorted(
        ({"label": labels[i], "type": _most_specific(t), "iri": i} for i, t in types.items()),
        key=lambda e: (e["type"], e["label"]),
    )
    facts = sorted(
        {(str(r["sLabel"]), _local(r["p"]), str(r["oLabel"]) if r.get("oLabel") else str(r["o"]))
         for r in store.select(REPORT_ADDS_FACTS, {"g": g})}
    )
    return {"entities": new_entities, "facts": [{"subject": s, "predicate": p, "object": o} for s, p, o in facts]}


def find_report(store: Store, ref: str) -> list[dict]:
    """Stored reports matching a file name, graph IRI or SHA-256 prefix (8+ characters)."""
    return [r for r in reports(store)
            if ref in (r["source"], r["graph"]) or (len(ref) >= 8 and r["sha256"].startswith(ref))]
