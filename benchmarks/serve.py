"""Benchmark ``kg serve``: p50/p95 of every named query and explorer page over HTTP.

Ingests the sample corpus (and the NIBR report when ../shared is there) into
a fresh embedded store, starts the server on loopback in this process, and
asks each named query and each explorer page ``--runs`` times from one
client. Prints, per question, the server time (the ``Server-Timing`` header:
from request parsed to response written) and the time the client waited,
p50 and p95, against the 300 ms target for the region and actor pages.

Usage: python benchmarks/serve.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

from kg import nlp as kg_nlp
from kg.ingest import ingest
from kg.query import entities
from kg.server import ServeConfig, make_server
from kg.store import OxigraphStore

ROOT = Path(__file__).resolve().parents[1]
NIBR = ROOT.parent / "shared" / "corpus" / "nibr-notat-2004-116.pdf"
TARGET_MS = 300


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-serve-bench-", ignore_cleanup_errors=True) as work:
        run(args, Path(work) / "store")


def run(args: argparse.Namespace, folder: Path) -> None:
    """Ingest the sample corpus into ``folder``, serve it and time every question."""
    paths = [ROOT / "corpus"] + ([NIBR] if NIBR.exists() else [])
    with OxigraphStore(folder) as store:
        summary = ingest(paths, store, kg_nlp.load())
        print(f"store: {summary.line()}; {store.count()} quads in all")
        by_label = {r.label: r for r in entities(store)}
        firm = by_label.get("Forestia AS") or next(r for r in by_label.values() if r.type == "Firm")
        network = next(r for r in by_label.values() if r.type == "Network")
        server = make_server(store, "127.0.0.1", 0, ServeConfig(quiet=True))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        report = "nibr-notat-2004-116.pdf" if NIBR.exists() else "lettmetall-raufoss.pdf"
        questions = [
            ("page /region Innlandet", "/region?" + urlencode({"name": "Innlandet"}), True),
            ("page /region Glåmdalen", "/region?" + urlencode({"name": "Glåmdalen"}), True),
            (f"page /entity {firm.label}", "/entity?" + urlencode({"iri": firm.iri}), True),
            (f"page /entity {network.label}", "/entity?" + urlencode({"iri": network.iri}), True),
            ("page /search skog", "/search?q=skog", False),
            ("page /", "/", False),
            ("search", "/api/queries/search?text=raufoss", False),
            ("actors-of-region", "/api/queries/actors-of-region?region=Innlandet", True),
            ("region", "/api/queries/region?region=Innlandet", True),
            ("figures-of-region", "/api/queries/figures-of-region?region=Innlandet", False),
            ("members", "/api/queries/members?" + urlencode({"name": network.label}), False),
            ("entity", "/api/queries/entity?" + urlencode({"iri": firm.iri}), True),
            ("co-mentioned", "/api/queries/co-mentioned?" + urlencode({"iri": firm.iri}), False),
            ("group-graph", "/api/queries/group-graph?" + urlencode({"iri": network.iri}), False),
            ("entities", "/api/queries/entities", False),
            ("reports", "/api/queries/reports", False),
            ("report-adds", "/api/queries/report-adds?" + urlencode({"report": report}), False),
        ]
        print(f"{'question':44} {'server p50':>10} {'p95':>7} {'client p50':>10} {'p95':>7}  target")
        for name, path, targeted in questions:
            server_ms, client_ms = [], []
            for _ in range(args.runs):
                start = time.perf_counter()
                with urlopen(server.url + path) as response:
                    response.read()
                    timing = response.headers["Server-Timing"]
                client_ms.append((time.perf_counter() - start) * 1000)
                server_ms.append(float(timing.split("dur=")[1]))
            p95 = percentile(server_ms, 95)
            verdict = ("met" if p95 <= TARGET_MS else "MISSED") if targeted else ""
            print(f"{name[:44]:44} {statistics.median(server_ms):8.1f}ms {p95:5.1f}ms "
                  f"{statistics.median(client_ms):8.1f}ms {percentile(client_ms, 95):5.1f}ms  {verdict}")
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
