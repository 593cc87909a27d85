"""From a parsed report to mentions, relations and observations.

The NLP pipeline finds names (NorNE labels); this module types them into the
ontology from Norwegian morphology and context, finds concept mentions that
are not names (clusters, networks, programmes written as compounds), and
reads relations and value-creation figures from each sentence. Every record
keeps its evidence: page, sentence and character offsets into the report text.

The rules use only ``token.text``, ``token.lemma_`` and ``token.pos_``, so
they work with kg's own pipeline and with spaCy's nb_core_news_* pipelines.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from . import gazetteer, sectors
from .conllu import NER_LABELS
from .document import HEADING, Document
from .errors import DataError
from .ngrams import TfidfSpace
from .normalize import LEGAL_FORMS, clean, is_acronym_of, legal_form, strip_legal_form

# ----------------------------------------------------------------- records


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read."""

    page: int
    sentence: str
    start: int  # character offsets of the mention or fact in Document.text
    end: int


@dataclass(frozen=True)
class Mention:
    """A typed mention of an entity in one sentence."""

    text: str
    label: str  # NorNE label, or CONCEPT for pattern-found concepts
    type: str  # ontology class local name
    evidence: Evidence
    block: int


@dataclass(frozen=True)
class Relation:
    """A relation between two mentions (indices into the mention list)."""

    subject: int
    predicate: str  # ontology property local name
    object: int
    confidence: float
    extractor: str
    evidence: Evidence


@dataclass(frozen=True)
class Observation:
    """A value-creation figure about a mention (index into the mention list)."""

    subject: int
    measure: str
    value: float
    unit: str
    year: int | None
    confidence: float
    evidence: Evidence


@dataclass(frozen=True)
class Extraction:
    """Everything read from one report."""

    mentions: tuple[Mention, ...]
    relations: tuple[Relation, ...]
    observations: tuple[Observation, ...]


# ------------------------------------------------------------------ typing

ACTOR_TYPES = ("Firm", "Organisation", "PublicBody", "ResearchOrEducation", "DevelopmentActor", "Association",
               "Network", "Cluster")
PLACE_TYPES = ("Place", "County", "Region", "Municipality", "Locality", "Country")

# Cues are word endings of Norwegian common nouns (Bokmål and Nynorsk), matched
# against the last word of a name: "Gjøvik Kunnskapspark" ends in a
# development-actor noun, "Høgskolen i Gjøvik" starts with a research noun.
_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cluster", ("klynge", "klynga", "klyngen", "klyngja")),
    ("Network", ("nettverk", "nettverket", "nettverka", "gruppen", "gruppa", "alliansen", "forumet")),
    ("Programme", ("programmet", "programmer", "program", "prosjektet", "prosjekt", "satsingen", "satsinga",
                   "satsing", "initiativet", "ordningen", "ordninga")),
    ("DevelopmentActor", ("kunnskapspark", "kunnskapsparken", "næringshage", "næringshagen", "inkubator",
                          "inkubatoren", "forskningspark", "forskningsparken", "industripark", "industriparken",
                          "næringspark", "næringsparken", "næringsutvikling", "utvikling",
                          "vekstsenter", "etablerersenter", "tresenter", "torget", "innovasjon")),
    ("ResearchOrEducation", ("høgskole", "høgskolen", "høyskole", "høyskolen", "universitet", "universitetet",
                             "institutt", "instituttet", "forskning", "forsking", "forskningsråd", "lab",
                             "akademi", "akademiet", "skole", "skolen", "senter", "senteret")),
    ("PublicBody", ("kommune", "kommunen", "fylkeskommune", "fylkeskommunen", "regionråd", "regionrådet",
                    "direktorat", "direktoratet", "departement", "departementet", "fylkesmann", "fylkesmannen",
                    "statsforvalter", "statsforvaltaren", "tilsyn", "tilsynet", "etat", "etaten", "verk", "verket",
                    "forsvaret", "regimentet", "sambandsregimentet", "stortinget", "regjeringen")),
    ("Association", ("forening", "foreningen", "forbund", "forbundet", "lag", "laget", "landslag", "samvirke",
                     "organisasjon", "organisasjonen", "råd", "rådet", "andelslag")),
    ("Firm", ("konsernet", "konsern", "bruk", "fabrikk", "fabrikken", "fabrikker", "industrier", "industri",
              "sagbruk", "meieri", "meierier", "bedriften", "selskapet", "verksted", "gruppen")),
)
#: Firm cues no place name ends in ("Moelvenkonsernet"), unlike "bruk", "verk" or "industri".
_GROUP_OF_FIRMS = ("konsernet", "konsern", "selskapet", "bedriften")
_LEADING_CUES = {
    "ResearchOrEducation": ("høgskolen", "høyskolen", "universitetet", "instituttet", "senter", "senteret"),
    "PublicBody": ("fylkeskommunen", "kommunen", "statsforvalteren", "fylkesmannen"),
}
_PROGRAMME_CODE = re.compile(r"^[A-ZÆØÅ]{2,}[-\s]?\d{2,4}$")  # VS2010, FRAM-2005
#: Roads by number ("Rv 2", "Fv. 33", "E6", "riksvei 3"): what actors lie along, not actors
#: or places of the gazetteer; the tagger calls them ORG or LOC.
_ROAD = re.compile(r"^(?:rv|fv|e|riksvei|riksveg|fylkesvei|fylkesveg|europavei|europaveg)\.?\s?\d*$", re.IGNORECASE)


def type_name(text: str, label: str) -> str | None:
    """The ontology class of a name with a NorNE label, or None to drop it.

    Persons, events and derived adjectives are not actors of the graph.
    """
    name = clean(text)
    if len(name) < 2 or name.upper() in LEGAL_FORMS or _ROAD.match(name):
        return None
    if label in ("PER", "EVT", "DRV", "MISC", "PROD"):
        # a strong cue overrides the tagger: "Arena-programmet", "Kongsvinger kommune", "Forestia AS"
        cue = "Firm" if legal_form(name) else _cue_type(name)
        return cue if cue in ("Firm", "Programme", "Network", "Cluster", "PublicBody") else None
    if label in ("GPE_LOC", "LOC"):
        cue = _cue_type(name)  # "Matprogrammet" or "Oppland fylkeskommune" tagged as a place
        if cue == "Firm":  # places may end in "bruk" or "verk", none in "konsernet"
            return "Firm" if name.lower().split()[-1].endswith(_GROUP_OF_FIRMS) else "Place"
        return cue or "Place"
    if legal_form(name):
        return "Firm"
    if _PROGRAMME_CODE.match(name):
        return "Programme"
    cue = _cue_type(name)
    if cue:
        return cue
    if label == "GPE_ORG":
        return "Place"
    return classify_organisation(name) if len(name.split()) > 1 else "Organisation"


TYPING_EXAMPLES = Path(__file__).parent / "data" / "typing_examples.csv"
#: The classifier :func:`fit_typing_model` fits on :data:`TYPING_EXAMPLES` (``kg train --typing``).
TYPING_WEIGHTS = Path(__file__).parent / "data" / "typing_weights.json"
#: Probability the classifier needs before it overrides the generic "Organisation".
#: Names with a clear pattern score 0.62–0.73 ("… Bygg", "… Skiklubb", "Statens …");
#: names without one ("… Norge", "Reisemål …") score below 0.6.
TYPING_THRESHOLD = 0.6


