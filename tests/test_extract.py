import json
import subprocess
import sys

import pytest

from kg.extract import find_concepts, parse_number, type_name

from .conftest import LONG_BODY, paragraph_document, write_report_pdf


@pytest.mark.parametrize("name, label, expected", [
    ("Forestia AS", "ORG", "Firm"),
    ("Hansen A/S", "ORG", "Firm"),
    ("Moelvenkonsernet", "ORG", "Firm"),
    ("Gjøvik Kunnskapspark", "ORG", "DevelopmentActor"),
    ("Høgskolen i Gjøvik", "ORG", "ResearchOrEducation"),
    ("Vestre Toten kommune", "GPE_ORG", "PublicBody"),
    ("Innlandet fylkeskommune", "ORG", "PublicBody"),
    ("Norsk Bonde- og Småbrukarlag", "ORG", "Association"),
    ("Arena-programmet", "ORG", "Programme"),
    ("VS2010", "ORG", "Programme"),
    ("Bluelight-nettverket", "ORG", "Network"),
    ("Telenor", "ORG", "Organisation"),
    ("Gjøvik", "GPE_LOC", "Place"),
    ("Moelvenkonsernet", "GPE_LOC", "Firm"),  # no place ends in "konsernet"
    ("Kirkenær Bruk", "GPE_LOC", "Place"),  # but many in "bruk": the tagger's place stands
    ("Per Hansen", "PER", None),
    ("AS", "ORG", None),
    ("Rv 2", "ORG", None),
    ("Rv", "ORG", None),
    ("Fv. 33", "LOC", None),
    ("E6", "GPE_LOC", None),
    ("Rv Bygg AS", "ORG", "Firm"),
    ("Eidsiva", "ORG", "Organisation"),
])
def test_type_name_from_morphology(name, label, expected):
    assert type_name(name, label) == expected


@pytest.mark.parametrize("text, value", [("1.100", 1100), ("4 500", 4500), ("13,6", 13.6), ("80", 80)])
def test_parse_norwegian_numbers(text, value):
    assert parse_number(text) == value


def test_concepts_are_found_from_compounds():
    import spacy

    text = "Lettmetallklynga og informasjonssikkerhetsnettverket deltar i Arena-programmet."
    doc = spacy.blank("nb")(text)
    assert [(s.text, s.label_) for s in find_concepts(doc)] == [
        ("Lettmetallklynga", "Cluster"),
        ("informasjonssikkerhetsnettverket", "Network"),
        ("Arena-programmet", "Programme"),
    ]
    doc = spacy.blank("nb")("Forskningsprogrammet Verdiskaping 2010 starta i 2002, nettverket Fiber 2000 seinare.")
    assert [(s.text, s.label_) for s in find_concepts(doc)] == [
        ("Verdiskaping 2010", "Programme"),  # a programme's name may end in its year
        ("Fiber", "Network"),
    ]


def test_region_containment_and_milieu_from_text(nlp):
    from kg.extract import extract

    text = ("Valdres ligg mellom Oslo og Bergen og omfattar kommunane Etnedal og Vang. "
            "Lettmetallmiljøet på Raufoss er kjent, men næringsmiljøet er lite.")
    doc = paragraph_document(text)
    x = extract(doc, nlp)
    parts = {(x.mentions[r.subject].text, x.mentions[r.object].text) for r in x.relations if r.predicate == "partOf"}
    assert parts == {("Etnedal", "Valdres"), ("Vang", "Valdres")}
    clusters = [m.text for m in x.mentions if m.type == "Cluster"]
    assert clusters == ["Lettmetallmiljøet"]


def test_sentence_breaks_need_punctuation():
    import spacy

    from kg.extract import mend_sentences

    nlp = spacy.blank("nb")
    doc = nlp("Valdres omfattar kommunane Etnedal og Vang. Det er fint.")
    for token in doc:
        token.is_sent_start = token.i in (0, 3, 7)  # a wrong break before "Etnedal"
    sentences = [s.text for s in mend_sentences(doc).sents]
    assert sentences == ["Valdres omfattar kommunane Etnedal og Vang.", "Det er fint."]


