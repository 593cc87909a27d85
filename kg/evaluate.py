"""Scores: NER on NorNE CoNLL-U files, and extraction against gold annotations.

Entities are compared as exact (start character, end character, label)
triples of each sentence's text, so a pipeline with a different tokenizer is
scored fairly: the gold tokens only define where names start and end.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language

from .conllu import NER_LABELS, Sentence, read_conllu
from .errors import DataError


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


#: Components skipped while scoring NER: those that never change ``doc.ents``, and
#: kg's own rule components, so that the score is the statistical model's.
_NOT_NER = {"tagger", "morphologizer", "lemmatizer", "trainable_lemmatizer", "senter", "parser",
            "attribute_ruler", "kg_concepts", "kg_firm_names", "kg_gazetteer_places", "kg_mend_sentences"}


# ------------------------------------------------------------- extraction


@dataclass(frozen=True)
class Gold:
    """Gold annotations for one report: typed entities, relations, observations."""

    path: Path
    source: Path
    pages: tuple[int, ...] | None
    entities: tuple[tuple[str, str, tuple[str, ...]], ...]  # (label, type, aliases)
    relations: tuple[tuple[str, str, str], ...]  # (subject, predicate, object)
    observations: tuple[tuple[str, str, float], ...]  # (subject, measure, value)


def read_gold(path: str | Path, root: Path | None = None) -> Gold:
    """Read a gold annotation file (JSON); ``source`` is relative to ``root`` (default: the project root).

    Raises:
        DataError: the file is missing or malformed.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        root = root or path.resolve().parents[2]
        return Gold(
            path=path,
            source=(root / data["source"]).resolve(),
            pages=tuple(data["pages"]) if data.get("pages") else None,
            entities=tuple((e["label"], e["type"], tuple(e.get("aliases", ()))) for e in data["entities"]),
            relations=tuple((r["subject"], r["predicate"], str(r["object"])) for r in data.get("relations", ())),
            observations=tuple((o["subject"], o["measure"], float(o["value"])) for o in data.get("observations", ())),
        )
    except FileNotFoundError:
        raise DataError(f"{path}: no such gold file") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataError(f"{path}: malformed gold file ({type(exc).__name__}: {exc})") from exc


@dataclass(frozen=True)
class ExtractionScores:
    """Scores of one or more reports against gold annotations."""

    entities: PRF
    relations: PRF
    observations: PRF

    def __add__(self, other: ExtractionScores) -> ExtractionScores:
        def add(a: PRF, b: PRF) -> PRF:
            return PRF(a.tp + b.tp, a.fp + b.fp, a.fn + b.fn)

        return ExtractionScores(add(self.entities, other.entities), add(self.relations, other.relations),
                                add(self.observations, other.observations))

    def as_dict(self) -> dict:
        return {"entities": self.entities.as_dict(), "relations": self.relations.as_dict(),
                "observations": self.observations.as_dict()}


def _match(gold: list[tuple[frozenset, ...]], predicted: list[tuple[frozenset, ...]]) -> PRF:
    """One-to-one matching of items whose parts are sets of name keys (or singletons)."""
    used: set[int] = set()
    tp = 0
    for p in predicted:
        for gi, g in enumerate(gold):
            if gi not in used and all(a & b for a, b in zip(p, g)):
                used.add(gi)
                tp += 1
                break
    return PRF(tp, len(predicted) - tp, len(gold) - tp)


def _place_names(key: str) -> frozenset:
    """Name keys of a gazetteer place that the report links to without naming it."""
    from .gazetteer import load
    from .resolve import actor_key

    place = load().places.get(key)
    return frozenset(actor_key(n) for n in (place.label, *place.alt_labels)) if place else frozenset()


def score_extraction(gold: Gold, processed) -> ExtractionScores:
    """Compare what kg read from a report with its gold annotations.

    Names match through :func:`kg.resolve.actor_key` (case, spacing and legal
    form folded) over the preferred label and aliases; types, predicates,
    measures and values must be equal. Only pages listed in the gold file
    count when it lists pages.
    """
    from .resolve import actor_key

    def keys(*names: str) -> frozenset:
        return frozenset(actor_key(n) for n in names if n)

    def on_pages(page: int) -> bool:
        return gold.pages is None or page in gold.pages

    ext, res = processed.extraction, processed.resolution
    names = {e.key: keys(e.label, *e.aliases) for e in res.entities}
    kept = [e for e in res.entities if any(on_pages(ext.mentions[i].evidence.page) for i in e.mentions)]
    entities = _match(
        [(keys(label, *aliases), frozenset([kind])) for label, kind, aliases in gold.entities],
        [(names[e.key], frozenset([e.type])) for e in kept],
    )
    facts = {(link.subject, link.predicate, link.object) for link in res.links if on_pages(link.evidence.page)}
    predicted_relations = [(names.get(s) or keys(s), frozenset([p]), names.get(o) or _place_names(o))
                           for s, p, o in facts]
    founded = {(res.mention_entity[o.subject], str(int(o.value))) for o in ext.observations
               if o.measure == "founded" and on_pages(o.evidence.page)}
    predicted_relations += [(names[s], frozenset(["foundedYear"]), frozenset([y])) for s, y in founded]
    gold_relations = [
        (keys(s), frozenset([p]), frozenset([o]) if p == "foundedYear" else keys(o)) for s, p, o in gold.relations
    ]
    figures = {
        (res.mention_entity[o.subject], o.measure, o.value) for o in ext.observations
        if o.measure != "founded" and on_pages(o.evidence.page)
    }
    observations = _match(
        [(keys(s), frozenset([m]), frozenset([v])) for s, m, v in gold.observations],
        [(names[s], frozenset([m]), frozenset([v])) for s, m, v in figures],
    )
    return ExtractionScores(entities, _match(gold_relations, predicted_relations), observations)
