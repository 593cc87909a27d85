import numpy as np
import pytest
import spacy
from spacy.tokens import Doc, Span

from kg.labeller import LabellerWeights, feature_rows, fit, relabel, span_features


def test_features_see_the_whole_name_and_three_words_either_side():
    words = "Han jobber i Norsk Hydro ASA på Herøya .".split()
    features = span_features(words, 3, 6)
    for f in ("name=norsk hydro asa", "first=norsk", "last=asa", "len=3", "shape=Xxx Xxx XX",
              "word=hydro", "c3=<no", "c4=asa>", "c5= asa>", "L1=i", "L2=jobber", "L3=han", "R1=på",
              "R2=herøya", "R3=.", "L1R1=i_på"):
        assert f in features
    assert "sentence-initial" not in features
    first = span_features(words, 0, 1)
    assert {"sentence-initial", "L1=<s>", "L3=<s>", "R1=jobber"} <= set(first)
    assert "R3=</s>" in span_features(words, 8, 9)


def test_a_gazetteer_place_adds_what_kind_of_place_it_is():
    assert {"place", "place=Municipality"} <= set(span_features(["i", "Hamar"], 1, 2))
    assert "place=Municipality" in span_features(["Hamars", "næringsliv"], 0, 1)  # genitive
    assert not any(f.startswith("place") for f in span_features(["Kari", "Nordby", "kom"], 0, 2))


def test_features_fall_on_fixed_rows():
    # the shipped weights are indexed by these hashes (MurmurHash3, seed 0): they must never change
    assert feature_rows(["name=oslo"]) == [88278]
    assert feature_rows(["name=oslo"], bits=20) == [874710]
    assert all(0 <= r < 2 ** 17 for r in feature_rows(span_features("Det var i Bergen .".split(), 3, 4)))


def _sure(labels: tuple[str, ...], p: list[float]) -> LabellerWeights:
    """A labeller that gives every name the probabilities ``p`` (through its bias alone)."""
    return LabellerWeights(labels, np.zeros((16, len(labels)), np.float16), np.log(np.array(p, np.float32)), bits=4)


def test_the_ner_label_stands_unless_the_labeller_is_surer_of_another():
    features = span_features(["i", "Hamar"], 1, 2)
    assert _sure(("GPE_LOC", "ORG"), [0.2, 0.8]).label(features, "GPE_LOC") == "ORG"  # 0.8 > 0.2 + 0.4
    assert _sure(("GPE_LOC", "ORG"), [0.35, 0.65]).label(features, "GPE_LOC") == "GPE_LOC"  # 0.65 < 0.75
    assert _sure(("GPE_LOC", "ORG"), [0.35, 0.65]).label(features, "PROD") == "ORG"  # a label it does not know


def test_relabel_keeps_the_spans_and_the_labels_it_was_not_fitted_on():
    doc = Doc(spacy.blank("nb").vocab, words="Kari Nordby leder Kvikk Lunsj i Hamar .".split())
    doc.ents = [Span(doc, 0, 2, "PER"), Span(doc, 3, 5, "MISC"), Span(doc, 6, 7, "GPE_LOC")]
    ents = relabel(doc, _sure(("GPE_LOC", "ORG", "PER"), [0.05, 0.9, 0.05]))
    assert [(e.start, e.end, e.label_) for e in ents] == [(0, 2, "ORG"), (3, 5, "MISC"), (6, 7, "ORG")]


def test_fit_learns_names_and_contexts():
    places = ["Tana", "Vardø", "Alta", "Narvik", "Bodø"]
    people = ["Kari", "Ola", "Per", "Anne", "Nils"]
    names = [(["Hun", "bor", "i", p, "."], 3, 4, "GPE_LOC") for p in places]
    names += [([p, "sa", "at", "det", "regnet", "."], 0, 1, "PER") for p in people]
    names += [(["Firmaet", "heter", f"{p} AS", "."], 2, 3, "ORG") for p in people]
    model = fit(names * 3)
    assert model.labels == ("GPE_LOC", "ORG", "PER") and model.weights.dtype == np.float16
    assert model.label(span_features(["Hun", "bor", "i", "Kautokeino", "."], 3, 4), "PER") == "GPE_LOC"
    assert model.label(span_features(["Siri", "sa", "at", "det", "snødde", "."], 0, 1), "GPE_LOC") == "PER"
    two = fit(names[:10] * 3)  # two labels: scikit-learn's single column is spelt out as two
    assert two.labels == ("GPE_LOC", "PER") and two.weights.shape == (2 ** 17, 2)
    assert two.label(span_features(["Hun", "bor", "i", "Kautokeino", "."], 3, 4), "PER") == "GPE_LOC"


def test_the_component_is_saved_and_loaded_with_its_pipeline(tmp_path):
    nlp = spacy.blank("nb")
    nlp.add_pipe("kg_labeller", name="labeller").fitted = _sure(("GPE_LOC", "ORG"), [0.1, 0.9])
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    model = loaded.get_pipe("labeller").fitted
    assert model.labels == ("GPE_LOC", "ORG") and model.bits == 4 and model.boost == pytest.approx(0.4)
    doc = loaded.make_doc("Han bor i Hamar .")
    doc.ents = [Span(doc, 3, 4, "GPE_LOC")]
    assert [e.label_ for e in loaded.get_pipe("labeller")(doc).ents] == ["ORG"]


def test_a_component_without_weights_says_how_to_get_them(tmp_path):
    nlp = spacy.blank("nb")
    component = nlp.add_pipe("kg_labeller")
    with pytest.raises(ValueError, match="kg train --labeller"):
        component(nlp.make_doc("Hei"))
    with pytest.raises(ValueError, match="kg train --labeller"):
        nlp.to_disk(tmp_path / "p")


def test_the_shipped_pipeline_mends_labels_but_not_spans(nlp):
    assert nlp.pipe_names[nlp.pipe_names.index("ner") + 1] == "labeller"
    cases = {
        "Rapporten handler om næringslivet i Innlandet.": {"Innlandet": "GPE_LOC"},
        "Hydro Aluminium har en fabrikk på Raufoss.": {"Hydro Aluminium": "ORG", "Raufoss": "GPE_LOC"},
        "Næringslivet i Hamar og Ringsaker er sterkt.": {"Hamar": "GPE_LOC", "Ringsaker": "GPE_LOC"},
    }
    for text, expected in cases.items():
        doc = nlp(text)
        with nlp.select_pipes(disable=["labeller"]):
            alone = nlp(text)
        assert [(e.start, e.end) for e in doc.ents] == [(e.start, e.end) for e in alone.ents]
        assert {e.text: e.label_ for e in doc.ents} == expected
        assert {e.text: e.label_ for e in alone.ents} != expected  # the NER alone got one of them wrong
