"""The RDF store behind one small interface: embedded Oxigraph by default,
or any SPARQL 1.1 server.

One named graph per report, named from the hash of the report's bytes. A
report is written in one transaction (a SPARQL Update, or Oxigraph's ``load``
for a new graph): the old graph of a changed report is dropped and the new one
inserted together, so a crash leaves either the old or the new version. Large
batches of new reports go through Oxigraph's bulk loader, which is not a
transaction; a list of the graphs being loaded, written first, lets the next
opening of the store remove the graphs of a load that did not finish.
Queries read the union of all graphs. Parameters are bound with Oxigraph's
substitutions (embedded) or a VALUES block of serialised terms (server),
never pasted into query text.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlencode, urlsplit, urlunsplit
from urllib.request import (
    HTTPBasicAuthHandler,
    HTTPDigestAuthHandler,
    HTTPPasswordMgrWithDefaultRealm,
    Request,
    build_opener,
    parse_http_list,
    parse_keqv_list,
)

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import QueryError, StoreError
from .ns import GAZETTEER_GRAPH, GRAPH, ONTOLOGY_GRAPH

DEFAULT_STORE = "kg-store"
STORE_ENV = "KG_STORE"
#: Credentials for a SPARQL server that asks for them: a user name and password
#: (HTTP Basic or Digest, as the server asks) or a bearer token (``kg serve``).
STORE_USER_ENV, STORE_PASSWORD_ENV, STORE_TOKEN_ENV = "KG_STORE_USER", "KG_STORE_PASSWORD", "KG_STORE_TOKEN"
#: Bumped when the gazetteer or ontology graphs change, so stores reload them.
REFERENCE_VERSION = "6"
_VERSION_PRED = ox.NamedNode("http://www.w3.org/2002/07/owl#versionInfo")
#: The share of a store's triples a batch must bulk-load for :meth:`OxigraphStore.compact` to compact it.
COMPACT_SHARE = 0.2
#: Queries :meth:`Store.strings_at_once` asks at the same time: one per core this process may use.
READERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
#: One query of :meth:`Store.strings_at_once`: its text, its bindings and its values.
Ask = tuple[str, Mapping[str, Node] | None, Mapping[str, Sequence[Node]] | None]


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


class Store:
    """What kg needs from an RDF store: write a report's graph in one transaction,
    drop a graph, and query the union of all graphs with bound parameters.

    Subclasses provide the primitives (:meth:`_update`, :meth:`raw_query`,
    :meth:`has_graph`, :meth:`count`, :meth:`quads`, :meth:`_contains`).
    """

    location: str

    # ------------------------------------------------------------ writing

    def _ensure_reference_graphs(self) -> None:
        """Load the ontology and gazetteer graphs once per reference version."""
        marker = ox.Quad(ox.NamedNode(str(GAZETTEER_GRAPH)), _VERSION_PRED,
                         ox.Literal(f"reference-v{REFERENCE_VERSION}"), ox.NamedNode(str(GAZETTEER_GRAPH)))
        if self._contains(marker):
            return
        from .graph import gazetteer_graph, ontology_graph

        quads = [marker]
        for name, graph in ((GAZETTEER_GRAPH, gazetteer_graph()), (ONTOLOGY_GRAPH, ontology_graph())):
            g = ox.NamedNode(str(name))
            quads.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph)
        self._write([str(GAZETTEER_GRAPH), str(ONTOLOGY_GRAPH)], quads)

    def _write(self, drop: list[str], quads: list, replaces: list[str] = ()) -> None:
        """Drop graphs, insert quads and drop the graphs they replace, in one SPARQL Update request.

        One request is one transaction on Oxigraph, Fuseki and GraphDB.
        Virtuoso runs a request's operations one by one (a run-time failure
        keeps what came before it), so the replaced graphs are dropped last:
        a failure there leaves the old report beside the new, never neither.
        """
        parts = [f"DROP SILENT GRAPH {ox.NamedNode(iri)}" for iri in drop]
        if quads:
            body = "\n".join(f"GRAPH {q.graph_name} {{ {q.subject} {q.predicate} {q.object} }}" for q in quads)
            parts.append("INSERT DATA {\n" + body + "\n}")
        parts.extend(f"DROP SILENT GRAPH {ox.NamedNode(iri)}" for iri in replaces)
        if parts:
            self._update(" ;\n".join(parts))

    def put_graph(self, graph_iri: str, graph: Graph, replaces: list[str] = ()) -> int:
        """Store ``graph`` as named graph ``graph_iri``, dropping ``replaces`` in the same transaction."""
        g = ox.NamedNode(graph_iri)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), g) for s, p, o in graph]
        self._write([graph_iri], quads, replaces)
        return len(quads)

    def put_ntriples(self, graph_iri: str, data: bytes, replaces: list[str] = ()) -> int:
        """Like :meth:`put_graph`, for a graph serialised as N-Triples (as worker processes send it)."""
        g = ox.NamedNode(graph_iri)
        try:
            triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreError(f"invalid N-Triples for {graph_iri}: {exc}") from exc
        quads = [ox.Quad(t.subject, t.predicate, t.object, g) for t in triples]
        self._write([graph_iri], quads, replaces)
        return len(quads)

    def put_many_ntriples(self, items: list[tuple[str, bytes]]) -> int:
        """Store several new report graphs (graph IRI, N-Triples); each is whole or absent after a crash.

        Returns:
            The number of triples stored.
        """
        return sum(self.put_ntriples(graph_iri, data) for graph_iri, data in items)

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update as one transaction (the server's authorised update endpoint)."""
        self._update(sparql)

    def remove_graph(self, graph_iri: str) -> None:
        """Drop one named graph."""
        self._write([graph_iri], [])

    def compact(self, loaded: int) -> bool:
        """Put the store's files in order after ``loaded`` triples were bulk-loaded; return whether it did.

        A server keeps its own files in order, so nothing is done here.
        """
        return False

    # ------------------------------------------------------------ reading

    def select(self, sparql: str, bindings: Mapping[str, Node] | None = None,
               values: Mapping[str, Sequence[Node]] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT over the union of all graphs; rows map variable names to rdflib terms.

        ``bindings`` give a variable one term; ``values`` let it take any of
        several (the places inside a region), bound in the query's innermost
        group (see :func:`with_values`).
        """
        result = self._solutions(sparql, bindings, values)
        names = [v.value for v in result.variables]
        # rdflib terms are slow to build (URIRef checks its text, Literal parses
        # its value); large answers repeat terms, so each is converted once.
        terms: dict = {}

        def term(value):
            try:
                return terms[value]
            except KeyError:
                terms[value] = converted = from_ox(value)
                return converted

        # a row iterates over its values in the order of the variables: faster than a lookup by name
        return [dict(zip(names, map(term, row))) for row in result]

    def strings(self, sparql: str, bindings: Mapping[str, Node] | None = None,
                values: Mapping[str, Sequence[Node]] | None = None) -> Iterator[tuple[str | None, ...]]:
        """The rows of a SELECT as the lexical forms of their terms, in the order of its variables.

        For long answers read for their text alone: building rdflib terms
        took longer than the query (a search for "as" on a large graph,
        29,458 names: 0.5 s to read, 0.7 s more as terms). ``bindings`` and
        ``values`` as in :meth:`select`.
        """
        for row in self._solutions(sparql, bindings, values):
            yield tuple(None if value is None else value.value for value in row)

    def strings_at_once(self, asks: Sequence[Ask]) -> list[list[tuple[str | None, ...]]]:
        """The rows of several SELECTs as :meth:`strings` gives them, asked at the same time.

        A county's links are one query per kind of link and part of its
        places (see ``query._links_of``): their time is the store's lookups,
        which the embedded store makes without holding Python's lock and a
        server makes side by side, so :data:`READERS` threads ask them
        together. Returns one list of rows per query, in the order asked.
        """
        if READERS < 2 or len(asks) < 2:
            return [self._all_strings(*ask) for ask in asks]
        with ThreadPoolExecutor(min(READERS, len(asks)), thread_name_prefix="kg-reader") as pool:
            return list(pool.map(lambda ask: self._all_strings(*ask), asks))

    def _all_strings(self, sparql: str, bindings: Mapping[str, Node] | None,
                     values: Mapping[str, Sequence[Node]] | None) -> list[tuple[str | None, ...]]:
        """The whole answer of :meth:`strings`, for :meth:`strings_at_once`."""
        return list(self.strings(sparql, bindings, values))

    def _solutions(self, sparql: str, bindings: Mapping[str, Node] | None = None,
                   values: Mapping[str, Sequence[Node]] | None = None) -> ox.QuerySolutions:
        """The answer of a SELECT, as pyoxigraph's table; any other query form is a QueryError."""
        result = self.raw_query(sparql, bindings, values)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("expected a SELECT query")
        return result

    def dump(self, fmt: ox.RdfFormat, graph_iri: str | None = None) -> bytes:
        """Serialise the store (or one graph) in an RDF format; triple formats merge the graphs."""
        quads = list(self.quads(graph_iri))
        if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
            return ox.serialize(quads, format=fmt)
        return ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in quads), format=fmt)

    def close(self) -> None:
        """Release the store."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class OxigraphStore(Store):
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
        self._recover()

    # ------------------------------------------------------------ bulk loading

    #: Names the report graphs a bulk load is writing, next to Oxigraph's own files.
    PENDING = "kg-bulk-load-pending.json"

    def _pending(self) -> Path | None:
        return None if self.location == "memory" else Path(self.location) / self.PENDING

    def _recover(self) -> None:
        """Remove the graphs of a bulk load that did not finish (its process was killed)."""
        pending = self._pending()
        if pending is None or not pending.exists():
            return
        try:
            for graph_iri in json.loads(pending.read_text(encoding="utf-8")):
                self._store.remove_graph(ox.NamedNode(graph_iri))
            self._store.flush()
            pending.unlink()
        except (OSError, ValueError) as exc:
            raise StoreError(f"cannot undo an unfinished bulk load in {self.location}: {exc}; "
                             f"check permissions, or delete {pending} and re-ingest") from exc

    def put_many_ntriples(self, items: list[tuple[str, bytes]]) -> int:
        """Store several new report graphs with Oxigraph's bulk loader, for large batches.

        The bulk loader writes index files directly instead of one transaction
        per report (2.2-2.6 times the triples per second in benchmarks/ingest.py's
        writer figures), but it is not a transaction.
        So the graphs' names are written (and synced) to :data:`PENDING` first
        and removed when the load is done; a store opened after a crash in
        between removes those graphs, so every report is whole or absent.
        Graphs that exist already go through :meth:`put_ntriples`.

        Returns:
            The number of triples stored.
        """
        pending = self._pending()
        new, stored = [], []
        for graph_iri, data in items:
            (stored if self.has_graph(graph_iri) else new).append((graph_iri, data))
        if pending is None or len(new) < 2:
            return super().put_many_ntriples(items)
        done = super().put_many_ntriples(stored)
        try:
            with open(pending, "w", encoding="utf-8") as out:
                json.dump([g for g, _ in new], out)
                out.flush()
                os.fsync(out.fileno())
            for graph_iri, data in new:
                self._store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri))
            self._store.flush()
            pending.unlink()
        except SyntaxError as exc:
            self._recover()
            raise StoreError(f"invalid N-Triples in a bulk load of {len(new)} reports: {exc}") from exc
        except OSError as exc:
            self._recover()
            raise self._write_failed(exc) from exc
        return done + sum(_ntriples_count(data) for _, data in new)

    # ------------------------------------------------------------ primitives

    def compact(self, loaded: int) -> bool:
        """Compact the store's files if the ``loaded`` triples just bulk-loaded are at least
        :data:`COMPACT_SHARE` of it; return whether it did.

        Left to itself, RocksDB compacts bulk-loaded files in the background
        of the next process that opens the store; a short command (``kg
        actors``) stops before that is done, so every command started it
        again and shared the cores with it: a county's located actors from a
        new process took 124-147 ms on benchmarks/queries.py's graph after a
        bulk load, 93-99 ms once compacted. Compaction rewrites the whole
        store (1.0-1.5 s per million triples here), and after a batch of a
        tenth of the store it made no difference (99-109 ms against 96-117;
        a quarter: 108-123 against 90-97), hence the share: it also bounds
        the compactions over a growing store's life to five times its final size.
        """
        try:
            if loaded < COMPACT_SHARE * len(self._store):
                return False
            self._store.optimize()
        except OSError as exc:
            raise StoreError(f"cannot compact store {self.location}: {exc}; the reports are stored, and the "
                             f"store works, only slower until a large bulk load compacts it") from exc
        return True

    def _write_failed(self, exc: OSError) -> StoreError:
        """The error for a write the disk refused (full, read-only, permissions)."""
        return StoreError(f"cannot write to store {self.location}: {exc}; check free disk space and permissions")

    def _update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
            self._store.flush()
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL Update: {exc}") from exc
        except OSError as exc:
            raise self._write_failed(exc) from exc

    def put_ntriples(self, graph_iri: str, data: bytes, replaces: list[str] = ()) -> int:
        """Like :meth:`Store.put_ntriples`; a new graph is loaded by Oxigraph's own parser.

        Loading the N-Triples in one transactional ``load`` skips the SPARQL
        Update text that the generic path builds and parses again (about half
        the time; benchmarks/ingest.py prints both); replacing graphs still
        goes through one SPARQL Update, which drops and inserts atomically.
        """
        if replaces or self.has_graph(graph_iri):
            return super().put_ntriples(graph_iri, data, replaces)
        try:
            self._store.load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph_iri))
            self._store.flush()
        except SyntaxError as exc:
            raise StoreError(f"invalid N-Triples for {graph_iri}: {exc}") from exc
        except OSError as exc:
            raise self._write_failed(exc) from exc
        return _ntriples_count(data)

    def _contains(self, quad) -> bool:
        return quad in self._store

    def has_graph(self, graph_iri: str) -> bool:
        """Whether a named graph exists (a report with this content is stored)."""
        return self._store.contains_named_graph(ox.NamedNode(graph_iri))

    def count(self, graph_iri: str | None = None) -> int:
        """Number of quads, in one graph or in all."""
        if graph_iri is None:
            return len(self._store)
        rows = list(self._store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
                                      substitutions={ox.Variable("g"): ox.NamedNode(graph_iri)}))
        return int(rows[0]["n"].value) if rows else 0

    def raw_query(self, sparql: str, bindings: Mapping[str, Node] | None = None,
                  values: Mapping[str, Sequence[Node]] | None = None):
        """Run any query; ``bindings`` are substituted as terms, never as text, and ``values``
        written as serialised terms (see :func:`with_values`)."""
        if values:
            sparql = with_values(sparql, {}, values)
        subs = {ox.Variable(k): to_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self._store.query(sparql, use_default_graph_as_union=True, substitutions=subs or None)
        except SyntaxError as exc:
            raise QueryError(f"invalid SPARQL: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"cannot read store {self.location}: {exc}") from exc

    def _all_strings(self, sparql: str, bindings: Mapping[str, Node] | None,
                     values: Mapping[str, Sequence[Node]] | None) -> list[tuple[str | None, ...]]:
        """The whole answer read as Oxigraph's JSON results, which it writes without Python's lock.

        Read row by row, pyoxigraph takes Python's lock back for every row,
        and two threads reading a county's links wait for each other
        (3,669 rows: 45 ms on two threads against 54 ms on one; serialised
        whole, 36.5-38.7 ms: benchmarks/queries.py's graph, 2026-12-07).
        """
        result = self._solutions(sparql, bindings, values)
        names = [v.value for v in result.variables]
        try:
            data = json.loads(result.serialize(format=ox.QueryResultsFormat.JSON))
        except OSError as exc:
            raise StoreError(f"cannot read store {self.location}: {exc}") from exc
        return [tuple(row[n]["value"] if n in row else None for n in names) for row in data["results"]["bindings"]]

    def quads(self, graph_iri: str | None = None) -> Iterator:
        """All quads, or those of one graph (pyoxigraph quads)."""
        g = ox.NamedNode(graph_iri) if graph_iri else None
        return self._store.quads_for_pattern(None, None, None, g)

    def close(self) -> None:
        """Flush and release the store (and its lock)."""
        if getattr(self, "_store", None) is not None:
            try:
                self._store.flush()
            except OSError:
                pass
            self._store = None


def _ntriples_count(data: bytes) -> int:
    """Triples in N-Triples text: one per line that is neither blank nor a comment."""
    return sum(1 for line in data.splitlines() if line.strip() and not line.lstrip().startswith(b"#"))


#: Where a SPARQL server keeps its Graph Store Protocol endpoint, relative to its
#: base URL, tried in this order: Oxigraph server, Apache Jena Fuseki.
GRAPH_STORE_PATHS = ("/store", "/data")
#: Last path segments of a URL that is itself one endpoint for queries and updates
#: (Virtuoso's ``/sparql``, and ``/sparql-auth`` where it asks for a password).
SINGLE_ENDPOINTS = ("sparql", "sparql-auth")
#: Answers from a graph store that kg cannot use (absent, not implemented, or closed to it):
#: kg tries the next one, then SPARQL Update, which says what is wrong if it fails too.
_GRAPH_STORE_REFUSALS = (401, 403, 404, 405, 501)
#: Attempts of a request that met a refused or dropped connection or a gateway's
#: 502/503/504 (a server restarting, a proxy in between), the first pause in
#: seconds, doubled each time. Every request kg sends may be sent twice: queries,
#: and writes that put or drop whole graphs.
RETRIES, RETRY_PAUSE = 4, 0.5
#: kg's own named graphs (reports, gazetteer, ontology); a shared server may hold others.
_KG_GRAPHS = f"FILTER(STRSTARTS(STR(?g), {ox.Literal(str(GRAPH))}))"


class _DigestLogin(HTTPDigestAuthHandler):
    """HTTP Digest that signs each request with the server's last challenge before sending it.

    urllib's own handlers send a request without the login and again with it
    after the 401; Virtuoso answers the 401 and closes the connection while
    a large body (a report's graph, 1.6 MB) is still being sent, so the PUT
    failed with a broken pipe, four tries in a row in one test run of four.
    Signed from the start, the body is read.
    """

    challenge: dict | None = None

    def retry_http_digest_auth(self, req, auth):
        self.challenge = parse_keqv_list(filter(None, parse_http_list(auth.split(" ", 1)[1])))
        return super().retry_http_digest_auth(req, auth)

    def sign(self, req: Request) -> None:
        """Add the Authorization header a known challenge allows (a stale one is answered 401 and renewed)."""
        auth = self.get_authorization(req, self.challenge) if self.challenge else None
        if auth:
            req.add_unredirected_header(self.auth_header, f"Digest {auth}")


class _BasicLogin(HTTPBasicAuthHandler):
    """HTTP Basic that, once the server has asked for it, sends the login with every request.

    For the reason :class:`_DigestLogin` signs: a proxy or server that
    answers 401 without reading the body breaks a large PUT. Not before the
    server asks, so a server that wants Digest never gets the password.
    """

    asked = False

    def retry_http_basic_auth(self, host, req, realm):
        self.asked = True
        return super().retry_http_basic_auth(host, req, realm)

    def sign(self, req: Request) -> None:
        user, password = self.passwd.find_user_password(None, req.full_url) if self.asked else (None, None)
        if user is not None and not req.has_header(self.auth_header):
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            req.add_unredirected_header(self.auth_header, f"Basic {token}")


class SparqlStore(Store):
    """A SPARQL 1.1 server (Oxigraph server, Apache Jena Fuseki, GraphDB, Virtuoso) at a base URL.

    Queries go to ``BASE/query`` and updates to ``BASE/update`` (the SPARQL 1.1
    Protocol); for a GraphDB/RDF4J repository URL to ``BASE`` and
    ``BASE/statements``; for a URL ending in ``/sparql`` or ``/sparql-auth``
    (Virtuoso) both to ``BASE``. Both are sent as URL-encoded forms, the one
    way every one of these servers takes. A new report's graph is PUT to the
    server's graph store (the Graph Store Protocol), a replaced one is written
    in one update request; these servers apply each request as one transaction.
    The server must answer queries over the union of its graphs: kg asks for
    it with Oxigraph's ``union-default-graph`` parameter; Fuseki needs
    ``tdb2:unionDefaultGraph true`` in its dataset configuration; GraphDB and
    Virtuoso do it by default. Bound parameters travel as a ``VALUES`` block of
    RDF terms written by the term serialiser, never as pasted user text.

    A server that asks for a password gets the user and password given here,
    in the URL (``http://user:password@host/…``) or in ``KG_STORE_USER`` and
    ``KG_STORE_PASSWORD`` (HTTP Basic or Digest, as the server asks); a bearer
    token (``KG_STORE_TOKEN``, what ``kg serve`` takes) is sent with every
    request. ``location`` and every message name the server without them.
    """

    def __init__(self, url: str, timeout: float = 120.0, user: str | None = None,
                 password: str | None = None, token: str | None = None):
        parts = urlsplit(url)
        user = user or unquote(parts.username or "") or os.environ.get(STORE_USER_ENV)
        password = password or unquote(parts.password or "") or os.environ.get(STORE_PASSWORD_ENV) or ""
        server = parts._replace(netloc=parts.netloc.rpartition("@")[2])
        self.location = urlunsplit(server).rstrip("/")
        self.timeout = timeout
        self._token = token or os.environ.get(STORE_TOKEN_ENV)
        self._logins: list[_DigestLogin | _BasicLogin] = []
        if user:
            passwords = HTTPPasswordMgrWithDefaultRealm()
            # for the whole server: Virtuoso's graph store is a sibling of its query endpoint
            passwords.add_password(None, urlunsplit(server._replace(path="/", query="", fragment="")), user, password)
            self._logins = [_DigestLogin(passwords), _BasicLogin(passwords)]
        self._opener = build_opener(*self._logins)
        base, _, last = self.location.rpartition("/")
        if "/repositories/" in self.location:  # GraphDB / RDF4J: queries at the base, updates at /statements
            self.endpoints = {"query": self.location, "update": f"{self.location}/statements"}
            self._graph_stores = [f"{self.location}/rdf-graphs/service"]
        elif last in SINGLE_ENDPOINTS:  # Virtuoso: one endpoint; its graph store asks for the password too
            self.endpoints = {"query": self.location, "update": self.location}
            self._graph_stores = [f"{base}/sparql-graph-crud{'-auth' if user else ''}"]
        else:  # Oxigraph server, Fuseki
            self.endpoints = {"query": f"{self.location}/query", "update": f"{self.location}/update"}
            self._graph_stores = [f"{self.location}{path}" for path in GRAPH_STORE_PATHS]
        self._ensure_reference_graphs()

    def put_ntriples(self, graph_iri: str, data: bytes, replaces: list[str] = ()) -> int:
        """Like :meth:`Store.put_ntriples`; a new graph is sent with the Graph Store Protocol.

        An HTTP PUT of the N-Triples to the server's graph store (Oxigraph
        ``/store``, Fuseki ``/data``, RDF4J/GraphDB ``/rdf-graphs/service``,
        Virtuoso ``/sparql-graph-crud-auth``) spares the server parsing the same
        triples as SPARQL Update text; the server stores the graph in one
        transaction. A server without a graph store kg may use, and any
        replacement (old graphs dropped in the same transaction), go through
        SPARQL Update.
        """
        if replaces or not self._graph_stores or self.has_graph(graph_iri):
            return super().put_ntriples(graph_iri, data, replaces)
        try:
            count = sum(1 for _ in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise StoreError(f"invalid N-Triples for {graph_iri}: {exc}") from exc
        while self._graph_stores:
            self.endpoints["graphs"] = self._graph_stores[0]
            try:
                self._http("graphs", data, "application/n-triples", "*/*", {"graph": graph_iri}, method="PUT")
                return count
            except StoreError as exc:
                if not (isinstance(exc.__cause__, HTTPError) and exc.__cause__.code in _GRAPH_STORE_REFUSALS):
                    raise
                self._graph_stores.pop(0)  # not a graph store kg can use: try the next, then SPARQL Update
        del self.endpoints["graphs"]
        return super().put_ntriples(graph_iri, data, replaces)

    def _http(self, endpoint: str, body: bytes, content_type: str, accept: str, params: dict | None = None,
              method: str = "POST") -> bytes:
        """Send one request; a refused or dropped connection, or a gateway's 502/503/504, is tried
        again (:data:`RETRIES` times in all, pausing :data:`RETRY_PAUSE` s, then twice that, …)."""
        url = self.endpoints[endpoint] + (f"?{urlencode(params)}" if params else "")
        headers = {"Content-Type": content_type, "Accept": accept}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        attempt = 1
        while True:
            request = Request(url, data=body, method=method, headers=headers)
            for login in self._logins:
                login.sign(request)
            try:
                with self._opener.open(request, timeout=self.timeout) as response:
                    return response.read()
            except (URLError, OSError) as exc:
                passing = (exc.code in (502, 503, 504) if isinstance(exc, HTTPError)
                           else isinstance(getattr(exc, "reason", exc), ConnectionError))
                if not passing or attempt == RETRIES:
                    raise self._failure(exc) from exc
                time.sleep(RETRY_PAUSE * 2 ** (attempt - 1))
                attempt += 1
            except ValueError as exc:  # urllib's answer to a login it cannot give (e.g. Bearer with a password)
                raise StoreError(f"SPARQL server {self.location}: {exc}; give {STORE_TOKEN_ENV} instead") from exc

    def _failure(self, exc: OSError) -> StoreError | QueryError:
        """The error to raise for a request that failed for good."""
        if not isinstance(exc, HTTPError):
            return StoreError(f"cannot reach the SPARQL server at {self.location}: {exc}; is it running?")
        body = exc.read()  # text, not bytes, where urllib gave up a login itself on Python 3.11.2 (Debian 12)
        detail = (body.decode("utf-8", "replace") if isinstance(body, bytes) else body).strip().splitlines()
        message = detail[0] if detail else exc.reason
        if exc.code == 400:
            return QueryError(f"invalid SPARQL: {message}")
        if exc.code in (401, 403):
            message = (f"{message or 'access refused'}; give a user allowed to write with "
                       f"{STORE_USER_ENV} and {STORE_PASSWORD_ENV} (or {STORE_TOKEN_ENV})")
        return StoreError(f"SPARQL server {self.location} answered {exc.code}: {message}")

    def _update(self, sparql: str) -> None:
        self._http("update", urlencode({"update": sparql}).encode("ascii"), _FORM_TYPE, "*/*")

    def _contains(self, quad) -> bool:
        ask = f"ASK {{ GRAPH {quad.graph_name} {{ {quad.subject} {quad.predicate} {quad.object} }} }}"
        return bool(self.raw_query(ask))

    def has_graph(self, graph_iri: str) -> bool:
        """Whether a named graph exists (a report with this content is stored)."""
        return bool(self.raw_query(f"ASK {{ GRAPH {ox.NamedNode(graph_iri)} {{ ?s ?p ?o }} }}"))

    def count(self, graph_iri: str | None = None) -> int:
        """Number of quads, in one graph or in all of kg's."""
        target = str(ox.NamedNode(graph_iri)) if graph_iri else "?g"
        where = "" if graph_iri else _KG_GRAPHS
        (row,) = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {target} {{ ?s ?p ?o }} {where} }}")
        return int(row["n"])

    def raw_query(self, sparql: str, bindings: Mapping[str, Node] | None = None,
                  values: Mapping[str, Sequence[Node]] | None = None):
        """Run any query on the server; results as pyoxigraph objects, like the embedded store."""
        text = with_values(sparql, bindings or {}, values) if bindings or values else sparql
        kind = _query_form(text)
        accept = "application/n-triples" if kind in ("CONSTRUCT", "DESCRIBE") else "application/sparql-results+json"
        data = self._http("query", urlencode({"query": text}).encode("ascii"), _FORM_TYPE, accept,
                          {"union-default-graph": ""})
        if kind in ("CONSTRUCT", "DESCRIBE"):
            return ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        result = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        if kind == "ASK" and isinstance(result, ox.QuerySolutions):
            # Virtuoso answers ASK as a table of one row, ?__ASK_RETVAL = 1 or 0
            truth = any(str(getattr(value, "value", "")) in ("1", "true") for row in result for value in row)
            result = ox.parse_query_results(json.dumps({"head": {}, "boolean": truth}).encode(),
                                            format=ox.QueryResultsFormat.JSON)
        return result

    def quads(self, graph_iri: str | None = None) -> Iterator:
        """All quads in kg's named graphs, or those of one graph."""
        target = str(ox.NamedNode(graph_iri)) if graph_iri else "?g"
        where = "" if graph_iri else _KG_GRAPHS
        result = self.raw_query(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH {target} {{ ?s ?p ?o }} {where} }}")
        for row in result:
            yield ox.Quad(row["s"], row["p"], row["o"], row["g"] if not graph_iri else ox.NamedNode(graph_iri))


