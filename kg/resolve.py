"""Entity resolution: from mentions to entities with one IRI each.

Within a report, mentions merge when their normalised names agree (case,
spacing, punctuation, legal-form variants such as "A/S" and "AS", genitive
"-s"), when one is an acronym defined beside the other ("Raufoss
Ammunisjonsfabrikk (RA)"), or when one is a bare head of a longer name that
is a firm ("Forestia" and "Forestia AS"). Places link to the gazetteer. IRIs
are minted from the normalised name, so the same firm in two reports is one
node.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass

from . import gazetteer, sectors
from .document import HEADING, Document
from .extract import ACTOR_TYPES, PLACE_TYPES, Evidence, Extraction, Mention
from .ngrams import Postings, TfidfSpace, similarities
from .normalize import base_form, fold, is_acronym_of, legal_form, slug, strip_legal_form

_ACRONYM_AFTER = re.compile(r"^\s*\(\s*([A-ZÆØÅ][A-Za-zÆØÅæøå&/-]{1,11})\s*\)")
_ACRONYM_BEFORE = re.compile(r"([A-ZÆØÅ][A-ZÆØÅa-zæøå&-]{1,11})\s*\(\s*$")
#: Place kinds that frame a paragraph; counties and countries are too broad.
_FRAMING_KINDS = ("Region", "Municipality", "Locality")
_TYPE_RANK = {t: i for i, t in enumerate((
    "Firm", "PublicBody", "ResearchOrEducation", "DevelopmentActor", "Association", "Network", "Cluster",
    "Programme", "Organisation",
))}


@dataclass(frozen=True)
class Entity:
    """A resolved entity: one IRI key, a type, a preferred label and aliases."""

    key: str  # IRI path under kg's id namespace, e.g. "actor/forestia"
    type: str
    label: str
    aliases: tuple[str, ...]
    mentions: tuple[int, ...]  # indices into Extraction.mentions
    reference: bool = False  # defined by a reference graph (gazetteer place, sector concept)


@dataclass(frozen=True)
class Link:
    """A relation between two resolved entities (by key), with its evidence."""

    subject: str
    predicate: str
    object: str
    confidence: float
    extractor: str
    evidence: Evidence


@dataclass(frozen=True)
class Resolution:
    """Entities of one report, the entity of each mention, and the links between entities."""

    entities: tuple[Entity, ...]
    mention_entity: tuple[str, ...]  # entity key per mention
    links: tuple[Link, ...]  # extracted relations, names of public bodies, context links


def actor_key(name: str) -> str:
    """Normalised identity of an actor or programme name: legal form dropped, head noun
    uninflected (:func:`kg.normalize.base_form`), so reports' spellings of one actor meet."""
    return slug(base_form(strip_legal_form(name)))


def resolve(extraction: Extraction, document: Document) -> Resolution:
    """Resolve the mentions of one report into entities."""
    gaz = gazetteer.load()
    mentions = extraction.mentions
    text = document.text
    aliases = _acronym_aliases(mentions, text)
    actor_names = {actor_key(m.text) for m in mentions if m.type != "Place"}
    names = {actor_key(m.text) for m in mentions}
    context = _place_context(mentions, gaz)
    keys: list[str] = []
    for m in mentions:
        keys.append(_mention_key(m, gaz, aliases, actor_names, names, context))
    keys = _merge_heads(mentions, keys)
    keys = fuzzy_merge(mentions, keys)
    keys = unify_readings(keys)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, k in enumerate(keys):
        groups[k].append(i)
    entities = []
    for key, idx in groups.items():
        entities.append(_entity(key, idx, mentions, gaz, aliases))
    links = [
        Link(keys[r.subject], r.predicate, keys[r.object], r.confidence, r.extractor, r.evidence)
        for r in extraction.relations
    ]
    links += named_after(mentions, keys, gaz)
    links += context_links(mentions, links, document, keys, gaz)
    unique: dict[tuple[str, str, str, int], Link] = {}
    for link in links:
        if link.subject != link.object:
            unique.setdefault((link.subject, link.predicate, link.object, link.evidence.start), link)
    return Resolution(tuple(entities), tuple(keys), tuple(unique.values()))


