"""Benchmark ingest: kg against raw pdfminer.six + spaCy, and 1 worker against 2.

Prints, in one run on the same PDFs (the sample corpus plus the NIBR report
when ../shared is there, copied ``--copies`` times with distinct bytes so that
each copy is a new report):

* raw: pdfminer.six ``extract_text`` and the spaCy pipeline's ``nlp.pipe`` on
  the text, pages per second;
* kg ingest with 1 worker and with 2 workers into fresh embedded stores,
  pages per second, with the overhead ratio against raw and the speed-up;
* peak memory of this process.

Usage: python benchmarks/ingest.py [--copies 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from pdfminer.high_level import extract_text

from kg import nlp as kg_nlp
from kg.ingest import find_pdfs, ingest
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]


def make_batch(folder: Path, copies: int) -> list[Path]:
    """Copies of the sample PDFs, each with a trailing comment so its hash differs."""
    sources = find_pdfs([ROOT / "corpus"])
    nibr = ROOT.parent / "shared" / "corpus" / "nibr-notat-2004-116.pdf"
    if nibr.exists():
        sources.append(nibr)
    out = []
    for i in range(copies):
        for src in sources:
            dest = folder / f"{src.stem}-{i}.pdf"
            dest.write_bytes(src.read_bytes() + f"\n% copy {i}\n".encode())
            out.append(dest)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        (work / "pdfs").mkdir()
        pdfs = make_batch(work / "pdfs", args.copies)
        nlp = kg_nlp.load()
        start = time.perf_counter()
        texts = [extract_text(p) for p in pdfs]
        pages = sum(t.count("\f") or 1 for t in texts)
        list(nlp.pipe(texts))
        raw = time.perf_counter() - start
        print(f"{len(pdfs)} PDFs, {pages} pages")
        print(f"raw pdfminer extract_text + spaCy nlp.pipe: {raw:6.1f} s  {pages / raw:6.2f} pages/s")
        timings = {}
        for workers in (1, args.workers):
            with OxigraphStore(work / f"store-{workers}") as store:
                summary = ingest(pdfs, store, nlp if workers == 1 else None, workers=workers)
            timings[workers] = summary.seconds
            print(f"kg ingest, {workers} worker(s): {summary.seconds:6.1f} s  {summary.pages / summary.seconds:6.2f} "
                  f"pages/s  ({summary.reports} reports, {summary.triples} triples, {len(summary.failures)} failed)")
        print(f"overhead of kg ingest (1 worker) over raw: {timings[1] / raw:.2f}x")
        print(f"speed-up with {args.workers} workers over 1: {timings[1] / timings[args.workers]:.2f}x")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process (max RSS): {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
