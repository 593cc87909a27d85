import pytest
from rdflib import Literal

from kg.errors import NotFoundError, QueryError
from kg.ingest import ingest
from kg.query import (
    NAMED_QUERIES,
    actors_in_region,
    co_mentioned,
    entities,
    entity,
    find_places,
    group_graph,
    labelled,
    members,
    named,
    preferred_label,
    region_figures,
    region_overview,
    reports,
    run_named,
    search,
)
from kg.store import OxigraphStore

from .conftest import CORPUS, VIRTUOSO_PASSWORD, VIRTUOSO_USER, remove_reports


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


def test_region_answers_come_in_pages(corpus_store):
    with OxigraphStore(corpus_store) as store:
        everyone = actors_in_region(store, "Innlandet")
        pages = [actors_in_region(store, "Innlandet", limit=5, offset=k) for k in range(0, len(everyone) + 5, 5)]
        bare = actors_in_region(store, "Innlandet", evidence=False)
        with pytest.raises(QueryError, match="limit must be at least 1"):
            actors_in_region(store, "Innlandet", limit=0)
    assert len(everyone) > 10 and [len(p) for p in pages[:2]] == [5, 5] and pages[-1] == []
    assert [r.iri for p in pages for r in p] == [r.iri for r in everyone]  # in order, none twice or lost
    assert [(r.type, r.label.lower()) for r in everyone] == sorted((r.type, r.label.lower()) for r in everyone)
    assert pages[0][0].links == everyone[0].links and pages[0][0].aliases == everyone[0].aliases
    assert any(link["sentence"] for r in everyone for link in r.links)
    assert [r.iri for r in bare] == [r.iri for r in everyone]
    assert all(link["sentence"] is None for r in bare for link in r.links)  # one link each, no lookups
    assert {(r.iri, lk["link"], lk["place"]) for r in bare for lk in r.links} == \
        {(r.iri, lk["link"], lk["place"]) for r in everyone for lk in r.links}


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
    assert {r["source"]: r["language"] for r in items} == {
        "lettmetall-raufoss.pdf": "nb", "treindustri-glamdalen.pdf": "nb", "reiseliv-valdres.pdf": "nn"}


def test_members_of_a_network(corpus_store):
    with OxigraphStore(corpus_store) as store:
        rows = members(store, "Raufoss Industrinettverk")
        assert {"Nammo Raufoss AS", "Benteler Automotive Raufoss AS"} <= set(labels(rows))
        assert labels(members(store, "  raufoss   INDUSTRINETTVERK ")) == labels(rows)  # case and spacing
        second = members(store, "Raufoss Industrinettverk", limit=1, offset=1)
        bare = members(store, "Raufoss Industrinettverk", evidence=False)
    assert labels(rows) == sorted(labels(rows), key=str.lower) and labels(second) == labels(rows)[1:2]
    assert all(r.links for r in rows) and not any(r.links for r in bare) and labels(bare) == labels(rows)


def test_named_tries_the_exact_label_then_ignores_case(corpus_store):
    with OxigraphStore(corpus_store) as store:
        exact = named(store, "Raufoss Industrinettverk")
        assert exact and labelled(store, "Raufoss  Industrinettverk") == exact  # the index lookup itself
        assert labelled(store, "raufoss industrinettverk") == [] and named(store, "raufoss industrinettverk") == exact
        assert named(store, "Raufoss Industrinettverkene") == []
        assert labelled(store, "Valdres Natur- og Kulturpark")  # a Nynorsk report's label, tagged @nn
        assert named(store, "VALDRES NATUR- OG KULTURPARK") == labelled(store, "Valdres Natur- og Kulturpark")
        assert find_places(store, "GJØVIK") == find_places(store, "Gjøvik") != []