def _place_context(mentions: tuple[Mention, ...], gaz) -> Counter:
    """How often each gazetteer place (and its ancestors) is named unambiguously in the report."""
    counts: Counter = Counter()
    for m in mentions:
        if m.type == "Place":
            place = gaz.best(m.text)
            if place:
                counts.update([place.key, *gaz.ancestors(place.key)])
    return counts


def link_place(name: str, gaz, context: Counter):
    """The gazetteer place a name refers to, using the report's other places.

    A shared name ("Våler" in Innlandet and in Østfold) goes to the candidate
    whose county or region the report names most; a tie stays unlinked.
    """
    place = gaz.best(name)
    if place:
        return place
    candidates = gaz.lookup(name)
    scored = sorted(((sum(context[a] for a in gaz.ancestors(c.key)), c.key) for c in candidates), reverse=True)
    if len(scored) > 1 and scored[0][0] > scored[1][0]:
        return gaz.places[scored[0][1]]
    if candidates:
        return None
    if gaz.joined(name):
        return None  # "Hamar-Ringsaker" names two places; kept as a place made of both
    return _fuzzy_place(name, gaz)


#: Similarity above which a misspelt place name links to the gazetteer
#: ("Gudsbrandsdalen" 0.73, "Nord-Gudbransdal" 0.76); unrelated names such as
#: "Stor-Oslo"/"Oslo" (0.54) or "Finmark"/"Troms og Finnmark" (0.55) stay apart.
#: A municipality's, county's or town's name with more at its end is another
#: place ("Øyeren", "Hedmarken", "Fagernes Lufthavn"); a region's takes
#: inflections ("Østerdalene" is Østerdalen).
PLACE_FUZZY_THRESHOLD = 0.72


def _fuzzy_place(name: str, gaz):
    space, postings, keys = _place_index(gaz)
    sims = postings.dots(space.vector(fold(name)))
    best = max(sims.values(), default=0.0)
    if best < PLACE_FUZZY_THRESHOLD:
        return None
    hits = {keys[i] for i, sim in sims.items() if best - sim < 1e-9}
    if len(hits) != 1:
        return None
    place, folded = gaz.places[hits.pop()], fold(name)
    if place.kind != "Region" and any(folded.startswith(fold(n)) for n in (place.label, *place.alt_labels)):
        return None  # an official name made longer is another name: the lake Øyeren, not Øyer
    return place


_INDEX: dict[int, tuple] = {}


def _place_index(gaz) -> tuple:
    """TF-IDF vectors (character 2–4-grams) of every gazetteer name, built once per gazetteer."""
    if id(gaz) not in _INDEX:
        names, keys = [], []
        for place in gaz.places.values():
            for n in (place.label, *place.alt_labels):
                names.append(fold(n))
                keys.append(place.key)
        space = TfidfSpace.fit(names, 2, 4)
        _INDEX[id(gaz)] = (space, Postings.of([space.vector(n) for n in names]), keys)
    return _INDEX[id(gaz)]


def _mention_key(m: Mention, gaz, aliases: dict[str, tuple[str, str]], actor_names: set[str], names: set[str],
                 context) -> str:
    """The entity key of one mention.

    A final "s" is read as a genitive only when the report also names the
    bare form ("Telenors" with "Telenor"): "Thales" or "Atlas" end in "s"
    of their own.
    """
    if m.type == "Sector":
        hits = sectors.find(m.text)
        if hits:
            return hits[0][2].key
    if m.type == "Place":
        place = link_place(m.text, gaz, context)
        if place:
            return place.key
        name = m.text[:-1] if _genitive_of(m.text, names) or _genitive_of_place(m.text, gaz) else m.text
        return f"place/other/{slug(name)}"
    key = actor_key(m.text)
    if key not in aliases and _genitive_of(m.text, actor_names):
        key = actor_key(m.text[:-1])  # also of an acronym defined in brackets: "RVJs"
    if key in aliases:
        return aliases[key][0]
    family = "programme" if m.type == "Programme" else "actor"
    return f"{family}/{key}"


