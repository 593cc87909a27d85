"""SHACL validation of the stored graph with pyshacl.

The shapes in ``ontology/shapes.ttl`` state what kg writes; validating the
union of all graphs (with the ontology for class hierarchy) catches a
schema drift before users' queries do.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyshacl import validate as shacl_validate
from rdflib import Graph

from .graph import ontology_path
from .store import Store, from_ox


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of a SHACL run."""

    conforms: bool
    violations: int
    text: str

    @property
    def summary(self) -> str:
        if self.conforms:
            return "the graph conforms to the kg SHACL shapes"
        return f"{self.violations} SHACL violations\n{self.text}"


def validate(store: Store) -> ValidationReport:
    """Validate the union of all graphs in ``store`` against the kg shapes."""
    data = Graph()
    for q in store.quads():
        data.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    shapes = Graph().parse(ontology_path("shapes.ttl"), format="turtle")
    conforms, results, text = shacl_validate(data, shacl_graph=shapes, inference="rdfs", allow_warnings=True)
    violations = text.count("Constraint Violation")
    return ValidationReport(bool(conforms), violations, text)
