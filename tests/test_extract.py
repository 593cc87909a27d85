import pytest

from kg.extract import find_concepts, parse_number, type_name


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
    ("Per Hansen", "PER", None),
    ("AS", "ORG", None),
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


def test_region_containment_and_milieu_from_text(nlp):
    from kg.document import PARAGRAPH, Block, Document
    from kg.extract import extract

    text = ("Valdres ligg mellom Oslo og Bergen og omfattar kommunane Etnedal og Vang. "
            "Lettmetallmiljøet på Raufoss er kjent, men næringsmiljøet er lite.")
    doc = Document("x.pdf", "0" * 64, "T", (), None, None, None, 1, (Block(PARAGRAPH, text, 1, 0, len(text)),))
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
