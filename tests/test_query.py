import pytest

from kg.errors import QueryError
from kg.ingest import ingest
from kg.query import actors_in_region, entities, members, reports
from kg.store import OxigraphStore

from .conftest import CORPUS, ingested_store


@pytest.fixture(scope="module")
def corpus_store(nlp, tmp_path_factory):
    return ingested_store(nlp, tmp_path_factory.mktemp("corpus"), [CORPUS], 3)


def labels(rows):
    return [r.label for r in rows]


def test_actor_in_a_municipality_is_found_by_its_county(corpus_store):
    with OxigraphStore(corpus_store) as store:
        innlandet = actors_in_region(store, "Innlandet")
        hedmark = actors_in_region(store, "Hedmark")  # the former county, through the place hierarchy
    assert "TreTorget AS" in labels(innlandet) and "TreTorget AS" in labels(hedmark)
    assert "Nammo Raufoss AS" in labels(innlandet) and "Nammo Raufoss AS" not in labels(hedmark)
    assert len(labels(innlandet)) == len(set(r.iri for r in innlandet))  # each actor once


def test_region_query_narrows_by_link_and_carries_evidence(corpus_store):
    with OxigraphStore(corpus_store) as store:
        located = actors_in_region(store, "Raufoss", link="located")
    nammo = next(r for r in located if r.label == "Nammo Raufoss AS")
    assert nammo.type == "Firm"
    assert all(link["link"] == "located" for link in nammo.links)
    assert any("Nammo Raufoss AS på Raufoss" in link["sentence"] and link["page"] == 2 for link in nammo.links)


def test_region_links_through_networks_and_ownership(corpus_store):
    with OxigraphStore(corpus_store) as store:
        members = actors_in_region(store, "Vestre Toten", link="member")
        owners = actors_in_region(store, "Ringsaker", link="owns")  # Moelven is seated in Moelv (Ringsaker)
    assert "Nammo Raufoss AS" in labels(members)
    assert {"Glommen Mjøsen Skog SA", "Viken Skog SA"} <= set(labels(owners))


def test_unknown_region_is_a_clear_error(corpus_store):
    with OxigraphStore(corpus_store) as store, pytest.raises(QueryError, match="no place named"):
        actors_in_region(store, "Atlantis")


def test_entities_by_type(corpus_store):
    with OxigraphStore(corpus_store) as store:
        firms = entities(store, "Firm")
        everything = entities(store)
    assert {"Forestia AS", "Moelven Industrier ASA"} <= set(labels(firms))
    assert all(r.type == "Firm" for r in firms)
    assert {"Firm", "Municipality", "Region"} <= {r.type for r in everything}


def test_reports_lists_metadata(corpus_store):
    with OxigraphStore(corpus_store) as store:
        items = reports(store)
    assert {r["series"] for r in items} == {"KG-notat 2025:1", "KG-rapport 2025:2", "KG-notat 2025:3"}
    assert all(r["triples"] > 50 for r in items)


def test_members_of_a_network(corpus_store):
    with OxigraphStore(corpus_store) as store:
        rows = members(store, "Raufoss Industrinettverk")
    assert {"Nammo Raufoss AS", "Benteler Automotive Raufoss AS"} <= set(labels(rows))


def test_server_store_answers_like_the_embedded_store(nlp, corpus_store, oxigraph_server):
    from kg.store import SparqlStore

    remote = SparqlStore(oxigraph_server)
    summary = ingest([CORPUS], remote, nlp)
    assert summary.reports + summary.unchanged == 3 and not summary.failures
    with OxigraphStore(corpus_store) as local:
        expected = [(r.label, r.type) for r in actors_in_region(local, "Innlandet")]
        expected_members = labels(members(local, "Raufoss Industrinettverk"))
    assert [(r.label, r.type) for r in actors_in_region(remote, "Innlandet")] == expected
    assert labels(members(remote, "Raufoss Industrinettverk")) == expected_members
    assert {r["source"] for r in reports(remote)} >= {"lettmetall-raufoss.pdf", "reiseliv-valdres.pdf"}
