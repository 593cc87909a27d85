"""Name normalisation shared by typing, resolution and IRI minting.

Keeping one definition of "the same name" is what makes the same firm in two
reports one node: IRIs are minted from :func:`slug` of the normalised name.
"""

from __future__ import annotations

import re
import unicodedata

#: Norwegian legal forms that mark a firm, with their written variants.
LEGAL_FORMS = {
    "AS": "AS", "A/S": "AS", "A.S.": "AS", "A.S": "AS",
    "ASA": "ASA", "SA": "SA", "BA": "BA", "ANS": "ANS", "DA": "DA", "NUF": "NUF",
    "KS": "KS", "SF": "SF", "HF": "HF", "IKS": "IKS", "A/L": "AL", "AL": "AL",
}
_LEGAL_ALTERNATIVES = "|".join(re.escape(f) for f in sorted(LEGAL_FORMS, key=len, reverse=True))
_LEGAL_RE = re.compile(r"(?:^|\s)(" + _LEGAL_ALTERNATIVES + r")$")
_TRANSLIT = str.maketrans({"æ": "ae", "ø": "o", "å": "aa", "Æ": "ae", "Ø": "o", "Å": "aa"})
_PUNCT = re.compile(r"[^\w\s/-]+")
_SPACE = re.compile(r"\s+")
_AMPERSAND = re.compile(r"(?<=\S)&(?=\s)|(?<=\s)&(?=\S)")


def clean(text: str) -> str:
    """Collapse white space, unify dashes and quotes, trim punctuation at the ends."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00ad", "").replace("–", "-").replace("—", "-").replace("\u2011", "-")
    text = _AMPERSAND.sub(" & ", text)  # "Krogh& Hansen" as a PDF spaced it; "R&D" stays whole
    text = _SPACE.sub(" ", text).strip()
    return text.strip(" ,.;:«»\"'()[]")


def legal_form(name: str) -> str | None:
    """The canonical legal form a name ends with ("Hydro ASA" → "ASA"), or None."""
    m = _LEGAL_RE.search(clean(name))
    return LEGAL_FORMS[m.group(1)] if m else None


def strip_legal_form(name: str) -> str:
    """The name without its trailing legal form."""
    name = clean(name)
    m = _LEGAL_RE.search(name)
    return name[: m.start()].strip() if m else name


def fold(name: str) -> str:
    """A case-, punctuation- and space-insensitive key for comparing names."""
    name = clean(name).lower().replace("-", " ").replace("/", " ")
    name = _PUNCT.sub(" ", name)
    return _SPACE.sub(" ", name).strip()


#: Head nouns that end names of groups and organisations, with their inflected forms
#: (definite, plural; Bokmål and Nynorsk), longest first within each.
_HEAD_FORMS = {
    "klynge": ("klyngene", "klyngane", "klyngen", "klyngja", "klynga", "klynger"),
    "nettverk": ("nettverkene", "nettverka", "nettverket"),
    "program": ("programmene", "programma", "programmet", "programmer"),
    "prosjekt": ("prosjektene", "prosjekta", "prosjektet", "prosjekter"),
    "fabrikk": ("fabrikkene", "fabrikkane", "fabrikken", "fabrikker", "fabrikkar"),
    "park": ("parken",),
    "senter": ("sentrene", "senteret", "sentret", "sentre"),
    "hage": ("hagen",),
    "miljø": ("miljøet",),
}


#: Words of actors' names that Nynorsk and Bokmål spell differently, in the Bokmål spelling:
#: "Vestlandsforsking" and "Vestlandsforskning", "Noregs forskingsråd" and "Norges
#: forskningsråd", "Høgskulen", "Høgskolen" and "Høyskolen" are one name each.
_SPELLINGS = ((re.compile(r"forsking"), "forskning"), (re.compile(r"\bnoreg"), "norge"),
              (re.compile(r"\bh(?:øg|øy)sk[ou]l"), "høgskol"))

#: A hyphen inside a compound, before a lower-case letter: "Arena-programmet".
_COMPOUND_HYPHEN = re.compile(r"(?<=[^\W\d_])-(?=[a-zæøå])")


def base_form(name: str) -> str:
    """The folded name with its head noun uninflected and its compounds closed:
    "Lettmetallklyngen" and "Lettmetallklynga" → "lettmetallklynge",
    "Ammunisjonsfabrikker" → "ammunisjonsfabrikk", "Arena-programmet" and
    "Arenaprogrammet" → "arenaprogram", "Østlandsforsking" → "østlandsforskning".

    Reports write one actor in different forms; IRIs are minted from this
    form, so they are one node across reports. A name that is nothing but
    the inflected noun ("Hagen", a surname; "Parken") keeps its form. Norwegian
    may join a compound with a hyphen or without; a hyphen before a capital
    joins two names ("Raufoss-Toten") and stays. Reports in Nynorsk and Bokmål
    spell some words of names each their way (:data:`_SPELLINGS`).
    """
    folded = fold(_COMPOUND_HYPHEN.sub("", clean(name)))
    for spelling, bokmål in _SPELLINGS:
        folded = spelling.sub(bokmål, folded)
    words = folded.split()
    last = words[-1] if words else ""
    for lemma, forms in _HEAD_FORMS.items():
        form = next((f for f in forms if last.endswith(f)), None)
        if form and (len(words) > 1 or len(last) > len(form)):
            words[-1] = last[: -len(form)] + lemma
            break
    return " ".join(words)


def slug(name: str) -> str:
    """An ASCII IRI segment from a name: "Østre Toten" → "ostre-toten"."""
    text = fold(name).translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text or "x"


def is_acronym_of(short: str, long: str) -> bool:
    """Whether ``short`` abbreviates ``long``: the initials ("RA"), a prefix of them,
    or letters spread over the words in order from the first ("VaNu").

    Resolution uses it to read "Long Name (LN)"; extraction to widen a name
    the tagger cut short ("Natur- og Kulturpark (VNK)" after "Valdres").
    """
    letters = [c for c in short.upper() if c.isalpha()]
    words = [w for w in re.split(r"[\s-]+", strip_legal_form(long)) if w]
    if len(letters) < 2 or len(words) < 2 or short.upper() == long.upper():
        return False
    initials = "".join(w[0].upper() for w in words)
    if "".join(letters) == initials or initials.startswith("".join(letters)):
        return True
    # letters spread over the words in order ("VaNu" ← "Valdres Næringsutvikling")
    joined = "".join(words).upper()
    pos = 0
    for c in letters:
        pos = joined.find(c, pos)
        if pos < 0:
            return False
        pos += 1
    return letters[0] == words[0][0].upper()
