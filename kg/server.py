"""``kg serve``: a SPARQL 1.1 Protocol endpoint, the named queries as JSON, and the web explorer.

Read-only unless started with a token: then SPARQL Update and PDF upload
are accepted from requests that carry it (``Authorization: Bearer TOKEN``).
Queries run in a small pool of threads with a time limit; ``SERVICE`` and
``LOAD`` are refused, request bodies are capped, and every client error is
a 4xx with a one-line reason. Built on the standard library's HTTP server:
one process, one thread per connection, the store shared.

Endpoints:
    ``/sparql`` (also ``/query`` and ``/update``, so that ``kg --store
    http://host:port`` can use another kg as its store), ``/api/queries``
    and ``/api/queries/NAME``, ``/ingest``, and the explorer's pages
    (see :mod:`kg.explorer`).
"""

from __future__ import annotations

import hmac
import json
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from . import explorer
from .errors import KGError, NotFoundError, QueryError, StoreError
from .ns import PREFIXES
from .query import NAMED_QUERIES, run_named
from .store import Store

STATIC = Path(__file__).parent / "static"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

#: Result formats by media type, for SELECT/ASK and for CONSTRUCT/DESCRIBE.
SOLUTION_TYPES = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


@dataclass(frozen=True)
class ServeConfig:
    """Limits and rights of a running server.

    Attributes:
        token: the secret that update and upload requests must carry; None keeps the server read-only.
        timeout: seconds a query may run before the client gets 503.
        max_body: largest query or update body, in bytes.
        max_upload: largest PDF upload, in bytes.
        workers: queries that may run at once.
        queue: seconds a query waits for a free slot before it gets 503: long enough for a burst of
            quick queries to take turns, short enough that nobody queues behind a slow one.
        model: spaCy pipeline for uploaded PDFs (None: the shipped one).
        quiet: no request log on standard error.
    """

    token: str | None = None
    timeout: float = 10.0
    max_body: int = 1 << 20
    max_upload: int = 100 << 20
    workers: int = 4
    queue: float = 2.0
    model: str | None = None
    quiet: bool = False


