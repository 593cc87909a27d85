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


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MB tmpfs mounted for the test (needs root and mount rights; skipped otherwise)."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_and_read_only_store_give_clear_errors_and_lose_nothing(small_disk):
    import subprocess

    from rdflib import Graph, Literal, URIRef

    from kg.errors import StoreError

    path = small_disk / "store"
    with OxigraphStore(path) as store:
        before = store.count()
        small = Graph()
        small.add((URIRef("urn:kg:test:a"), URIRef("urn:kg:test:p"), Literal("kept")))
        store.put_graph("urn:kg:test:small", small)
        big = Graph()
        for i in range(150_000):
            big.add((URIRef(f"urn:kg:test:s{i}"), URIRef("urn:kg:test:p"), Literal(f"{'x' * 60} {i}")))
        with pytest.raises(StoreError, match="No space left on device.*check free disk space"):
            store.put_graph("urn:kg:test:big", big)
    subprocess.run(["mount", "-o", "remount,size=256m", str(small_disk)], check=True)
    with OxigraphStore(path) as store:  # reopened after the failure: all of the small graph, nothing of the big one
        assert store.has_graph("urn:kg:test:small") and not store.has_graph("urn:kg:test:big")
        assert store.count() == before + 1
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError, match="Read-only file system"):
        OxigraphStore(path)
