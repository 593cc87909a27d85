"""Ingest reports: the data's journey from PDF files to the store.

``process`` runs the pure stages for one file (pdf → document → nlp/extract →
resolve → graph); ``ingest`` does it for many files and writes each report's
graph in its own transaction. A file that fails is reported and skipped; the
store holds nothing of it.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal

from . import __version__
from . import nlp as kg_nlp
from .document import Document, build_document
from .errors import KGError, ModelError, PDFError
from .graph import READING_PATTERN, Reading, report_graph, report_graph_iri
from .ns import SPARQL_PREFIXES
from .pdf import content_hash, read_pdf
from .store import Store

if TYPE_CHECKING:
    from spacy.language import Language

    from .extract import Extraction
    from .resolve import Resolution

_GRAPHS_OF_SOURCE = SPARQL_PREFIXES + """
SELECT DISTINCT ?g ?name WHERE { GRAPH ?g { ?report kg:sourceFile ?name } }
"""

#: Every stored report's graph, file name and what read it (see :class:`kg.graph.Reading`):
#: asked once per ingest, where a question per file cost three requests per stored report.
_STORED = SPARQL_PREFIXES + f"""
SELECT ?g ?name ?software ?pipeline WHERE {{
  GRAPH ?g {{ ?report kg:sourceFile ?name . OPTIONAL {{ {READING_PATTERN} }} }}
}}
"""


@dataclass(frozen=True)
class Processed:
    """The records one report yields, ready to store."""

    document: Document
    extraction: Extraction
    resolution: Resolution
    graph: Graph


@dataclass(frozen=True)
class Failure:
    """A file that could not be ingested, and why."""

    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class Summary:
    """What an ingest run did.

    ``unchanged`` counts stored reports skipped, ``outdated`` those of them
    that another kg version or pipeline read, ``reread`` the stored reports
    read again (``reread=True``), which ``reports`` includes.
    """

    reports: int = 0
    unchanged: int = 0
    outdated: int = 0
    reread: int = 0
    pages: int = 0
    entities: int = 0
    triples: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    def line(self) -> str:
        again = f" ({self.reread} read again)" if self.reread else ""
        outdated = (f" ({self.outdated} read by another kg or pipeline: --reread reads them again)"
                    if self.outdated else "")
        return (
            f"{self.reports} reports ingested{again}, {self.unchanged} unchanged{outdated}, "
            f"{len(self.failures)} failed; "
            f"{self.pages} pages, {self.entities} entities, {self.triples} triples in {self.seconds:.1f} s"
        )


def reading(meta) -> Reading:
    """What reads reports in this process: this kg and the pipeline with spaCy meta ``meta``."""
    return Reading(f"kg {__version__}", kg_nlp.describe(meta))


@dataclass(frozen=True)
class Stored:
    """A stored report as ingest sees it: its graph, file name and what read it."""

    graph: str
    name: str
    reading: Reading | None  # None for a graph written before kg recorded it


def stored_reports(store: Store) -> dict[str, Stored]:
    """The stored reports by graph IRI, in one request."""
    rows = []
    for r in store.select(_STORED):
        read = Reading(str(r["software"]), str(r["pipeline"])) if r.get("software") else None
        rows.append(Stored(str(r["g"]), str(r["name"]), read))
    # one row per graph; were there two, the one kept must not depend on the store's order
    rows.sort(key=lambda s: (s.reading is None, s.reading and (s.reading.software, s.reading.pipeline), s.name))
    out: dict[str, Stored] = {}
    for found in rows:
        out.setdefault(found.graph, found)
    return out


def find_pdfs(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the PDFs they hold (recursively, sorted); keep files as given."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() == ".pdf"))
        else:
            out.append(p)
    return out


def process(path: str | Path, nlp: Language) -> Processed:
    """Run every pure stage on one PDF."""
    # imported here: with a pool, the writer process never needs spaCy, and
    # importing it there (1.2-1.7 s idle here) would delay the workers on a 2-core machine
    from .extract import extract
    from .resolve import resolve

    document = build_document(read_pdf(path))
    if not document.blocks:
        raise PDFError(path, "no readable text blocks after layout analysis")
    extraction = extract(document, nlp)
    resolution = resolve(extraction, document)
    graph = report_graph(document, extraction, resolution, reading(nlp.meta))
    return Processed(document, extraction, resolution, graph)


@dataclass(frozen=True)
class Result:
    """What one worker sends back for a report: its graph as N-Triples and counts."""

    path: str
    sha256: str
    ntriples: bytes
    pages: int
    entities: int


def process_to_result(path: Path, nlp: Language) -> Result:
    """Process one PDF into a picklable :class:`Result` (raises :class:`KGError`)."""
    done = process(path, nlp)
    data = done.graph.serialize(format="nt", encoding="utf-8")
    return Result(str(path), done.document.sha256, data, done.document.page_count, len(done.resolution.entities))


def _load_model(model: str | None) -> None:
    """Load the spaCy pipeline in a worker (once per process); a bad name raises ModelError there."""
    kg_nlp.load(model)


#: In a worker process: where it tells the writer which report it starts on
#: (see :func:`_pooled`). Set once by :func:`_start_worker`.
_starts = None


def _start_worker(starts) -> None:
    global _starts
    _starts = starts


def _worker(index: int, path: str, model: str | None) -> Result | Failure:
    # the index, not the path: a message this short is written to the pipe in one
    # piece, so the workers need no lock that a killed worker could leave taken
    _starts.send(index)
    try:
        return process_to_result(Path(path), kg_nlp.load(model))
    except KGError as exc:
        return Failure(path, exc.reason if isinstance(exc, PDFError) else str(exc))


def ingest(
    paths: Iterable[str | Path],
    store: Store,
    nlp: Language | None = None,
    progress: Callable[[Path], None] | None = None,
    workers: int = 1,
    model: str | None = None,
    reread: bool = False,
) -> Summary:
    """Ingest PDFs (files or folders) into ``store``.

    Unchanged reports (same content hash) are skipped; a changed report
    (same file name, new content) replaces its old graph atomically. A
    stored report that another kg version or pipeline read (see
    :class:`kg.graph.Reading`) is counted as outdated, or, with ``reread``,
    read again and its graph replaced in one transaction. With
    ``workers`` > 1, PDFs are parsed and analysed in that many processes
    (each loads the pipeline ``model`` once) while this process alone
    writes to the store: one transaction per report, or, from
    :data:`BULK_MIN` reports on, bulk loads of :data:`BULK_REPORTS` new
    reports at a time (see :meth:`kg.store.OxigraphStore.put_many_ntriples`),
    after which the store is compacted if they are a large share of it
    (:meth:`kg.store.Store.compact`).
    A worker that dies costs only the report that killed it (see :func:`_results`).

    Raises:
        ModelError: ``nlp`` given with ``workers`` > 1 (a loaded pipeline
            cannot go to the worker processes, which would read with ``model``
            instead), or the pipeline cannot be loaded.
        KGError: the worker processes keep dying before they read a report;
            the reports read until then are stored.
    """
    if nlp is not None and workers > 1:
        raise ModelError("a loaded pipeline cannot be handed to worker processes: with workers > 1, "
                         "pass model= (a pipeline name or path) instead of nlp=")
    summary = Summary()
    start = time.perf_counter()
    current = reading(nlp.meta if nlp is not None else kg_nlp.pipeline_meta(model))
    todo: list[Path] = []
    again: set[str] = set()
    stored = stored_reports(store) if (pdfs := find_pdfs(paths)) else {}
    for path in pdfs:
        try:
            if not path.exists():
                raise PDFError(path, "no such file")
            graph_iri = str(report_graph_iri(_safe_hash(path))) if path.is_file() else None
            if graph_iri in stored:
                _drop_older_versions(store, stored, path, graph_iri)
                if stored[graph_iri].reading != current:
                    if reread:
                        todo.append(path)
                        again.add(str(path))
                        continue
                    summary.outdated += 1
                summary.unchanged += 1
                if progress:
                    progress(path)
                continue
            todo.append(path)
        except KGError as exc:
            summary.failures.append(Failure(str(path), exc.reason if isinstance(exc, PDFError) else str(exc)))
            if progress:
                progress(path)
    writer = _Writer(store, summary, bulk=len(todo) >= BULK_MIN)
    try:
        for path, outcome in _results(todo, nlp, workers, model):
            if isinstance(outcome, Failure):
                summary.failures.append(outcome)
            else:
                writer.add(path, outcome)
            if progress:
                progress(path)
    finally:
        writer.flush()  # the reports read before an error are stored, not read in vain
    if writer.bulk_triples:
        store.compact(writer.bulk_triples)
    summary.reread = len(again - {f.path for f in summary.failures})
    summary.seconds = time.perf_counter() - start
    return summary


def _other_versions(store: Store, path: Path, graph_iri: str) -> list[str]:
    """The graphs of the other stored versions of a report: same file name, other content."""
    return [str(r["g"]) for r in store.select(_GRAPHS_OF_SOURCE, {"name": Literal(path.name)})
            if str(r["g"]) != graph_iri]


def _drop_older_versions(store: Store, stored: dict[str, Stored], path: Path, graph_iri: str) -> None:
    """Remove the graphs of earlier versions of a stored report.

    A replacement drops them in the same request; a server that runs the
    operations of a request one by one (Virtuoso) can stop between the new
    graph and the drop, and ingesting the file again finishes the job.
    """
    for old in [s.graph for s in stored.values() if s.name == path.name and s.graph != graph_iri]:
        store.remove_graph(old)
        del stored[old]


#: From this many reports in one ingest, new reports are bulk-loaded ...
BULK_MIN = 32
#: ... this many at a time (a crash loses at most these, never half of one).
BULK_REPORTS = 16


class _Writer:
    """Writes finished reports to the store: one transaction each, or bulk loads for a large batch.

    A report whose file name is already stored replaces the old graph in one
    transaction, at once; in a large batch the new ones wait in a buffer of
    :data:`BULK_REPORTS` and go to :meth:`kg.store.Store.put_many_ntriples`.
    """

    def __init__(self, store: Store, summary: Summary, bulk: bool):
        self.store, self.summary, self.bulk = store, summary, bulk
        self.buffer: list[tuple[Path, Result]] = []
        self.bulk_triples = 0  # bulk-loaded, for the store's compaction

    def add(self, path: Path, result: Result) -> None:
        if any(p.name == path.name for p, _ in self.buffer):
            self.flush()  # the later file of a name replaces the earlier, as one by one
        graph_iri = str(report_graph_iri(result.sha256))
        try:
            replaces = _other_versions(self.store, path, graph_iri)
            if replaces or not self.bulk:
                self._count(result, self.store.put_ntriples(graph_iri, result.ntriples, replaces=replaces))
                return
        except KGError as exc:
            self.summary.failures.append(Failure(str(path), str(exc)))
            return
        self.buffer.append((path, result))
        if len(self.buffer) >= BULK_REPORTS:
            self.flush()

    def flush(self) -> None:
        """Bulk-load the buffered reports; if that fails, each of them is a failure with the reason."""
        if not self.buffer:
            return
        batch, self.buffer = self.buffer, []
        try:
            loaded = self.store.put_many_ntriples([(str(report_graph_iri(r.sha256)), r.ntriples) for _, r in batch])
        except KGError as exc:
            self.summary.failures.extend(Failure(str(path), str(exc)) for path, _ in batch)
            return
        self.summary.triples += loaded
        self.bulk_triples += loaded
        for _, result in batch:
            self._count(result, 0)

    def _count(self, result: Result, triples: int) -> None:
        self.summary.triples += triples
        self.summary.reports += 1
        self.summary.pages += result.pages
        self.summary.entities += result.entities


#: Why a report failed whose worker process died twice while reading it:
#: once among the others, and once again alone.
WORKER_DIED = ("the worker process reading it died, also when it was read again alone "
               "(killed, or out of memory?); the other reports carry on")

#: How often the pool may break while no report is being read (a worker dying as it
#: loads the model, say) before the ingest stops: past that, it would break for good.
IDLE_BREAKS = 2


def _results(todo: list[Path], nlp: Language | None, workers: int, model: str | None):
    """Yield (path, Result or Failure) as reports are done, in this process or in a pool.

    A worker process that dies (killed, out of memory, a crash in a C
    extension) breaks the whole pool; its reports would be lost and the
    ingest would stop. Instead the reports being read at that moment are
    read again alone, one at a time in a pool of one, so that a report that
    kills its worker every time is told from those that only shared the
    pool with it; it then fails with :data:`WORKER_DIED`, and the others go on
    in a new pool.

    Raises:
        ModelError: the pipeline cannot be loaded.
        KGError: the pool keeps breaking before it reads any report.
    """
    if workers <= 1 or len(todo) <= 1:
        pipeline = nlp or kg_nlp.load(model)
        for path in todo:
            try:
                yield path, process_to_result(path, pipeline)
            except KGError as exc:
                yield path, Failure(str(path), exc.reason if isinstance(exc, PDFError) else str(exc))
        return
    context = multiprocessing.get_context("spawn")  # no forked copies of spaCy/BLAS state
    left = sorted(todo, key=lambda p: p.stat().st_size, reverse=True)  # largest first balances the pool's tail
    suspects: list[Path] = []
    idle_breaks = 0
    while left or suspects:
        alone = bool(suspects)
        batch = suspects if alone else left
        unfinished, dying = yield from _pooled(batch, 1 if alone else workers, model, context)
        rest = [p for p in unfinished if p not in dying]
        if alone:
            for path in dying:
                yield path, Failure(str(path), WORKER_DIED)
            suspects = rest
        else:
            left, suspects = rest, dying
        if unfinished and not dying:
            idle_breaks += 1
            if idle_breaks > IDLE_BREAKS:
                raise KGError(f"the worker processes keep dying before they read a report "
                              f"({len(left) + len(suspects)} reports not read); try --workers 1, or free some memory")


#: The numeric libraries' thread counts, which a worker process reads as it starts.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def one_thread_each():
    """Start processes with one thread each for BLAS and OpenMP (where the caller has not set
    another number): the workers are the parallelism, and more threads would fight for the
    same cores. The caller's own environment is as it was afterwards."""
    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    for var in THREAD_VARS:
        os.environ.setdefault(var, "1")
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _pooled(paths: list[Path], workers: int, model: str | None, context):
    """Read ``paths`` in a pool of ``workers`` processes, yielding (path, Result or Failure) as each is done.

    Returns (the reports not done, those among them that a worker had started
    on): both empty unless a worker died and broke the pool. Each worker tells
    this process the report it starts on through a pipe, which a listening
    thread empties as it fills, so the writer's pauses never block a worker.
    """
    receive, send = context.Pipe(duplex=False)
    started: set[int] = set()

    def listen() -> None:
        try:
            while True:
                started.add(receive.recv())
        except EOFError:  # every worker has exited and this process closed its end
            return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    done: set[Path] = set()
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=(send,)) as pool:
            # The model is checked in the pool, so this process (the writer) never
            # imports spaCy; the files are queued at once, so every worker starts now.
            futures = {}
            try:
                with one_thread_each():  # a spawned pool starts its workers as work is queued
                    loaded = pool.submit(_load_model, model)
                    for i, path in enumerate(paths):
                        futures[pool.submit(_worker, i, str(path), model)] = path
                loaded.result()
            except KGError:
                pool.shutdown(cancel_futures=True)
                raise
            except BrokenProcessPool:
                pass  # a worker died loading the model, or before all were queued: counted below
            for future in as_completed(futures):
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    continue
                done.add(futures[future])
                yield futures[future], outcome
    finally:
        send.close()
        listener.join()
        receive.close()
    unfinished = [p for p in paths if p not in done]
    return unfinished, [p for i, p in enumerate(paths) if i in started and p not in done]


def _safe_hash(path: Path) -> str:
    try:
        return content_hash(path)
    except OSError as exc:
        raise PDFError(path, f"cannot read file ({exc.strerror or exc})") from exc
