"""kg serve against real clients: urllib, SPARQLWrapper, rdflib's SPARQLStore and kg's own SparqlStore."""

from __future__ import annotations

import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest

from kg.errors import StoreError
from kg.server import ServeConfig, check_query, check_update, keywords, negotiate
from kg.store import SparqlStore

from .conftest import Served, write_report_pdf

TOKEN = "s3cret-token"
ACTORS = "PREFIX kg: <https://w3id.org/kg-no/ontology#> SELECT ?a WHERE { ?a a kg:Firm }"


@pytest.fixture(scope="module")
def store(served_copy):
    with served_copy() as opened:
        yield opened


@pytest.fixture(scope="module")
def served(store):
    running = Served(store, ServeConfig(token=TOKEN, quiet=True, max_body=64 * 1024))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def read_only(store):
    running = Served(store, ServeConfig(quiet=True))
    yield running
    running.stop()


# ------------------------------------------------------------ SPARQL protocol


def test_query_by_get_and_post_in_every_results_format(served):
    status, headers, body = served.get("/sparql?" + urlencode({"query": ACTORS}))
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert float(headers["Server-Timing"].split("dur=")[1]) > 0
    firms = {b["a"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert any(f.endswith("/actor/nammo-raufoss") for f in firms)
    for content_type, data in (("application/sparql-query", ACTORS.encode()),
                               ("application/x-www-form-urlencoded", urlencode({"query": ACTORS}).encode())):
        status, _, body = served.post("/sparql", data, content_type)
        assert status == 200 and {b["a"]["value"] for b in json.loads(body)["results"]["bindings"]} == firms
    status, headers, body = served.get("/sparql?" + urlencode({"query": ACTORS}), "application/sparql-results+xml")
    assert status == 200 and b'<variable name="a"/>' in body and body.count(b"<uri>") == len(firms)
    status, headers, body = served.get("/sparql?" + urlencode({"query": ACTORS}), "text/csv")
    assert headers["Content-Type"].startswith("text/csv") and body.decode().split("\r\n")[0] == "a"
    assert len(body.decode().strip().split("\r\n")) == len(firms) + 1
    status, headers, body = served.get("/sparql?" + urlencode({"query": ACTORS}), "text/tab-separated-values")
    assert body.decode().splitlines()[0] == "?a" and body.decode().splitlines()[1].startswith("<https://")


def test_literals_keep_language_and_datatype(served):
    query = ('PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX kg: <https://w3id.org/kg-no/ontology#> '
             'SELECT ?l ?n WHERE { ?p skos:prefLabel ?l ; kg:municipalityNumber ?n . FILTER(?n = "3407") }')
    _, _, body = served.get("/sparql?" + urlencode({"query": query}))
    (row,) = json.loads(body)["results"]["bindings"]
    assert row["l"] == {"type": "literal", "value": "Gjøvik", "xml:lang": "nb"}
    assert row["n"] == {"type": "literal", "value": "3407"}
    _, _, body = served.get("/sparql?" + urlencode({"query": query}), "application/sparql-results+xml")
    assert '<literal xml:lang="nb">Gjøvik</literal>' in body.decode()


def test_ask_construct_and_describe(served):
    status, _, body = served.get("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}))
    assert json.loads(body) == {"head": {}, "boolean": True}
    construct = ("PREFIX kg: <https://w3id.org/kg-no/ontology#> "
                 "CONSTRUCT { ?a kg:memberOf ?g } WHERE { ?a kg:memberOf ?g }")
    status, headers, body = served.get("/sparql?" + urlencode({"query": construct}))
    assert headers["Content-Type"].startswith("text/turtle") and b"kg:memberOf" in body
    status, headers, body = served.get("/sparql?" + urlencode({"query": construct}), "application/n-triples")
    assert body.decode().splitlines()[0].endswith(" .")
    status, headers, body = served.get("/sparql?" + urlencode({"query": construct}), "application/ld+json")
    assert status == 200 and isinstance(json.loads(body), (list, dict))
    status, _, body = served.get("/sparql?" + urlencode({"query": construct}), "image/png")
    assert status == 406 and b"text/turtle" in body


def test_protocol_errors_are_clear_4xx(served):
    status, _, body = served.get("/sparql?" + urlencode({"query": "SELEKT * WHERE { ?s ?p ?o }"}))
    assert status == 400 and body.startswith(b"invalid SPARQL")
    service = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    status, _, body = served.get("/sparql?" + urlencode({"query": service}))
    assert status == 400 and b"SERVICE" in body
    assert served.get("/sparql?query=")[0] == 400
    assert served.get("/query")[0] == 400
    assert served.get("/sparql?" + urlencode({"query": ACTORS, "default-graph-uri": "http://x"}))[0] == 400
    assert served.post("/sparql", b"x", "text/plain")[0] == 415
    assert served.post("/sparql", b"\xff\xfe", "application/sparql-query")[0] == 400
    status, _, body = served.post("/sparql", b"#" * 100_000, "application/sparql-query")
    assert status == 413 and b"limit" in body
    assert served.get("/update?" + urlencode({"update": "CLEAR ALL"}))[0] == 405
    assert served.get("/no/such/page")[0] == 404


def test_request_without_length_and_over_long_lines(served):
    conn = http.client.HTTPConnection(served.url.removeprefix("http://"), timeout=30)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.endheaders()
    assert conn.getresponse().status == 411
    conn.close()
    assert served.get("/search?q=" + "x" * 70_000)[0] == 414


def test_updates_need_the_token(served, read_only, store):
    update = "INSERT DATA { GRAPH <urn:test:g> { <urn:test:s> <urn:test:p> 'added' } }"
    before = store.count()
    status, headers, _ = served.post("/sparql", update.encode(), "application/sparql-update")
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer"
    assert served.post("/sparql", update.encode(), "application/sparql-update",
                       {"Authorization": "Bearer wrong"})[0] == 403
    assert read_only.post("/sparql", update.encode(), "application/sparql-update",
                          {"Authorization": f"Bearer {TOKEN}"})[0] == 403
    assert store.count() == before
    auth = {"Authorization": f"Bearer {TOKEN}"}
    load = "LOAD <http://example.org/data.ttl> INTO GRAPH <urn:test:g>"
    assert served.post("/update", load.encode(), "application/sparql-update", auth)[0] == 400
    assert served.post("/update", b"INSERT DATA {", "application/sparql-update", auth)[0] == 400
    assert served.post("/update", update.encode(), "application/sparql-update", auth)[0] == 204
    assert store.count() == before + 1
    form = urlencode({"update": "DROP GRAPH <urn:test:g>"}).encode()
    assert served.post("/sparql", form, "application/x-www-form-urlencoded", auth)[0] == 204
    assert store.count() == before


def test_query_time_limit(store):
    quick = Served(store, ServeConfig(quiet=True, timeout=0.2))
    try:
        slow = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        status, _, body = quick.get("/sparql?" + urlencode({"query": slow}))
        assert status == 503 and b"limit" in body
        assert quick.get("/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"}))[0] == 200
    finally:
        quick.stop()


def test_keyword_checks_ignore_strings_iris_comments_and_names():
    assert check_query('SELECT * WHERE { ?service ?p "SERVICE" . <http://x/SERVICE> ex:service ?o } # SERVICE') is None
    assert "SERVICE" in keywords("select * where { service <http://x> { ?s ?p ?o } }")
    assert "LOAD" not in keywords("INSERT DATA { <urn:a> <urn:b> 'LOAD <http://x>' }")
    with pytest.raises(Exception, match="LOAD"):
        check_update("load <http://example.org/x.ttl>")


def test_content_negotiation():
    offers = {"application/sparql-results+json": "json", "text/csv": "csv"}
    assert negotiate("", offers) == "application/sparql-results+json"
    assert negotiate("text/csv;q=0.9, application/sparql-results+json;q=0.5", offers) == "text/csv"
    assert negotiate("text/*", offers) == "text/csv"
    assert negotiate("text/html, */*;q=0.1", offers) == "application/sparql-results+json"
    assert negotiate("image/png", offers) is None


# ------------------------------------------------------------ real clients


def test_sparqlwrapper_client(served):
    from SPARQLWrapper import CSV, JSON, SPARQLWrapper

    client = SPARQLWrapper(served.url + "/sparql")
    client.setQuery(ACTORS)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert any(r["a"]["value"].endswith("/actor/nammo-raufoss") for r in rows)
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().startswith("a\r\n")
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == len(rows)


def test_rdflib_sparqlstore_client(served):
    from rdflib import Graph, URIRef
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(served.url + "/sparql", returnFormat="json"))
    firms = {str(r.a) for r in graph.query(ACTORS)}
    assert any(f.endswith("/actor/nammo-raufoss") for f in firms)
    kg_firm = URIRef("https://w3id.org/kg-no/ontology#Firm")
    rdf_type = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert {str(s) for s in graph.subjects(rdf_type, kg_firm)} == firms


