"""End-to-end checks on the real NIBR report from ../shared (skipped when absent)."""

import pytest

from kg.ingest import ingest
from kg.query import actors_in_region, entities, groups, reports, run_named
from kg.store import OxigraphStore, SparqlStore

from .conftest import CORPUS, NIBR_PDF, VIRTUOSO_PASSWORD, VIRTUOSO_USER, ingested_store, needs_shared, remove_reports

pytestmark = [needs_shared(NIBR_PDF), pytest.mark.shared]

#: Wood-industry firms named in chapter 4 (section 4.2 and 4.3) of NIBR-notat 2004:116.
CHAPTER_4_FIRMS = ["Forestia AS", "Nordan AS", "Emil Fjeld AS", "H-Profil AS", "Kirkenær Bruk AS",
                   "Eidskog Stangeskovene AS", "Solør Treimpregnering AS", "Sandermoen AS", "Østlandske Vindu AS",
                   "TreTorget AS"]


@pytest.fixture(scope="module")
def nibr_store(nlp, tmp_path_factory):
    return ingested_store(nlp, tmp_path_factory.mktemp("nibr"), [NIBR_PDF], 1)


def test_glaamdalen_names_the_chapter_4_wood_firms(nibr_store):
    with OxigraphStore(nibr_store) as store:
        rows = actors_in_region(store, "Glåmdalen")
    labels = {r.label for r in rows}
    missing = [f for f in CHAPTER_4_FIRMS if f not in labels]
    assert not missing, missing
    assert len(labels) == len(rows)


def test_actor_in_a_municipality_is_found_by_its_county(nibr_store):
    with OxigraphStore(nibr_store) as store:
        county = {r.label for r in actors_in_region(store, "Innlandet")}
        hedmark = {r.label for r in actors_in_region(store, "Hedmark")}
    assert "TreTorget AS" in county and "TreTorget AS" in hedmark  # seated in Kirkenær (Grue)


@pytest.mark.slow
def test_every_answer_about_the_real_report_is_the_same_on_virtuoso(nlp, tmp_path_factory, virtuoso_server):
    """With the NIBR report beside the samples: each named query, for every entity, group, report and
    several regions, answers alike from the embedded store and from a Virtuoso server. The report's
    entities name one place twice (two municipalities called Våler), and reports spell one entity
    differently, which the samples alone do not show."""
    local_path = ingested_store(nlp, tmp_path_factory.mktemp("nibr-and-samples"), [CORPUS, NIBR_PDF], 4)
    remote = SparqlStore(virtuoso_server, user=VIRTUOSO_USER, password=VIRTUOSO_PASSWORD)
    remove_reports(remote)
    summary = ingest([CORPUS, NIBR_PDF], remote, nlp)
    assert summary.reports + summary.unchanged == 4 and not summary.failures
    with OxigraphStore(local_path) as local:
        asked = [(name, {}) for name in ("entities", "reports", "regions", "groups")]
        asked += [(name, {"region": region}) for region in ("Innlandet", "Oppland", "Hedmark", "Norge", "Gjøvik")
                  for name in ("actors-of-region", "figures-of-region", "region")]
        asked += [(name, {"iri": e.iri}) for e in entities(local) for name in ("entity", "co-mentioned")]
        asked += [("members", {"name": g["label"]}) for g in groups(local)]
        asked += [("group-graph", {"iri": g["iri"]}) for g in groups(local)]
        asked += [("search", {"text": text}) for text in ("raufoss", "gjøvik", "as", "klynge", "e")]
        asked += [("report-adds", {"report": r["source"]}) for r in reports(local)]
        expected = [run_named(local, name, params) for name, params in asked]
    assert len(asked) > 350  # about 180 entities, each asked twice
    differ = [(name, params) for (name, params), answer in zip(asked, expected)
              if run_named(remote, name, params) != answer]
    assert differ == []