def fit_typing_model(examples: Path = TYPING_EXAMPLES):
    """scikit-learn's classifier of organisation names fitted on ``examples`` (invented
    names in the patterns of Norwegian organisation names): character n-grams of 2 to 5
    weighed by TF-IDF, multinomial logistic regression. Returns (vectorizer, model)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    with examples.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True)
    model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
    model.fit(vectorizer.fit_transform([r["name"] for r in rows]), [r["type"] for r in rows])
    if len(model.classes_) < 3:
        raise DataError(f"{examples}: the typing examples need at least three types, not {len(model.classes_)}")
    return vectorizer, model


def typing_weights(vectorizer, model) -> dict:
    """The weights of a fitted classifier as :func:`classify_organisation` reads them,
    so that ingesting imports no scikit-learn."""
    return {
        "ngram_range": list(vectorizer.ngram_range),
        "classes": [str(c) for c in model.classes_],
        "intercept": [_short(b) for b in model.intercept_],
        # per n-gram: its idf, then its weight for each class
        "ngrams": {gram: [_short(vectorizer.idf_[i]), *(_short(w) for w in model.coef_[:, i])]
                   for gram, i in sorted(vectorizer.vocabulary_.items())},
    }


def _short(x) -> float:
    """Seven significant digits: the probabilities move by less than 1e-5 (a test checks)."""
    return float(f"{float(x):.7g}")


def write_typing_weights(path: Path = TYPING_WEIGHTS, examples: Path = TYPING_EXAMPLES) -> Path:
    """Fit the classifier (:func:`fit_typing_model`) and write its weights to ``path``, an n-gram a line."""
    weights = typing_weights(*fit_typing_model(examples))
    head = {k: v for k, v in weights.items() if k != "ngrams"}
    lines = [json.dumps(gram, ensure_ascii=False) + ": " + json.dumps(v) for gram, v in weights["ngrams"].items()]
    path.write_text(json.dumps(head, ensure_ascii=False)[:-1] + ', "ngrams": {\n' + ",\n".join(lines) + "\n}}\n",
                    encoding="utf-8")
    return path


@dataclass(frozen=True)
class _Typing:
    space: TfidfSpace
    classes: tuple[str, ...]
    intercept: tuple[float, ...]
    weights: dict[str, tuple[float, ...]]


@cache
def _typing_model() -> _Typing:
    """The fitted classifier, read once per process."""
    data = json.loads(TYPING_WEIGHTS.read_text(encoding="utf-8"))
    lo, hi = data["ngram_range"]
    grams = data["ngrams"]
    return _Typing(TfidfSpace(lo, hi, {g: v[0] for g, v in grams.items()}), tuple(data["classes"]),
                   tuple(data["intercept"]), {g: tuple(v[1:]) for g, v in grams.items()})


def typing_probabilities(name: str) -> dict[str, float]:
    """The classifier's probability of each organisation class for ``name``."""
    model = _typing_model()
    scores = list(model.intercept)
    for gram, x in model.space.vector(name).items():
        for c, w in enumerate(model.weights[gram]):
            scores[c] += x * w
    top = max(scores)
    exps = [math.exp(s - top) for s in scores]
    total = sum(exps)
    return {cls: e / total for cls, e in zip(model.classes, exps)}


def classify_organisation(name: str) -> str:
    """The organisation class of a name that no rule could type, or "Organisation"."""
    probs = typing_probabilities(name)
    best = max(probs, key=probs.get)
    return best if probs[best] >= TYPING_THRESHOLD else "Organisation"


def _cue_type(name: str) -> str | None:
    words = name.lower().split()
    if not words:
        return None
    for kind, cues in _LEADING_CUES.items():
        if words[0] in cues:
            return kind
    last = words[-1].strip("-")
    for kind, cues in _CUES:
        if last in cues or any(last.endswith(c) and len(last) > len(c) + 2 for c in cues if len(c) >= 3):
            return kind
    return None


# -------------------------------------------------------- concept finder

# Compound nouns that name clusters, networks and programmes without being
# proper names: "lettmetallklynga", "informasjonssikkerhetsnettverket",
# "Arena-programmet". Definite forms refer to a specific one.
_CONCEPT = re.compile(
    r"^(?P<stem>[a-zæøå][\w-]{3,})(?P<head>klynga|klyngen|klyngja|nettverket|nettverka|programmet|prosjektet|"
    r"miljøet)$",
    re.IGNORECASE,
)
_CONCEPT_TYPES = {"klynga": "Cluster", "klyngen": "Cluster", "klyngja": "Cluster", "nettverket": "Network",
                  "nettverka": "Network", "programmet": "Programme", "prosjektet": "Programme",
                  "prosjekt": "Programme", "miljøet": "Cluster"}
_GENERIC_STEMS = {"bedrifts", "innovasjons", "samarbeids", "kompetanse", "nærings", "regionale", "lokale",
                  "formelle", "dette", "denne", "sosiale", "hele", "egne", "bransje", "industri", "person"}


_PROGRAMME_YEAR = re.compile(r"^(?:19|20)\d\d$")
_GROUP_NOUN = re.compile(
    r"^(?:[\w-]*?)(?P<head>klynga|klyngen|klyngja|nettverket|nettverka|programmet|prosjektet|prosjekt)$", re.I
)


def find_concepts(doc: Doc) -> list[Span]:
    """Spans of cluster/network/programme names that are not proper names.

    Two cues: a compound in definite form ("lettmetallklynga",
    "informasjonssikkerhetsnettverket"), and a name in apposition after such
    a noun ("nettverket Bluelight", "Næringsklyngen Raufoss Industrinettverk"),
    which takes the noun's class.
    """
    spans = []
    i = 0
    while i < len(doc):
        token = doc[i]
        group = _GROUP_NOUN.match(token.text)
        end = i + 1
        while group and end < len(doc) and end - i <= 5 and doc[end].text[:1].isupper() and doc[end].pos_ != "PUNCT":
            end += 1
        if group and end > i + 1 and end < len(doc) and _CONCEPT_TYPES[group.group("head").lower()] == "Programme" \
                and _PROGRAMME_YEAR.match(doc[end].text):
            end += 1  # "Forskningsprogrammet Verdiskaping 2010": the year is part of a programme's name
        if group and end > i + 1:
            spans.append(Span(doc, i + 1, end, label=_CONCEPT_TYPES[group.group("head").lower()]))
            i = end
            continue
        m = _CONCEPT.match(token.text)
        if m and not token.ent_type_ and m.group("stem").lower().strip("-") not in _GENERIC_STEMS:
            head = m.group("head").lower()
            # "delprosjektet" and "næringsmiljøet" are generic; "Trepiloten-prosjektet",
            # "Arena-programmet" and "Lettmetallmiljøet" (an industrial milieu) are named
            named = token.text[:1].isupper() or "-" in token.text
            if head not in ("programmet", "prosjektet", "miljøet") or named:
                spans.append(Span(doc, i, i + 1, label=_CONCEPT_TYPES[head]))
        i += 1
    return spans