def _genitive_of(name: str, names: set[str]) -> bool:
    return name.endswith("s") and len(name) > 2 and actor_key(name[:-1]) in names


def _genitive_of_place(name: str, gaz) -> bool:
    """A name joined with a hyphen whose last part, less a final "s", is a place: "Stor-Oslos"."""
    head, dash, last = name.rpartition("-")
    return bool(head and dash and last.endswith("s") and len(last) > 2 and gaz.best(last[:-1]))


def _acronym_aliases(mentions: tuple[Mention, ...], text: str) -> dict[str, tuple[str, str]]:
    """Map acronym keys to (key of the long name they abbreviate, acronym as written).

    Both "Long Name (LN)" and "LN (Long Name)" are read; the acronym's
    letters must be the initials (or a prefix of the words) of the long name.
    """
    out: dict[str, tuple[str, str]] = {}
    for m in mentions:
        if m.type == "Place":
            continue
        after = _ACRONYM_AFTER.match(text[m.evidence.end : m.evidence.end + 16])
        before = _ACRONYM_BEFORE.search(text[max(0, m.evidence.start - 16) : m.evidence.start])
        for hit in (after, before):
            if hit and is_acronym_of(hit.group(1), m.text):
                family = "programme" if m.type == "Programme" else "actor"
                out[actor_key(hit.group(1))] = (f"{family}/{actor_key(m.text)}", hit.group(1))
    return out


def _merge_heads(mentions: tuple[Mention, ...], keys: list[str]) -> list[str]:
    """Merge a bare name into the one firm whose name it starts ("Nordan" → "Nordan AS")."""
    firms = defaultdict(set)
    for m, k in zip(mentions, keys):
        if m.type == "Firm" and legal_form(m.text):
            firms[actor_key(m.text)].add(k)
    out = []
    for m, k in zip(mentions, keys):
        family, _, name = k.partition("/")
        if family == "actor" and name not in firms:
            longer = {fk for fname, fks in firms.items() if fname.startswith(name + "-") for fk in fks}
            if len(longer) == 1 and len(name) > 3:
                k = longer.pop()
        out.append(k)
    return out


def unify_readings(keys: list[str]) -> list[str]:
    """One key per name within a report, whatever family the tagger gave each mention.

    A name read once as an organisation and once as a place not in the
    gazetteer ("Hedmarken", "Bluelight") is one entity: programme beats actor
    beats an unknown place, since those readings come from stronger cues.
    """
    by_name: dict[str, set[str]] = defaultdict(set)
    for k in keys:
        family, _, name = k.partition("/")
        if family in ("actor", "programme") or k.startswith("place/other/"):
            by_name[name.rsplit("/", 1)[-1]].add(k)
    rank = {"programme": 0, "actor": 1, "place": 2}
    best = {name: min(ks, key=lambda k: rank[k.split("/")[0]]) for name, ks in by_name.items() if len(ks) > 1}
    return [best.get(k.rsplit("/", 1)[-1], k) if k.split("/")[0] in rank and not _gazetteer_key(k) else k
            for k in keys]


def _gazetteer_key(key: str) -> bool:
    return key.startswith("place/") and not key.startswith("place/other/")


#: Cosine similarity of character 2–4-gram TF-IDF vectors above which two names in
#: one report are one entity. Measured on the name pairs in tests/test_resolve.py:
#: spelling variants score 0.74–1.0 (Bokmål/Nynorsk "forskning/forsking" 0.74),
#: different actors sharing words at most 0.60.
FUZZY_THRESHOLD = 0.70


