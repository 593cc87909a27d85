"""Crash safety: a killed ingest leaves every report fully stored or absent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.ingest import WORKER_DIED, ingest
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


def _workers(pid: int) -> list[int]:
    """The pool's worker processes of process ``pid`` (not its resource tracker), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if parent == pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue  # it ended while we looked
    return found


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(Path(link.readlink()) == path for link in (Path("/proc") / str(pid) / "fd").iterdir())
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the worker reading a file in /proc")
def test_a_report_whose_worker_dies_fails_alone_and_the_others_are_stored(tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    doomed = write_report_pdf(folder / "stor.pdf", LONG_BODY * 30, title="Stor rapport")
    for i in range(5):
        write_report_pdf(folder / f"r{i}.pdf", LONG_BODY * (i + 1), title=f"Rapport {i}")
    command = [sys.executable, "-m", "kg.cli", "ingest", str(folder), "--store", str(tmp_path / "s"),
               "--workers", "2", "--quiet"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed = set()
    while proc.poll() is None:  # kill every worker seen reading the doomed report, as a crash would
        for pid in set(_workers(proc.pid)) - killed:
            if _has_open(pid, doomed):
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.01)
    out, err = proc.communicate()
    assert len(killed) == 2  # among the others, then alone
    assert proc.returncode == 1
    assert err.splitlines() == [f"kg: failed: {doomed}: {WORKER_DIED}"]
    assert out.startswith("5 reports ingested, 0 unchanged, 1 failed")
    with OxigraphStore(tmp_path / "s") as store:
        assert sorted(r["source"] for r in reports(store)) == [f"r{i}.pdf" for i in range(5)]
    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("1 reports ingested, 5 unchanged, 0 failed")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="finds the workers in /proc")
def test_workers_that_keep_dying_stop_the_ingest_with_one_line(tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    for i in range(3):
        write_report_pdf(folder / f"r{i}.pdf", LONG_BODY, title=f"Rapport {i}")
    command = [sys.executable, "-m", "kg.cli", "ingest", str(folder), "--store", str(tmp_path / "s"),
               "--workers", "2", "--quiet"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: dict[int, float] = {}
    killed = set()
    while proc.poll() is None:  # every worker dies as it starts, long before it can read a report
        for pid in set(_workers(proc.pid)) - killed:
            # not at once: a pool starts its workers one by one, and Python 3.11's pool
            # can fail (a stray traceback) when one dies while the next is being started
            if time.monotonic() - seen.setdefault(pid, time.monotonic()) > 0.05:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
        time.sleep(0.005)
    out, err = proc.communicate()
    assert proc.returncode == 1
    assert err.splitlines() == ["kg: error: the worker processes keep dying before they read a report "
                                "(3 reports not read); try --workers 1, or free some memory"]
    with OxigraphStore(tmp_path / "s") as store:
        assert reports(store) == []


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