@Language.factory(
    "kg_concepts",
    requires=["token.text"],
    assigns=["doc.spans"],
    default_config={"spans_key": "kg_concepts"},
)
def make_concept_finder(nlp: Language, name: str, spans_key: str):
    """spaCy component: store :func:`find_concepts` spans in ``doc.spans[spans_key]``."""

    def concept_finder(doc: Doc) -> Doc:
        doc.spans[spans_key] = find_concepts(doc)
        return doc

    return concept_finder


_NAME_POS = {"PROPN", "NOUN", "ADJ", "NUM", "X"}


def legal_form_names(doc: Doc) -> list[Span]:
    """Firm names that end in a legal form: "Moelven Industrier ASA", "Krogh & Hansen AS".

    Walks back from the legal form over capitalised name words (and "&"),
    at most six, stopping at function words. A Norwegian legal form is a
    stronger cue than any statistical tagger, so these spans win over
    shorter overlapping entities.
    """
    spans = []
    for token in doc:
        if token.text not in LEGAL_FORMS or token.i == 0:
            continue
        start = token.i
        while start > 0 and token.i - start < 6:
            prev = doc[start - 1]
            capital = prev.text[:1].isupper() or prev.text[:1].isdigit()
            # a capitalised word inside a sentence is a name word whatever its tag ("H-Profil");
            # at the start of a sentence it must also be tagged as one ("Også" is not)
            name_word = capital and (prev.pos_ in _NAME_POS or not prev.pos_ or not prev.is_sent_start)
            if prev.text == "&" or (name_word and not prev.is_sent_end):
                start -= 1
            else:
                break
        if start < token.i and doc[start].text != "&":
            spans.append(Span(doc, start, token.i + 1, label="ORG"))
    return spans


@Language.factory("kg_firm_names", requires=["token.pos"], assigns=["doc.ents"])
def make_firm_namer(nlp: Language, name: str):
    """spaCy component: add :func:`legal_form_names` to ``doc.ents``, longest spans first."""

    def firm_namer(doc: Doc) -> Doc:
        doc.ents = filter_spans([*legal_form_names(doc), *doc.ents])
        return doc

    return firm_namer


def gazetteer_places(doc: Doc, places: gazetteer.Gazetteer) -> list[Span]:
    """Capitalised words that name a municipality, region or locality but were not tagged.

    A short sentence-initial word counts only when the tagger calls it a
    proper noun, so "Lom" or "Vang" at the start of a sentence need more evidence.
    """
    spans = []
    capital = [t.text[:1].isupper() or t.text == "-" for t in doc]  # tested first: building spans is slow
    i = 0
    while i < len(doc):
        found = None
        for size in (3, 2, 1):
            if i + size > len(doc) or not all(capital[i : i + size]):
                continue
            span = doc[i : i + size]
            if span[0].is_sent_start and span[0].pos_ != "PROPN" and len(span.text) <= 5 and "-" not in span.text:
                continue
            hits = places.lookup(span.text)
            if hits and all(p.kind in ("Municipality", "Region", "Locality", "County") for p in hits):
                found = Span(doc, i, i + size, label="GPE_LOC")
                break
        if found is not None:
            spans.append(found)
            i = found.end
        else:
            i += 1
    return spans


@Language.factory("kg_gazetteer_places", requires=["token.pos"], assigns=["doc.ents"])
def make_place_finder(nlp: Language, name: str):
    """spaCy component: add :func:`gazetteer_places` to ``doc.ents`` where no entity stands."""
    places = gazetteer.load()

    def place_finder(doc: Doc) -> Doc:
        taken = {t.i for e in doc.ents for t in e}
        new = [s for s in gazetteer_places(doc, places) if not any(t.i in taken for t in s)]
        if new:
            doc.ents = sorted([*doc.ents, *new], key=lambda s: s.start)
        return doc

    return place_finder


_SENTENCE_END = {".", "!", "?", ":", ";", "…", "»", '"', "”", ")"}


def mend_sentences(doc: Doc) -> Doc:
    """Undo sentence breaks that no punctuation supports.

    A statistical segmenter sometimes cuts a long sentence before a name
    ("… omfattar kommunane | Etnedal og Vang."); a break in running report
    text needs the previous token to end a sentence.
    """
    for token in doc[1:]:
        prev = doc[token.i - 1]
        if token.is_sent_start and prev.text not in _SENTENCE_END and "\n" not in prev.whitespace_:
            token.is_sent_start = False
    return doc


@Language.factory("kg_mend_sentences", requires=["token.is_sent_start"], assigns=["token.is_sent_start"])
def make_sentence_mender(nlp: Language, name: str):
    """spaCy component: :func:`mend_sentences`."""
    return mend_sentences


def add_components(nlp: Language) -> Language:
    """Add kg's extraction components to a loaded pipeline, once."""
    if "kg_mend_sentences" not in nlp.pipe_names and any(p in nlp.pipe_names for p in ("senter", "parser")):
        nlp.add_pipe("kg_mend_sentences", after="senter" if "senter" in nlp.pipe_names else "parser")
    if "kg_gazetteer_places" not in nlp.pipe_names:
        nlp.add_pipe("kg_gazetteer_places", last=True)
    if "kg_firm_names" not in nlp.pipe_names:
        nlp.add_pipe("kg_firm_names", last=True)
    if "kg_concepts" not in nlp.pipe_names:
        nlp.add_pipe("kg_concepts", last=True)
    return nlp


# ------------------------------------------------------------- relations

# What may stand between an actor and its seat: "X i Y", "X (Y)", "X har hovedkontor i Y",
# "X ligger på Y", "X held til i Y" (Nynorsk).
_SEAT = re.compile(
    r"\(|(?:(?:,\s*)?(?:som\s+)?(?:ligger|ligg|holder til|held til|er lokalisert|har (?:sitt |sine |et |eit )?"
    r"(?:hovudkontor|hovedkontor|kontor|anlegg|fabrikk|fabrikker|avdeling|avdelinger|produksjon|base))\s+)?"
    r"(?:i|på|ved)(?:\s+kommune)?"
)
_FOUNDED = re.compile(r"\b(etablert|etablerte|etablerast|startet|starta|stiftet|stifta|grunnlagt|grunnlagd|opprettet|"
                      r"oppretta|skipa|skipet)\b"
                      r"[^.]{0,40}?\b(?:i|år)\s+((?:18|19|20)\d\d)\b", re.IGNORECASE)
_OWNS = re.compile(r"\b(eies|eid|eiet|eigd|eiges)\b(?:[^.]{0,30}?)\bav\b", re.IGNORECASE)
_OPERATES = re.compile(r"\b(operatør|operatør for|prosjektleder|prosjekteier|vertskap|sekretariat|forvalter|forvaltar|"
                       r"i regi av|gitt midler gjennom|finansierer|finansiert av)\b", re.IGNORECASE)
_MEMBER = re.compile(r"\b(medlem|medlemmer|deltaker|deltakere|deltar|deltek|består av|inngår)\b", re.IGNORECASE)


_ANAPHOR_GROUP = re.compile(r"\b(?:medlem|medlemmer|medlemer|deltakere|deltakarar)\s+(?:av|i)\s+"
                            r"(?P<noun>nettverket|nettverka|klyngen|klynga|klyngja|programmet|prosjektet)\b", re.I)
