from kg import sectors


def test_sectors_found_in_inflected_and_compound_forms():
    text = "Treindustrien, reiselivsnæringa, lokal mat og jord- og skogbruk, men ikke lettmetallklynga."
    found = [(text[a:b], s.key) for a, b, s in sectors.find(text)]
    assert found == [
        ("Treindustrien", "sector/treindustri"),
        ("reiselivsnæringa", "sector/reiseliv"),
        ("lokal mat", "sector/naeringsmiddelindustri"),
        ("jord- og skogbruk", "sector/landbruk"),
    ]


def test_sector_of_requires_the_whole_mention():
    assert sectors.sector_of("trevareindustrien").key == "sector/treindustri"
    assert sectors.sector_of("treindustrien i Glåmdalen") is None
