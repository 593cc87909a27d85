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

    doc = spacy.blank("nb")("Lettmetallklynga og informasjonssikkerhetsnettverket deltar i Arena-programmet.")
    assert [(s.text, s.label_) for s in find_concepts(doc)] == [
        ("Lettmetallklynga", "Cluster"),
        ("informasjonssikkerhetsnettverket", "Network"),
        ("Arena-programmet", "Programme"),
    ]