def test_kg_uses_another_kg_as_its_store(served):
    from kg.query import actors_in_region

    remote = SparqlStore(served.url)
    labels = [r.label for r in actors_in_region(remote, "Raufoss")]
    assert "Nammo Raufoss AS" in labels and len(labels) == len(set(labels))


def test_kg_writes_to_another_kg_with_its_token(served, store):
    graph = "https://w3id.org/kg-no/graph/report/written-by-another-kg"
    data = b'<https://w3id.org/kg-no/id/actor/x> <http://www.w3.org/2004/02/skos/core#prefLabel> "x"@nb .\n'
    with pytest.raises(StoreError, match="answered 401.*KG_STORE_TOKEN"):
        SparqlStore(served.url).put_ntriples(graph, data)
    with pytest.raises(StoreError, match="give KG_STORE_TOKEN instead"):  # a password is no use to kg serve
        SparqlStore(served.url, user="analyst", password="secret").put_ntriples(graph, data)
    assert not store.has_graph(graph)
    writer = SparqlStore(served.url, token=TOKEN)
    assert writer.put_ntriples(graph, data) == 1 == store.count(graph)
    writer.remove_graph(graph)
    assert not store.has_graph(graph)


# ------------------------------------------------------------ named queries and explorer pages


def test_named_queries_as_json(served):
    status, _, body = served.get("/api/queries")
    names = {q["name"] for q in json.loads(body)}
    assert {"actors-of-region", "members", "co-mentioned", "report-adds", "figures-of-region"} <= names
    status, _, body = served.get("/api/queries/actors-of-region?" + urlencode({"region": "Raufoss"}))
    rows = json.loads(body)
    assert status == 200 and len({r["iri"] for r in rows}) == len(rows)
    assert {"Nammo Raufoss AS", "Raufoss Industrinettverk"} <= {r["label"] for r in rows}
    status, _, body = served.get("/api/queries/members?" + urlencode({"name": "Raufoss Industrinettverk"}))
    assert {r["label"] for r in json.loads(body)} == {"Nammo Raufoss AS", "Benteler Automotive Raufoss AS"}
    status, _, body = served.get("/api/queries/region?" + urlencode({"region": "Atlantis"}))
    assert status == 404 and "no place named" in json.loads(body)["error"]
    assert served.get("/api/queries/region")[0] == 400
    assert served.get("/api/queries/drop-all")[0] == 404


