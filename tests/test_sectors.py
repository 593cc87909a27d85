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


def test_compound_labels_match_whole_words_only():
    assert [s.key for _, _, s in sectors.find("trevareindustrien")] == ["sector/treindustri"]
    assert [s.key for _, _, s in sectors.find("lettmetallklynga og treindustriens")] == ["sector/treindustri"]
    assert sectors.find("trevarer og reiselivsbussene") == []
