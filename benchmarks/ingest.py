"""Benchmark ingest: kg against raw pdfminer.six + spaCy, and 1 worker against 2.

Prints, in one run on the same PDFs (the sample corpus plus the NIBR report
when ../shared is there, copied ``--copies`` times with distinct bytes so that
each copy is a new report):

* raw: pdfminer.six ``extract_text`` and the spaCy pipeline's ``nlp.pipe`` on
  the text, pages per second, in this process and in a pool of ``--workers``
  processes (what the machine's cores give the same work in parallel);
* kg ingest with 1 worker and with 2 workers into fresh embedded stores,
  pages per second, with the overhead ratio against raw and the speed-up,
  beside the best speed-up a pool of whole reports allows for the batch;
  the library call with 1 worker uses this process's loaded model, so the
  same speed-up is measured again as a user sees it: whole ``kg ingest``
  commands, each starting fresh and loading the model itself;
* the machine's ceiling: a pure-Python loop (no memory traffic, nothing
  shared) run ``--workers`` times in this process and once in each process
  of a warm pool;
* the writer alone: the batch's graphs stored by each of the embedded
  store's paths (SPARQL Update, transactional load, bulk load), triples/s;
* peak memory of this process.

The runs take turns for ``--rounds`` rounds and the ratios are medians
over the rounds: this shared machine's speed drifts by a fifth within minutes.

Usage: python benchmarks/ingest.py [--copies 4] [--workers 2] [--rounds 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from pdfminer.high_level import extract_text

from kg import nlp as kg_nlp
from kg.ingest import find_pdfs, ingest, process_to_result
from kg.pdf import content_hash
from kg.store import OxigraphStore, Store

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


def raw_pages(pdf: Path) -> int:
    """The baseline for one PDF: pdfminer.six's text, then the spaCy pipeline over it; its page count."""
    text = extract_text(pdf)
    for _ in kg_nlp.load().pipe([text]):
        pass
    return text.count("\f") or 1


def best_speedup(pages: list[int], workers: int) -> float:
    """The speed-up a pool that gives each worker whole reports, largest first, can reach at best.

    Taking work as proportional to pages, it is all pages over the pages of
    the busiest worker: three copies of one long report on two workers allow
    1.5x however fast the pool is.
    """
    load = [0] * workers
    for n in sorted(pages, reverse=True):
        load[load.index(min(load))] += n
    return sum(pages) / max(load)


def raw_run(pdfs: list[Path], workers: int) -> tuple[float, int]:
    """Seconds for the baseline over ``pdfs`` in this process or a pool of ``workers``, and the pages."""
    start = time.perf_counter()
    if workers <= 1:
        pages = sum(raw_pages(pdf) for pdf in pdfs)
    else:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=kg_nlp.load) as pool:
            pages = sum(pool.map(raw_pages, sorted(pdfs, key=lambda p: p.stat().st_size, reverse=True)))
    return time.perf_counter() - start, pages


def kg_run(pdfs: list[Path], store_dir: Path, workers: int):
    """kg ingest of ``pdfs`` into a fresh embedded store; its summary."""
    shutil.rmtree(store_dir, ignore_errors=True)
    with OxigraphStore(store_dir) as store:
        return ingest(pdfs, store, kg_nlp.load() if workers <= 1 else None, workers=workers)