def test_names_ignoring_case_are_found_in_graphs_written_without_hidden_labels(served_copy):
    """An older kg wrote no lower-case forms: the scan of every label still finds its names."""
    from kg.query import FOLDED, NAMED, PLACES_NAMED

    with served_copy() as store:
        exact, place = named(store, "Raufoss Industrinettverk"), find_places(store, "Gjøvik")
        assert store.select(FOLDED, values={"label": [Literal("raufoss industrinettverk", lang="nb")]})
        asked = []
        select = store.select
        store.select = lambda sparql, *args, **kwargs: asked.append(sparql) or select(sparql, *args, **kwargs)
        assert named(store, "raufoss INDUSTRINETTVERK") == exact and find_places(store, "gjøvik") == place
        assert FOLDED in asked and not {NAMED, PLACES_NAMED} & set(asked)  # found by index, no label scanned
        del store.select
        store.update("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                     "DELETE WHERE { GRAPH ?g { ?e skos:hiddenLabel ?folded } }")
        assert not store.select(FOLDED, values={"label": [Literal("raufoss industrinettverk", lang="nb")]})
        assert named(store, "raufoss INDUSTRINETTVERK") == exact and find_places(store, "gjøviks") == place


def _every_named_query(store) -> dict:
    """Each named query's answer, with parameters that reach into the sample corpus."""
    network, firm = _iri_of(store, "Raufoss Industrinettverk"), _iri_of(store, "Moelven Industrier ASA")
    params = {"search": {"text": "raufoss"}, "actors-of-region": {"region": "Innlandet"},
              "region": {"region": "Innlandet"}, "figures-of-region": {"region": "Innlandet"},
              "members": {"name": "Raufoss Industrinettverk"}, "entity": {"iri": network},
              "co-mentioned": {"iri": firm}, "group-graph": {"iri": network}, "entities": {},
              "reports": {}, "regions": {}, "groups": {}, "report-adds": {"report": "lettmetall-raufoss.pdf"}}
    assert set(params) == set(NAMED_QUERIES)
    return {name: run_named(store, name, values) for name, values in params.items()}


@pytest.mark.parametrize("server", ["oxigraph_server", "virtuoso_server"])
def test_server_store_answers_like_the_embedded_store(nlp, corpus_store, server, request):
    """Every named query gives the same answer from a SPARQL server as from the embedded store."""
    from kg.store import SparqlStore

    if server == "virtuoso_server":
        remote = SparqlStore(request.getfixturevalue(server), user=VIRTUOSO_USER, password=VIRTUOSO_PASSWORD)
    else:
        remote = SparqlStore(request.getfixturevalue(server))
    remove_reports(remote)
    summary = ingest([CORPUS], remote, nlp)
    assert summary.reports + summary.unchanged == 3 and not summary.failures
    with OxigraphStore(corpus_store) as local:
        expected = _every_named_query(local)
        # letters beyond ASCII: Virtuoso matched a plain literal parameter to nothing
        beyond_ascii = {text: search(local, text) for text in ("gjøvik", "GLÅM")}
        places = find_places(local, "gjøvik")
    answers = _every_named_query(remote)
    assert len(answers["actors-of-region"]) > 20 and all(answers[q] for q in ("members", "co-mentioned", "search"))
    for name, answer in answers.items():
        assert answer == expected[name], name
    for text, hits in beyond_ascii.items():
        found = search(remote, text)
        assert hits and found == hits and all(type(h["mentioned"]) is bool for h in found)  # Virtuoso says 1, 0
    assert places and find_places(remote, "gjøvik") == places


def _iri_of(store, label):
    return next(r for r in entities(store) if r.label == label).iri


def test_search_ranks_exact_then_prefix_then_contains(corpus_store):
    with OxigraphStore(corpus_store) as store:
        hits = search(store, "raufoss")
        assert hits[0]["label"] == "Raufoss" and hits[0]["type"] == "Locality"
        labels_ = [h["label"] for h in hits]
        assert "Raufoss Industrinettverk" in labels_ and "Nammo Raufoss AS" in labels_
        assert labels_.index("Raufoss Industrinettverk") < labels_.index("Nammo Raufoss AS")
        assert search(store, "BEITOSTØL")[0]["label"] == "Beitostølen"  # Norwegian letters, any case
        assert search(store, '"} ; DROP ALL') == [] and search(store, "   ") == []


def test_search_looks_up_only_the_entities_of_its_first_page(corpus_store):
    from kg.query import SEARCH_CARDS

    class Counting(OxigraphStore):
        looked_up = 0

        def select(self, sparql, bindings=None, values=None):
            if sparql == SEARCH_CARDS:
                Counting.looked_up += len(values["entity"])
            return super().select(sparql, bindings, values)

    with Counting(corpus_store) as store:
        everything = search(store, "a", limit=10_000)
        all_entities, Counting.looked_up = Counting.looked_up, 0
        first = search(store, "a", limit=5)
    assert len(everything) > 100 and first == everything[:5]
    assert Counting.looked_up < all_entities / 4  # a batch or two, not every entity with an "a" in its name
    ranks = [0 if h["matched"].lower() == "a" else 1 if h["matched"].lower().startswith("a") else 2
             for h in everything]
    assert ranks == sorted(ranks)
    contains = [h for h, rank in zip(everything, ranks) if rank == 2]
    assert [h["mentioned"] for h in contains] == sorted((h["mentioned"] for h in contains), reverse=True)
    mentioned = [h["matched"] for h in contains if h["mentioned"]]  # reports' entities first, then by name
    assert mentioned == sorted(mentioned, key=lambda m: (m.lower(), m))


def test_entity_page_data_carries_links_figures_and_evidence(corpus_store):
    with OxigraphStore(corpus_store) as store:
        network = entity(store, _iri_of(store, "Raufoss Industrinettverk"))
        firm = entity(store, _iri_of(store, "Beitostølen Resort AS"))
        with pytest.raises(NotFoundError):
            entity(store, "https://w3id.org/kg-no/id/actor/no-such-thing")
        with pytest.raises(QueryError, match="not an entity IRI"):
            entity(store, "> ; DROP ALL")
    assert network["type"] == "Network"
    members_ = {f["label"] for f in network["facts"] if f["relation"] == "has member"}
    assert members_ == {"Nammo Raufoss AS", "Benteler Automotive Raufoss AS"}
    fact = next(f for f in network["facts"] if f["label"] == "Nammo Raufoss AS")
    assert fact["evidence"] and "medlemmer av nettverket" in fact["evidence"][0]["sentence"]
    (employees,) = [f for f in firm["figures"] if f["measure"] == "employees"]
    assert employees["value"] == 200 and "200 tilsette" in employees["evidence"][0]["sentence"]
    assert firm["mentions"] and firm["reports"]


def test_region_overview_has_places_actors_and_figures(corpus_store):
    with OxigraphStore(corpus_store) as store:
        toten = region_overview(store, "Toten")
        figures = region_figures(store, "Toten")
    assert {"Vestre Toten", "Østre Toten"} <= {p["label"] for p in toten["places"]}
    assert toten["part_of"] and toten["part_of"][0]["label"] == "Innlandet"
    firms = [a["label"] for a in toten["actors"]["Firm"]]
    assert "Nammo Raufoss AS" in firms and len(firms) == len(set(firms))
    assert toten["figures"] == figures and any(f["subject_label"] == "Nammo Raufoss AS" for f in figures)


def test_group_graph_and_co_mentions(corpus_store):
    with OxigraphStore(corpus_store) as store:
        iri = _iri_of(store, "Raufoss Industrinettverk")
        graph = group_graph(store, iri)
        nammo = _iri_of(store, "Nammo Raufoss AS")
        co = co_mentioned(store, nammo)
    labels_ = {n["label"] for n in graph["nodes"]}
    assert {"Raufoss Industrinettverk", "Nammo Raufoss AS", "Benteler Automotive Raufoss AS"} <= labels_
    assert sum(n["center"] for n in graph["nodes"]) == 1
    assert {"source": nammo, "link": "memberOf", "target": iri} in graph["edges"]
    assert "Benteler Automotive Raufoss AS" in [c["label"] for c in co] and all(c["sentences"] >= 1 for c in co)


def test_named_queries_check_their_parameters(corpus_store):
    with OxigraphStore(corpus_store) as store:
        rows = run_named(store, "actors-of-region", {"region": "Raufoss", "link": "located"})
        assert rows and all(set(r) >= {"label", "type", "iri", "aliases", "links"} for r in rows)
        assert run_named(store, "members", {"name": "Raufoss Industrinettverk"})
        page = run_named(store, "actors-of-region", {"region": "Innlandet", "limit": "3", "offset": "2"})
        assert [r["iri"] for r in page] == [r["iri"] for r in run_named(store, "actors-of-region",
                                                                         {"region": "Innlandet"})][2:5]
        region = run_named(store, "region", {"region": "Innlandet", "link": "located", "limit": "4"})
        assert sum(map(len, region["actors"].values())) == 4 < region["actor_count"]
        assert all(lk["link"] == "located" for rows in region["actors"].values() for a in rows for lk in a["links"])
        for bad in ("-1", "2.5", "²"):
            with pytest.raises(QueryError, match="'limit' must be a whole number"):
                run_named(store, "members", {"name": "Raufoss Industrinettverk", "limit": bad})
        with pytest.raises(NotFoundError, match="no named query"):
            run_named(store, "drop-all", {})
        with pytest.raises(QueryError, match="needs the parameter 'region'"):
            run_named(store, "region", {})
        with pytest.raises(QueryError, match="takes no parameter 'x'"):
            run_named(store, "reports", {"x": "1"})
        with pytest.raises(QueryError, match="must be one of"):
            run_named(store, "actors-of-region", {"region": "Raufoss", "link": "friends"})
        with pytest.raises(QueryError, match="too long"):
            run_named(store, "search", {"text": "x" * 10_000})
        with pytest.raises(QueryError, match="unknown class"):
            run_named(store, "entities", {"type": "__class__"})
    assert set(NAMED_QUERIES) >= {"actors-of-region", "members", "co-mentioned", "report-adds", "figures-of-region"}


def test_class_lists_are_the_ontology_subclasses_of_their_roots():
    from rdflib import RDFS

    from kg.graph import ontology_graph
    from kg.ns import KG
    from kg.query import ACTOR_TYPES, SEARCHED_TYPES

    graph = ontology_graph()

    def subclasses(*roots):
        return {str(c).rsplit("#", 1)[-1] for r in roots for c in graph.transitive_subjects(RDFS.subClassOf, r)}

    assert set(ACTOR_TYPES) == subclasses(KG.Actor)
    assert set(SEARCHED_TYPES) == subclasses(KG.Actor, KG.Programme, KG.Place, KG.Sector)


def test_regions_and_groups_for_the_start_page(corpus_store):
    with OxigraphStore(corpus_store) as store:
        regions = run_named(store, "regions", {})
        groups = run_named(store, "groups", {})
    innlandet = next(r for r in regions if r["label"] == "Innlandet")
    assert innlandet["type"] == "County" and innlandet["actors"] == max(r["actors"] for r in regions)
    assert {"label": "Raufoss Industrinettverk", "type": "Network"}.items() <= next(
        g for g in groups if g["label"] == "Raufoss Industrinettverk").items()


def test_an_entity_named_differently_by_two_reports_shows_one_label_everywhere(served_copy):
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import SKOS

    from kg.ns import GRAPH, LANG

    assert preferred_label(["SIVA", "Siva", "Siva AS"]) == "Siva"  # not in capitals, then alphabetical
    with served_copy() as store:
        firm = _iri_of(store, "Nammo Raufoss AS")
        for n, label in enumerate(("NAMMO RAUFOSS AS", "Nammo Raufoss ASA", "Nammo Raufoss as")):
            g = Graph()
            g.add((URIRef(firm), SKOS.prefLabel, Literal(label, lang=LANG)))
            store.put_graph(str(GRAPH[f"report/another-spelling-{n}"]), g)
        shown = {
            "entities": [r.label for r in entities(store) if r.iri == firm],
            "actors": [r.label for r in actors_in_region(store, "Raufoss") if r.iri == firm],
            "members": [r.label for r in members(store, "Raufoss Industrinettverk") if r.iri == firm],
            "search": [h["label"] for h in search(store, "nammo") if h["iri"] == firm],
            "entity": [entity(store, firm)["label"]],
            "co-mentioned": [r["label"] for r in co_mentioned(store, _iri_of(store, "Benteler Automotive Raufoss AS"))
                             if r["iri"] == firm],
        }
        # the other reports' names are aliases, but not those that differ only in case
        also = {
            "entities": [r.aliases for r in entities(store) if r.iri == firm],
            "actors": [r.aliases for r in actors_in_region(store, "Raufoss") if r.iri == firm],
            "members": [r.aliases for r in members(store, "Raufoss Industrinettverk") if r.iri == firm],
            "entity": [entity(store, firm)["aliases"]],
        }
    assert shown == {name: ["Nammo Raufoss AS"] for name in shown}
    assert also == {name: [["Nammo Raufoss ASA"]] for name in also}


def test_aliases_of_many_actors_from_one_scan_are_the_lookups_answers(corpus_store, monkeypatch):
    import kg.query

    with OxigraphStore(corpus_store) as store:
        one_by_one = [r.as_dict() for r in actors_in_region(store, "Innlandet")]
        monkeypatch.setattr(kg.query, "ALIAS_SCAN_FROM", 1)
        scanned = [r.as_dict() for r in actors_in_region(store, "Innlandet")]
    assert scanned == one_by_one and any(r["aliases"] for r in scanned)


def test_a_regions_links_asked_in_parts_at_once_are_the_one_querys_answer(corpus_store, monkeypatch):
    import kg.query
    import kg.store

    with OxigraphStore(corpus_store) as store:
        monkeypatch.setattr(kg.query, "READERS", 1)
        monkeypatch.setattr(kg.store, "READERS", 1)
        one = [r.as_dict() for r in actors_in_region(store, "Innlandet")]
        monkeypatch.setattr(kg.query, "READERS", 3)  # more parts than this machine may have cores
        monkeypatch.setattr(kg.store, "READERS", 3)
        parts = [r.as_dict() for r in actors_in_region(store, "Innlandet")]
        single = actors_in_region(store, "Raufoss", link="located")  # fewer places than parts
    assert parts == one and len(one) > 20
    assert {link["link"] for r in one for link in r["links"]} >= {"located", "member"}
    assert "Nammo Raufoss AS" in labels(single)
