import os
import shutil
import subprocess
import sys

import pytest

from kg.errors import ModelError
from kg.ingest import ingest, one_thread_each
from kg.query import reports
from kg.store import OxigraphStore

from .conftest import LONG_BODY, write_report_pdf


def test_ingest_is_idempotent(nlp, tmp_path):
    pdf = write_report_pdf(tmp_path / "a.pdf", LONG_BODY)
    with OxigraphStore(tmp_path / "s") as store:
        first = ingest([pdf], store, nlp)
        total = store.count()
        second = ingest([pdf], store, nlp)
        assert (first.reports, second.reports, second.unchanged) == (1, 0, 1)
        assert store.count() == total


def test_stored_reports_are_looked_up_in_one_request(nlp, tmp_path, monkeypatch):
    """Ingesting a folder again asks the store once, not once or more per stored report
    (on a remote server each question is a round trip)."""
    pdfs = [write_report_pdf(tmp_path / f"{n}.pdf", LONG_BODY, title=f"Rapport {n}") for n in "abc"]
    with OxigraphStore(tmp_path / "s") as store:
        ingest(pdfs, store, nlp)
        asked = []

        def counted(name):
            original = getattr(store, name)

            def call(*args, **kwargs):
                asked.append(name)
                return original(*args, **kwargs)
            return call

        for name in ("select", "has_graph"):
            monkeypatch.setattr(store, name, counted(name))
        again = ingest(pdfs, store, nlp)
    assert (again.reports, again.unchanged, asked) == (0, 3, ["select"])


def test_changed_report_replaces_its_graph(nlp, tmp_path):
    pdf = tmp_path / "notat.pdf"
    write_report_pdf(pdf, LONG_BODY, title="Første versjon")
    with OxigraphStore(tmp_path / "s") as store:
        ingest([pdf], store, nlp)
        old = reports(store)
        write_report_pdf(pdf, LONG_BODY, title="Andre versjon")
        ingest([pdf], store, nlp)
        new = reports(store)
    assert len(old) == len(new) == 1
    assert old[0]["sha256"] != new[0]["sha256"] and new[0]["title"] == "Andre versjon"


def test_ingesting_again_drops_an_older_version_a_replacement_left(nlp, tmp_path):
    """A server that stopped between storing a changed report and dropping its old
    version (Virtuoso runs an update's operations one by one) leaves both: ingesting
    the file again keeps the new one alone."""
    from kg.graph import report_graph_iri
    from kg.ingest import process_to_result

    old_pdf, new_pdf = tmp_path / "v1" / "notat.pdf", tmp_path / "v2" / "notat.pdf"
    old_pdf.parent.mkdir()
    new_pdf.parent.mkdir()
    write_report_pdf(old_pdf, LONG_BODY, title="Første versjon")
    write_report_pdf(new_pdf, LONG_BODY, title="Andre versjon")
    with OxigraphStore(tmp_path / "s") as store:
        ingest([old_pdf], store, nlp)
        new = process_to_result(new_pdf, nlp)
        store.put_ntriples(str(report_graph_iri(new.sha256)), new.ntriples)  # stored, the old one not dropped
        assert sorted(r["title"] for r in reports(store)) == ["Andre versjon", "Første versjon"]
        again = ingest([new_pdf], store, nlp)
        assert (again.reports, again.unchanged) == (0, 1)
        assert [r["title"] for r in reports(store)] == ["Andre versjon"]


def test_reports_another_kg_read_are_counted_and_read_again_on_request(nlp, tmp_path, monkeypatch):
    from kg.graph import report_graph_iri
    from kg.ingest import reading, stored_reports

    pdfs = [write_report_pdf(tmp_path / f"{n}.pdf", LONG_BODY, title=f"Rapport {n}") for n in ("a", "b")]
    with OxigraphStore(tmp_path / "s") as store:
        monkeypatch.setattr("kg.ingest.__version__", "0.0.9")  # an older kg reads the first report
        ingest(pdfs[:1], store, nlp)
        monkeypatch.undo()
        ingest(pdfs[1:], store, nlp)
        graphs = [str(report_graph_iri(r["sha256"])) for r in reports(store)]
        assert [stored_reports(store)[g].reading.software for g in graphs] == ["kg 0.0.9", reading(nlp.meta).software]
        assert [r["read_by"] for r in reports(store)][0].startswith("kg 0.0.9, nb_kg ")
        total = store.count()
        kept = ingest(pdfs, store, nlp)
        assert (kept.reports, kept.unchanged, kept.outdated) == (0, 2, 1)
        assert "1 read by another kg or pipeline: --reread reads them again" in kept.line()
        again = ingest(pdfs, store, nlp, reread=True)
        assert (again.reports, again.reread, again.unchanged, again.outdated) == (1, 1, 1, 0)
        assert all(stored_reports(store)[g].reading == reading(nlp.meta) for g in graphs)
        assert store.count() == total and len(reports(store)) == 2  # replaced in place, nothing left over
        assert ingest(pdfs, store, nlp, reread=True).unchanged == 2


def test_bad_files_fail_alone_and_leave_nothing(nlp, bad_inputs, tmp_path):
    good = write_report_pdf(tmp_path / "god.pdf", LONG_BODY)
    folder = tmp_path / "inn"
    folder.mkdir()
    for path in [good, *[p for k, p in bad_inputs.items() if k != "missing"]]:
        shutil.copy(path, folder / path.name)
    with OxigraphStore(tmp_path / "s") as store:
        summary = ingest([folder, bad_inputs["missing"]], store, nlp)
        stored = reports(store)
    assert summary.reports == 1 and len(summary.failures) == 6
    assert [r["source"] for r in stored] == ["god.pdf"]
    for failure in summary.failures:
        assert "\n" not in str(failure) and failure.path in str(failure)