_ANAPHOR_ACTOR = re.compile(r"^(?:Bedriften|Bedrifta|Selskapet|Konsernet|Firmaet|Foretaket|Verksemda|Virksomheten)\b")
_GROUP_OF_NOUN = {"nettverket": "Network", "nettverka": "Network", "klyngen": "Cluster", "klynga": "Cluster",
                  "klyngja": "Cluster", "programmet": "Programme", "prosjektet": "Programme"}


#: What stands between the names of a list: "A, B og C", "A samt B".
_LIST_GAPS = (",", "og", ", og", "samt")


def sentence_relations(
    sent: Span, ments: list[tuple[int, Mention, int, int]], ev: Evidence, antecedents: dict[str, int] | None = None
) -> list[Relation]:
    """Relations between the mentions of one sentence.

    ``ments`` holds (mention index, mention, first token, end token) in
    sentence order. Rules:

    * locatedIn: actor followed by "i/på/ved/fra" and a place ("TreTorget AS i
      Kirkenær"); actor followed by a place in brackets ("Telenor (Lillehammer)");
      an enumeration of actors joined by commas and "og" before "i PLACE".
    * participatesIn / operates / owns / memberOf by cue words between an
      actor and a programme, network or cluster; "medlemmer av nettverket"
      refers to the network last named before (``antecedents``).
    * operates for a name run into a programme's ("Innovasjon Norge
      Arenaprogrammet"); participatesIn for an actor and a programme of the
      sentence with no other programme, network or cluster between them.
    """
    doc = sent.doc
    out: list[Relation] = []
    for pos, (mi, m, start, end) in enumerate(ments):
        if m.type not in ACTOR_TYPES and m.type != "Programme":
            continue
        group_end = pos
        # extend over an enumeration "A, B og C"
        while group_end + 1 < len(ments):
            gap = doc[ments[group_end][3] : ments[group_end + 1][2]].text.strip()
            if gap in _LIST_GAPS and ments[group_end + 1][1].type in ACTOR_TYPES:
                group_end += 1
            else:
                break
        if group_end + 1 >= len(ments):
            continue
        nxt_i, nxt, nstart, _ = ments[group_end + 1]
        if nxt.type not in PLACE_TYPES:
            continue
        between = doc[ments[group_end][3] : nstart].text.lower().strip()
        if _SEAT.fullmatch(between):
            conf = 0.9 if group_end == pos else 0.8
            extractor = "pattern:actor-prep-place" if between != "(" else "pattern:actor-bracket-place"
            for gi in range(pos, group_end + 1):
                out.append(Relation(ments[gi][0], "locatedIn", nxt_i, conf, extractor, ev))
    text = sent.text
    actors = [(mi, m) for mi, m, _, _ in ments if m.type in ACTOR_TYPES]
    targets = [(mi, m) for mi, m, _, _ in ments if m.type in ("Programme", "Network", "Cluster")]
    for ai, a in actors:
        if a.type not in ("PublicBody", "ResearchOrEducation", "Association"):
            out.extend(Relation(ai, "inSector", si, 0.5, "cooccurrence:sector", ev)
                       for si, s, _, _ in ments if s.type == "Sector")
    operated = _operated(text, ev, actors, targets)
    out.extend(Relation(ai, "operates", ti, 0.7, "cue:operates", ev) for ai, ti in operated)
    run_into = [(ai, ti) for (ai, a, _, a_end), (ti, t, t_start, _) in zip(ments, ments[1:])
                if a.type in ACTOR_TYPES and t.type == "Programme" and a_end == t_start]
    out.extend(Relation(ai, "operates", ti, 0.7, "pattern:owner-programme", ev) for ai, ti in run_into)
    operated += run_into  # "Innovasjon Norge Arenaprogrammet": the owner's programme
    for ai, a in actors:
        for ti, t in targets:
            if ai == ti or a.text == t.text or any(ti == o for _, o in operated):
                continue
            if t.type == "Programme" and a.type not in ("Network", "Cluster") and not _between(targets, a, t):
                out.append(Relation(ai, "participatesIn", ti, 0.5, "cooccurrence:programme", ev))
            elif t.type in ("Network", "Cluster") and _MEMBER.search(text) and a.type not in ("Network", "Cluster"):
                out.append(Relation(ai, "memberOf", ti, 0.6, "cue:member", ev))
    anaphor = _ANAPHOR_GROUP.search(text)
    if anaphor and not targets and antecedents:
        group = antecedents.get(_GROUP_OF_NOUN[anaphor.group("noun").lower()])
        for ai, a in actors:
            if group is not None and a.evidence.start - ev.start < anaphor.start():
                is_programme = _GROUP_OF_NOUN[anaphor.group("noun").lower()] == "Programme"
                predicate = "participatesIn" if is_programme else "memberOf"
                out.append(Relation(ai, predicate, group, 0.6, "cue:member-of-antecedent", ev))
    m = _OWNS.search(text)
    if m and len(actors) >= 2:
        owned = [x for x in actors if x[1].evidence.start - ev.start < m.start()]
        owners = [x for x in actors if x[1].evidence.start - ev.start > m.end()]
        for oi, _ in owners:
            for di, _ in owned[-1:]:
                out.append(Relation(oi, "owns", di, 0.7, "cue:owned-by", ev))
    return out


def _between(targets, a: Mention, t: Mention) -> bool:
    """Whether another programme, network or cluster stands between ``a`` and ``t`` in the sentence.

    Such an actor belongs with the nearer one: in "operatør for Arenaprogrammet
    sitt prosjekt Trepiloten … en inkubator som inngår i SIVA sitt nettverk",
    SIVA takes no part in the Arena programme.
    """
    low, high = sorted((a.evidence.start, t.evidence.start))
    return any(low < o.evidence.start < high for _, o in targets if o is not t)


def _operated(text: str, ev: Evidence, actors, targets) -> list[tuple[int, int]]:
    """(actor, programme) pairs for "X er operatør for Y", "Y, som X forvalter", "Y i regi av X (, Z og W)".

    In "operatør for A sitt prosjekt B" the programme is the last one of the
    clause after the cue (B), not the first.
    """
    m = _OPERATES.search(text)
    programmes = [(mi, t) for mi, t in targets if t.type == "Programme"]
    if not m or not actors or not programmes:
        return []

    def pos(x):
        return x[1].evidence.start - ev.start

    cue = m.group(1).lower()
    if cue in ("i regi av", "finansiert av"):  # programme before, actors after: "i regi av A, B og C"
        before = [p for p in programmes if pos(p) < m.start()]
        after = [a for a in actors if pos(a) > m.end()]
        listed = after[:1]
        for a in after[1:]:
            gap = text[listed[-1][1].evidence.end - ev.start: pos(a)].strip()
            if gap not in _LIST_GAPS:
                break
            listed.append(a)
        return [(a[0], before[-1][0]) for a in listed] if before else []
    clause_end = len(text)
    for stop in (". ", "; ", ", og "):
        k = text.find(stop, m.end())
        if k >= 0:
            clause_end = min(clause_end, k)
    subject = [a for a in actors if pos(a) < m.start()] or [a for a in actors if pos(a) > m.end()]
    after = [p for p in programmes if m.end() <= pos(p) < clause_end]
    obj = after[-1] if after else programmes[-1]
    return [(subject[-1][0], obj[0])] if subject and subject[-1][0] != obj[0] else []


