import pytest
from rdflib import OWL, RDF

from kg.graph import ontology_graph
from kg.ns import KG


def test_namespace_matches_ontology_file():
    g = ontology_graph()
    declared = {str(s) for s in g.subjects(RDF.type, None) if str(s).startswith(str(KG._NS))}
    in_code = {str(KG._NS[name]) for name in KG.__annotations__}
    assert declared == in_code


def test_misspelt_term_fails_loudly():
    with pytest.raises(AttributeError):
        KG.locatedInn  # noqa: B018


def test_classes_are_owl_classes():
    g = ontology_graph()
    for name in ("Firm", "Organisation", "Programme", "Place", "County", "Cluster", "Network", "Sector"):
        assert (KG[name], RDF.type, OWL.Class) in g