def fuzzy_merge(mentions: tuple[Mention, ...], keys: list[str], threshold: float = FUZZY_THRESHOLD) -> list[str]:
    """Merge actor keys whose names are near-identical spellings ("NIS-lab", "NISlab").

    The more frequent key of a pair wins, so the merged entity keeps the
    spelling the report uses most.
    """
    actor_keys = sorted({k for k in keys if k.startswith(("actor/", "programme/"))})
    if len(actor_keys) < 2:
        return keys
    sims = name_similarity([k.split("/", 1)[1].replace("-", "") for k in actor_keys])
    counts = Counter(keys)
    parent = {k: k for k in actor_keys}

    def root(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k

    for i, a in enumerate(actor_keys):
        for j in range(i + 1, len(actor_keys)):
            b = actor_keys[j]
            if sims[i][j] >= threshold and a.split("/")[0] == b.split("/")[0] and not _word_added(a, b):
                ra, rb = root(a), root(b)
                if ra != rb:
                    keep, drop = (ra, rb) if (counts[ra], len(ra)) >= (counts[rb], len(rb)) else (rb, ra)
                    parent[drop] = keep
    return [root(k) if k in parent else k for k in keys]


def _word_added(a: str, b: str) -> bool:
    """Whether one key is the other with whole words added ("Innovasjon i Norge", "Innovasjon Norge").

    Their letters are near-identical, but a spelling variant changes letters
    within words, never a word more ("NIS-lab", "NISlab" are one actor).
    """
    short, long_ = sorted((a.split("/", 1)[1].split("-"), b.split("/", 1)[1].split("-")), key=len)
    if len(short) == len(long_):
        return False
    rest = iter(long_)
    return all(word in rest for word in short)


def name_similarity(names: list[str]) -> list[list[float]]:
    """Pairwise cosine similarity of names as character 2–4-gram TF-IDF vectors."""
    space = TfidfSpace.fit(names, 2, 4)
    return similarities([space.vector(n) for n in names])


def _distinct(names, label: str) -> tuple[str, ...]:
    """Aliases without case variants of each other or of the label."""
    seen = {label.casefold()}
    out = []
    for name in sorted(names, key=lambda n: (n.casefold(), not n[:1].isupper())):
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return tuple(out)


def _entity(key: str, idx: list[int], mentions: tuple[Mention, ...], gaz, aliases: dict) -> Entity:
    ms = [mentions[i] for i in idx]
    if key.startswith("place/") and key in gaz.places:
        place = gaz.places[key]
        names = {m.text for m in ms} - {place.label}
        return Entity(key, place.kind, place.label, _distinct(names, place.label), tuple(idx), reference=True)
    sector = next((x for x in sectors.load() if x.key == key), None)
    if sector:
        names = {m.text for m in ms} - {sector.label}
        return Entity(key, "Sector", sector.label, _distinct(names, sector.label), tuple(idx), reference=True)
    types = Counter(m.type for m in ms)
    if any(legal_form(m.text) for m in ms):
        kind = "Firm"
    elif key.startswith("place/"):
        kind = "Place"
    else:  # an actor's or programme's key: its readings as a place do not vote (see unify_readings), and
        # "Organisation" says only that no rule knew better, so any other reading outvotes it ("NIBR" × 5)
        actor = Counter({t: n for t, n in types.items() if t not in PLACE_TYPES}) or types
        typed = Counter({t: n for t, n in actor.items() if t != "Organisation"}) or actor
        kind = min(typed, key=lambda t: (-typed[t], _TYPE_RANK.get(t, 99)))
    labels = Counter(_bare(m.text, key) for m in ms)
    # prefer the form the key was minted from (the long name, not its acronym),
    # then the fullest written form: with legal form, not genitive, most frequent, longest
    own = key.split("/", 1)[1]
    label = max(labels, key=lambda s: (actor_key(s) == own, legal_form(s) is not None, not s.endswith("s"),
                                       labels[s], len(s)))
    names = {m.text for m in ms} | {short for k, short in aliases.values() if k == key}
    return Entity(key, kind, label, _distinct(names, label), tuple(idx))


def _bare(text: str, key: str) -> str:
    """The label of a place written only in the genitive: "Stor-Oslo" for "Stor-Oslos"
    (key place/other/stor-oslo)."""
    last = key.rsplit("/", 1)[1]
    if key.startswith("place/") and text.endswith("s") and slug(text) != last and slug(text[:-1]) == last:
        return text[:-1]
    return text


def context_links(mentions: tuple[Mention, ...], links: list[Link], document: Document, keys: list[str],
                  gaz) -> list[Link]:
    """activeIn links from actors to the place that frames their paragraph.

    A paragraph about "treindustrien i Glåmdalen" that lists firms links each
    firm to Glåmdalen, even where a sentence does not repeat the region. The
    frame is the one specific place (region, municipality or locality) named
    in the paragraph, else the one named in the nearest heading above it.
    Skipped: actors seated inside the frame (the place hierarchy links them
    already) or seated where the frame lies, and actors seated elsewhere by
    the sentence that names them ("Trippelinkubatoren i Hedmark"), and public
    bodies with a seat ("Ringsaker kommune" in a paragraph about
    Nord-Østerdalen: a municipality's council works where it sits). A firm
    seated elsewhere by another sentence is still one of the paragraph's
    actors: a list of a region's firms names firms with head offices outside it.
    """
    by_block: dict[int, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        by_block[m.block].append(i)
    seats: dict[str, set[tuple[str, Evidence]]] = defaultdict(set)
    seats_in_block: dict[int, set[str]] = defaultdict(set)
    starts = [b.start for b in document.blocks]
    for link in links:
        if link.predicate == "locatedIn":
            seats[link.subject].add((link.object, link.evidence))
            seats_in_block[bisect_right(starts, link.evidence.start) - 1].add(link.object)
    out: list[Link] = []
    frames: list[tuple[int, int | None]] = []  # (heading level, framing place) of open sections
    for bi, block in enumerate(document.blocks):
        framing = _framing_places(by_block.get(bi, []), keys, gaz, seats_in_block[bi])
        if block.kind == HEADING:
            level = 0 if block.page == 1 and block.text in document.title else block.level or 1
            frames = [f for f in frames if f[0] < level]
            inherited = frames[-1][1] if frames else None
            frames.append((level, framing[0] if len(framing) == 1 else None if framing else inherited))
            continue
        heading_frame = frames[-1][1] if frames else None
        frame = framing[0] if len(framing) == 1 else heading_frame if not framing else None
        if frame is None:
            continue
        for i in by_block.get(bi, []):
            m = mentions[i]
            if m.type not in ACTOR_TYPES or m.type == "PublicBody" and seats[keys[i]] or any(
                _within(seat, keys[frame], gaz) or _within(keys[frame], seat, gaz)
                or (seat_ev.page, seat_ev.sentence) == (m.evidence.page, m.evidence.sentence)
                for seat, seat_ev in seats[keys[i]]
            ):
                continue
            out.append(Link(keys[i], "activeIn", keys[frame], 0.5, "context:paragraph-place", m.evidence))
    return out


_BODY_OF_PLACE = re.compile(r"^(?P<place>.+?)\s+(?:kommune|fylkeskommune|regionråd|kommunestyre|fylkesting)$", re.I)


def named_after(mentions: tuple[Mention, ...], keys: list[str], gaz) -> list[Link]:
    """locatedIn for public bodies named after their place: "Kongsvinger kommune" → Kongsvinger."""
    out = []
    for i, m in enumerate(mentions):
        hit = _BODY_OF_PLACE.match(m.text) if m.type == "PublicBody" else None
        place = gaz.best(hit.group("place")) if hit else None
        if place:
            out.append(Link(keys[i], "locatedIn", place.key, 0.9, "name:public-body", m.evidence))
    return out


def _within(place: str, region: str, gaz) -> bool:
    """Whether ``place`` is ``region`` or lies inside it."""
    return place == region or (place in gaz.places and region in gaz.ancestors(place))


def _framing_places(indices: list[int], keys: list[str], gaz, seats: set[str]) -> list[int]:
    """Specific places a block names, other than actors' seats; one place that
    contains all the others ("Glåmdalen" and its municipalities) stands alone."""
    seen: dict[str, int] = {}
    for i in indices:
        place = gaz.places.get(keys[i])
        if place and place.kind in _FRAMING_KINDS and keys[i] not in seen and keys[i] not in seats:
            seen[keys[i]] = i
    for key, i in seen.items():
        if all(other == key or key in gaz.ancestors(other) for other in seen):
            return [i]
    return list(seen.values())
