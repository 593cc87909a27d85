"""End-to-end checks on the real NIBR report from ../shared (skipped when absent)."""

import pytest

from kg.query import actors_in_region
from kg.store import OxigraphStore

from .conftest import NIBR_PDF, ingested_store, needs_shared

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
