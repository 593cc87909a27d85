from collections import Counter
from dataclasses import replace

import pytest

from kg.extract import Evidence, Extraction, Mention, Relation
from kg.resolve import FUZZY_THRESHOLD, actor_key, name_similarity, resolve

from .conftest import paragraph_document


def _mentions(text: str, names: list[tuple[str, str]]) -> tuple[Mention, ...]:
    out, pos = [], 0
    for name, kind in names:
        start = text.index(name, pos)
        pos = start + len(name)
        out.append(Mention(name, "ORG" if kind != "Place" else "GPE_LOC", kind,
                           Evidence(1, text, start, start + len(name)), 0))
    return tuple(out)


def test_variants_merge_into_one_entity_with_aliases():
    text = ("Raufoss Ammunisjonsfabrikk (RA) ble delt. RA eide mye. RAs eiere solgte. Hansen A/S og Hansen AS "
            "er like. Telenors folk og Telenor i Gjøvik.")
    ments = _mentions(text, [("Raufoss Ammunisjonsfabrikk", "Organisation"), ("RA", "Organisation"),
                             ("RAs", "Organisation"), ("Hansen A/S", "Firm"), ("Hansen AS", "Firm"),
                             ("Telenors", "Organisation"), ("Telenor", "Organisation"), ("Gjøvik", "Place")])
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    by_key = {e.key: e for e in res.entities}
    ra = by_key["actor/raufoss-ammunisjonsfabrikk"]
    assert ra.label == "Raufoss Ammunisjonsfabrikk" and "RA" in ra.aliases and len(ra.mentions) == 3  # "RAs" too
    assert by_key["actor/hansen"].type == "Firm" and len(by_key["actor/hansen"].mentions) == 2
    assert len(by_key["actor/telenor"].mentions) == 2
    gjovik = by_key["place/municipality/gjovik-3407"]
    assert gjovik.reference and gjovik.type == "Municipality"


def test_shared_place_name_is_linked_by_context():
    text = "Glåmdalen har mange sagbruk. Forestia AS ligger i Våler."
    ments = _mentions(text, [("Glåmdalen", "Place"), ("Forestia AS", "Firm"), ("Våler", "Place")])
    rel = Relation(1, "locatedIn", 2, 0.9, "test", Evidence(1, text, 0, len(text)))
    res = resolve(Extraction(ments, (rel,), ()), paragraph_document(text))
    assert res.mention_entity[2] == "place/municipality/vaaler-3419"  # the Våler in Glåmdalen, not Østfold


def test_a_paragraph_s_place_frames_its_actors_unless_their_sentence_or_name_seats_them_elsewhere():
    text = ("Treindustrien i Glåmdalen er stor. Moelven Industrier ASA har kontor i Moelv. Eit senter i Elverum "
            "tek del. Vestre Toten kommune støttar arbeidet. Forestia AS og Moelven Industrier ASA er med.")
    ments = _mentions(text, [("Glåmdalen", "Place"), ("Moelven Industrier ASA", "Firm"), ("Moelv", "Place"),
                             ("senter", "DevelopmentActor"), ("Elverum", "Place"),
                             ("Vestre Toten kommune", "PublicBody"), ("Forestia AS", "Firm"),
                             ("Moelven Industrier ASA", "Firm")])
    ments = tuple(replace(m, evidence=replace(m.evidence, sentence=_sentence_of(text, m.evidence.start)))
                  for m in ments)
    rels = (Relation(1, "locatedIn", 2, 0.9, "test", ments[1].evidence),
            Relation(3, "locatedIn", 4, 0.9, "test", ments[3].evidence))
    res = resolve(Extraction(ments, rels, ()), paragraph_document(text))
    framed = {(link.subject, link.evidence.sentence) for link in res.links
              if link.predicate == "activeIn" and link.object == "place/region/glaamdalen"}
    # the centre's own sentence and the municipality's name say where they sit; Moelven, seated outside
    # Glåmdalen by another sentence, is still counted among the paragraph's actors where it is listed
    assert framed == {("actor/forestia", "Forestia AS og Moelven Industrier ASA er med."),
                      ("actor/moelven-industrier", "Forestia AS og Moelven Industrier ASA er med.")}


def _sentence_of(text: str, offset: int) -> str:
    start = text.rfind(". ", 0, offset) + 2 if text.rfind(". ", 0, offset) >= 0 else 0
    end = text.find(".", offset) + 1
    return text[start:end]


def test_same_firm_in_two_reports_gets_the_same_key():
    assert actor_key("Forestia AS") == actor_key("FORESTIA A/S") == actor_key("Forestia")
    # reports inflect a group's or firm's name differently: one node all the same
    assert actor_key("Lettmetallklynga") == actor_key("Lettmetallklyngen")
    assert actor_key("Raufoss Ammunisjonsfabrikk") == actor_key("Raufoss Ammunisjonsfabrikker")


SAME = [("NIS-lab", "NISlab"), ("Raufoss Ammunisjonsfabrikk", "Raufoss Ammunisjonsfabrikker"),
        ("Østlandsforskning", "Østlandsforsking"), ("Valdres Natur- og Kulturpark", "Valdres Natur og Kulturpark")]
