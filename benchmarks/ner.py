"""Benchmark kg's NLP pipeline: NER F1 on NorNE, speed on one core, size and memory.

Prints, in one run: NER precision/recall/F1 on ``ud-dev.conllu`` and
``ud-test.conllu`` for Bokmål and Nynorsk, whole-pipeline words per second
through ``nlp.pipe`` on one core, model size on disk and peak memory.

Speed is measured twice: on NorNE's sentences one by one, and on the text
blocks of report PDFs, batched as ``kg ingest`` pipes them
(``kg.extract.BATCH_SIZE``); spaCy's cost per document weighs more on
single sentences.

Usage: python benchmarks/ner.py [--norne ../shared/norne] [--model PATH_OR_NAME] [--reports PDF ...]
                                [--baseline PATH_OR_NAME] [--update-card]

``--baseline`` measures a second pipeline's speed in the same run, the two
taking turns, and prints the ratio (a shared machine's speed drifts between runs).

``--update-card`` writes the figures into the model's meta.json (its model card).
"""

from __future__ import annotations

import os

# one core: pin the process and keep BLAS single-threaded before numpy loads
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from kg import nlp as kg_nlp  # noqa: E402
from kg.conllu import read_conllu  # noqa: E402
from kg.document import build_document  # noqa: E402
from kg.evaluate import score_ner, sentence_text_and_entities  # noqa: E402
from kg.extract import BATCH_SIZE  # noqa: E402
from kg.pdf import read_pdf  # noqa: E402


def default_reports() -> list[Path]:
    root = Path(__file__).resolve().parents[1]
    nibr = root.parent / "shared" / "corpus" / "nibr-notat-2004-116.pdf"
    return sorted((root / "corpus").glob("*.pdf")) + ([nibr] if nibr.is_file() else [])


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def words_per_second(pipelines: list, texts: list[str], batch_size: int, runs: int = 3) -> list[float]:
    """Median words per second of each pipeline's ``nlp.pipe`` over ``runs`` passes (after a warm-up).

    The pipelines take turns pass by pass, so that a busy spell of a shared
    machine slows them alike and their ratio holds.
    """
    words = sum(len(t.split()) for t in texts)
    rates: list[list[float]] = [[] for _ in pipelines]
    for nlp in pipelines:
        list(nlp.pipe(texts[:200], batch_size=batch_size))
    for _ in range(runs):
        for nlp, found in zip(pipelines, rates):
            start = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=batch_size):
                pass
            found.append(words / (time.perf_counter() - start))
    return [statistics.median(r) for r in rates]


def speed(label: str, pipelines: list, names: list[str], texts: list[str], batch_size: int) -> float:
    """Print the whole pipeline's speed (and a baseline's beside it); return the model's."""
    rates = words_per_second(pipelines, texts, batch_size)
    line = f"whole pipeline, one core, on {label}: {rates[0]:,.0f} words/s"
    if len(rates) > 1:
        line += f"; baseline {names[1]}: {rates[1]:,.0f} words/s; ratio {rates[0] / rates[1]:.2f}x"
    print(line)
    return rates[0]


def report_blocks(pdfs: list[Path]) -> list[str]:
    """The text blocks (paragraphs, headings, bullets) of report PDFs, as kg reads them."""
    return [b.text for pdf in pdfs for b in build_document(read_pdf(pdf)).blocks]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--norne", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "norne")
    parser.add_argument("--model", default=None)
    parser.add_argument("--reports", type=Path, nargs="+", default=default_reports(),
                        help="report PDFs whose text measures speed (default: the sample corpus and the NIBR report)")
    parser.add_argument("--update-card", action="store_true", help="write the figures into the model's meta.json")
    parser.add_argument("--baseline", help="another pipeline whose speed is measured alongside, turn by turn")
    args = parser.parse_args()
    card: dict = {"date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {platform.machine()}"}
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    nlp = kg_nlp.load(args.model)
    name = kg_nlp.model_name(args.model)
    print(f"model: {name}  ({platform.processor() or platform.machine()}, {time.strftime('%Y-%m-%d')})")
    print(f"{'file':18} {'p':>6} {'r':>6} {'f1':>6} {'ner words/s':>12}")
    for lang in ("nob", "nno"):
        for split in ("ud-dev", "ud-test"):
            path = args.norne / lang / f"{split}.conllu"
            s = score_ner(nlp, path)
            o = s.overall
            print(f"{lang}/{split:14} {o.p:6.3f} {o.r:6.3f} {o.f1:6.3f} {s.words_per_second:12,.0f}")
            card[f"{lang}/{split}"] = {"p": round(o.p, 4), "r": round(o.r, 4), "f1": round(o.f1, 4),
                                       "per_label_f1": {k: round(v.f1, 4) for k, v in s.per_label.items()}}
    pipelines, names = [nlp], [name]
    if args.baseline:
        pipelines.append(kg_nlp.load(args.baseline))
        names.append(kg_nlp.model_name(args.baseline))
    print(f"whole pipeline: {', '.join(nlp.pipe_names)}")
    sentences = [sentence_text_and_entities(sent)[0] for sent in read_conllu(args.norne / "nob" / "ud-dev.conllu")]
    rate = speed("NorNE nob/ud-dev sentences", pipelines, names, sentences, batch_size=256)
    card["words_per_second_one_core_sentences"] = round(rate)
    blocks = report_blocks(args.reports)
    rate = speed(f"report text ({len(blocks)} blocks of {len(args.reports)} PDFs, as kg extract pipes them)",
                 pipelines, names, blocks, batch_size=BATCH_SIZE)
    card["words_per_second_one_core"] = round(rate)
    path = Path(name)
    if path.is_dir():
        card["size_mb"] = round(folder_size(path) / 1e6, 1)
        print(f"model size on disk: {card['size_mb']:.1f} MB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    card["peak_memory_mb"] = round(peak)
    print(f"peak memory (max RSS): {peak:.0f} MB")
    if args.update_card and path.is_dir():
        meta_path = path / "meta.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["kg_benchmark"] = card
        meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"model card updated: {meta_path}")


if __name__ == "__main__":
    main()
