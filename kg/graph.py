"""RDF for one report, the gazetteer and the ontology.

Every fact is a plain triple in the report's named graph (easy SPARQL), and
beside it an evidence node that names subject, predicate, object, report,
page, sentence, character span, confidence and extractor. IRIs of entities,
evidence and observations are minted deterministically, so ingesting the
same report twice yields the same triples.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from . import gazetteer
from .normalize import slug
from .ns import GRAPH, ID, ISO639_1, KG, LANG

if TYPE_CHECKING:  # records only: ingest's writer names graphs without importing spaCy
    from .document import Document
    from .extract import Evidence, Extraction
    from .resolve import Resolution

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"


def report_graph_iri(sha256: str) -> URIRef:
    """Named graph of a report, from the hash of its content."""
    return GRAPH[f"report/{sha256[:32]}"]


def report_iri(sha256: str) -> URIRef:
    """The report's own node."""
    return ID[f"report/{sha256[:32]}"]


def entity_iri(key: str) -> URIRef:
    """IRI of an entity key such as "actor/forestia" or a gazetteer place key."""
    return ID[key]


def _minted(kind: str, *parts) -> URIRef:
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:20]
    return ID[f"{kind}/{digest}"]


@dataclass(frozen=True)
class Reading:
    """What read a report: kg's version ("kg 0.3.1") and the language pipeline's ("nb_kg 0.0.0").

    Each report's graph records it, so a store knows which of its reports an
    older kg or another pipeline read, and ``kg ingest --reread`` can read
    those again; it has no time stamp, so reading a report again the same way
    gives the same triples.
    """

    software: str
    pipeline: str


def report_graph(document: Document, extraction: Extraction, resolution: Resolution, reading: Reading) -> Graph:
    """All triples of one report (to go into its named graph)."""
    g = Graph()
    g.bind("kg", str(KG))
    g.bind("skos", str(SKOS))
    g.bind("dcterms", str(DCTERMS))
    g.bind("prov", str(PROV))
    report = report_iri(document.sha256)
    language = document.language  # the report's names are written in Bokmål or Nynorsk (read once: a scan)
    _report_triples(g, report, document, language)
    _reading_triples(g, report, document.sha256, reading)
    keys = resolution.mention_entity
    for entity in resolution.entities:
        node = entity_iri(entity.key)
        g.add((node, KG.mentionedIn, report))
        if not entity.reference:
            g.add((node, RDF.type, getattr(KG, entity.type)))
            g.add((node, SKOS.prefLabel, Literal(entity.label, lang=language)))
            labels = _main_label(extraction, entity.mentions)
            if labels:
                g.add((node, KG.nerLabel, Literal(labels)))
            _place_parts(g, node, entity)
        for alias in entity.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang=language)))
    for i, mention in enumerate(extraction.mentions):
        node = entity_iri(keys[i])
        _evidence(g, report, node, KG.mentionedIn, report, mention.evidence, 1.0, f"ner:{mention.label}")
    for link in resolution.links:
        s, o = entity_iri(link.subject), entity_iri(link.object)
        p = getattr(KG, link.predicate)
        g.add((s, p, o))
        _evidence(g, report, s, p, o, link.evidence, link.confidence, link.extractor)
    for obs in extraction.observations:
        subject = entity_iri(keys[obs.subject])
        if obs.measure == "founded":
            year = Literal(str(int(obs.value)), datatype=XSD.gYear)
            g.add((subject, KG.foundedYear, year))
            _evidence(g, report, subject, KG.foundedYear, year, obs.evidence, obs.confidence, "pattern:founded")
            continue
        node = _minted("observation", document.sha256, keys[obs.subject], obs.measure, obs.value, obs.evidence.start)
        g.add((node, RDF.type, KG.Observation))
        g.add((node, KG.about, subject))
        g.add((node, KG.measure, Literal(obs.measure)))
        g.add((node, KG.value, Literal(_decimal(obs.value), datatype=XSD.decimal)))
        g.add((node, KG.unit, Literal(obs.unit)))
        if obs.year:
            g.add((node, KG.refYear, Literal(str(obs.year), datatype=XSD.gYear)))
        _evidence(g, report, node, KG.about, subject, obs.evidence, obs.confidence, "pattern:figure")
    return with_folded_labels(g)


def folded(label: str) -> str:
    """A label as a case-insensitive lookup compares it: spacing folded, lower case (SPARQL's LCASE)."""
    return " ".join(label.split()).lower()


def with_folded_labels(g: Graph) -> Graph:
    """Give every label with capitals its lower-case form as ``skos:hiddenLabel`` (same language tag).

    A name looked up without regard to case ("raufoss industrinettverk") is
    then an index lookup, where comparing ``LCASE`` of every label scans them
    all (0.4 ms against 48 ms on benchmarks/queries.py's 1M-quad graph, and
    the scan grows with the labels). SKOS meant hidden labels for such
    search-only forms.
    """
    for p in (SKOS.prefLabel, SKOS.altLabel):
        for s, o in list(g.subject_objects(p)):
            if isinstance(o, Literal) and folded(o) != str(o):
                g.add((s, SKOS.hiddenLabel, Literal(folded(o), lang=o.language)))
    return g


#: The triples of :func:`_reading_triples` as a SPARQL pattern, inside ``GRAPH ?g``:
#: binds ``?software`` and ``?pipeline`` (the labels of a :class:`Reading`).
READING_PATTERN = ("?g prov:wasGeneratedBy ?reading . ?reading prov:wasAssociatedWith ?agent . "
                   "?agent rdfs:label ?software . ?reading prov:used ?used . "
                   "?used a kg:Pipeline ; rdfs:label ?pipeline")


