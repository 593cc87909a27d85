from kg import gazetteer


def test_municipalities_and_counties_from_general_data():
    gaz = gazetteer.load()
    kinds = [p.kind for p in gaz.places.values()]
    assert kinds.count("Municipality") > 300 and kinds.count("County") >= 11
    (gjovik,) = gaz.lookup("Gjøvik")
    assert gjovik.number == "3407" and gjovik.lat is not None


def test_former_counties_and_regions_are_inside_innlandet():
    gaz = gazetteer.load()
    innlandet = gaz.best("Innlandet").key
    (gjovik,) = gaz.lookup("Gjøvik")
    assert {innlandet, gaz.best("Oppland").key} <= gaz.ancestors(gjovik.key)
    assert gaz.best("Hedmark").key in gaz.ancestors(gaz.lookup("Kongsvinger")[0].key)
    assert innlandet in gaz.ancestors(gaz.best("Valdres").key)
    raufoss = gaz.best("Raufoss")
    assert raufoss.kind == "Locality"
    assert {gaz.best("Vestre Toten").key, gaz.best("Toten").key, innlandet} <= gaz.ancestors(raufoss.key)


def test_lookup_folds_case_genitive_and_alternative_names():
    gaz = gazetteer.load()
    assert gaz.best("innlandets").label == "Innlandet"
    assert gaz.best("Glåmdalsregionen").label == "Glåmdalen"
    assert gaz.best("Våler") is None  # two municipalities share the name: no guess