def test_explorer_pages_render_answers_with_evidence(served):
    status, headers, body = served.get("/region?" + urlencode({"name": "Raufoss"}))
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Nammo Raufoss AS" in page and "Nammo Raufoss AS på Raufoss" in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    _, _, body = served.get("/search?" + urlencode({"q": "industrinett"}))
    href = body.decode().split('<ul class="results"><li><a href="')[1].split('"')[0].replace("&amp;", "&")
    status, _, body = served.get(href)
    assert status == 200 and "Raufoss Industrinettverk" in body.decode() and 'class="graph"' in body.decode()
    assert "medlemmer av nettverket" in body.decode()
    for path in ("/", "/reports", "/editor", "/report?" + urlencode({"ref": "lettmetall-raufoss.pdf"})):
        assert served.get(path)[0] == 200, path
    _, _, body = served.get("/report?" + urlencode({"ref": "lettmetall-raufoss.pdf"}))
    assert "<dt>Read by</dt><dd>kg " in body.decode()  # which kg and pipeline read the report
    status, _, body = served.get("/entity?" + urlencode({"iri": "https://w3id.org/kg-no/id/actor/none"}))
    assert status == 404 and b"Error 404" in body


HOSTILE = ["'", '"', "}", '"} ; DROP ALL ; #', "SELECT * WHERE { ?s ?p ?o }", "INSERT DATA { <a:b> <a:b> <a:b> }",
           "<script>alert(1)</script>", "x" * 5000, "\u202e\u0000", "Innlandet' || '1'='1"]
RAW_HOSTILE = ["%FF%FE", "%00", "%ED%A0%80", "%", "a&q=b"]


def _targets():
    paths = [("/search", "q"), ("/region", "name"), ("/region", "link"), ("/entity", "iri"), ("/report", "ref"),
             ("/sparql", "query")]
    from kg.query import NAMED_QUERIES

    for q in NAMED_QUERIES.values():
        paths.extend((f"/api/queries/{q.name}", p.name) for p in q.params)
    return paths


