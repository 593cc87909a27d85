"""Character n-gram TF-IDF vectors of names.

kg classifies organisation names (:func:`kg.extract.classify_organisation`) and
finds the gazetteer place a misspelt name means (:func:`kg.resolve.link_place`)
by their character n-grams, weighed as scikit-learn's
``TfidfVectorizer(analyzer="char_wb")`` weighs them. Fitting the classifier is
scikit-learn's job, done once when its examples change (``kg train --typing``);
applying it, and comparing one name with the gazetteer's, are a few sums.
Doing those with scikit-learn (importing it and fitting the classifier in each
process) made an ingest process's start-up 4.8 s of CPU instead of 2.8.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass


def char_ngrams(text: str, lo: int, hi: int) -> list[str]:
    """The n-grams (``lo`` to ``hi`` characters) of each word of ``text`` in lower case,
    padded with a space on either side; a word no longer than n gives itself once and
    no longer n-grams (scikit-learn's ``char_wb`` analyser)."""
    grams = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(lo, hi + 1):
            if len(padded) <= n:
                grams.append(padded)
                break
            grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return grams


@dataclass(frozen=True)
class TfidfSpace:
    """Inverse document frequencies of n-grams, and the vectors they give a text."""

    lo: int
    hi: int
    idf: dict[str, float]

    @classmethod
    def fit(cls, texts: list[str], lo: int, hi: int) -> TfidfSpace:
        """The space of ``texts``, with scikit-learn's smoothed idf: ln((1 + n) / (1 + df)) + 1."""
        df = Counter(gram for text in texts for gram in set(char_ngrams(text, lo, hi)))
        n = len(texts)
        return cls(lo, hi, {gram: math.log((1 + n) / (1 + count)) + 1 for gram, count in df.items()})

    def vector(self, text: str) -> dict[str, float]:
        """The text's TF-IDF vector, of unit length; n-grams the space has not seen are left out."""
        counts = Counter(gram for gram in char_ngrams(text, self.lo, self.hi) if gram in self.idf)
        weights = {gram: count * self.idf[gram] for gram, count in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {gram: w / norm for gram, w in weights.items()} if norm else {}


@dataclass(frozen=True)
class Postings:
    """Which vectors hold each n-gram, with its weight there: a query's dot products with
    all of them in one pass over its own n-grams (a gazetteer name shares a few with it,
    where a product with each of the gazetteer's 474 names took 19 ms a query)."""

    lists: dict[str, list[tuple[int, float]]]

    @classmethod
    def of(cls, vectors: list[dict[str, float]]) -> Postings:
        lists: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, vector in enumerate(vectors):
            for gram, w in vector.items():
                lists[gram].append((i, w))
        return cls(dict(lists))

    def dots(self, query: dict[str, float]) -> dict[int, float]:
        """The dot product of ``query`` with each vector that shares an n-gram with it, by index."""
        out: dict[int, float] = defaultdict(float)
        for gram, w in query.items():
            for i, wi in self.lists.get(gram, ()):
                out[i] += w * wi
        return out


def similarities(vectors: list[dict[str, float]]) -> list[list[float]]:
    """Every pair's dot product."""
    postings = Postings.of(vectors)
    sims = [[0.0] * len(vectors) for _ in vectors]
    for i, vector in enumerate(vectors):
        for j, sim in postings.dots(vector).items():
            sims[i][j] = sim
    return sims
