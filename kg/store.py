"""The RDF store behind one small interface: embedded Oxigraph by default.

One named graph per report, named from the hash of the report's bytes. A
report is written in a single SPARQL Update, which Oxigraph applies as one
transaction: the old graph of a changed report is dropped and the new one
inserted together, so a crash leaves either the old or the new version.
Queries read the union of all graphs. Parameters are bound with Oxigraph's
substitutions, never pasted into query text.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import QueryError, StoreError
from .ns import GAZETTEER_GRAPH, ONTOLOGY_GRAPH

DEFAULT_STORE = "kg-store"
STORE_ENV = "KG_STORE"
#: Bumped when the gazetteer or ontology graphs change, so stores reload them.
REFERENCE_VERSION = "3"
_VERSION_PRED = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")


def store_location(location: str | os.PathLike | None = None) -> str:
    """Resolve the store: argument, then ``KG_STORE``, then ``./kg-store``."""
    return str(location or os.environ.get(STORE_ENV) or DEFAULT_STORE)


def to_ox(term: Node):
    """Convert an rdflib term to a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store term {term!r}")


def from_ox(term) -> Node | None:
    """Convert a pyoxigraph term to an rdflib term."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unexpected term {term!r}")


class OxigraphStore:
    """Embedded, persistent Oxigraph store in a folder.

    Only one process may open a folder at a time; a second one gets a
    :class:`StoreError` saying the store is in use.
    """

    def __init__(self, path: str | os.PathLike | None = None, in_memory: bool = False):
        self.location = "memory" if in_memory else store_location(path)
        try:
            if in_memory:
                self._store = ox.Store()
            else:
                Path(self.location).mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(self.location)
        except OSError as exc:
            message = str(exc)
            if "lock" in message.lower() or "resource temporarily unavailable" in message.lower():
                raise StoreError(
                    f"store {self.location} is in use by another kg process; wait for it to finish or use --store"
                ) from exc
            raise StoreError(f"cannot open store {self.location}: {message}") from exc
        self._ensure_reference_graphs()

    # ------------------------------------------------------------ writing

    def _ensure_reference_graphs(self) -> None:
        """Load the ontology and gazetteer graphs once per reference version."""
        marker = ox.Quad(ox.NamedNode(str(GAZETTEER_GRAPH)), _VERSION_PRED,
                         ox.Literal(f"reference-v{REFERENCE_VERSION}"), ox.NamedNode(str(GAZETTEER_GRAPH)))
        if marker in self._store:
            return
        from .graph import gazetteer_graph, ontology_graph

        quads = [marker]
        for name, graph in ((GAZETTEER_GRAPH, gazetteer_graph()), (ONTOLOGY_GRAPH, ontology_graph())):
            g = ox.NamedNode(str(name))
            quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph)
        self._write([str(GAZETTEER_GRAPH), str(ONTOLOGY_GRAPH)], quads)

    def _write(self, drop: list[str], quads: list) -> None:
        """Drop graphs and insert quads in one transaction (one SPARQL Update)."""
        parts = [f"DROP SILENT GRAPH <{iri}>" for iri in drop]
        if quads:
            body = "\n".join(_quad_nt(q) for q in quads)
            parts.append("INSERT DATA {\n" + body + "\n}")
        if not parts:
            return
        try:
            self._store.update(" ;\n".join(parts))
            self._store.flush()
        except OSError as exc:
            raise StoreError(
                f"cannot write to store {self.location}: {exc}; check free disk space and permissions"
            ) from exc

    def put_graph(self, graph_iri: str, graph: Graph, replaces: list[str] = ()) -> int:
        """Store ``graph`` as named graph ``graph_iri``, dropping ``replaces`` in the same transaction."""
        g = ox.NamedNode(graph_iri)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph]
        self._write([graph_iri, *replaces], quads)
        return len(quads)

    def put_ntriples(self, graph_iri: str, data: bytes, replaces: list[str] = ()) -> int:
        """Like :meth:`put_graph`, for a graph serialised as N-Triples (as worker processes send it)."""
        g = ox.NamedNode(graph_iri)
        try:
            triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreError(f"invalid N-Triples for {graph_iri}: {exc}") from exc
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
        self._write([graph_iri, *replaces], quads)
        return len(quads)

    def remove_graph(self, graph_iri: str) -> None:
        """Drop one named graph."""
        self._write([graph_iri], [])

    # ------------------------------------------------------------ reading

    def has_graph(self, graph_iri: str) -> bool:
        """Whether a named graph exists (a report with this content is stored)."""
        return self._store.contains_named_graph(ox.NamedNode(graph_iri))

    def count(self, graph_iri: str | None = None) -> int:
        """Number of quads, in one graph or in all."""
        if graph_iri is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri)))

    def select(self, sparql: str, bindings: Mapping[str, Node] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT over the union of all graphs; rows map variable names to rdflib terms."""
        result = self.raw_query(sparql, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        names = [v.value for v in result.variables]
        return [{n: from_ox(row[n]) for n in names} for row in result]

    def raw_query(self, sparql: str, bindings: Mapping[str, Node] | None = None):
        """Run any query; ``bindings`` are substituted as terms, never as text."""
        subs = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(sparql, use_default_graph_as_union=True, substitutions=subs or None)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot read store {self.location}: {exc}") from exc

    def quads(self, graph_iri: str | None = None) -> Iterator:
        """All quads, or those of one graph (pyoxigraph quads)."""
        g = ox.NamedNode(graph_iri) if graph_iri else None
        return self._store.quads_for_pattern(None, None, None, g)

    def dump(self, fmt: ox.RdfFormat, graph_iri: str | None = None) -> bytes:
        """Serialise the store (or one graph) in an RDF format."""
        if graph_iri:
            return self._store.dump(format=fmt, from_graph=ox.NamedNode(graph_iri))
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            return self._store.dump(format=fmt)
        return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in self._store), format=fmt)

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        if getattr(self, "_store", None) is not None:
            try:
                self._store.flush()
            except OSError:
                pass
            del self._store
            self._store = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _quad_nt(q) -> str:
    return f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}"


def open_store(location: str | os.PathLike | None = None) -> OxigraphStore:
    """Open the store at ``location`` (default ``KG_STORE`` or ``./kg-store``).

    Raises:
        StoreError: a remote URL is given (not supported yet) or the folder cannot be used.
    """
    loc = store_location(location)
    if loc.startswith(("http://", "https://")):
        raise StoreError(f"remote SPARQL stores ({loc}) are not supported yet; use a folder path for --store")
    return OxigraphStore(loc)