class HTTPError(Exception):
    """A request that gets an error status and a one-line reason."""

    def __init__(self, status: int, reason: str, headers: dict | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = " ".join(reason.split())
        self.headers = headers or {}


class QueryTimeoutError(Exception):
    """A query ran past its deadline."""


# ------------------------------------------------------------ SPARQL text checks

_SKIP = re.compile(r'''"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\''''
                   r'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*''')


def keywords(sparql: str) -> set[str]:
    """The bare words of a query outside strings, IRIs and comments, upper-cased.

    Variables (``?x``, ``$x``) and prefixed names (``ex:load``) are not
    keywords, so a name that merely spells one is not refused.
    """
    text = _SKIP.sub(" ", sparql)
    return {m.group(1).upper() for m in re.finditer(r"(?<![\w?$:@\-.])([A-Za-z]+)(?![\w:\-])", text)}


def check_query(sparql: str) -> None:
    """Refuse what a shared read-only endpoint must not run: federated ``SERVICE`` calls."""
    if "SERVICE" in keywords(sparql):
        raise HTTPError(400, "SERVICE (federated query) is not allowed on this endpoint")


def check_update(sparql: str) -> None:
    """Refuse ``LOAD`` (the server would fetch URLs) and ``SERVICE`` in updates."""
    words = keywords(sparql)
    for word in ("LOAD", "SERVICE"):
        if word in words:
            raise HTTPError(400, f"{word} is not allowed on this endpoint")


# ------------------------------------------------------------ result serialisation


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {k: _json_term(getattr(term, k)) for k in ("subject", "predicate", "object")}}


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_field(term) -> str:
    if term is None:
        return ""
    value = f"_:{term.value}" if isinstance(term, ox.BlankNode) else getattr(term, "value", str(term))
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def serialize_solutions(variables: list[str], rows: list[list], fmt: str) -> bytes:
    """SELECT results in the W3C SPARQL 1.1 JSON, XML, CSV or TSV results format."""
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode("utf-8")
    if fmt == "csv":
        lines = [",".join(variables)] + [",".join(_csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
    lines = ["\t".join(f"?{v}" for v in variables)] + ["\t".join("" if t is None else str(t) for t in row)
                                                        for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """ASK results in the W3C JSON or XML results format (CSV and TSV: the bare word)."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head/>'
                f"<boolean>{str(value).lower()}</boolean></sparql>\n").encode()
    return f"{str(value).lower()}\n".encode()


def negotiate(accept: str, offers: dict) -> str | None:
    """The offered media type the Accept header prefers (first offer for ``*/*`` or no header)."""
    if not accept.strip():
        return next(iter(offers))
    choices = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in offers:
            choices.append((q, 0, i, media))
        elif media in ("*/*", "application/*", "text/*"):
            group = media.split("/")[0]
            match = next((o for o in offers if group == "*" or o.startswith(group + "/")), None)
            if match:
                choices.append((q, 1, i, match))
    choices = [c for c in choices if c[0] > 0]
    if not choices:
        return None
    return min(choices, key=lambda c: (-c[0], c[1], c[2]))[3]


# ------------------------------------------------------------ the server


class KGServer(ThreadingHTTPServer):
    """The HTTP server: one store, a pool of query threads, one writer at a time."""

    daemon_threads = True

    def __init__(self, store: Store, address: tuple[str, int], config: ServeConfig):
        super().__init__(address, Handler)
        self.store = store
        self.config = config
        self.pool = ThreadPoolExecutor(config.workers, thread_name_prefix="kg-query")
        self.slots = threading.BoundedSemaphore(config.workers)
        self.write_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def run_query(self, sparql: str, fmt_for: Callable[[str], object]) -> tuple[str, bytes]:
        """Run a query within the time limit; ``fmt_for(kind)`` picks the format for its result kind."""
        if not self.slots.acquire(timeout=self.config.queue):
            raise HTTPError(503, "all query slots are busy with long queries; try again shortly",
                            {"Retry-After": "5"})
        deadline = time.monotonic() + self.config.timeout
        try:
            future = self.pool.submit(self._evaluate, sparql, deadline, fmt_for)
        except RuntimeError as exc:  # the pool is shutting down
            self.slots.release()
            raise HTTPError(503, "the server is shutting down") from exc
        # a query that never ran (cancelled at shutdown) gives its slot back here
        future.add_done_callback(lambda f: f.cancelled() and self.slots.release())
        try:
            return future.result(timeout=self.config.timeout + 0.5)
        except (FutureTimeout, QueryTimeoutError):
            raise HTTPError(503, f"the query ran longer than the {self.config.timeout:g} s limit; "
                                 "narrow it or add a LIMIT") from None

    def _evaluate(self, sparql: str, deadline: float, fmt_for) -> tuple[str, bytes]:
        """Run on a pool thread, which gives the slot back before the client can have its
        answer: released in a done-callback, it came back after the answer, and a client
        asking again at once could find every slot still taken."""
        try:
            result = self.store.raw_query(sparql)
            error = None
            try:
                return _serialize(result, deadline, fmt_for)
            except Exception as exc:  # re-raised below, once the result is gone
                error = exc.with_traceback(None)
            finally:
                del result  # pyoxigraph results must be dropped on the thread that made them
            raise error
        finally:
            self.slots.release()

    def shutdown_pool(self) -> None:
        """Stop taking queries; running ones finish in the background."""
        self.pool.shutdown(wait=False, cancel_futures=True)


def _serialize(result, deadline: float, fmt_for) -> tuple[str, bytes]:
    """Serialise a query result, pulling it only while time is left."""
    if isinstance(result, (ox.QueryBoolean, bool)):
        media, fmt = fmt_for("boolean")
        return media, serialize_boolean(bool(result), fmt)
    if isinstance(result, ox.QuerySolutions):
        media, fmt = fmt_for("solutions")
        variables = [v.value for v in result.variables]
        rows = [[row[v] for v in variables] for row in _until(result, deadline)]
        return media, serialize_solutions(variables, rows, fmt)
    media, fmt = fmt_for("graph")
    triples = list(_until(result, deadline))
    return media, ox.serialize(triples, format=fmt, prefixes=PREFIXES if fmt == ox.RdfFormat.TURTLE else None)


def _until(results: Iterable, deadline: float) -> Iterable:
    """Pull results while time is left; Oxigraph evaluates lazily, so stopping stops the work."""
    for i, item in enumerate(results):
        if i % 256 == 0 and time.monotonic() > deadline:
            raise QueryTimeoutError()
        yield item
    if time.monotonic() > deadline:
        raise QueryTimeoutError()


class Handler(BaseHTTPRequestHandler):
    """Routes requests to the SPARQL endpoint, the JSON API, uploads and the explorer."""

    server: KGServer
    server_version = "kg"
    protocol_version = "HTTP/1.1"

    # ------------------------------------------------------------ plumbing

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's signature)
        if not self.server.config.quiet:
            sys.stderr.write(f"kg serve: {self.address_string()} {format % args}\n")

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._dispatch("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch("GET", head=True)

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def _dispatch(self, method: str, head: bool = False) -> None:
        self._head_only = head
        self._started = time.perf_counter()
        try:
            url = urlsplit(self.path)
            try:
                path = url.path.encode("latin-1").decode("utf-8")
            except UnicodeError:
                raise HTTPError(400, "the request path is not valid UTF-8") from None
            self.params = _parse_form(url.query)
            route = ROUTES.get(path)
            if route is None and path.startswith("/api/queries/"):
                route = ("GET", Handler.api_query)
            if route is None and path.startswith("/static/"):
                route = ("GET", Handler.static)
            if route is None:
                raise HTTPError(404, f"no page {path[:200]}")
            allowed, func = route
            if method not in allowed:
                raise HTTPError(405, f"{path} does not accept {method}", {"Allow": allowed.replace(" ", ", ")})
            func(self, path)
        except HTTPError as exc:
            self._error(exc.status, exc.reason, exc.headers)
        except NotFoundError as exc:
            self._error(404, str(exc))
        except QueryError as exc:
            self._error(400, str(exc))
        except StoreError as exc:
            self._error(503, str(exc))
        except KGError as exc:
            self._error(422, str(exc))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception:  # a bug: log it whole, tell the client one line
            traceback.print_exc(file=sys.stderr)
            self._error(500, "internal error; the server log has the details")

    def _wants_html(self) -> bool:
        return self.path.split("?")[0] in explorer.PAGES

    def _error(self, status: int, reason: str, headers: dict | None = None) -> None:
        if self._wants_html():
            body = explorer.error_page(status, reason).encode("utf-8")
            self._send(status, "text/html; charset=utf-8", body, headers)
        elif self.path.startswith(("/api/", "/ingest")):
            self._send(status, "application/json", json.dumps({"error": reason, "status": status}).encode(), headers)
        else:
            self._send(status, "text/plain; charset=utf-8", (reason + "\n").encode("utf-8"), headers)

    def _send(self, status: int, content_type: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Server-Timing", f"app;dur={(time.perf_counter() - self._started) * 1000:.1f}")
        if content_type.startswith("text/html"):
            self.send_header("Content-Security-Policy",
                             "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not self._head_only:
            self.wfile.write(body)

    def _body(self, limit: int) -> bytes:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise HTTPError(411, "send a Content-Length; chunked request bodies are not accepted")
        if length is None:
            raise HTTPError(411, "a POST needs a Content-Length header")
        try:
            size = int(length)
        except ValueError:
            raise HTTPError(400, "Content-Length is not a number") from None
        if size < 0:
            raise HTTPError(400, "Content-Length is negative")
        if size > limit:
            self.close_connection = True
            raise HTTPError(413, f"the request body has {size} bytes; the limit is {limit}")
        return self.rfile.read(size)

    def _authorise(self, what: str) -> None:
        token = self.server.config.token
        if not token:
            raise HTTPError(403, f"{what} is disabled: the server is read-only (start kg serve with a token)")
        given = self.headers.get("Authorization", "")
        if not given.startswith("Bearer "):
            raise HTTPError(401, f"{what} needs 'Authorization: Bearer TOKEN'", {"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(given[7:].strip().encode("utf-8"), token.encode("utf-8")):
            raise HTTPError(403, "the token is wrong")

    # ------------------------------------------------------------ SPARQL protocol

    def sparql(self, path: str) -> None:
        """SPARQL 1.1 Protocol: queries by GET or POST, updates by POST (with the token)."""
        params = dict(self.params)
        operation = None
        if self.command == "POST":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
            body = self._body(self.server.config.max_body)
            text = _utf8(body, "request body")
            if ctype == "application/sparql-query":
                operation = ("query", text)
            elif ctype == "application/sparql-update":
                operation = ("update", text)
            elif ctype == "application/x-www-form-urlencoded":
                params.update(_parse_form(text))
            else:
                raise HTTPError(415, "send application/sparql-query, application/sparql-update or a form")
        if operation is None:
            query, update = params.get("query"), params.get("update")
            if query is not None and update is not None:
                raise HTTPError(400, "give either query or update, not both")
            if update is not None and self.command != "POST":
                raise HTTPError(405, "updates must be sent by POST", {"Allow": "POST"})
            if query is None and update is None:
                if path == "/sparql" and self.command == "GET":
                    return self._redirect("/editor")
                raise HTTPError(400, "missing the 'query' parameter")
            operation = ("query", query) if query is not None else ("update", update)
        if path == "/update" and operation[0] == "query" or path == "/query" and operation[0] == "update":
            raise HTTPError(400, f"{path} takes only {path[1:]} operations")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            raise HTTPError(400, "default-graph-uri and named-graph-uri are not supported; "
                                 "use GRAPH in the query (the default graph is the union of all reports)")
        kind, text = operation
        if not text.strip():
            raise HTTPError(400, f"the {kind} is empty")
        if kind == "update":
            return self._update(text)
        check_query(text)
        accept = self.headers.get("Accept", "")

        def fmt_for(result_kind: str):
            offers = GRAPH_TYPES if result_kind == "graph" else SOLUTION_TYPES
            media = negotiate(accept, offers)
            if media is None:
                raise HTTPError(406, f"cannot answer in {accept}; accepted: {', '.join(offers)}")
            return media, offers[media]

        media, body = self.server.run_query(text, fmt_for)
        self._send(200, f"{media}; charset=utf-8", body)

    def _update(self, text: str) -> None:
        self._authorise("SPARQL Update")
        check_update(text)
        with self.server.write_lock:
            self.server.store.update(text)
        self._send(204, "text/plain", b"")

    def _redirect(self, location: str) -> None:
        self._send(303, "text/plain; charset=utf-8", b"", {"Location": location})

    # ------------------------------------------------------------ JSON API

    def api_list(self, path: str) -> None:
        """The named queries with their parameters."""
        self._json([q.describe() for q in NAMED_QUERIES.values()])

    def api_query(self, path: str) -> None:
        """Run one named query: ``/api/queries/NAME?param=value``."""
        name = path[len("/api/queries/"):]
        self._json(run_named(self.server.store, name, self.params))

    def _json(self, data) -> None:
        self._send(200, "application/json; charset=utf-8", json.dumps(data, ensure_ascii=False).encode("utf-8"))

    # ------------------------------------------------------------ upload

    def upload(self, path: str) -> None:
        """Ingest one PDF sent as the request body (``?filename=NAME.pdf``), with the token."""
        self._authorise("Uploading reports")
        name = Path(self.params.get("filename") or "upload.pdf").name
        name = re.sub(r"[^\w.\-]+", "_", name)[:120] or "upload.pdf"
        if not name.lower().endswith(".pdf"):
            name += ".pdf"
        body = self._body(self.server.config.max_upload)
        from . import nlp as kg_nlp
        from .ingest import ingest

        folder = Path(tempfile.mkdtemp(prefix="kg-upload-"))
        try:
            target = folder / name
            target.write_bytes(body)
            with self.server.write_lock:
                summary = ingest([target], self.server.store, nlp=kg_nlp.load(self.server.config.model))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if summary.failures:
            raise HTTPError(422, summary.failures[0].reason)
        status = 201 if summary.reports else 200
        self._send(status, "application/json", json.dumps({
            "file": name, "reports": summary.reports, "unchanged": summary.unchanged, "pages": summary.pages,
            "entities": summary.entities, "triples": summary.triples, "seconds": round(summary.seconds, 2),
        }).encode())

    # ------------------------------------------------------------ explorer

    def page(self, path: str) -> None:
        """One page of the explorer, rendered from named queries."""
        html = explorer.PAGES[path](self.server.store, self.params, writable=bool(self.server.config.token))
        self._send(200, "text/html; charset=utf-8", html.encode("utf-8"))

    def static(self, path: str) -> None:
        """The explorer's style sheet and scripts."""
        name = path[len("/static/"):]
        file = STATIC / name
        if not re.fullmatch(r"[\w.\-]+\.(css|js)", name) or not file.is_file():
            raise HTTPError(404, f"no file {name[:100]}")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        self._send(200, f"{media}; charset=utf-8", file.read_bytes(), {"Cache-Control": "max-age=3600"})


ROUTES: dict[str, tuple[str, Callable]] = {
    "/sparql": ("GET POST", Handler.sparql),
    "/query": ("GET POST", Handler.sparql),
    "/update": ("POST", Handler.sparql),
    "/api/queries": ("GET", Handler.api_list),
    "/ingest": ("POST", Handler.upload),
    **{p: ("GET", Handler.page) for p in explorer.PAGES},
}


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HTTPError(400, f"the {what} is not valid UTF-8") from None


def _parse_form(query: str) -> dict[str, str]:
    """Form or URL parameters, each once, strictly UTF-8."""
    try:
        pairs = parse_qs(query, keep_blank_values=True, strict_parsing=False, errors="strict", max_num_fields=50)
    except UnicodeDecodeError:
        raise HTTPError(400, "a parameter is not valid UTF-8") from None
    except ValueError:
        raise HTTPError(400, "too many parameters") from None
    out = {}
    for key, values in pairs.items():
        if len(values) > 1:
            raise HTTPError(400, f"the parameter {key[:50]!r} is given more than once")
        out[key] = values[0]
    return out


def make_server(store: Store, host: str = "127.0.0.1", port: int = 7878,
                config: ServeConfig | None = None) -> KGServer:
    """A server bound to ``host:port`` (port 0: any free port), not yet serving."""
    try:
        return KGServer(store, (host, port), config or ServeConfig())
    except OSError as exc:
        raise KGError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; choose another --port") from exc

