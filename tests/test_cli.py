import argparse
import json

import pytest

from kg.cli import build_parser, main

from .conftest import CORPUS

COMMANDS = ["ingest", "query", "actors", "members", "entities", "reports", "adds", "remove", "export", "network",
            "validate", "eval-ner", "eval-extract", "train", "serve", "named"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert f"kg {command}" in out and len(out.splitlines()) > 3


def test_parser_knows_every_command():
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(COMMANDS)


@pytest.fixture(scope="module")
def store(tmp_path_factory, nlp):
    path = tmp_path_factory.mktemp("cli") / "store"
    assert main(["ingest", str(CORPUS), "--store", str(path), "--quiet"]) == 0
    return str(path)


def test_actors_json(store, capsys):
    assert main(["actors", "--region", "Glåmdalen", "--store", store, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {"label", "type", "iri", "aliases"} <= set(rows[0])
    assert "Forestia AS" in {r["label"] for r in rows}
    assert any(link["sentence"] for r in rows for link in r["links"])  # JSON says where each link was read


def test_actors_in_pages(store, capsys):
    assert main(["actors", "--region", "Innlandet", "--store", store, "--format", "csv"]) == 0
    everyone = capsys.readouterr().out.splitlines()[1:]
    assert main(["actors", "--region", "Innlandet", "--store", store, "--format", "csv",
                 "--limit", "4", "--offset", "3"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == everyone[3:7]
    assert main(["actors", "--region", "Innlandet", "--store", store, "--limit", "0"]) == 2
    assert "limit must be at least 1" in capsys.readouterr().err


def test_entities_csv_and_query_formats(store, capsys):
    assert main(["entities", "--type", "Firm", "--store", store, "--format", "csv"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "label,type,aliases,iri" and "Forestia AS" in out
    q = "PREFIX kg: <https://w3id.org/kg-no/ontology#> SELECT (COUNT(*) AS ?n) WHERE { ?r a kg:Report }"
    assert main(["query", q, "--store", store, "--format", "tsv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "3"]
    assert main(["query", "CONSTRUCT WHERE { ?r a <https://w3id.org/kg-no/ontology#Report> }", "--store", store]) == 0
    assert "ontology#Report" in capsys.readouterr().out


def test_errors_are_one_line_with_exit_codes(store, capsys):
    assert main(["actors", "--region", "Atlantis", "--store", store]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kg: error:") and err.count("\n") == 1
    assert main(["query", "SELEKT", "--store", store]) == 2
    assert "invalid SPARQL" in capsys.readouterr().err


def test_what_a_report_adds(store, capsys):
    assert main(["adds", "reiseliv-valdres.pdf", "--store", store, "--format", "json"]) == 0
    adds = json.loads(capsys.readouterr().out)
    new = {e["label"] for e in adds["entities"]}
    assert "Visit Valdres AS" in new
    assert "Innlandet fylkeskommune" not in new  # the Glåmdalen report names it too
    assert {"subject": "Visit Valdres AS", "predicate": "locatedIn", "object": "Fagernes"} in adds["facts"]


def test_network_export_graphml_and_csv(store, tmp_path, capsys):
    import xml.etree.ElementTree as ET

    out = tmp_path / "net.graphml"
    assert main(["network", "--store", store, "--output", str(out)]) == 0
    root = ET.parse(out).getroot()
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    labels = {d.text for d in root.findall(".//g:node/g:data[@key='label']", ns)}
    assert {"Glommen Mjøsen Skog SA", "Moelven Industrier ASA"} <= labels
    assert main(["network", "--store", store, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("source,source_label") and any(",owns," in line for line in lines)


def test_remove_and_export(store, tmp_path, capsys):
    out = tmp_path / "all.nq"
    assert main(["export", "--format", "nquads", "--store", store, "--output", str(out)]) == 0
    assert "valdres" in out.read_text(encoding="utf-8").lower()
    assert main(["remove", "reiseliv-valdres.pdf", "--store", store]) == 0
    assert main(["reports", "--store", store, "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["reports", "--store", store, "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2
    assert main(["validate", "--store", store]) == 0


def test_output_to_a_closed_pipe_stops_quietly(store):
    # kg entities | head -1: head leaves before kg has written everything
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "entities", "--store", store], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()
    assert proc.wait(timeout=120) == 141  # 128 + SIGPIPE, as the shell reports it
    assert proc.stderr.read() == b""


def test_ingest_failure_exit_code(store, bad_inputs, capsys):
    assert main(["ingest", str(bad_inputs["not_pdf"]), "--store", store, "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"kg: failed: {bad_inputs['not_pdf']}: not a PDF (no %PDF- header)"]


def test_named_queries_from_the_command_line(store, capsys):
    assert main(["named"]) == 0
    listing = capsys.readouterr().out
    assert "actors-of-region" in listing and "co-mentioned" in listing
    assert main(["named", "members", "name=Raufoss Industrinettverk", "--store", store]) == 0
    assert {r["label"] for r in json.loads(capsys.readouterr().out)} == {"Nammo Raufoss AS",
                                                                        "Benteler Automotive Raufoss AS"}
    assert main(["named", "members", "Raufoss", "--store", store]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_serve_runs_until_interrupted_or_terminated(store, stop):
    """Ctrl-C or a service manager's SIGTERM stop the server cleanly."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # a shell runs background jobs with Ctrl-C ignored, and a child inherits that: as a
    # terminal would, give the server the default, so the test does not depend on how it was started
    proc = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--store", store, "--port", str(port),
                             "--slots", "2", "--queue", "0.5", "--quiet"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "KG_SERVE_TOKEN": "", "PYTHONFAULTHANDLER": "1"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/queries/reports", timeout=2) as response:
                    listed = json.loads(response.read())
                    assert listed and all("title" in r for r in listed)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("kg serve did not answer")
        proc.send_signal(getattr(signal, stop))
        try:
            assert proc.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # the fault handler prints where each thread waits
            pytest.fail(f"kg serve did not stop on {stop}:\n" + proc.communicate(timeout=10)[1])
        err = proc.stderr.read()
        assert "read-only" in err and "2 queries at a time" in err and "stopped" in err
    finally:
        proc.kill()


@pytest.mark.parametrize("option", [["--slots", "0"], ["--slots", "two"], ["--queue", "-1"], ["--queue", "nan"],
                                    ["--timeout", "0"], ["--timeout", "-5"], ["--timeout", "inf"],
                                    ["--timeout", "soon"]])
def test_serve_refuses_bad_slots_queue_and_timeout_in_one_line(option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["serve", *option])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert exc.value.code == 2 and option[0] in err and option[1] in err
