"""The kg ontology as a closed rdflib namespace, plus the IRI bases kg mints in.

``KG`` mirrors ``ontology/kg.ttl``; ``_fail = True`` makes a misspelt term an
error at import time instead of a silent new IRI. A test checks that every
term here is declared in the Turtle file and vice versa.
"""

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace


class KG(DefinedNamespace):
    """Terms of the kg ontology (``ontology/kg.ttl``)."""

    _NS = Namespace("https://w3id.org/kg-no/ontology#")
    _fail = True

    # classes
    Report: URIRef
    Actor: URIRef
    Firm: URIRef
    Organisation: URIRef
    PublicBody: URIRef
    ResearchOrEducation: URIRef
    DevelopmentActor: URIRef
    Association: URIRef
    Network: URIRef
    Cluster: URIRef
    Programme: URIRef
    Place: URIRef
    Country: URIRef
    County: URIRef
    Region: URIRef
    Municipality: URIRef
    Locality: URIRef
    Sector: URIRef
    Observation: URIRef
    Evidence: URIRef
    Pipeline: URIRef
    # relations
    locatedIn: URIRef
    activeIn: URIRef
    partOf: URIRef
    memberOf: URIRef
    participatesIn: URIRef
    operates: URIRef
    owns: URIRef
    inSector: URIRef
    mentionedIn: URIRef
    foundedYear: URIRef
    nerLabel: URIRef
    # places
    municipalityNumber: URIRef
    countyNumber: URIRef
    former: URIRef
    latitude: URIRef
    longitude: URIRef
    # reports
    series: URIRef
    seriesNumber: URIRef
    contentHash: URIRef
    sourceFile: URIRef
    pageCount: URIRef
    # observations
    about: URIRef
    measure: URIRef
    value: URIRef
    unit: URIRef
    refYear: URIRef
    # evidence
    evidence: URIRef
    subject: URIRef
    predicate: URIRef
    object: URIRef
    inReport: URIRef
    page: URIRef
    sentence: URIRef
    charStart: URIRef
    charEnd: URIRef
    confidence: URIRef
    extractor: URIRef


#: Base of the IRIs kg mints for entities, reports and evidence.
ID = Namespace("https://w3id.org/kg-no/id/")
#: Base of named-graph IRIs.
GRAPH = Namespace("https://w3id.org/kg-no/graph/")
#: Language tag of the gazetteer's labels; a report's labels and title take its
#: own written standard, "nb" or "nn" (:attr:`kg.document.Document.language`).
LANG = "nb"
#: The written standards kg tags labels with; an exact label is looked up under each.
LANGUAGES = ("nb", "nn")
#: ISO 639-1 codes as IRIs (Library of Congress), the object of a report's dcterms:language.
ISO639_1 = "http://id.loc.gov/vocabulary/iso639-1/"
#: The graph holding counties, municipalities and regions.
GAZETTEER_GRAPH = GRAPH["gazetteer"]
#: The graph holding the ontology itself, so queries can follow rdfs:subClassOf.
ONTOLOGY_GRAPH = GRAPH["ontology"]

#: Prefixes for SPARQL text and Turtle output, so every query and document spells them alike.
PREFIXES = {
    "kg": str(KG), "id": str(ID), "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "dcterms": "http://purl.org/dc/terms/", "xsd": "http://www.w3.org/2001/XMLSchema#",
    "prov": "http://www.w3.org/ns/prov#",
}
#: The same as SPARQL ``PREFIX`` lines, to open kg's query texts.
SPARQL_PREFIXES = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
