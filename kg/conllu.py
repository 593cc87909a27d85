"""Read NorNE CoNLL-U files into spaCy Docs for training and evaluation.

NorNE keeps its named-entity tags as ``name=B-ORG`` in the MISC column. The
rebuilt train/dev/test files carry no ``SpaceAfter`` information, so spaces are
restored with Norwegian punctuation conventions; otherwise the model would only
ever see text where every comma stands alone, unlike real report text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from .errors import DataError

#: NorNE labels kg keeps; MISC has 8 examples in all and is dropped.
NER_LABELS = ("PER", "ORG", "GPE_LOC", "GPE_ORG", "LOC", "PROD", "EVT", "DRV")

_NO_SPACE_BEFORE = set(",.:;!?)]}»”%…")
_NO_SPACE_AFTER = set("([{«“")


@dataclass(frozen=True)
class Sentence:
    """One CoNLL-U sentence with the annotations kg trains on."""

    sent_id: str
    doc_id: str
    words: tuple[str, ...]
    spaces: tuple[bool, ...]
    lemmas: tuple[str, ...]
    pos: tuple[str, ...]
    iob: tuple[str, ...]

    @property
    def entities(self) -> list[tuple[int, int, str]]:
        """Entity spans as (start, end, label) token offsets, MISC dropped."""
        return iob_to_spans(self.iob)


def iob_to_spans(tags: Iterable[str]) -> list[tuple[int, int, str]]:
    """Turn IOB2 tags into (start, end, label) spans; a stray I- opens a span.

    Labels outside :data:`NER_LABELS` are dropped.
    """
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    tags = list(tags)
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, name = tag.partition("-")
        continues = prefix == "I" and name == label
        if start is not None and not continues:
            if label in NER_LABELS:
                spans.append((start, i, label))
            start, label = None, None
        if prefix == "B" or (prefix == "I" and not continues):
            start, label = i, name
    return spans


def guess_spaces(words: list[str]) -> list[bool]:
    """Guess whether each word is followed by a space, from punctuation.

    Straight double quotes alternate between opening and closing.
    """
    spaces = [True] * len(words)
    quote_open = False
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        if nxt is None:
            spaces[i] = False
            continue
        if word in _NO_SPACE_AFTER:
            spaces[i] = False
        if word == '"':
            quote_open = not quote_open
            if quote_open:
                spaces[i] = False
        if nxt in _NO_SPACE_BEFORE or (nxt == '"' and quote_open):
            spaces[i] = False
    return spaces


def read_conllu(path: str | Path) -> Iterator[Sentence]:
    """Yield the sentences of a NorNE CoNLL-U file.

    Raises:
        DataError: the file is missing or a token line is malformed.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such CoNLL-U file; pass the path of a NorNE .conllu file")
    sent_id = doc_id = ""
    rows: list[list[str]] = []
    with path.open(encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, _, value = line[1:].partition("=")
                if key.strip() == "sent_id":
                    sent_id = value.strip()
                elif key.strip() == "doc":
                    doc_id = value.strip()
                continue
            if not line.strip():
                if rows:
                    yield _sentence(sent_id, doc_id, rows)
                rows, sent_id = [], ""
                continue
            cols = line.split("\t")
            if len(cols) != 10:
                raise DataError(f"{path}:{lineno}: expected 10 tab-separated columns, found {len(cols)}")
            if "-" in cols[0] or "." in cols[0]:
                continue  # multiword ranges and empty nodes carry no NER tag
            rows.append(cols)
    if rows:
        yield _sentence(sent_id, doc_id, rows)


def _sentence(sent_id: str, doc_id: str, rows: list[list[str]]) -> Sentence:
    words = [r[1] for r in rows]
    misc = [dict(kv.partition("=")[::2] for kv in r[9].split("|") if kv != "_") for r in rows]
    if any("SpaceAfter" in m for m in misc) or len(words) == 1:
        spaces = [m.get("SpaceAfter") != "No" for m in misc]
        spaces[-1] = False
    else:
        spaces = guess_spaces(words)
    lemmas = [w if (r[3] == "PUNCT" or r[2].startswith("$")) else r[2] for w, r in zip(words, rows)]
    return Sentence(
        sent_id=sent_id,
        doc_id=doc_id,
        words=tuple(words),
        spaces=tuple(spaces),
        lemmas=tuple(lemmas),
        pos=tuple(r[3] for r in rows),
        iob=tuple(m.get("name", "O") for m in misc),
    )


def to_doc(vocab: Vocab, sentences: list[Sentence]) -> Doc:
    """Build one annotated Doc from consecutive sentences.

    Several sentences go into one Doc so that the sentence segmenter learns
    where sentences end.
    """
    words, spaces, lemmas, pos, starts, ents = [], [], [], [], [], []
    for sent in sentences:
        offset = len(words)
        words.extend(sent.words)
        spaces.extend(sent.spaces[:-1])
        spaces.append(True)
        lemmas.extend(sent.lemmas)
        pos.extend(sent.pos)
        starts.extend([True] + [False] * (len(sent.words) - 1))
        ents.extend((offset + s, offset + e, label) for s, e, label in sent.entities)
    spaces[-1] = False
    doc = Doc(vocab, words=words, spaces=spaces, lemmas=lemmas, pos=pos, sent_starts=starts)
    doc.ents = [Span(doc, s, e, label=label) for s, e, label in ents]
    return doc


def group_sentences(sentences: Iterable[Sentence], size: int = 8) -> Iterator[list[Sentence]]:
    """Group consecutive sentences of one source document, at most ``size`` each."""
    group: list[Sentence] = []
    for sent in sentences:
        if group and (len(group) >= size or (sent.doc_id and sent.doc_id != group[-1].doc_id)):
            yield group
            group = []
        group.append(sent)
    if group:
        yield group
