import json

import pytest
import spacy

from kg.cli import main
from kg.evaluate import prf, score_ner


@pytest.fixture()
def ruler_model(tmp_path):
    """A pipeline whose predictions are known: one right, one wrong label, one extra, one missed."""
    nlp = spacy.blank("nb")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "ORG", "pattern": "Hydro ASA"},
        {"label": "LOC", "pattern": "Oslo"},
        {"label": "GPE_LOC", "pattern": "Bergen"},
    ])
    path = tmp_path / "ruler"
    nlp.to_disk(path)
    return path


def test_prf_counts():
    s = prf(["a", "b", "c"], ["a", "x"])
    assert (s.tp, s.fp, s.fn) == (1, 1, 2)
    assert s.p == pytest.approx(0.5) and s.r == pytest.approx(1 / 3)


def test_score_ner_known_scores(ruler_model, tiny_conllu):
    scores = score_ner(spacy.load(ruler_model), tiny_conllu)
    o = scores.overall
    assert (o.tp, o.fp, o.fn) == (1, 2, 2)
    assert o.f1 == pytest.approx(1 / 3)
    assert scores.per_label["ORG"].f1 == 1.0
    assert scores.per_label["PER"].r == 0.0
    assert scores.words == 18 and scores.words_per_second > 0


def test_eval_ner_cli_json(ruler_model, tiny_conllu, capsys):
    assert main(["eval-ner", str(tiny_conllu), "--model", str(ruler_model), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["p"] == pytest.approx(1 / 3) and out["r"] == pytest.approx(1 / 3)
    assert set(out["per_label"]) >= {"ORG", "PER", "GPE_LOC", "LOC"}
    assert out["words_per_second"] > 0


def test_eval_ner_missing_file_is_one_line(capsys, tmp_path):
    assert main(["eval-ner", str(tmp_path / "nope.conllu")]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nope.conllu" in err