def cli_run(pdfs: list[Path], store_dir: Path, workers: int) -> float:
    """Seconds of a whole ``kg ingest`` command over ``pdfs`` into a fresh embedded store."""
    shutil.rmtree(store_dir, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg.cli", "ingest", "--quiet", "--store", str(store_dir),
                    "--workers", str(workers), *map(str, pdfs)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


#: Iterations of :func:`spin`: about 1.3-1.6 s of one core here.
SPIN = 20_000_000


def spin(n: int = SPIN) -> int:
    """CPU work alone: a Python loop that touches no memory beyond a few objects."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_ceiling(pool: ProcessPoolExecutor, workers: int) -> float:
    """Speed-up of ``workers`` spins in a warm pool over the same spins one after another here."""
    start = time.perf_counter()
    for _ in range(workers):
        spin()
    serial = time.perf_counter() - start
    start = time.perf_counter()
    list(pool.map(spin, [SPIN] * workers))
    return serial / (time.perf_counter() - start)


def writer_rates(pdfs: list[Path], work: Path) -> None:
    """Print how fast the writer stores the batch's graphs, by each of the embedded store's paths."""
    unique = {content_hash(p): p for p in pdfs}  # copies differ by a comment only: process each source once
    graphs = [process_to_result(p, kg_nlp.load()).ntriples for p in unique.values()]
    items = [(f"urn:kg:bench:{i}", graphs[i % len(graphs)]) for i in range(len(pdfs))]
    print(f"writer, {len(items)} report graphs into a fresh embedded store:")
    paths = [
        ("one SPARQL Update per report (replacements)", lambda s: [Store.put_ntriples(s, g, d) for g, d in items]),
        ("one transactional load per report", lambda s: [s.put_ntriples(g, d) for g, d in items]),
        ("bulk loads of 16 reports", lambda s: [s.put_many_ntriples(items[k:k + 16])
                                                for k in range(0, len(items), 16)]),
    ]
    for name, write in paths:
        shutil.rmtree(work / "writer", ignore_errors=True)
        with OxigraphStore(work / "writer") as store:
            start = time.perf_counter()
            write(store)
            seconds = time.perf_counter() - start
            triples = sum(store.count(g) for g, _ in items)
        print(f"  {name:48} {triples / seconds:9,.0f} triples/s  ({seconds:5.1f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the runs, taking turns; ratios are medians over rounds")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-bench-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        (work / "pdfs").mkdir()
        pdfs = make_batch(work / "pdfs", args.copies)
        per_file = [raw_pages(pdf) for pdf in pdfs]  # also a warm-up: the model is loaded, files cached
        pages = sum(per_file)
        print(f"{len(pdfs)} PDFs, {pages} pages; {args.rounds} rounds, each: raw and kg ingest "
              f"with 1 and {args.workers} workers, taking turns")
        overheads, raw_speedups, kg_speedups, cli_speedups, ceilings = [], [], [], [], []
        spinners = ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"))
        list(spinners.map(abs, range(args.workers)))  # started before it is timed
        for k in range(1, args.rounds + 1):
            raw1, _ = raw_run(pdfs, 1)
            kg1 = kg_run(pdfs, work / "store", 1)
            cli1 = cli_run(pdfs, work / "store", 1)
            raw2, _ = raw_run(pdfs, args.workers)
            kg2 = kg_run(pdfs, work / "store", args.workers)
            cli2 = cli_run(pdfs, work / "store", args.workers)
            ceilings.append(cpu_ceiling(spinners, args.workers))
            overheads.append(kg1.seconds / raw1)
            raw_speedups.append(raw1 / raw2)
            kg_speedups.append(kg1.seconds / kg2.seconds)
            cli_speedups.append(cli1 / cli2)
            print(f"round {k}: raw {pages / raw1:5.2f} pages/s, {args.workers} processes {pages / raw2:5.2f}; "
                  f"kg ingest {pages / kg1.seconds:5.2f} pages/s, {args.workers} workers {pages / kg2.seconds:5.2f} "
                  f"({kg2.reports} reports, {kg2.triples} triples, {len(kg1.failures) + len(kg2.failures)} failed); "
                  f"kg ingest commands {cli1:.1f} s, {args.workers} workers {cli2:.1f} s; "
                  f"pure CPU {ceilings[-1]:.2f}x", flush=True)
        spinners.shutdown()
        print(f"overhead of kg ingest (1 worker) over raw pdfminer.six + spaCy: {statistics.median(overheads):.2f}x "
              f"(rounds: {', '.join(f'{x:.2f}' for x in overheads)})")
        print(f"speed-up with {args.workers} workers over 1: kg {statistics.median(kg_speedups):.2f}x "
              f"(rounds: {', '.join(f'{x:.2f}' for x in kg_speedups)}); raw in {args.workers} processes "
              f"{statistics.median(raw_speedups):.2f}x (rounds: {', '.join(f'{x:.2f}' for x in raw_speedups)}); "
              f"whole reports, largest first, allow at most {best_speedup(per_file, args.workers):.2f}x")
        print(f"speed-up as a user sees it (whole kg ingest commands, each loading the model): "
              f"{statistics.median(cli_speedups):.2f}x (rounds: {', '.join(f'{x:.2f}' for x in cli_speedups)}); "
              f"pure-Python CPU work in {args.workers} processes: {statistics.median(ceilings):.2f}x "
              f"(rounds: {', '.join(f'{x:.2f}' for x in ceilings)})")
        writer_rates(pdfs, work)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory of this process (max RSS): {peak:.0f} MB")


if __name__ == "__main__":
    main()