@pytest.mark.parametrize("name, expected", [
    ("Bjørkli Bygg", "Firm"),
    ("Sørby Transport", "Firm"),
    ("Fjellstad Skiklubb", "Association"),
    ("Statens naturoppsyn", "PublicBody"),
    ("Valdres Næringsutvikling", "DevelopmentActor"),
    ("Innovasjon Norge", "Organisation"),  # no pattern to go by: stays generic
])
def test_classifier_types_names_the_rules_cannot(name, expected):
    from kg.extract import classify_organisation

    assert classify_organisation(name) == expected


def test_shipped_typing_weights_are_those_the_examples_give():
    """kg/data/typing_weights.json must be refitted (kg train --typing) when the examples change;
    its probabilities are those of scikit-learn's model, to 1e-5."""
    import csv

    from kg.extract import TYPING_EXAMPLES, TYPING_WEIGHTS, fit_typing_model, typing_probabilities, typing_weights

    with TYPING_EXAMPLES.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    vectorizer, model = fit_typing_model()
    shipped, fitted = json.loads(TYPING_WEIGHTS.read_text(encoding="utf-8")), typing_weights(vectorizer, model)
    stale = "the typing examples changed: run kg train --typing"
    assert (shipped["classes"], shipped["ngram_range"], shipped["ngrams"].keys()) == (
        fitted["classes"], fitted["ngram_range"], fitted["ngrams"].keys()), stale
    for gram, weights in fitted["ngrams"].items():
        assert shipped["ngrams"][gram] == pytest.approx(weights, rel=1e-4, abs=1e-6), stale
    names = [r["name"] for r in rows] + ["Vestre Toten Skiklubb", "Statens vegvesen", "Reisemål Hadeland", "Qx"]
    for name, probs in zip(names, model.predict_proba(vectorizer.transform(names))):
        assert typing_probabilities(name) == pytest.approx(dict(zip(model.classes_, probs)), abs=1e-5), name