_FORM_TYPE = "application/x-www-form-urlencoded"
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _query_form(sparql: str) -> str:
    body = re.sub(r"(?m)^\s*(PREFIX|BASE)\b[^\n]*$", "", sparql)
    m = _FORM.search(body)
    return m.group(1).upper() if m else "SELECT"


def with_values(sparql: str, bindings: Mapping[str, Node], values: Mapping[str, Sequence[Node]] | None = None) -> str:
    """Bind variables by ``VALUES`` blocks: ``bindings`` one term each, ``values`` any of several.

    A bound variable's block opens every ``WHERE`` group, because a
    sub-select is evaluated before the group around it (SPARQL's bottom-up
    semantics): a parameter used inside one must be bound there, as the
    embedded store's substitutions do. A variable with several values is
    bound in the innermost (last) group alone, which must use it and carry it
    out: a block of several rows in a group that does not use the variable
    would repeat its answers, and Virtuoso 7.2 answers nothing when one of
    them matches nothing and the block opens two nested groups. The terms are
    serialised by pyoxigraph (IRIs checked, literals escaped), so no user text
    reaches the query unquoted.
    """
    for name in (*bindings, *(values or {})):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QueryError(f"invalid variable name {name!r}")
    try:
        bound = ""
        if bindings:
            row = " ".join(str(to_ox(term)) for term in bindings.values())
            bound = f" VALUES ({' '.join('?' + n for n in bindings)}) {{ ({row}) }} "
        several = "".join(f" VALUES ?{name} {{ {' '.join(str(to_ox(term)) for term in terms)} }} "
                          for name, terms in (values or {}).items())
    except ValueError as exc:
        raise QueryError(f"invalid query parameter: {exc}") from exc
    groups = list(_WHERE.finditer(sparql))
    if not groups:
        raise QueryError("cannot bind parameters: the query has no WHERE clause")
    parts, start = [], 0
    for group in groups:  # cut at the query's own WHERE groups, never inside an inserted term
        parts += [sparql[start:group.end()], bound]
        start = group.end()
    return "".join(parts) + several + sparql[start:]


def open_store(location: str | os.PathLike | None = None) -> Store:
    """Open the store at ``location`` (default ``KG_STORE`` or ``./kg-store``).

    A folder is an embedded Oxigraph store; an ``http(s)://`` URL is a SPARQL
    1.1 server.
    """
    loc = store_location(location)
    if loc.startswith(("http://", "https://")):
        return SparqlStore(loc)
    return OxigraphStore(loc)
