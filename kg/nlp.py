"""The Norwegian spaCy pipeline: loading it once, and tuning its tokenizer.

kg ships its own pipeline (``kg/models/nb_kg``), trained on NorNE Bokmål and
Nynorsk by :mod:`kg.train`, because the official spaCy Norwegian pipelines are
not installable offline and cover Bokmål only. Any installed spaCy pipeline
with NorNE labels (e.g. ``nb_core_news_lg``) can be chosen instead with
``--model`` or ``KG_SPACY_MODEL``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ModelError

if TYPE_CHECKING:  # spaCy is imported with the pipeline: ingest's writer process reads only meta.json
    from spacy.language import Language

#: Directory of the pipeline shipped inside the package.
SHIPPED_MODEL = Path(__file__).parent / "models" / "nb_kg"
#: Environment variable that selects another pipeline.
MODEL_ENV = "KG_SPACY_MODEL"

# Abbreviations frequent in Norwegian reports that spaCy's nb defaults split.
_ABBREVIATIONS = (
    "Tlf.", "tlf.", "Kap.", "kap.", "Jf.", "jf.", "Avd.", "avd.", "Mill.", "mill.",
    "Mrd.", "mrd.", "Nr.", "nr.", "Kr.", "kr.", "Bl.a.", "bl.a.", "Ca.", "ca.",
    "Evt.", "evt.", "Inkl.", "inkl.", "Ekskl.", "ekskl.", "Iht.", "iht.", "Pga.", "pga.",
    "Mht.", "mht.", "Vedr.", "vedr.", "Tab.", "tab.", "Fig.", "fig.", "Bd.", "bd.",
    "Red.", "red.", "Årsv.", "årsv.", "Ansv.", "ansv.", "Stud.", "stud.", "St.meld.",
    "St.prp.", "Ot.prp.", "Meld.", "NOU", "m.fl.", "m.m.", "o.l.", "osv.", "etc.",
)
# Legal forms written with a slash, kept whole so that "A/S" marks a firm.
_SLASH_FORMS = ("A/S", "A/L", "a/s", "L/L")
# A full stop after an acronym written in mixed case ("FoU.", "KrF."): spaCy
# splits it only after two capitals, so "på FoU. Unntaket ..." was one
# sentence and "FoU. Unntaket" one name.
_ACRONYM_STOP = r"(?<=[a-zæøå][A-ZÆØÅ])\."


def customize_tokenizer(nlp: Language) -> Language:
    """Add Norwegian report conventions to the tokenizer of ``nlp`` (in training, and on loading).

    spaCy's nb defaults already keep hyphenated compounds ("Raufoss-Toten",
    "FoU-miljø") and numbers ("1.100", "2004:116") whole; this adds
    abbreviations common in reports and legal forms such as "A/S". The rules
    are stored with the tokenizer, so a saved pipeline keeps them.
    """
    for text in (*_ABBREVIATIONS, *_SLASH_FORMS):
        nlp.tokenizer.add_special_case(text, [{"ORTH": text}])
    return nlp


def add_sentence_ends(nlp: Language) -> Language:
    """End sentences after a mixed-case acronym ("FoU.") and a legal form ("Hansen A/S.").

    :func:`load` adds these to every pipeline it loads (a second time
    changes nothing); training does not: in NorNE they touch one token
    ("KrF.", which its annotators kept whole), yet trained with them the
    recipe gave other weights (dev F1 0.759 against the shipped 0.768, within
    the seed's spread), and the shipped weights must stay what ``kg train``
    rebuilds.
    """
    for form in _SLASH_FORMS:  # "S." alone would read as an initial
        nlp.tokenizer.add_special_case(f"{form}.", [{"ORTH": form}, {"ORTH": "."}])
    suffixes = nlp.tokenizer.suffix_search.__self__.pattern
    if _ACRONYM_STOP not in suffixes:
        nlp.tokenizer.suffix_search = re.compile(f"{suffixes}|{_ACRONYM_STOP}$").search
    return nlp


def make_tokenizer_callback():
    """Config callback for ``[initialize.before_init]`` in the training config."""
    return customize_tokenizer


def register() -> None:
    """Register kg's config callbacks and pipeline components with spaCy (before a pipeline is trained or loaded).

    The shipped pipeline's labeller (:mod:`kg.labeller`) is found through
    kg's ``spacy_factories`` entry point too, but only once kg is installed;
    importing it here also serves a source checkout.
    """
    import importlib

    from spacy.util import registry

    registry.callbacks.register("kg.norwegian_tokenizer.v1", func=make_tokenizer_callback)
    importlib.import_module("kg.labeller")  # registers the kg_labeller factory


def cpu_ops():
    """Context in which new spaCy models do their matrix products with numpy.

    thinc multiplies matrices with BLIS by default; numpy's wheels bring
    OpenBLAS, which on this project's machine ran the products of kg's CNN
    three times as fast (63 vs 19 GFLOP/s on one core), making NER 1.7x
    faster. Layers keep the operations they were built with, so loading or
    initialising a pipeline inside this context is enough.
    """
    from thinc.api import use_ops

    return use_ops("numpy", use_blis=False)


_lock = threading.Lock()
_loaded: dict[str, Language] = {}


def model_name(model: str | os.PathLike | None = None) -> str:
    """Resolve which pipeline to use: argument, then environment, then shipped."""
    return str(model or os.environ.get(MODEL_ENV) or SHIPPED_MODEL)


def load(model: str | os.PathLike | None = None) -> Language:
    """Load a spaCy pipeline once per process and return it.

    Args:
        model: an installed pipeline name or a directory; ``None`` reads
            ``KG_SPACY_MODEL`` and falls back to the shipped pipeline.

    Raises:
        ModelError: the name is neither an installed package nor a pipeline directory.
    """
    name = model_name(model)
    with _lock:
        if name not in _loaded:
            _loaded[name] = _load_uncached(name)
        return _loaded[name]


def _check(name: str) -> None:
    path = Path(name)
    if not (path.is_dir() or _package_dir(name)):
        raise ModelError(
            f"spaCy pipeline {name!r} not found; use the shipped model (no --model), "
            f"a pipeline directory, or an installed package: {', '.join(installed_pipelines()) or 'none installed'}"
        )
    if path == SHIPPED_MODEL and not (path / "meta.json").is_file():
        raise ModelError(f"the shipped model is missing at {path}; reinstall kg or run 'kg train'")


def _load_uncached(name: str) -> Language:
    import spacy

    _check(name)
    register()
    try:
        with cpu_ops():
            return add_sentence_ends(customize_tokenizer(spacy.load(name)))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load spaCy pipeline {name!r}: {exc}") from exc


def installed_pipelines() -> list[str]:
    """Names of spaCy pipeline packages installed in this environment."""
    import spacy

    return sorted(spacy.util.get_installed_models())


def _package_dir(name: str) -> Path | None:
    """The folder of an installed pipeline package, found without importing it."""
    if not name.isidentifier():
        return None
    spec = importlib.util.find_spec(name)
    folders = spec.submodule_search_locations if spec else None
    return Path(next(iter(folders))) if folders else None


def pipeline_meta(model: str | os.PathLike | None = None) -> dict:
    """The meta.json of a pipeline (name, version, labels), read without loading it or spaCy.

    Raises:
        ModelError: no such pipeline, or it has no readable meta.json.
    """
    name = model_name(model)
    _check(name)
    folder = Path(name) if Path(name).is_dir() else _package_dir(name)
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot read the meta.json of spaCy pipeline {name!r}: {exc}") from exc


def describe(meta: Mapping) -> str:
    """A pipeline's package name and version, as each report's graph records it: "nb_kg 0.0.0"."""
    name, lang = str(meta.get("name", "unnamed")), str(meta.get("lang", ""))
    if lang and not name.startswith(f"{lang}_"):
        name = f"{lang}_{name}"  # spaCy's packages: lang "nb" + name "core_news_lg"
    return f"{name} {meta.get('version', '0.0.0')}"