_CONTAINS = re.compile(r"\b(?:omfatter|omfattar|består av|dekker|inkluderer)\s+(?:de\s+|dei\s+)?(?:\w+\s+)?"
                       r"(?:kommunene|kommunane|kommuner|kommunar)\b", re.I)
_REGION_ANAPHOR = re.compile(r"^(?:Regionen|Området|Distriktet|Fylket)\b")


def region_parts(sent: Span, ments: list[tuple[int, Mention, int, int]], ev: Evidence,
                 antecedents: dict[str, int] | None = None) -> list[Relation]:
    """partOf from "Valdres omfatter kommunene A, B og C" (or "Regionen omfatter …",
    referring to the place last named)."""
    m = _CONTAINS.search(sent.text)
    if not m:
        return []
    places = [(mi, p) for mi, p, _, _ in ments if p.type in PLACE_TYPES]
    before = [x for x in places if x[1].evidence.start - ev.start < m.start()]
    whole = before[0][0] if before else None  # the sentence's subject comes first
    if whole is None and _REGION_ANAPHOR.match(sent.text.strip()) and antecedents:
        whole = antecedents.get("Place")
    if whole is None:
        return []
    return [Relation(mi, "partOf", whole, 0.8, "pattern:region-contains", ev)
            for mi, p in places if p.evidence.start - ev.start > m.end()]


def founded_years(sent: Span, ments: list[tuple[int, Mention, int, int]], ev: Evidence) -> list[Observation]:
    """"X ble etablert/startet/stiftet i 2001" as a ``founded`` figure about the
    first actor or programme of the sentence."""
    m = _FOUNDED.search(sent.text)
    actors = [mi for mi, men, _, _ in ments if men.type in (*ACTOR_TYPES, "Programme")]
    if not m or not actors:
        return []
    year = int(m.group(2))
    return [Observation(actors[0], "founded", year, "year", year, 0.7, ev)]


# ----------------------------------------------------------- observations

_NUMBER = r"(\d{1,3}(?:[. ]\d{3})+|\d+(?:,\d+)?)"
_MEASURES = (
    ("employees", "persons", re.compile(_NUMBER + r"\s+(?:ansatte|tilsette|sysselsatte|årsverk)\b", re.I)),
    ("jobs", "jobs", re.compile(_NUMBER + r"(?:,\s*eller\s[^,]{1,25},)?\s+(?:av\s+(?:\w+\s+){0,2})?"
                                r"(?:arbeidsplasser|arbeidsplassar)\b", re.I)),
    ("firms", "firms", re.compile(_NUMBER + r"\s+(?:bedrifter|bedrifta|foretak|selskaper|verksemder)\b", re.I)),
    ("members", "members", re.compile(_NUMBER + r"\s+(?:medlemmer|medlemer|deltakere|aktører)\b", re.I)),
    ("inhabitants", "persons", re.compile(_NUMBER + r"\s+(?:innbyggere|innbyggarar)\b", re.I)),
    ("students", "persons", re.compile(_NUMBER + r"\s+(?:studenter)\b", re.I)),
    ("money", "NOK", re.compile(r"(?:kr\.?\s*)?" + _NUMBER + r"\s*(mill\.|millioner|mrd\.|milliarder)"
                                r"\s*(?:kroner|kronene|kr\.?|NOK)", re.I)),
    ("share", "percent", re.compile(_NUMBER + r"\s*(?:prosent|%)", re.I)),
)
_SCALE = {"mill.": 1e6, "millioner": 1e6, "mnok": 1e6, "mrd.": 1e9, "milliarder": 1e9}
_OBS_YEAR = re.compile(r"\b(?:i|år|per|pr\.|utgangen av)\s+((?:19|20)\d\d)\b")


def parse_number(text: str) -> float:
    """Norwegian number: "1.100" and "4 500" are thousands, "13,6" has a decimal comma."""
    text = text.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))
    return float(text.replace(",", "."))


def sentence_observations(
    sent: Span, ments: list[tuple[int, Mention, int, int]], ev: Evidence, antecedents: dict[str, int] | None = None,
    heads: dict[str, int] | None = None,
) -> list[Observation]:
    """Figures in a sentence, each about the first actor before it, else the
    nearest place; "Bedriften har 200 ansatte" is about the actor last named,
    and a sentence that names none but the last noun of a name read before it
    ("Parken har 40 bedrifter" after "Raufoss Industripark"; ``heads``, see
    :func:`referent`) is about that one."""
    out = []
    text = sent.text.strip()
    year = _OBS_YEAR.search(text)
    candidates = [(mi, m) for mi, m, _, _ in ments if m.type in ACTOR_TYPES + PLACE_TYPES + ("Programme",)]
    subject = antecedents.get("Actor") if _ANAPHOR_ACTOR.match(text) and antecedents else None
    if subject is None and not candidates and heads:
        subject = referent(text, heads)
    if subject is not None:
        return [Observation(subject, o.measure, o.value, o.unit, o.year, 0.7, o.evidence)
                for o in _figures(sent, ev, year)]
    if not candidates:
        return out
    respective = _respectively(sent, ev, candidates, year)
    covered = [(o.evidence.start, o.evidence.end) for o in respective]
    out.extend(respective)
    for fig in _figures(sent, ev, year):
        if any(s <= fig.evidence.start < e for s, e in covered):
            continue
        pos = fig.evidence.start - ev.start
        before = [c for c in candidates if c[1].evidence.start - ev.start <= pos]
        actors = [c for c in before if c[1].type in ACTOR_TYPES]
        subject = (actors or before or candidates)[-1 if not actors else 0][0]
        conf = 0.8 if before else 0.5
        out.append(Observation(subject, fig.measure, fig.value, fig.unit, fig.year, conf, fig.evidence))
    return out


_RESPECTIVELY = re.compile(r"(?:hhv\.|henholdsvis|høvesvis)\s+" + _NUMBER + r"\s+og\s+" + _NUMBER + r"\s*(?:prosent|%)",
                           re.I)


def _respectively(sent: Span, ev: Evidence, candidates, year) -> list[Observation]:
    """ "Hedmark og Oppland … med hhv. 28 og 13 prosent": the first share is about
    the first of the pair, the second about the second."""
    m = _RESPECTIVELY.search(sent.text)
    if not m:
        return []
    lead = len(sent.text) - len(sent.text.lstrip())
    text = sent.text.strip()
    ordered = sorted(candidates, key=lambda c: c[1].evidence.start)
    pairs = [
        (a, b) for a, b in zip(ordered, ordered[1:])
        if text[a[1].evidence.end - ev.start : b[1].evidence.start - ev.start].strip() == "og"
        and b[1].evidence.end - ev.start <= m.start() - lead
    ]
    if not pairs:
        return []
    first, second = pairs[-1]
    span_ev = Evidence(ev.page, ev.sentence, ev.start + m.start() - lead, ev.start + m.end() - lead)
    ref = int(year.group(1)) if year else None
    return [Observation(first[0], "share", parse_number(m.group(1)), "percent", ref, 0.7, span_ev),
            Observation(second[0], "share", parse_number(m.group(2)), "percent", ref, 0.7, span_ev)]


