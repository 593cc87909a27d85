"""The training recipe for kg's Norwegian pipeline.

Reads NorNE (Bokmål and Nynorsk) from a path, writes spaCy DocBin files, trains
with the config in ``kg/training/nb_kg.cfg`` and a fixed seed, and copies the
best pipeline with a model card into the package. ``python -m kg.train --help``
or ``kg train --help`` lists the options.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from spacy.tokens import DocBin
from spacy.training.initialize import init_nlp
from spacy.training.loop import train as train_nlp
from spacy.util import load_config
from spacy.vocab import Vocab

from . import nlp as kg_nlp  # also registers the tokenizer callback
from .conllu import NER_LABELS, group_sentences, read_conllu, to_doc
from .errors import DataError

CONFIG = Path(__file__).parent / "training" / "nb_kg.cfg"
DEFAULT_NORNE = Path("../shared/norne")
LANGUAGES = ("nob", "nno")
#: The pipeline's version in its card, which every report's graph records as what read it:
#: raised when the recipe changes, so that ``kg ingest`` counts the reports an older one read.
#: 0.0.0 until 2026-12-07 (spaCy's default); 0.2.0 added the labeller.
MODEL_VERSION = "0.2.0"


def write_docbin(paths: list[Path], out: Path) -> int:
    """Convert CoNLL-U files into one DocBin file; return the sentence count."""
    vocab = Vocab()
    docbin = DocBin(attrs=["ORTH", "LEMMA", "POS", "SENT_START", "ENT_IOB", "ENT_TYPE"])
    count = 0
    for path in paths:
        for group in group_sentences(read_conllu(path)):
            docbin.add(to_doc(vocab, group))
            count += len(group)
    out.parent.mkdir(parents=True, exist_ok=True)
    docbin.to_disk(out)
    return count


def norne_files(norne: Path, work: Path, languages=LANGUAGES, limit: int | None = None,
                splits=("train", "dev")) -> dict[str, list[Path]]:
    """The CoNLL-U files of each split for the given NorNE languages.

    Args:
        norne: the NorNE folder with one sub-folder per language.
        work: where shortened copies go when ``limit`` is set.
        languages: language folders to read ("nob", "nno").
        limit: keep only the first ``limit`` sentences per file (smoke tests).
        splits: the splits wanted, and so required ("train" alone refits the labeller).
    """
    files = {split: [norne / lang / f"{split}.conllu" for lang in languages] for split in splits}
    missing = [str(p) for ps in files.values() for p in ps if not p.is_file()]
    if missing:
        raise DataError(f"NorNE files not found: {', '.join(missing)}; pass --norne DIR")
    if limit:
        files = {split: _head(paths, work / "head", limit) for split, paths in files.items()}
    return files


def prepare(files: dict[str, list[Path]], work: Path) -> tuple[Path, Path]:
    """Write train.spacy and dev.spacy from :func:`norne_files`."""
    out = {}
    for split, paths in files.items():
        out[split] = work / f"{split}.spacy"
        n = write_docbin(paths, out[split])
        print(f"{split}: {n} sentences from {', '.join(str(p) for p in paths)}", file=sys.stderr)
    return out["train"], out["dev"]


def gold_names(paths: list[Path]):
    """(sentence words, start, end, label) of every name with a label kg keeps, in CoNLL-U files."""
    for path in paths:
        for sentence in read_conllu(path):
            for start, end, label in sentence.entities:  # MISC already dropped
                yield sentence.words, start, end, label


def add_labeller(model: Path, names_from: list[Path]) -> int:
    """Fit :mod:`kg.labeller` on the names in ``names_from`` and add it after the NER of the pipeline at ``model``.

    The other components are saved again unchanged (their files stay byte for
    byte the same), so a labeller can be refitted without retraining the NER.

    Returns:
        The number of names it was fitted on.
    """
    import spacy

    from .labeller import fit

    names = list(gold_names(names_from))
    if not names:
        raise DataError(f"no names to fit the labeller on in {', '.join(str(p) for p in names_from)}")
    # not kg.nlp.load: its tokenizer rules for report text are not to be saved; and
    # without the old labeller, which may be the broken part
    nlp = spacy.load(model, exclude=["labeller"])
    nlp.add_pipe("kg_labeller", name="labeller", after="ner").fitted = fit(names)
    nlp.to_disk(model)
    return len(names)


def _head(paths: list[Path], folder: Path, limit: int) -> list[Path]:
    """Copy the first ``limit`` sentences of each file, for quick runs."""
    folder.mkdir(parents=True, exist_ok=True)
    heads = []
    for path in paths:
        head = folder / f"{path.parent.name}-{path.name}"
        blocks = path.read_text(encoding="utf-8").split("\n\n")[:limit]
        head.write_text("\n\n".join(blocks) + "\n\n", encoding="utf-8")
        heads.append(head)
    return heads


def train(
    norne: Path = DEFAULT_NORNE,
    output: Path = kg_nlp.SHIPPED_MODEL,
    work: Path = Path("build/train"),
    overrides: dict | None = None,
    limit: int | None = None,
    config: Path = CONFIG,
) -> Path:
    """Train the pipeline, add the labeller, and install the best model with its card at ``output``."""
    files = norne_files(Path(norne), Path(work), limit=limit)
    train_path, dev_path = prepare(files, Path(work))
    settings = {"paths.train": str(train_path), "paths.dev": str(dev_path), **(overrides or {})}
    runs = Path(work) / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    # spaCy's own `train` command would reset thinc to BLIS products; with kg's
    # numpy products (see kg.nlp.cpu_ops) the recipe of 2026-11-28 took about 34 minutes, not 42.
    kg_nlp.register()
    with kg_nlp.cpu_ops():
        nlp = init_nlp(load_config(config, overrides=settings, interpolate=False))
        train_nlp(nlp, runs, stdout=sys.stdout, stderr=sys.stderr)
    best = runs / "model-best"
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(best, output)
    add_labeller(output, files["train"])
    write_card(output, norne)
    return output


def write_card(model: Path, norne: Path) -> None:
    """Complete meta.json with sources, licence and labels (the model card)."""
    meta_path = model / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.update(
        name="nb_kg",
        version=MODEL_VERSION,
        description=(
            "kg's Norwegian (Bokmål + Nynorsk) CPU pipeline: tokenizer tuned for report text, "
            "tok2vec, morphologizer (UPOS), edit-tree lemmatizer, sentence segmenter, NorNE NER, "
            "and a second look at each name's label (kg.labeller)."
        ),
        author="kg",
        license="CC0-1.0 (NorNE annotations); model weights CC0-1.0",
        sources=[
            {
                "name": "NorNE (Norwegian Named Entities), Bokmål and Nynorsk",
                "url": "https://github.com/ltgoslo/norne",
                "license": "CC0-1.0",
                "author": "Language Technology Group, University of Oslo; Schibsted; National Library of Norway",
                "path": str(norne),
            }
        ],
        ner_labels=list(NER_LABELS),
    )
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """Train with parsed arguments."""
    if args.typing:
        from .extract import write_typing_weights

        written = write_typing_weights(*([args.output] if args.output else []))
        print(f"organisation typing weights written to {written}")
        return 0
    if args.labeller:
        model = args.output or kg_nlp.SHIPPED_MODEL
        train_files = norne_files(args.norne or DEFAULT_NORNE, args.work, limit=args.limit, splits=("train",))
        n = add_labeller(model, train_files["train"])
        write_card(model, args.norne or DEFAULT_NORNE)
        print(f"labeller fitted on {n} names of NorNE's training files and added to {model}")
        return 0
    overrides = {}
    if args.max_steps:
        overrides["training.max_steps"] = args.max_steps
        overrides["training.eval_frequency"] = max(1, min(500, args.max_steps // 2))
    out = train(args.norne or DEFAULT_NORNE, args.output or kg_nlp.SHIPPED_MODEL, args.work, overrides, args.limit,
                args.config or CONFIG)
    print(f"trained pipeline written to {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: ``python -m kg.train`` takes the options of ``kg train``."""
    from .cli import main as cli_main

    return cli_main(["train", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
