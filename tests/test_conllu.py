from spacy.vocab import Vocab

from kg.conllu import group_sentences, guess_spaces, iob_to_spans, read_conllu, to_doc


def test_iob_to_spans_drops_misc_and_handles_stray_inside():
    tags = ["B-ORG", "I-ORG", "O", "I-PER", "B-MISC", "I-MISC", "B-GPE_LOC"]
    assert iob_to_spans(tags) == [(0, 2, "ORG"), (3, 4, "PER"), (6, 7, "GPE_LOC")]


def test_guess_spaces_follows_norwegian_punctuation():
    words = ["Han", "sa", "«", "hei", "»", ",", "og", "gikk", "(", "fort", ")", "."]
    text = "".join(w + (" " if s else "") for w, s in zip(words, guess_spaces(words)))
    assert text == "Han sa «hei», og gikk (fort)."


def test_read_conllu_keeps_space_after_and_entities(tiny_conllu):
    sents = list(read_conllu(tiny_conllu))
    assert [s.sent_id for s in sents] == ["t1", "t2", "t3"]
    assert sents[0].entities == [(0, 2, "ORG"), (5, 6, "GPE_LOC")]
    assert sents[0].spaces[5] is False  # "Oslo." has SpaceAfter=No
    assert sents[0].lemmas[-1] == "."  # NDT punctuation lemmas ("$.") become the form
    assert sents[2].entities == []  # MISC dropped


def test_to_doc_marks_sentence_starts_and_entities(tiny_conllu):
    sents = list(read_conllu(tiny_conllu))
    (group,) = list(group_sentences(sents, size=8))
    doc = to_doc(Vocab(), group)
    assert [s.text for s in doc.sents][0] == "Hydro ASA har kontor i Oslo."
    assert [(e.text, e.label_) for e in doc.ents] == [("Hydro ASA", "ORG"), ("Oslo", "GPE_LOC"),
                                                     ("Per Hansen", "PER")]
