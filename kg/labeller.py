"""A second look at the label of each name the NER finds.

kg's NER finds names better than it labels them: on NorNE's Bokmål ud-dev,
244 of the 381 gold names the shipped NER got wrong had the right span and
the wrong label (PER for ORG and back, ORG for PROD, GPE_LOC for GPE_ORG).
A transition-based NER picks a name's label as it opens the name, from a
few words around its first word. The labeller looks at the whole name at
once: its words and their character n-grams, its shape and length, the
three words either side, and the kind of place kg's gazetteer knows it as,
hashed into :data:`FEATURE_BITS` bits and weighed
by a multinomial logistic regression fitted on the names of NorNE's training
files. Its probabilities, plus :data:`BOOST` for the label the NER gave,
choose the label; the span stays the NER's.

Fitting is scikit-learn's job (:func:`fit`, run by ``kg train``); applying
the weights is a sum of rows, so loading the pipeline does not import
scikit-learn (which would add about 2 s to every process's start-up).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from murmurhash.mrmr import hash as murmur
from spacy.language import Language
from spacy.tokens import Doc, Span

from . import gazetteer

#: Hashed feature space: 2**17 rows of one weight per label (2 MB as float16).
#: On NorNE's ud-dev files 2**16 to 2**18 rows scored within 0.5 points of each other.
FEATURE_BITS = 17
#: Added to the probability of the NER's own label: the labeller overrules the
#: NER only when it is fairly sure. On NorNE's ud-dev files 0.3 and 0.4 scored
#: best (0.3: nob 0.825, nno 0.785; 0.4: 0.825, 0.784); on kg's gold reports
#: (``kg eval-extract``) 0.4 kept the shipped NER's scores and 0.3 lost one
#: name of the NIBR report ("Trippelinkubatoren" tagged as derived, DRV).
BOOST = 0.4
#: Inverse regularisation strength of the fit (2 to 10 scored alike on the dev files).
C = 5.0
#: Words of context on either side of a name.
WINDOW = 3


def _shape(word: str) -> str:
    shape = re.sub(r"[A-ZÆØÅ]", "X", word)
    shape = re.sub(r"[a-zæøåéü]", "x", shape)
    return re.sub(r"(.)\1{2,}", r"\1\1", re.sub(r"\d", "d", shape))


def span_features(words: Sequence[str], start: int, end: int) -> list[str]:
    """The features of the name ``words[start:end]`` in its sentence ``words``.

    The name as a whole (which remembers the training names), its words, its
    first and last word, its length and shape, the character n-grams (3 to 5)
    of the whole name, the words before and after it, alone and in pairs, and
    whether the gazetteer knows it as a place, and of which kind.
    """
    name = [w.lower() for w in words[start:end]]
    joined = " ".join(name)
    features = [f"name={joined}", f"first={name[0]}", f"last={name[-1]}", f"len={min(end - start, 5)}",
                "shape=" + " ".join(_shape(w) for w in words[start:end])]
    features += [f"word={w}" for w in name]
    padded = f"<{joined}>"
    features += [f"c{n}={padded[i:i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    before = ["<s>"] * WINDOW + [w.lower() for w in words[max(0, start - WINDOW):start]]
    after = [w.lower() for w in words[end:end + WINDOW]] + ["</s>"] * WINDOW
    features += [f"L{k}={before[-k]}" for k in range(1, WINDOW + 1)]
    features += [f"R{k}={after[k - 1]}" for k in range(1, WINDOW + 1)]
    features += [f"L2L1={before[-2]}_{before[-1]}", f"R1R2={after[0]}_{after[1]}", f"L1R1={before[-1]}_{after[0]}"]
    if start == 0:
        features.append("sentence-initial")
    places = gazetteer.load().lookup(" ".join(words[start:end]))
    if places:  # "place" alone lets the many municipalities of the training text teach the rarer kinds
        features += ["place", *sorted({f"place={p.kind}" for p in places})]
    return features


def feature_rows(features: Iterable[str], bits: int = FEATURE_BITS) -> list[int]:
    """The rows of the weight table that ``features`` fall on (MurmurHash3, as spaCy hashes)."""
    mask = (1 << bits) - 1
    return [murmur(f) & mask for f in features]


@dataclass(frozen=True, eq=False)
class LabellerWeights:
    """A fitted labeller: one weight per hashed feature and label, and a bias per label."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (2**bits, len(labels))
    bias: np.ndarray  # (len(labels),)
    bits: int = FEATURE_BITS
    boost: float = BOOST

    def probabilities(self, features: Iterable[str]) -> np.ndarray:
        """The fitted model's probability of each label (softmax of summed weights)."""
        z = self.weights[feature_rows(features, self.bits)].sum(axis=0, dtype=np.float32) + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()

    def label(self, features: Iterable[str], ner_label: str) -> str:
        """The label for a name the NER labelled ``ner_label``: the NER's unless the model is surer of another."""
        p = self.probabilities(features)
        if ner_label in self.labels:
            p[self.labels.index(ner_label)] += self.boost
        return self.labels[int(p.argmax())]