def test_reading_a_report_imports_no_scikit_learn(tmp_path):
    """Importing scikit-learn and fitting the classifier cost each ingest process about 2 s of CPU."""
    pdf = write_report_pdf(tmp_path / "a.pdf", LONG_BODY)
    code = ("import sys; from kg.ingest import process_to_result; from kg.nlp import load; "
            f"process_to_result(__import__('pathlib').Path({str(pdf)!r}), load()); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _found(doc, common: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """(text, type) of the mentions kg reads from a hand-tagged doc, with the report's lower-case words."""
    from kg import gazetteer
    from kg.extract import _block_mentions

    return [(m.text, m.type) for m, _, _ in _block_mentions(doc, 0, 1, 0, gazetteer.load(), common)]


def _common(text: str) -> frozenset[str]:
    from kg.extract import common_words

    return common_words(paragraph_document(text))


def _tagged(text: str, ents: list[tuple[int, int, str]]):
    """A doc with the tagger's entities set by hand, so the rules are tested apart from any model."""
    import spacy
    from spacy.tokens import Span

    doc = spacy.blank("nb")(text)
    for token in doc:
        token.is_sent_start = token.i == 0
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
    return doc


def test_an_acronym_widens_a_name_the_tagger_cut_short():
    from kg.extract import trim_span

    doc = _tagged("Valdres Natur- og Kulturpark ( VNK ) vart skipa i 2011 .", [(0, 1, "GPE_LOC"), (1, 4, "ORG")])
    assert trim_span(doc.ents[1]).text == "Valdres Natur- og Kulturpark"
    doc = _tagged("Valdres Natur- og Kulturpark ( VNK ) vart skipa i 2011 .", [(0, 1, "GPE_LOC"), (3, 4, "GPE_LOC")])
    assert _found(doc)[0] == ("Valdres Natur- og Kulturpark", "Organisation")  # over "og"; a place has no acronym
    doc = _tagged("I dag driv Natur- og Kulturpark ( NOK ) parken .", [(3, 6, "ORG")])
    assert trim_span(doc.ents[0]).text == "Natur- og Kulturpark"  # already whole: not widened over "I dag driv"


def test_a_name_after_a_group_noun_beats_a_place_inside_it():
    from kg.extract import find_concepts

    doc = _tagged("Næringsklyngen Raufoss Industrinettverk har om lag 60 medlemmer .", [(1, 2, "GPE_LOC")])
    doc.spans["kg_concepts"] = find_concepts(doc)
    assert _found(doc) == [("Raufoss Industrinettverk", "Network")]


def test_a_sentence_opener_the_report_writes_in_lower_case_is_no_name():
    common = _common("Foruten museet finst det ei kyrkje. Dei har mykje foruten det.")
    assert "foruten" in common and "Foruten" not in common
    doc = _tagged("Foruten museet finst det ei kyrkje .", [(0, 1, "ORG")])
    assert _found(doc, common) == []
    assert [text for text, _ in _found(doc)] == ["Foruten"]


def test_places_joined_by_a_hyphen_and_a_sector_heading_are_no_organisations():
    doc = _tagged("Lettmetallklynga på Raufoss-Toten har vokse .", [(2, 3, "ORG")])
    assert ("Raufoss-Toten", "Place") in _found(doc)
    doc = _tagged("Matindustrien i Hamar/Ringsaker har vokse .", [(2, 5, "ORG")])
    assert ("Hamar/Ringsaker", "Place") in _found(doc)
    doc = _tagged("Næringsmiddelindustri og småskala matproduksjon", [(0, 1, "ORG")])
    assert _found(doc) == [("Næringsmiddelindustri", "Sector"), ("matproduksjon", "Sector")]
    doc = _tagged("Hamar-Kongsberg Invest AS kjøpte bruket .", [(0, 3, "ORG")])  # a firm named after places
    assert _found(doc) == [("Hamar-Kongsberg Invest AS", "Firm")]


def test_a_cited_title_or_sentence_opening_with_a_common_word_gives_no_place():
    common = _common("Vi har mange klynger og FOUaktører i regionen.")
    doc = _tagged("Klynger og nettverk i Gjøvik .", [(0, 1, "GPE_LOC"), (4, 5, "GPE_LOC")])
    assert [text for text, _ in _found(doc, common)] == ["Gjøvik"]
    doc = _tagged("Se NIBR-rapport 2004:5 Klynger i Innlandet .", [(3, 4, "GPE_LOC"), (5, 6, "GPE_LOC")])
    assert [text for text, _ in _found(doc, common)] == ["Innlandet"]
    doc = _tagged("Vik og Hamar er byer .", [(0, 1, "GPE_LOC"), (2, 3, "GPE_LOC")])  # a gazetteer place stays
    assert [text for text, _ in _found(doc, common | {"vik"})] == ["Vik", "Hamar"]
    doc = _tagged("Utdanning og FOUaktører deltar .", [(2, 3, "ORG")])  # an acronym run into a noun
    assert _found(doc) == []


def test_a_name_stopped_at_a_particle_reads_on_to_its_acronym():
    from kg.extract import trim_span

    doc = _tagged("Norsk institutt for by- og regionforskning ( NIBR ) i Oslo .", [(0, 3, "ORG")])
    assert trim_span(doc.ents[0]).text == "Norsk institutt for by- og regionforskning"
    doc = _tagged("Norsk Hydro og Norges forskningsråd ( NFR ) møttes .", [(0, 2, "ORG")])
    assert trim_span(doc.ents[0]).text == "Norsk Hydro"  # a whole name is not read on over "og"


def test_a_name_neither_ends_in_a_particle_nor_lacks_a_capital():
    from kg.extract import trim_span

    doc = _tagged("I Glåmdalsregionen de siste åra har det vore vekst .", [(1, 3, "ORG")])
    assert trim_span(doc.ents[0]).text == "Glåmdalsregionen"
    doc = _tagged("Det gjeld arbeids- og næringsliv i Hamar .", [(2, 4, "ORG"), (6, 7, "GPE_LOC")])
    assert _found(doc) == [("Hamar", "Place")]


def test_a_capitalised_word_after_a_place_continues_a_name():
    doc = _tagged("Gjøvik Kunnskapspark og Hamar Gjøvik ligg ved Mjøsa .", [(0, 1, "GPE_LOC"), (3, 4, "GPE_LOC"),
                                                                              (4, 5, "GPE_LOC"), (7, 8, "LOC")])
    assert _found(doc) == [("Gjøvik Kunnskapspark", "DevelopmentActor"), ("Hamar", "Place"), ("Gjøvik", "Place"),
                     ("Mjøsa", "Place")]  # a place after a place is a place of its own
    doc = _tagged("Bygget står på Raufoss Industripark AS er eigar .", [(3, 4, "GPE_LOC")])
    doc[5].is_sent_start = True  # a new sentence (the tagger's) does not continue the name
    assert _found(doc) == [("Raufoss Industripark", "DevelopmentActor")]


def test_a_name_the_tagger_started_after_its_place_starts_at_the_place():
    """A tagger may leave the place out of a name ("Raufoss" untagged at a sentence's start) or tag it apart."""
    doc = _tagged("Raufoss Industripark ligger på Raufoss .", [(1, 2, "GPE_LOC"), (4, 5, "GPE_LOC")])
    assert _found(doc) == [("Raufoss Industripark", "DevelopmentActor"), ("Raufoss", "Place")]
    doc = _tagged("Hamar Gjøvik og Lillehammer Kunnskapspark er med , og Gjøvik Kari Hansen .",
                  [(1, 2, "GPE_LOC"), (3, 4, "GPE_LOC"), (4, 5, "ORG"), (9, 10, "GPE_LOC"), (10, 12, "PER")])
    assert _found(doc) == [("Gjøvik", "Place"),  # a place after a place is a place of its own
                           ("Lillehammer Kunnskapspark", "DevelopmentActor"),  # the place tagged apart
                           ("Gjøvik", "Place")]  # a person after a place starts no name (and kg keeps no PER)


def test_figures_in_a_sentence_naming_the_last_noun_of_a_name_are_about_that_actor(nlp):
    from kg.extract import extract, referent

    assert referent("Parken har 40 bedrifter.", {"industripark": 3, "nettverk": 5}) == 3
    assert referent("I nettverket er 60 medlemer.", {"industrinettverk": 5}) == 5
    assert referent("Programmet har 12 prosjekt.", {"matprogram": 2}) == 2  # double consonant before -et
    assert referent("Parkeringen har 300 plassar.", {"industripark": 3}) is None
    text = ("Hamar Næringspark ligger ved Mjøsa. Parken huser i dag rundt 40 bedrifter med til sammen "
            "om lag 900 ansatte.")
    doc = paragraph_document(text)
    x = extract(doc, nlp)
    figures = {(x.mentions[o.subject].text, o.measure, o.value) for o in x.observations}
    assert figures == {("Hamar Næringspark", "firms", 40), ("Hamar Næringspark", "employees", 900)}


def test_a_name_abbreviated_in_brackets_is_no_person():
    doc = _tagged("Leverandører som Price Waterhouse Coopers ( PWC ) og Thales er her .",
                  [(2, 5, "PER"), (6, 7, "ORG"), (9, 10, "ORG")])
    assert [text for text, _ in _found(doc)] == ["Price Waterhouse Coopers", "PWC", "Thales"]
    doc = _tagged("Kari Nordmann ( Ap ) leier styret .", [(0, 2, "PER"), (3, 4, "ORG")])
    assert _found(doc) == [("Ap", "Organisation")]  # her party, no acronym of her name: she stays a person



def _sentence_relations(text: str, names: list[tuple[str, str]]) -> set[tuple[str, str, str]]:
    """(subject, predicate, object) of the relations kg reads in one sentence whose mentions are given."""
    import spacy

    from kg.extract import Evidence, Mention, sentence_relations

    doc = spacy.blank("nb")(text)
    ments, pos = [], 0
    for i, (name, kind) in enumerate(names):
        start = text.index(name, pos)
        pos = start + len(name)
        span = doc.char_span(start, pos)
        ments.append((i, Mention(name, "ORG", kind, Evidence(1, text, start, pos), 0), span.start, span.end))
    found = sentence_relations(doc[:], ments, Evidence(1, text, 0, len(text)))
    return {(names[r.subject][0], r.predicate, names[r.object][0]) for r in found}


def test_every_actor_listed_after_i_regi_av_operates_the_programme():
    found = _sentence_relations(
        "Prosjektet er ein del av Arena-programmet i regi av Innovasjon Norge, Forskingsrådet og Siva.",
        [("Arena-programmet", "Programme"), ("Innovasjon Norge", "Organisation"),
         ("Forskingsrådet", "ResearchOrEducation"), ("Siva", "Organisation")])
    assert found == {(a, "operates", "Arena-programmet") for a in ("Innovasjon Norge", "Forskingsrådet", "Siva")}


def test_an_actor_takes_part_in_the_nearest_programme_only():
    found = _sentence_relations(
        "Torget er operatør for Arenaprogrammet sitt prosjekt Trepiloten og har ein inkubator i Siva sitt nettverk.",
        [("Torget", "Firm"), ("Arenaprogrammet", "Programme"), ("Trepiloten", "Programme"), ("Siva", "Organisation")])
    # Trepiloten stands between Siva and Arenaprogrammet, and another actor operates Trepiloten
    assert found == {("Torget", "operates", "Trepiloten"), ("Torget", "participatesIn", "Arenaprogrammet")}


def test_a_name_run_into_its_programme_s_is_its_owner():
    doc = _tagged("Prosjektet er del av Innovasjon Norge Arenaprogrammet , ikkje av Regionalt Omstillingsprogram .",
                  [(4, 7, "ORG"), (11, 13, "ORG")])
    from kg.extract import owner_and_programme

    doc[5].pos_ = "PROPN"  # the tagger's part of speech, set by hand as the entities are
    doc[11].pos_ = "ADJ"
    assert [text for text, _ in _found(doc)][:2] == ["Innovasjon Norge", "Arenaprogrammet"]
    assert _found(doc)[0][1] == "Organisation" and _found(doc)[1][1] == "Programme"
    assert owner_and_programme(doc.ents[1]) is None  # an adjective before the programme's word: one name
    found = _sentence_relations("Innovasjon Norge Arenaprogrammet har fleire nettverk.",
                                [("Innovasjon Norge", "Organisation"), ("Arenaprogrammet", "Programme")])
    assert found == {("Innovasjon Norge", "operates", "Arenaprogrammet")}


def test_the_first_word_of_a_quoted_term_is_no_name():
    doc = _tagged("Den ” Corporate governance ” -litteraturen ser på styring .", [(2, 3, "ORG")])
    assert _found(doc) == []
    doc = _tagged("Prosjektet « Trepiloten » er i gang .", [(2, 3, "ORG")])  # a name quoted whole stays
    assert [text for text, _ in _found(doc)] == ["Trepiloten"]


def test_two_surnames_before_a_verb_of_citing_are_authors():
    doc = _tagged("Cook og Morgan ser på regionar som samband .", [(0, 1, "ORG"), (2, 3, "PER")])
    assert _found(doc) == []
    doc = _tagged("Bortsett fra Spis og Hoff har ingen hovudkontor her .", [(2, 3, "ORG"), (4, 5, "PER")])
    assert [text for text, _ in _found(doc)] == ["Spis"]  # two firms: "har" cites nobody
