import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from kg.errors import QueryError, StoreError
from kg.ns import GAZETTEER_GRAPH, ID, KG
from kg.store import OxigraphStore, open_store


def _graph(label: str) -> Graph:
    g = Graph()
    g.add((ID["actor/x"], SKOS.prefLabel, Literal(label, lang="nb")))
    return g


def test_reference_graphs_are_loaded_once(tmp_path):
    with OxigraphStore(tmp_path / "s") as store:
        n = store.count(str(GAZETTEER_GRAPH))
        assert n > 1000
    with OxigraphStore(tmp_path / "s") as store:
        assert store.count(str(GAZETTEER_GRAPH)) == n


def test_put_graph_replaces_atomically_and_persists(tmp_path):
    with OxigraphStore(tmp_path / "s") as store:
        store.put_graph("urn:g:1", _graph("første"))
        store.put_graph("urn:g:2", _graph("andre"), replaces=["urn:g:1"])
    with OxigraphStore(tmp_path / "s") as store:
        assert not store.has_graph("urn:g:1") and store.has_graph("urn:g:2")
        q = "SELECT ?l WHERE {{ <{}> <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}".format(ID["actor/x"])
        rows = store.select(q)
        assert [str(r["l"]) for r in rows] == ["andre"]


def test_bindings_are_terms_not_text(tmp_path):
    with OxigraphStore(tmp_path / "s") as store:
        store.put_graph("urn:g:1", _graph("Hydro"))
        q = "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?x . FILTER(STR(?x) = ?l) }"
        assert len(store.select(q, {"l": Literal("Hydro")})) == 1
        hostile = Literal('Hydro" } ; DROP ALL ; #')
        assert store.select(q, {"l": hostile}) == []
        assert store.has_graph("urn:g:1")


def test_invalid_sparql_is_a_query_error(tmp_path):
    with OxigraphStore(tmp_path / "s") as store, pytest.raises(QueryError, match="invalid SPARQL"):
        store.select("SELEKT nothing")


def test_second_process_gets_store_in_use(tmp_path):
    import subprocess
    import sys

    with OxigraphStore(tmp_path / "s"):
        code = ("import sys\nfrom kg.store import OxigraphStore\nfrom kg.errors import StoreError\n"
                f"try:\n    OxigraphStore({str(tmp_path / 's')!r})\nexcept StoreError as e:\n"
                "    print(e); sys.exit(3)\n")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "in use" in done.stdout


def test_remote_store_is_refused_clearly():
    with pytest.raises(StoreError, match="not supported yet"):
        open_store("http://localhost:7878/query")


def test_kg_terms_roundtrip(tmp_path):
    g = Graph()
    g.add((ID["actor/x"], KG.foundedYear, Literal("2002", datatype="http://www.w3.org/2001/XMLSchema#gYear")))
    with OxigraphStore(tmp_path / "s") as store:
        store.put_graph("urn:g:1", g)
        (row,) = store.select(f"SELECT ?y WHERE {{ ?s <{KG.foundedYear}> ?y }}")
        assert str(row["y"]) == "2002"