def _reading_triples(g: Graph, report: URIRef, sha256: str, reading: Reading) -> None:
    """PROV-O: the report's graph was generated by kg reading the report with a pipeline."""
    activity = _minted("reading", sha256, reading.software, reading.pipeline)
    software, pipeline = ID[f"software/{slug(reading.software)}"], ID[f"pipeline/{slug(reading.pipeline)}"]
    g.add((report_graph_iri(sha256), PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.used, report))
    g.add((activity, PROV.used, pipeline))
    g.add((activity, PROV.wasAssociatedWith, software))
    g.add((software, RDF.type, PROV.SoftwareAgent))
    g.add((software, RDFS.label, Literal(reading.software)))
    g.add((pipeline, RDF.type, KG.Pipeline))
    g.add((pipeline, RDFS.label, Literal(reading.pipeline)))


def _main_label(extraction: Extraction, mentions: tuple[int, ...]) -> str | None:
    """The most frequent NorNE label among an entity's mentions; of two as frequent, the first
    alphabetically (a set's order changes from one process to the next, and so did the graph)."""
    labels = [extraction.mentions[i].label for i in mentions]
    return max(sorted(set(labels)), key=labels.count) if labels else None


def _decimal(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _report_triples(g: Graph, report: URIRef, document: Document, language: str) -> None:
    g.add((report, RDF.type, KG.Report))
    g.add((report, DCTERMS.title, Literal(document.title or Path(document.path).stem, lang=language)))
    g.add((report, DCTERMS.language, URIRef(ISO639_1 + language)))
    for author in document.authors:
        g.add((report, DCTERMS.creator, Literal(author)))
    if document.series:
        g.add((report, KG.series, Literal(document.series)))
        g.add((report, KG.seriesNumber, Literal(document.number)))
        g.add((report, DCTERMS.identifier, Literal(document.series_label)))
    if document.year:
        g.add((report, DCTERMS.issued, Literal(str(document.year), datatype=XSD.gYear)))
    g.add((report, KG.contentHash, Literal(document.sha256)))
    g.add((report, KG.sourceFile, Literal(Path(document.path).name)))
    g.add((report, KG.pageCount, Literal(document.page_count, datatype=XSD.integer)))


def _evidence(g: Graph, report, s, p, o, ev: Evidence, confidence: float, extractor: str) -> None:
    node = _minted("evidence", report, s, p, o, ev.start, extractor)
    g.add((node, RDF.type, KG.Evidence))
    g.add((node, KG.subject, s))
    g.add((node, KG.predicate, p))
    if isinstance(o, URIRef):
        g.add((node, KG.object, o))
    g.add((node, KG.inReport, report))
    g.add((node, KG.page, Literal(ev.page, datatype=XSD.integer)))
    g.add((node, KG.sentence, Literal(ev.sentence)))
    g.add((node, KG.charStart, Literal(ev.start, datatype=XSD.integer)))
    g.add((node, KG.charEnd, Literal(ev.end, datatype=XSD.integer)))
    g.add((node, KG.confidence, Literal(_decimal(round(confidence, 3)), datatype=XSD.decimal)))
    g.add((node, KG.extractor, Literal(extractor)))


def _place_parts(g: Graph, node: URIRef, entity) -> None:
    """A compound place not in the gazetteer ("Raufoss-Toten") is part of the places it names."""
    if not entity.key.startswith("place/other/"):
        return
    for place in gazetteer.load().joined(entity.label):
        g.add((node, KG.partOf, entity_iri(place.key)))


def gazetteer_graph() -> Graph:
    """Counties, municipalities, former counties, regions and localities with kg:partOf."""
    g = Graph()
    gaz = gazetteer.load()
    for place in gaz.places.values():
        node = entity_iri(place.key)
        g.add((node, RDF.type, getattr(KG, place.kind)))
        g.add((node, SKOS.prefLabel, Literal(place.label, lang=LANG)))
        g.add((node, RDFS.label, Literal(place.label, lang=LANG)))
        for alt in place.alt_labels:
            g.add((node, SKOS.altLabel, Literal(alt, lang=LANG)))
        for parent in place.parents:
            g.add((node, KG.partOf, entity_iri(parent)))
        if place.number and place.kind == "Municipality":
            g.add((node, KG.municipalityNumber, Literal(place.number)))
        elif place.number and place.kind == "County":
            g.add((node, KG.countyNumber, Literal(place.number)))
        if place.former:
            g.add((node, KG.former, Literal(True)))
        if place.lat is not None:
            g.add((node, KG.latitude, Literal(f"{place.lat:.6f}", datatype=XSD.decimal)))
            g.add((node, KG.longitude, Literal(f"{place.lon:.6f}", datatype=XSD.decimal)))
    return with_folded_labels(g)


def ontology_graph() -> Graph:
    """The ontology and the sector scheme from ``ontology/``, or the packaged copy."""
    g = Graph()
    g.parse(ontology_path("kg.ttl"), format="turtle")
    g.parse(ontology_path("sectors.ttl"), format="turtle")
    return with_folded_labels(g)


def ontology_path(name: str) -> Path:
    """Path of an ontology file, from the source tree or the installed package."""
    packaged = Path(__file__).parent / "ontology" / name
    return packaged if packaged.is_file() else ONTOLOGY_DIR / name