def test_parallel_ingest_stores_the_same_graphs(nlp, bad_inputs, tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    pdfs = [write_report_pdf(tmp_path / f"r{i}.pdf", LONG_BODY, title=f"Rapport nummer {i}") for i in range(3)]
    with OxigraphStore(tmp_path / "one") as store:
        serial = ingest(pdfs, store, nlp)
        one = {r["sha256"]: r["triples"] for r in reports(store)}
    with OxigraphStore(tmp_path / "two") as store:
        parallel = ingest([*pdfs, bad_inputs["not_pdf"]], store, workers=2)
        two = {r["sha256"]: r["triples"] for r in reports(store)}
    assert one == two and (serial.reports, parallel.reports) == (3, 3)
    assert [f.path for f in parallel.failures] == [str(bad_inputs["not_pdf"])]
    assert "OMP_NUM_THREADS" not in os.environ  # set for the workers alone


def test_processes_started_for_workers_get_one_thread_each_unless_the_caller_chose(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "4")
    show = [sys.executable, "-c", "import os; print(os.environ.get('OMP_NUM_THREADS'), os.environ['MKL_NUM_THREADS'])"]
    with one_thread_each():
        inside = subprocess.run(show, capture_output=True, text=True, check=True).stdout.split()
    assert inside == ["1", "4"]
    assert "OMP_NUM_THREADS" not in os.environ and os.environ["MKL_NUM_THREADS"] == "4"


def test_a_large_batch_is_bulk_loaded_with_the_same_graphs(nlp, tmp_path, monkeypatch):
    from kg import ingest as kg_ingest

    folder = tmp_path / "inn"
    for sub in ("a", "b"):
        (folder / sub).mkdir(parents=True)
    for i in range(5):
        write_report_pdf(folder / "a" / f"r{i}.pdf", LONG_BODY, title=f"Rapport nummer {i}")
    # the same file name again, with new content: it replaces the first, as one by one
    write_report_pdf(folder / "b" / "r0.pdf", LONG_BODY, title="Rapport nummer 0, ny utgave")
    compacted = []  # the reports stored and the triples bulk-loaded, each time compacting was asked

    def compact(store, loaded):
        compacted.append((len(reports(store)), loaded))
        return OxigraphStore.compact(store, loaded)

    with OxigraphStore(tmp_path / "one") as store:
        monkeypatch.setattr(store, "compact", lambda loaded: compact(store, loaded))
        serial = ingest([folder], store, nlp)
        one = {r["sha256"]: r["triples"] for r in reports(store)}
    assert compacted == []  # one transaction per report: nothing to compact
    monkeypatch.setattr(kg_ingest, "BULK_MIN", 2)
    monkeypatch.setattr(kg_ingest, "BULK_REPORTS", 3)
    with OxigraphStore(tmp_path / "bulk") as store:
        monkeypatch.setattr(store, "compact", lambda loaded: compact(store, loaded))
        bulk = ingest([folder], store, nlp)
        stored = reports(store)
        total = store.count()
    # once, after the last bulk load, with the triples of the five new reports (the sixth replaced one)
    assert [n for n, _ in compacted] == [5] and 0 < compacted[0][1] < bulk.triples
    assert {r["sha256"]: r["triples"] for r in stored} == one and len(one) == 5
    assert (bulk.reports, bulk.triples, bulk.failures) == (serial.reports, serial.triples, [])
    assert bulk.reports == 6
    assert "Rapport nummer 0, ny utgave" in [r["title"] for r in stored]
    assert not (tmp_path / "bulk" / OxigraphStore.PENDING).exists()
    with OxigraphStore(tmp_path / "bulk") as store:  # reopened: nothing to undo, all there
        assert store.count() == total and len(reports(store)) == 5


def test_an_unknown_model_stops_a_parallel_ingest_before_any_report(tmp_path):
    pdfs = [write_report_pdf(tmp_path / f"r{i}.pdf", LONG_BODY, title=f"Rapport nummer {i}") for i in range(2)]
    with OxigraphStore(tmp_path / "store") as store:
        with pytest.raises(ModelError, match="no_such_pipeline.*not found"):
            ingest(pdfs, store, workers=2, model="no_such_pipeline")
        assert reports(store) == []


def test_a_loaded_pipeline_with_workers_is_refused_before_any_report(nlp, tmp_path):
    # the workers would read with the shipped model instead, and the store would say otherwise
    pdf = write_report_pdf(tmp_path / "r.pdf", LONG_BODY)
    with OxigraphStore(tmp_path / "store") as store:
        with pytest.raises(ModelError, match="pass model="):
            ingest([pdf, pdf], store, nlp, workers=2)
        assert reports(store) == []


def test_a_parallel_ingest_keeps_spacy_out_of_the_writer_process(tmp_path):
    # the writer shares the cores with the workers: importing spaCy there would delay them
    pdfs = [write_report_pdf(tmp_path / f"r{i}.pdf", LONG_BODY, title=f"Rapport nummer {i}") for i in range(2)]
    code = ("import sys; from kg.cli import main; "
            f"code = main(['ingest', '--workers', '2', '--quiet', '--store', {str(tmp_path / 's')!r}, "
            f"{str(pdfs[0])!r}, {str(pdfs[1])!r}]); "
            "print(code, 'spacy' in sys.modules, 'sklearn' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.splitlines()[-1] == "0 False False", done.stderr