def _figures(sent: Span, ev: Evidence, year) -> list[Observation]:
    """The figures of a sentence, with subject -1 (not yet assigned)."""
    out: list[Observation] = []
    text = sent.text
    lead = len(text) - len(text.lstrip())
    taken: list[tuple[int, int]] = []
    for measure, unit, pattern in _MEASURES:
        for m in pattern.finditer(text):
            if any(s <= m.start(1) < e for s, e in taken):
                continue
            if measure != "money" and re.fullmatch(r"(?:19|20)\d\d", m.group(1)):
                continue  # a year, not a count
            taken.append((m.start(1), m.end(1)))
            value = parse_number(m.group(1))
            if measure == "money":
                value *= _SCALE.get(m.group(2).lower(), 1)
            span_ev = Evidence(ev.page, ev.sentence, ev.start + m.start() - lead, ev.start + m.end() - lead)
            out.append(Observation(-1, measure, value, unit, int(year.group(1)) if year else None, 0.0, span_ev))
    return out


# --------------------------------------------------------------- driver


def trim_span(span: Span) -> Span:
    """Trim conjunctions and punctuation at the edges of a name, and extend a
    leading institution noun over its place: "Høgskolen" + "i Gjøvik"."""
    doc, start, end = span.doc, span.start, span.end
    while end > start and (doc[end - 1].pos_ in ("CCONJ", "ADP", "PUNCT") or doc[end - 1].text in ("og", "i")):
        if doc[end - 1].text == ")" and "(" in span.text:
            break
        end -= 1
    while start < end and (doc[start].pos_ in ("CCONJ", "PUNCT") and doc[start].text not in ("«", '"')):
        start += 1
    if end - start > 1 and _GROUP_NOUN.match(doc[start].text):
        start += 1  # "Næringsklyngen Raufoss Industrinettverk": the descriptor is not part of the name
    for k in range(start + 1, end):  # "Gudbrandsdalen foruten Valdres": the name stops at a common word
        word = doc[k].text
        if word[:1].islower() and word not in _NAME_PARTICLES and word.lower() not in _BODY_SUFFIXES \
                and not doc[k - 1].text.endswith("-") and not _cue_type(word):
            end = k
            break
    if doc[end - 1].text.endswith("-") and end + 1 < len(doc) and doc[end].text in ("og", "eller", "&"):
        end += 1  # "Valdres Natur-" + "og Kulturpark": one name with a shared compound part
        while end < len(doc) and doc[end].text[:1].isupper():
            end += 1
    if end < len(doc) and doc[end].text.lower() in _BODY_SUFFIXES and doc[end - 1].text[:1].isupper():
        end += 1  # "Innlandet" + "fylkeskommune": the public body, not the place
    widened = _widen_to_acronym(doc, start, end)
    label = "ORG" if widened < start and span.label_ in _PLACE_LABELS else span.label  # a place has no acronym
    start = widened
    end = _complete_to_acronym(doc, start, end)
    while end - start > 1 and doc[end - 1].text in _NAME_PARTICLES:
        end -= 1  # no name ends in a particle: "Glåmdalsregionen de" (a pronoun the tagger took in)
    if end - start == 1 and doc[start].text.lower() in _INSTITUTION_HEADS and end + 1 < len(doc):
        if doc[end].text in ("i", "på") and doc[end + 1].text[:1].isupper():
            end += 2
            while end < len(doc) and doc[end].text[:1].isupper() and doc[end].pos_ == "PROPN":
                end += 1
    return Span(doc, start, end, label=label) if end > start else span


def _widen_to_acronym(doc: Doc, start: int, end: int) -> int:
    """Start of the name "(ACR)" after it abbreviates, when the tagger left out its first words.

    "Valdres Natur- og Kulturpark (VNK)" tagged as the place "Valdres" and
    "Natur- og Kulturpark": the acronym's initials show where the name begins.
    """
    if end + 2 >= len(doc) or doc[end].text != "(" or doc[end + 2].text != ")":
        return start
    short = doc[end + 1].text
    if is_acronym_of(short, doc[start:end].text):
        return start
    for k in range(start - 1, max(start - 5, -1), -1):
        if doc[k].is_sent_end or not (doc[k].text[:1].isupper() or doc[k].text in _NAME_PARTICLES):
            break  # "Valdres Natur- og" before "Kulturpark": the words of a name and its particles
        if doc[k].text[:1].isupper() and is_acronym_of(short, doc[k:end].text):
            return k
    return start


_PLACE_LABELS = ("GPE_LOC", "LOC", "GPE_ORG")


def name_after_place(span: Span, places) -> Span | None:
    """A name that starts with the place the tagger found: "Raufoss" + "Industripark".

    Norwegian capitalises common nouns only at a sentence's start, so a
    capitalised word right after a place name, inside a sentence, continues a
    name ("Gjøvik Kunnskapspark", "Toten Sparebank"), unless it is a place
    itself, a legal form (the firm rule's), or the start of another entity.
    """
    doc, end = span.doc, span.end
    if span.label_ not in _PLACE_LABELS:
        return None
    while end < len(doc) and end - span.end < 2:
        token = doc[end]
        if (not token.is_alpha or not token.text[:1].isupper() or token.is_sent_start or token.ent_iob_ == "B"
                or token.text.upper() in LEGAL_FORMS or places.lookup(token.text)):
            break
        end += 1
    return Span(doc, span.start, end, label="ORG") if end > span.end else None


def name_from_place(span: Span, places) -> Span | None:
    """A name the tagger started one word late: "Raufoss" + "Industripark", tagged apart.

    The other side of :func:`name_after_place`: a capitalised word that is
    not a sentence's first, right after a place name, continues a name begun
    by the place, also when the tagger (or the gazetteer, at a sentence's
    start) made the place an entity of its own and the word another. Two
    places in a row stay two ("Hamar Gjøvik"), and a person stays a person.
    """
    doc, start = span.doc, span.start
    if start == 0 or span.label_ == "PER" or span[0].is_sent_start or not span[0].text[:1].isupper() \
            or places.lookup(span[0].text):
        return None
    first = start - 1
    if doc[first].ent_iob_ != "O":  # the place is an entity: go back to its first token
        if doc[first].ent_type_ not in _PLACE_LABELS:
            return None
        while doc[first].ent_iob_ == "I":
            first -= 1
    if not all(t.is_alpha and t.text[:1].isupper() for t in doc[first:start]) or \
            not places.lookup(doc[first:start].text):
        return None
    return Span(doc, first, span.end, label="ORG")


def _complete_to_acronym(doc: Doc, start: int, end: int) -> int:
    """End of a name the tagger stopped at a particle, when an acronym in brackets follows it.

    "Norsk institutt for" + "by- og regionforskning (NIBR)": the name reads on
    to the bracket when the acronym abbreviates the longer text and not the
    shorter. Only a name ending in a particle is read on, so "Norsk Hydro og
    Norges forskningsråd (NFR)" stays two names.
    """
    if end - start < 2 or doc[end - 1].text not in _NAME_PARTICLES:
        return end
    for k in range(end + 1, min(end + 6, len(doc) - 2)):
        if doc[k - 1].is_punct or doc[k - 1].is_sent_end:
            break
        if doc[k].text == "(" and doc[k + 2].text == ")":
            short = doc[k + 1].text
            if is_acronym_of(short, doc[start:k].text) and not is_acronym_of(short, doc[start:end].text):
                return k
            break
    return end


