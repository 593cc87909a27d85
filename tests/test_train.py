import pytest
import spacy

from kg.train import MODEL_VERSION, main, train


def test_training_recipe_runs_on_a_tiny_fixture(tiny_norne, tmp_path):
    out = train(tiny_norne, tmp_path / "model", tmp_path / "work",
                overrides={"training.max_steps": 4, "training.eval_frequency": 2})
    nlp = spacy.load(out)
    assert nlp.pipe_names == ["tok2vec", "morphologizer", "trainable_lemmatizer", "senter", "ner", "labeller"]
    assert set(nlp.get_pipe("ner").labels) >= {"ORG", "GPE_LOC", "PER"}
    assert nlp.get_pipe("labeller").fitted.labels == ("GPE_LOC", "ORG", "PER")  # MISC dropped
    meta = (out / "meta.json").read_text(encoding="utf-8")
    assert "CC0" in meta and "NorNE" in meta and f'"version": "{MODEL_VERSION}"' in meta
    # the tokenizer rules for report text survive saving and loading
    assert [t.text for t in nlp.make_doc("Hansen A/S, tlf. 22")] == ["Hansen", "A/S", ",", "tlf.", "22"]

    # the labeller is refitted without touching the other components, from the training files alone
    before = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    (out / "labeller" / "weights.npy").unlink()
    for dev in tiny_norne.glob("*/dev.conllu"):
        dev.unlink()
    assert main(["--labeller", "--norne", str(tiny_norne), "--output", str(out), "--work", str(tmp_path / "w")]) == 0
    after = {f.relative_to(out): f.read_bytes() for f in out.rglob("*") if f.is_file()}
    assert after == before


def test_python_m_kg_train_takes_the_options_of_kg_train(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith("usage: kg train")
    assert "--norne" in out and "--max-steps" in out


def test_kg_train_typing_refits_the_organisation_classifier(tmp_path, capsys):
    import json

    from kg.cli import main
    from kg.extract import TYPING_WEIGHTS

    out = tmp_path / "weights.json"
    assert main(["train", "--typing", "--output", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    written = json.loads(out.read_text(encoding="utf-8"))
    shipped = json.loads(TYPING_WEIGHTS.read_text(encoding="utf-8"))
    assert written["classes"] == shipped["classes"] and written["ngrams"].keys() == shipped["ngrams"].keys()
