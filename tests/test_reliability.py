"""Crash safety: a killed ingest leaves every report fully stored or absent."""

import signal
import subprocess
import sys
import time

import pytest

from kg.ingest import ingest
from kg.query import reports
from kg.store import OxigraphStore

from .conftest import LONG_BODY, write_report_pdf


@pytest.mark.slow
def test_kill_9_mid_batch_leaves_whole_reports(nlp, tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    for i in range(6):
        write_report_pdf(folder / f"r{i}.pdf", LONG_BODY * (i + 1), title=f"Rapport {i}")
    with OxigraphStore(tmp_path / "reference") as store:
        ingest([folder], store, nlp)
        expected = {r["sha256"]: r["triples"] for r in reports(store)}
    command = [sys.executable, "-m", "kg.cli", "ingest", str(folder), "--store", str(tmp_path / "s"), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    full = time.perf_counter() - start
    (tmp_path / "s").rename(tmp_path / "s-full")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(full * 0.7)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    with OxigraphStore(tmp_path / "s") as store:  # reopens after the crash
        stored = {r["sha256"]: r["triples"] for r in reports(store)}
    for sha, triples in stored.items():
        assert expected[sha] == triples  # never a half-written report
    assert len(stored) <= len(expected)