#: A programme's whole name in one capitalised word: "Arenaprogrammet", "VRI-programmet".
_PROGRAMME_WORD = re.compile(r"^[A-ZÆØÅ][\w-]*(?:programmet|programmer|program)$")


def owner_and_programme(span: Span) -> tuple[Span, Span] | None:
    """A name run into its programme's, split in two: "Innovasjon Norge" + "Arenaprogrammet".

    The last word is a programme's whole name; the words before it name who
    runs it when they hold a proper noun ("Regionalt Omstillingsprogram",
    an adjective before it, stays one name).
    """
    if len(span) < 2 or not _PROGRAMME_WORD.match(span[-1].text) or not span[0].text[:1].isupper() \
            or not any(t.pos_ == "PROPN" for t in span[:-1]):
        return None
    return (Span(span.doc, span.start, span.end - 1, label=span.label_),
            Span(span.doc, span.end - 1, span.end, label=span.label_))


#: Verbs with which a report cites authors: "Cook og Morgan ser på …", "Porter og Sølvell mener …".
_CITING_VERBS = frozenset("ser mener meiner hevder hevdar viser syner argumenterer argumenterar påpeker påpeikar "
                          "beskriver beskriv definerer definerar skriver skriv finner finn fant fann understreker "
                          "understrekar peker peikar drøfter drøftar diskuterer diskuterar foreslår konkluderer "
                          "konkluderar betegner omtaler".split())


def label_in_context(span: Span) -> str:
    """The tagger's label of a name, corrected by what stands beside it.

    A name abbreviated in brackets is no person: "Price Waterhouse Coopers
    (PWC)", tagged PER, is an organisation. A one-word organisation joined
    by "og" to a one-word person, the two followed by a verb of citing, are
    authors: "Cook og Morgan ser på slike regioner …" (where "Spis og Hoff
    har …" are two firms, whatever the tagger says of Hoff).
    """
    doc, label = span.doc, span.label_
    after = doc[span.end:span.end + 3]
    if label == "PER" and len(after) == 3 and after[0].text == "(" and after[2].text == ")" \
            and is_acronym_of(after[1].text, span.text):
        return "ORG"
    if label == "ORG" and len(span) == 1:
        for other in doc.ents:
            if other.label_ != "PER" or len(other) != 1 or abs(other.start - span.start) != 2:
                continue
            first, last = sorted((span.start, other.start))
            if doc[first + 1].lower_ in ("og", "and") and last + 1 < len(doc) \
                    and doc[last + 1].lower_ in _CITING_VERBS:
                return "PER"
    return label


_NAME_PARTICLES = {"i", "på", "for", "og", "av", "til", "-", "&", "de", "la", "von", "van"}
_BODY_SUFFIXES = {"kommune", "fylkeskommune", "regionråd", "regionråd", "kommunestyre", "fylkesting"}
_INSTITUTION_HEADS = {"høgskolen", "høyskolen", "universitetet", "fylkeskommunen", "kommunen", "instituttet"}


def _block_mentions(doc: Doc, block_index: int, page: int, base: int, places,
                    common: frozenset[str]) -> list[tuple[Mention, int, int]]:
    trimmed = {}
    for e in doc.ents:
        span = trim_span(e)
        wider = name_after_place(span, places) or name_from_place(span, places)
        trimmed[wider or span] = "ORG" if wider or span.label != e.label else label_in_context(e)
    ents = filter_spans(list(trimmed))
    concepts = list(doc.spans.get("kg_concepts", []))
    # a name after a group noun beats a shorter entity inside it: "Næringsklyngen
    # Raufoss Industrinettverk" is a network even when "Raufoss" alone was tagged
    wider = [c for c in concepts if any(c.start <= e.start and e.end <= c.end and len(e) < len(c) for e in ents)]
    spans = [(e, trimmed[e]) for e in ents if not any(c.start <= e.start and e.end <= c.end for c in wider)]
    spans += [(c, "CONCEPT") for c in wider]
    taken = {t.i for e, _ in spans for t in e}
    spans += [(s, "CONCEPT") for s in concepts if s not in wider and not any(t.i in taken for t in s)]
    apposition = {(s.start, s.end): s.label_ for s in concepts}
    taken = {t.i for e, _ in spans for t in e}
    sector_hits = sectors.find(doc.text)
    for start, end, _ in sector_hits:
        span = doc.char_span(start, end, label="Sector", alignment_mode="expand")
        if span is not None and not any(t.i in taken for t in span):
            spans.append((span, "CONCEPT"))
    spans = [(part, label) for span, label in spans
             for part in ((label != "CONCEPT" and owner_and_programme(span)) or (span,))]
    out = []
    for span, label in sorted(spans, key=lambda x: x[0].start):
        kind = span.label_ if label == "CONCEPT" else type_name(span.text, label)
        if (span.start, span.end) in apposition:  # "nettverket Bluelight": a network, whatever NER said
            cue = _cue_type(span.text)
            kind = cue if cue in ("Network", "Cluster", "Programme") else apposition[(span.start, span.end)]
        if kind in ("Organisation", None) and label in ("ORG", "PER") and (
                places.lookup(span.text) or places.joined(span.text)):
            kind = "Place"  # a gazetteer name ("Raufoss-Toten": two) tagged ORG (a community acting) or PER
        if label != "CONCEPT" and any((s, e) == (span.start_char, span.end_char) for s, e, _ in sector_hits):
            kind = "Sector"  # all of it names a sector ("Næringsmiddelindustri" heading a section): not a firm
        if kind is None or not _plausible(span, common, places):
            continue
        sent = span.sent
        ev = Evidence(page, sent.text.strip(), base + span.start_char, base + span.end_char)
        out.append((Mention(clean(span.text), label, kind, ev, block_index), span.start, span.end))
    return out


def _remember(antecedents: dict[str, int], ments: list[tuple[int, Mention, int, int]],
              heads: dict[str, int]) -> None:
    """Record the first actor and the last network, cluster and programme of a sentence,
    and the last word of each actor's or programme's name (``heads``, the most recent last)."""
    actors = [mi for mi, m, _, _ in ments if m.type in ACTOR_TYPES and m.type not in ("Network", "Cluster")]
    if actors:
        antecedents["Actor"] = actors[0]
    for mi, m, _, _ in ments:
        if m.type in ("Network", "Cluster", "Programme"):
            antecedents[m.type] = mi
        name = strip_legal_form(m.text)
        if name and (m.type in ACTOR_TYPES or m.type == "Programme"):
            head = name.split()[-1].lower()
            heads.pop(head, None)
            heads[head] = mi
    places = [mi for mi, m, _, _ in ments if m.type in PLACE_TYPES]
    if places:
        antecedents["Place"] = places[0]


