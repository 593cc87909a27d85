import pytest

from kg import nlp as kg_nlp
from kg.errors import ModelError
from kg.extract import add_components


def test_shipped_model_finds_norwegian_entities(nlp):
    # kg always runs the model with its components; the firm rule (legal
    # forms) finds firm names the model has not seen, which it misses alone.
    add_components(nlp)
    doc = nlp("Forestia AS har en fabrikk i Våler kommune i Innlandet, og Innovasjon Norge støtter prosjektet.")
    ents = {(e.text, e.label_) for e in doc.ents}
    assert any(text.startswith("Forestia") and label == "ORG" for text, label in ents)
    assert any(text.startswith("Våler") and label in ("GPE_LOC", "GPE_ORG", "LOC") for text, label in ents)
    assert any(text == "Innlandet" and label.startswith("GPE") for text, label in ents)
    assert ("Innovasjon Norge", "ORG") in ents


def test_shipped_model_works_on_nynorsk(nlp):
    doc = nlp("Visit Valdres AS på Fagernes er eigd av kommunane i Valdres.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels.get("Fagernes", "").startswith("GPE") or labels.get("Fagernes") == "LOC"
    assert any(t.startswith("Visit Valdres") for t in labels)


def test_shipped_model_has_all_components(nlp):
    assert {"tok2vec", "morphologizer", "trainable_lemmatizer", "senter", "ner"} <= set(nlp.pipe_names)
    doc = nlp("Bedriftene har mange ansatte. De ligger i Gjøvik.")
    assert len(list(doc.sents)) == 2
    assert doc[0].lemma_ == "bedrift" and doc[0].pos_ == "NOUN"


def test_tokenizer_keeps_report_conventions(nlp):
    words = [t.text for t in nlp.make_doc("Raufoss-Toten og FoU-miljø, bl.a. ca. 68 mrd. kr. i Hansen A/S nr. 4.")]
    for w in ("Raufoss-Toten", "FoU-miljø", "bl.a.", "ca.", "mrd.", "kr.", "A/S", "nr."):
        assert w in words
    # a full stop after a mixed-case acronym or a legal form ends the sentence
    doc = nlp("Bedriftene bruker lite på FoU. Unntaket er Hansen A/S. Den bruker mye.")
    assert [t.text for t in doc][4:8] == ["FoU", ".", "Unntaket", "er"] and "A/S" in [t.text for t in doc]
    assert len(list(doc.sents)) == 3


def test_loaded_models_multiply_with_numpy_not_blis(nlp):
    maxouts = [layer for _, component in nlp.pipeline if getattr(component, "model", None)
               for layer in component.model.walk() if layer.name == "maxout"]
    assert maxouts and all(not layer.ops.use_blis for layer in maxouts)


def test_load_is_cached_and_unknown_model_is_clear():
    assert kg_nlp.load() is kg_nlp.load()
    with pytest.raises(ModelError, match="not found"):
        kg_nlp.load("nb_does_not_exist")


def test_environment_selects_the_model(monkeypatch, tmp_path):
    monkeypatch.setenv(kg_nlp.MODEL_ENV, str(tmp_path / "missing"))
    assert kg_nlp.model_name() == str(tmp_path / "missing")
    with pytest.raises(ModelError):
        kg_nlp.load()


def test_a_pipeline_is_named_with_its_version_from_its_meta_alone():
    meta = kg_nlp.pipeline_meta()  # the shipped model's meta.json, read without loading it
    assert kg_nlp.describe(meta) == f"nb_kg {meta['version']}"
    assert kg_nlp.describe({"lang": "nb", "name": "core_news_lg", "version": "3.8.0"}) == "nb_core_news_lg 3.8.0"
    with pytest.raises(ModelError, match="not found"):
        kg_nlp.pipeline_meta("nb_does_not_exist")