def relabel(doc: Doc, model: LabellerWeights) -> list[Span]:
    """``doc.ents`` with each name the model knows a label for given its label.

    Names are read in their sentence when the document has sentences, as
    the training names were; names with a label the model was not fitted
    on (a pipeline's own extra labels) keep it.
    """
    sentenced = doc.has_annotation("SENT_START")
    words_at: dict[int, list[str]] = {}  # a sentence's words by its start, made once however many names it holds
    out = []
    for ent in doc.ents:
        if ent.label_ not in model.labels:
            out.append(ent)
            continue
        context = ent.sent if sentenced else doc[:]
        words = words_at.setdefault(context.start, [t.text for t in context])
        label = model.label(span_features(words, ent.start - context.start, ent.end - context.start), ent.label_)
        out.append(ent if label == ent.label_ else Span(doc, ent.start, ent.end, label=label))
    return out


def fit(names: Iterable[tuple[Sequence[str], int, int, str]], c: float = C, bits: int = FEATURE_BITS,
        boost: float = BOOST) -> LabellerWeights:
    """Fit the labeller on gold names: (sentence words, start, end, label) each.

    Deterministic (scikit-learn's lbfgs solver, no random state), so the
    same names give the same weights.
    """
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows, cols, labels = [], [], []
    for i, (words, start, end, label) in enumerate(names):
        hashed = feature_rows(span_features(words, start, end), bits)
        rows.extend([i] * len(hashed))
        cols.extend(hashed)
        labels.append(label)
    x = csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=(len(labels), 1 << bits))
    model = LogisticRegression(C=c, max_iter=1000).fit(x, labels)
    classes = tuple(str(label) for label in model.classes_)
    if len(classes) == 2:  # scikit-learn fits one column for two classes: spell both out
        coef, intercept = np.vstack([-model.coef_, model.coef_]) / 2, np.array([-1, 1]) * model.intercept_ / 2
    else:
        coef, intercept = model.coef_, model.intercept_
    return LabellerWeights(classes, coef.T.astype(np.float16), intercept.astype(np.float32), bits, boost)


class Labeller:
    """spaCy component: :func:`relabel` with weights saved in the pipeline's folder."""

    def __init__(self, name: str, fitted: LabellerWeights | None = None):
        self.name = name
        self.fitted = fitted  # not .model: spaCy reads that as a thinc model

    def _model(self) -> LabellerWeights:
        if self.fitted is None:
            raise ValueError(f"the {self.name} component has no weights; run 'kg train --labeller'")
        return self.fitted

    def __call__(self, doc: Doc) -> Doc:
        doc.ents = relabel(doc, self._model())
        return doc

    def to_disk(self, path, *, exclude=()) -> None:
        m = self._model()
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "weights.npy", m.weights)
        np.save(path / "bias.npy", m.bias)
        cfg = {"labels": list(m.labels), "bits": m.bits, "boost": m.boost}
        (path / "cfg.json").write_text(json.dumps(cfg, indent=2) + "\n", encoding="utf-8")

    def from_disk(self, path, *, exclude=()) -> Labeller:
        path = Path(path)
        cfg = json.loads((path / "cfg.json").read_text(encoding="utf-8"))
        self.fitted = LabellerWeights(tuple(cfg["labels"]), np.load(path / "weights.npy"), np.load(path / "bias.npy"),
                                     int(cfg["bits"]), float(cfg["boost"]))
        return self


@Language.factory("kg_labeller", requires=["doc.ents"], assigns=["doc.ents"])
def make_labeller(nlp: Language, name: str) -> Labeller:
    """spaCy component: a second look at each name's label (weights from ``kg train``)."""
    return Labeller(name)