def test_hostile_input_in_every_parameter_gets_4xx_never_500(served, store):
    before = store.count()
    for path, param in _targets():
        base = {"region": "Raufoss", "name": "Raufoss"} if param == "link" else {}
        for value in HOSTILE:
            url = path + "?" + urlencode({**base, param: value})
            status, headers, body = served.get(url)
            assert status < 500, (url[:120], status, body[:200])
            if headers["Content-Type"].startswith("text/html"):
                assert b"<script>alert" not in body, url[:120]
        for raw in RAW_HOSTILE:
            status, _, body = served.get(f"{path}?{param}={raw}")
            assert status < 500, (path, param, raw, status, body[:200])
        for value in ("x" * 5000, "}"):
            if param in ("name", "iri", "ref", "region", "query"):
                status = served.get(path + "?" + urlencode({**base, param: value}))[0]
                assert 400 <= status < 500, (path, param, value[:20], status)
    form = b"query=%FF"
    assert served.post("/sparql", form, "application/x-www-form-urlencoded")[0] == 400
    assert store.count() == before


# ------------------------------------------------------------ upload


def test_upload_ingests_a_pdf_with_the_token(served, read_only, store, tmp_path):
    pdf = write_report_pdf(tmp_path / "opplastet.pdf", "# 1 Innledning\n\nMjøsmetall AS på Raufoss har 120 ansatte.",
                           title="Et opplastet notat")
    data = pdf.read_bytes()
    url = "/ingest?" + urlencode({"filename": "../../etc/opplastet.pdf"})
    assert served.post(url, data, "application/pdf")[0] == 401
    assert read_only.post(url, data, "application/pdf", {"Authorization": f"Bearer {TOKEN}"})[0] == 403
    before = store.count()
    status, _, body = served.post(url, b"not a pdf at all", "application/pdf", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 422 and "PDF" in json.loads(body)["error"] and store.count() == before
    status, _, body = served.post(url, data, "application/pdf", {"Authorization": f"Bearer {TOKEN}"})
    summary = json.loads(body)
    assert status == 201 and summary["reports"] == 1 and summary["file"] == "opplastet.pdf"
    status, _, body = served.post(url, data, "application/pdf", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and json.loads(body)["unchanged"] == 1
    _, _, body = served.get("/api/queries/reports")
    assert "Et opplastet notat" in {r["title"] for r in json.loads(body)}
    _, _, body = served.get("/api/queries/search?" + urlencode({"text": "Mjøsmetall"}))
    assert json.loads(body)[0]["label"] == "Mjøsmetall AS"


# ------------------------------------------------------------ load


@pytest.fixture()
def one_slot(store):
    running = Served(store, ServeConfig(quiet=True, workers=1, queue=0.5))
    yield running
    running.stop()


def test_queries_one_after_another_each_find_the_slot_free(one_slot):
    """The slot is free again before the answer arrives, so a client asking at once never gets 503."""
    statuses = {one_slot.get("/sparql?" + urlencode({"query": ACTORS}))[0] for _ in range(40)}
    assert statuses == {200}


def test_a_query_waits_for_a_busy_slot_then_gets_503(one_slot):
    """While the only slot runs a query, another waits the queue time and is turned away with Retry-After."""
    assert one_slot.server.slots.acquire(timeout=5)  # what a long-running query holds
    try:
        started = time.monotonic()
        status, headers, body = one_slot.get("/sparql?" + urlencode({"query": ACTORS}))
        waited = time.monotonic() - started
    finally:
        one_slot.server.slots.release()
    assert status == 503 and headers["Retry-After"] == "5" and b"busy" in body
    assert 0.5 <= waited < 5
    assert one_slot.get("/sparql?" + urlencode({"query": ACTORS}))[0] == 200


def test_a_query_takes_a_slot_freed_while_it_waits(one_slot):
    """A slot that comes free within the queue time serves the waiting query."""
    one_slot.server.slots.acquire(timeout=5)
    threading.Timer(0.1, one_slot.server.slots.release).start()
    assert one_slot.get("/sparql?" + urlencode({"query": ACTORS}))[0] == 200


def test_bounded_load_on_loopback_has_no_errors(served):
    """Eight clients, 25 requests each, mixing pages, named queries and SPARQL: every answer is 200."""
    paths = ["/region?" + urlencode({"name": "Innlandet"}), "/api/queries/actors-of-region?region=Toten",
             "/search?q=" + quote("skog"), "/sparql?" + urlencode({"query": ACTORS}), "/api/queries/reports"]

    def client(i):
        return [served.get(paths[(i + k) % len(paths)])[0] for k in range(25)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(client, range(8)) for s in batch]
    assert len(statuses) == 200 and set(statuses) == {200}
