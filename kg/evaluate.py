"""Scores: NER on NorNE CoNLL-U files.

Entities are compared as exact (start character, end character, label)
triples of each sentence's text, so a pipeline with a different tokenizer is
scored fairly: the gold tokens only define where names start and end.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from .conllu import NER_LABELS, Sentence, read_conllu


@dataclass(frozen=True)
class PRF:
    """Counts of true positives, false positives and false negatives."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    def as_dict(self) -> dict:
        return {"p": self.p, "r": self.r, "f1": self.f1, "tp": self.tp, "fp": self.fp, "fn": self.fn}


def prf(gold: Iterable, predicted: Iterable) -> PRF:
    """Exact-match counts between two collections of hashable items."""
    gold_c, pred_c = Counter(gold), Counter(predicted)
    tp = sum((gold_c & pred_c).values())
    return PRF(tp, sum(pred_c.values()) - tp, sum(gold_c.values()) - tp)


@dataclass(frozen=True)
class NERScores:
    """NER scores on one file, overall and per label."""

    overall: PRF
    per_label: dict[str, PRF] = field(default_factory=dict)
    words: int = 0
    seconds: float = 0.0

    @property
    def words_per_second(self) -> float:
        return self.words / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            **{k: v for k, v in self.overall.as_dict().items()},
            "per_label": {label: s.as_dict() for label, s in sorted(self.per_label.items())},
            "words": self.words,
            "seconds": self.seconds,
            "words_per_second": self.words_per_second,
        }


def sentence_text_and_entities(sent: Sentence) -> tuple[str, list[tuple[int, int, str]]]:
    """Rebuild a sentence's text and its gold entities as character spans."""
    starts, text = [], ""
    for word, space in zip(sent.words, sent.spaces):
        starts.append(len(text))
        text += word + (" " if space else "")
    ents = [(starts[s], starts[e - 1] + len(sent.words[e - 1]), label) for s, e, label in sent.entities]
    return text, ents


def score_ner(nlp: Language, path: str | Path, batch_size: int = 256) -> NERScores:
    """Run ``nlp`` over every sentence of a NorNE file and score its entities.

    Only NorNE labels kg keeps are scored (MISC is excluded on both sides).
    """
    gold_items, texts = [], []
    words = 0
    for i, sent in enumerate(read_conllu(path)):
        text, ents = sentence_text_and_entities(sent)
        texts.append(text)
        gold_items.extend((i, s, e, label) for s, e, label in ents)
        words += len(sent.words)
    disabled = [name for name in nlp.pipe_names if name in _NOT_NER]
    start = time.perf_counter()
    with nlp.select_pipes(disable=disabled):
        docs = list(nlp.pipe(texts, batch_size=batch_size))
    seconds = time.perf_counter() - start
    pred_items = [
        (i, ent.start_char, ent.end_char, ent.label_)
        for i, doc in enumerate(docs)
        for ent in doc.ents
        if ent.label_ in NER_LABELS
    ]
    per_label = {label: prf(_only(gold_items, label), _only(pred_items, label)) for label in NER_LABELS}
    return NERScores(prf(gold_items, pred_items), per_label, words, seconds)


def _only(items: list[tuple], label: str) -> list[tuple]:
    return [item for item in items if item[-1] == label]


#: Components that never change ``doc.ents``; skipped while scoring NER.
_NOT_NER = {"tagger", "morphologizer", "lemmatizer", "trainable_lemmatizer", "senter", "parser",
            "attribute_ruler", "kg_concepts"}