#: Endings of a Norwegian noun's definite singular (Bokmål and Nynorsk): "parken",
#: "senteret", "klynga", "næringshagen" (the -n of a noun ending in -e).
_DEFINITE = ("en", "et", "a", "n")
_WORD = re.compile(r"[a-zæøå]+")


def referent(text: str, heads: dict[str, int]) -> int | None:
    """The mention a sentence refers back to by the definite form of a name's last word.

    "Parken" (park) after "Raufoss Industripark", "nettverket" after "Raufoss
    Industrinettverk", "Næringshagen" after "Valdres Næringshage": a stem of
    at least four letters that ends the name's last word; the name read most
    recently wins.
    """
    for word in _WORD.findall(text.lower()):
        for ending in _DEFINITE:
            stem = word[: -len(ending)]
            if not word.endswith(ending) or len(stem) < 4:
                continue
            stems = (stem, stem[:-1]) if stem[-1] == stem[-2] else (stem,)  # "programmet": program
            hits = [mi for head, mi in heads.items() if head.endswith(stems)]
            if hits:
                return hits[-1]
    return None


#: Abbreviations of common nouns that taggers take for names ("FoU" is research and development).
_NOT_NAMES = {"fou", "fou-", "ikt", "it", "bnp", "brp", "mva", "osv", "jf", "nb", "ca"}
_GENERIC_PLURAL = re.compile(r"(regionene|regionane|fylkene|fylka|kommunene|kommunane|bygdene|bygdane|landene)$", re.I)


_DOMAIN = re.compile(r"^[\w.-]+\.(?:no|com|org|net|eu|se|dk)$", re.I)
_DEFINITE_NOUN = re.compile(r"^[A-ZÆØÅ][a-zæøå]+(?:et|en|a|ene)$")


_LOWER_WORD = re.compile(r"(?<![\w-])[a-zæøå]{2,}(?![\w-])")


def common_words(document: Document) -> frozenset[str]:
    """Words the report itself writes in lower case somewhere.

    A capitalised word that opens a sentence is a name only if the report
    never writes it in lower case: "Foruten" opens one sentence, "foruten"
    sits inside another, so it is a preposition, not an organisation.
    """
    return frozenset(w for block in document.blocks for w in _LOWER_WORD.findall(block.text))


_NORNE_LABELS = {*NER_LABELS, "MISC"}
#: A report's number in a series ("2004:5", "10/2003"): the next word opens a title.
_SERIES_NUMBER = re.compile(r"^(?:(?:19|20)\d\d:\d{1,4}|\d{1,4}/(?:19|20)\d\d)$")
#: An acronym of a common noun run into the next word in the source ("FOUaktører").
_RUN_ON_ACRONYM = re.compile(r"^(?:FOU|FoU|IKT|IT)[a-zæøå]{3,}$")


def _plausible(span: Span, common: frozenset[str], places) -> bool:
    """Reject junk names: pronouns, digits, web addresses, generic abbreviations,
    plurals and capitalised common nouns that open a sentence or a cited title
    ("Masterstudiet", or any word the report writes in lower case elsewhere,
    see :func:`common_words`), unless the gazetteer knows the word as a place."""
    text = clean(span.text)
    if not text or not re.search(r"[A-Za-zÆØÅæøå]{2}", text) or text.lower() in _NOT_NAMES:
        return False
    if _DOMAIN.match(text) or text.split("-")[0].lower() in _NOT_NAMES or _RUN_ON_ACRONYM.match(text):
        return False
    if len(span) == 1 and _GENERIC_PLURAL.search(text):
        return False
    if span.label_ in _NORNE_LABELS and not re.search(r"[A-ZÆØÅ0-9]", text):
        return False  # "arbeids- og": the tagger's name has no capital (kg's own concepts are lower case)
    first = span[0]
    opens = first.is_sent_start or (first.i > 0 and _SERIES_NUMBER.match(span.doc[first.i - 1].text))
    if len(span) == 1 and opens and not _cue_type(text) and not places.lookup(text):
        # one capitalised word opening a sentence or a title, no name cue, no gazetteer place
        if span.label_ in _NORNE_LABELS and span.label_ not in _PLACE_LABELS:
            if first.pos_ in ("ADJ", "ADV", "VERB", "DET", "PRON", "AUX"):
                return False  # "Eventuell vekst …"
            if first.pos_ == "NOUN" and _DEFINITE_NOUN.match(text):
                return False  # "Masterstudiet …"
        if text.lower() in common and span.label_ in _NORNE_LABELS:
            return False  # "Foruten …", "Klynger og nettverk": written in lower case elsewhere in the report
    if all(t.pos_ in ("PRON", "DET", "ADP", "CCONJ", "SCONJ", "PUNCT", "NUM") for t in span):
        return False
    if _quoted_term(span):
        return False
    return len(text) <= 120


_OPENING_QUOTES = {"”", "“", "«", '"', "'", "‘", "’"}
_CLOSING_QUOTES = ("”", "»", '"', "'", "’")


def _quoted_term(span: Span) -> bool:
    """Whether a tagged name is only the capitalised first word of a quoted phrase that
    reads on in lower case: ”Corporate governance”, «Innovasjon i nettverk».

    Reports quote terms of their field this way; a quoted name is quoted whole.
    """
    doc = span.doc
    if span.start == 0 or doc[span.start - 1].text not in _OPENING_QUOTES or span.end >= len(doc):
        return False
    after = doc[span.end]
    if not after.text[:1].islower():
        return False
    rest = doc[span.end:span.sent.end].text
    return any(q in rest for q in _CLOSING_QUOTES)


#: Blocks piped through spaCy at a time (benchmarks/ner.py measures speed with it).
BATCH_SIZE = 64


def extract(document: Document, nlp: Language, batch_size: int = BATCH_SIZE) -> Extraction:
    """Read mentions, relations and observations from every block of a report."""
    add_components(nlp)
    places = gazetteer.load()
    common = common_words(document)
    mentions: list[Mention] = []
    relations: list[Relation] = []
    observations: list[Observation] = []
    blocks = list(document.blocks)
    texts = ((b.text, i) for i, b in enumerate(blocks))
    for doc, i in nlp.pipe(texts, as_tuples=True, batch_size=batch_size):
        block = blocks[i]
        found = _block_mentions(doc, i, block.page, block.start, places, common)
        indexed = []
        for mention, start, end in found:
            indexed.append((len(mentions), mention, start, end))
            mentions.append(mention)
        if block.kind == HEADING:
            continue
        antecedents: dict[str, int] = {}
        heads: dict[str, int] = {}
        for sent in doc.sents:
            in_sent = [x for x in indexed if sent.start <= x[2] < sent.end]
            lead = len(sent.text) - len(sent.text.lstrip())
            ev = Evidence(block.page, sent.text.strip(), block.start + sent.start_char + lead,
                          block.start + sent.start_char + lead + len(sent.text.strip()))
            relations.extend(sentence_relations(sent, in_sent, ev, antecedents))
            observations.extend(sentence_observations(sent, in_sent, ev, antecedents, heads))
            observations.extend(founded_years(sent, in_sent, ev))
            relations.extend(region_parts(sent, in_sent, ev, antecedents))
            _remember(antecedents, in_sent, heads)
    return Extraction(tuple(mentions), tuple(relations), tuple(observations))
