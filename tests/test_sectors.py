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


def test_acronym_labels_match_in_capitals_as_a_word_or_a_compound_head():
    """"IKT" inside "distrikt", "innsikt" or "oversikt" is no sector; "IKT-næringen" is one."""
    assert sectors.find("distriktene, innsikt, markedssvikt og oversikt") == []
    text = "IKT og IKT-næringen, ikke ikt."
    assert [(text[a:b], s.key) for a, b, s in sectors.find(text)] == [
        ("IKT", "sector/ikt"), ("IKT-næringen", "sector/ikt")]