DIFFERENT = [("Moelven Industrier ASA", "Moelvenkonsernet"), ("Raufoss Technology AS", "Raufoss Industripark"),
             ("Nammo Raufoss AS", "Benteler Automotive Raufoss AS"), ("Glommen Mjøsen Skog SA", "Viken Skog SA"),
             ("Innlandet fylkeskommune", "Oppland fylkeskommune"), ("Kirkenær Bruk AS", "Kirkenær"),
             ("Visit Valdres AS", "Valdres Rakfisk SA")]


@pytest.mark.parametrize("a, b, same", [(a, b, True) for a, b in SAME] + [(a, b, False) for a, b in DIFFERENT])
def test_fuzzy_threshold_separates_variants_from_other_actors(a, b, same):
    sim = name_similarity([actor_key(a).replace("-", ""), actor_key(b).replace("-", "")])[0][1]
    assert (sim >= FUZZY_THRESHOLD) == same, sim


def test_fuzzy_merge_keeps_the_more_frequent_spelling():
    text = "NIS-lab er et senter. NIS-lab vokser. NISlab har folk."
    ments = _mentions(text, [("NIS-lab", "Organisation"), ("NIS-lab", "Organisation"), ("NISlab", "Organisation")])
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    (entity,) = res.entities
    assert entity.label == "NIS-lab" and entity.aliases == ("NISlab",)


def test_a_name_with_a_word_more_is_not_a_spelling_variant():
    """A study's title cut short by the tagger is not the agency whose letters it nearly has."""
    text = "Innovasjon Norge gir tilskudd. Innovasjon Norge er med. Studien av FoU og Innovasjon i Norge viste det."
    ments = _mentions(text, [("Innovasjon Norge", "Organisation"), ("Innovasjon Norge", "Organisation"),
                             ("Innovasjon i Norge", "Organisation")])
    keys = [actor_key(m.text) for m in ments]
    assert name_similarity([k.replace("-", "") for k in keys[1:]])[0][1] >= FUZZY_THRESHOLD  # letters alike
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    assert sorted((e.label, e.aliases) for e in res.entities) == [("Innovasjon Norge", ()),
                                                                  ("Innovasjon i Norge", ())]


def test_misspelt_place_links_to_the_gazetteer_but_unrelated_names_do_not():
    from kg import gazetteer
    from kg.resolve import link_place

    gaz = gazetteer.load()
    assert link_place("Gudsbrandsdalen", gaz, Counter()).label == "Gudbrandsdalen"
    assert link_place("Stor-Oslo", gaz, Counter()) is None
    assert link_place("Hamar-Ringsaker", gaz, Counter()) is None  # two places, not a typo


def test_a_name_that_extends_a_gazetteer_name_is_another_place():
    """The lake Øyeren is not the municipality Øyer, nor the district Hedmarken the county Hedmark."""
    from kg import gazetteer
    from kg.resolve import link_place

    gaz = gazetteer.load()
    assert link_place("Øyeren", gaz, Counter()) is None
    assert link_place("Hedmarken", gaz, Counter()) is None
    assert link_place("Fagernes Lufthavn", gaz, Counter()) is None
    assert link_place("Nord-Gudbransdal", gaz, Counter()).label == "Nord-Gudbrandsdalen"
    assert link_place("Østerdalene", gaz, Counter()).label == "Østerdalen"  # a region's name inflected


def test_one_name_read_as_organisation_and_unknown_place_is_one_entity():
    text = "Bluelight er et nettverk. Folk i Bluelight samarbeider."
    ments = _mentions(text, [("Bluelight", "Network"), ("Bluelight", "Place")])
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    (entity,) = res.entities
    assert entity.type == "Network"


def test_a_final_s_is_a_genitive_only_when_the_report_names_the_bare_form():
    text = "Leverandører som Atlas er her. Atlas er stor. Fjellbygdas folk bor i Fjellbygda."
    ments = _mentions(text, [("Atlas", "Place"), ("Atlas", "Organisation"), ("Fjellbygdas", "Place"),
                             ("Fjellbygda", "Place")])
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    assert res.mention_entity[:2] == ("actor/atlas", "actor/atlas")  # one entity, its own "s" kept
    assert res.mention_entity[2] == res.mention_entity[3] == "place/other/fjellbygda"


def test_a_place_joined_to_a_known_place_in_the_genitive_is_named_without_its_s():
    text = "Innlandet er en del av Stor-Oslos arbeidsmarked."
    res = resolve(Extraction(_mentions(text, [("Stor-Oslos", "Place")]), (), ()), paragraph_document(text))
    (entity,) = res.entities
    assert (entity.key, entity.label, entity.aliases) == ("place/other/stor-oslo", "Stor-Oslo", ("Stor-Oslos",))


def test_a_specific_reading_outvotes_generic_organisation_and_place_readings():
    text = ("Norsk institutt for regionforskning (NIR) skreiv rapporten. NIR er i Oslo. NIR har 80 tilsette. "
            "Nettverket Bluelight har medlemer. Bluelight møtest i Bluelight-huset, og Bluelight veks.")
    ments = _mentions(text, [("Norsk institutt for regionforskning", "ResearchOrEducation"), ("NIR", "Organisation"),
                             ("NIR", "Organisation"), ("NIR", "Organisation"), ("Bluelight", "Network"),
                             ("Bluelight", "Place"), ("Bluelight", "Place"), ("Bluelight", "Place")])
    res = resolve(Extraction(ments, (), ()), paragraph_document(text))
    types = {e.label: e.type for e in res.entities}
    assert types == {"Norsk institutt for regionforskning": "ResearchOrEducation", "Bluelight": "Network"}
