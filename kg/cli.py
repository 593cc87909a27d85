"""The ``kg`` command line: a thin layer over the library.

Each command parses its arguments, calls one library function and prints the
result. Library errors (:class:`kg.errors.KGError`) become one line on
standard error and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import signal
import sys
from pathlib import Path

from . import __version__
from .errors import DataError, KGError, QueryError

FORMATS = ("table", "json", "csv", "tsv")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = args.func(args) or 0
        sys.stdout.flush()  # a reader gone away shows here, not as a traceback at exit
        return code
    except KGError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("kg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # kg … | head: stop quietly, as other Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit must not fail
        return 141  # 128 + SIGPIPE: what a shell reports for a tool stopped by a closed pipe


def build_parser() -> argparse.ArgumentParser:
    """All commands with their help texts."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="Turn Norwegian regional-development report PDFs into a queryable knowledge graph.",
    )
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    def store_opt(p):
        p.add_argument("--store",
                       help="store folder, or a SPARQL 1.1 server's base URL (default: $KG_STORE or ./kg-store); "
                            "a server's login comes from $KG_STORE_USER and $KG_STORE_PASSWORD, or $KG_STORE_TOKEN")

    def page_opt(p, what):
        p.add_argument("--limit", type=int, help=f"at most this many {what} (default: all)")
        p.add_argument("--offset", type=int, default=0, help=f"{what} to skip first, for the next page (default 0)")

    def format_opt(p, choices=FORMATS):
        p.add_argument("--format", choices=choices, default="table", help="output format (default: table)")

    p = command("ingest", cmd_ingest, "Ingest report PDFs (files or folders) into the store.")
    p.add_argument("paths", nargs="+", metavar="PATH", help="PDF files or folders holding PDFs")
    store_opt(p)
    p.add_argument("--model", help="spaCy pipeline name or path (default: $KG_SPACY_MODEL or the shipped model)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--workers", type=int, default=1,
                   help="processes that parse and analyse PDFs in parallel (default 1; one writer stores)")
    p.add_argument("--reread", action="store_true",
                   help="read again the stored reports that another kg version or pipeline read "
                        "(by default they are kept and counted; 'kg reports' shows what read each)")

    p = command("query", cmd_query, "Run a SPARQL query over all reports (argument, --file or stdin).")
    p.add_argument("sparql", nargs="?", help="the query text; omit to read --file or stdin")
    p.add_argument("--file", type=Path, help="read the query from this file")
    store_opt(p)
    format_opt(p)

    p = command("actors", cmd_actors, "Actors linked to a region or any place inside it.")
    p.add_argument("--region", required=True, help="county, region, municipality or locality name")
    p.add_argument("--link", choices=("located", "active", "member", "operates", "owns"),
                   help="keep one kind of link: located there, active there, member of a cluster or network there, "
                        "operator of a programme there, owner of an actor seated there")
    page_opt(p, "actors")
    store_opt(p)
    format_opt(p)

    p = command("members", cmd_members, "Members of a network or cluster, participants in a programme.")
    p.add_argument("name", help="name of the network, cluster or programme")
    page_opt(p, "members")
    store_opt(p)
    format_opt(p)

    p = command("entities", cmd_entities, "Entities found in the stored reports.")
    p.add_argument("--type", help="ontology class, e.g. Firm, Organisation, Programme, Place, Cluster, Network")
    store_opt(p)
    format_opt(p)

    p = command("reports", cmd_reports, "Reports in the store.")
    store_opt(p)
    format_opt(p)

    p = command("adds", cmd_adds, "What a report adds: entities and facts no other stored report has.")
    p.add_argument("report", help="file name (e.g. rapport.pdf), SHA-256 prefix or graph IRI")
    store_opt(p)
    format_opt(p)

    p = command("remove", cmd_remove, "Remove a report (by file name, content hash or graph IRI).")
    p.add_argument("report", help="file name (e.g. rapport.pdf), SHA-256 prefix or graph IRI")
    store_opt(p)

    p = command("export", cmd_export, "Export the whole graph.")
    p.add_argument("--format", choices=("turtle", "trig", "nquads", "jsonld"), default="trig",
                   help="RDF format (default: trig, which keeps the report graphs)")
    p.add_argument("--output", type=Path, help="write to this file instead of standard output")
    store_opt(p)

    p = command("network", cmd_network, "Export the actor network (GraphML for Gephi, or a CSV edge list).")
    p.add_argument("--format", choices=("graphml", "csv"), default="graphml", help="graphml (default) or csv")
    p.add_argument("--output", type=Path, help="write to this file instead of standard output")
    store_opt(p)

    p = command("serve", cmd_serve, "Serve the graph: a SPARQL 1.1 endpoint, the named queries as JSON and the "
                                    "web explorer (read-only unless a token is set).")
    store_opt(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7878, help="port (default 7878)")
    p.add_argument("--token-env", default="KG_SERVE_TOKEN", metavar="VAR",
                   help="environment variable holding the token that allows SPARQL Update and PDF upload "
                        "(default KG_SERVE_TOKEN; unset: read-only)")
    p.add_argument("--timeout", type=_time_limit, default=10.0, help="seconds a query may run (default 10)")
    p.add_argument("--slots", type=_positive_int, default=4, help="SPARQL queries that may run at once (default 4)")
    p.add_argument("--queue", type=_seconds, default=2.0,
                   help="seconds a query waits for a free slot before it gets 503 (default 2)")
    p.add_argument("--model", help="spaCy pipeline for uploaded PDFs (default: the shipped model)")
    p.add_argument("--quiet", action="store_true", help="no request log")

    p = command("named", cmd_named, "Run a named query (the explorer's questions); without NAME, list them.")
    p.add_argument("name", nargs="?", help="the query's name, e.g. actors-of-region, members, co-mentioned")
    p.add_argument("params", nargs="*", metavar="KEY=VALUE", help="its parameters, e.g. region=Innlandet")
    store_opt(p)

    p = command("validate", cmd_validate, "Check the graph against the SHACL shapes in ontology/shapes.ttl.")
    store_opt(p)

    p = command("eval-ner", cmd_eval_ner, "Score a spaCy pipeline's NER on a NorNE CoNLL-U file.")
    p.add_argument("file", type=Path, help="NorNE .conllu file (name= tags in MISC)")
    p.add_argument("--model", help="spaCy pipeline name or path (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = command("eval-extract", cmd_eval_extract, "Score extraction against gold annotations (corpus/gold/*.json).")
    p.add_argument("gold", nargs="+", type=Path, help="gold annotation files")
    p.add_argument("--model", help="spaCy pipeline name or path (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    # Defaults named in the help are filled in by kg.train: importing it (and so
    # spaCy, 1.2-1.7 s idle here) to build this parser would slow every command down.
    p = command("train", cmd_train, "Train kg's Norwegian pipeline on NorNE (5 to 12 minutes here).")
    p.add_argument("--norne", type=Path, help="NorNE folder (default ../shared/norne)")
    p.add_argument("--output", type=Path,
                   help="where the trained pipeline goes (default: the shipped one, kg/models/nb_kg)")
    p.add_argument("--work", type=Path, default=Path("build/train"), help="folder for data and checkpoints")
    p.add_argument("--max-steps", type=int, help="training steps (default from the config)")
    p.add_argument("--limit", type=int, help="sentences per file, for a quick trial run")
    p.add_argument("--config", type=Path, help="training config (default: the shipped recipe, kg/training/nb_kg.cfg)")
    p.add_argument("--typing", action="store_true",
                   help="instead: refit the classifier of organisation names on kg/data/typing_examples.csv "
                        "into kg/data/typing_weights.json, or --output (seconds; after editing the examples)")
    p.add_argument("--labeller", action="store_true",
                   help="instead: refit the NER's second look at labels (kg.labeller) on NorNE's training "
                        "names and add it to the shipped pipeline, or --output (under a minute; NER unchanged)")
    return parser


def _positive_int(text: str) -> int:
    """An option's whole number of at least 1 (argparse names the option when it is not)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of at least 1: {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    """An option's number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


def _time_limit(text: str) -> float:
    """An option's time limit in seconds: more than 0 (a query given none could never answer) and finite."""
    value = _seconds(text)
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a time limit in seconds above 0: {text!r}")
    return value


# ------------------------------------------------------------- commands


def cmd_ingest(args) -> int:
    from .ingest import find_pdfs, ingest
    from .store import open_store

    files = find_pdfs(args.paths)
    model = None  # with workers, they load it (and this process need not import spaCy)
    if args.workers <= 1:
        from . import nlp as kg_nlp

        model = kg_nlp.load(args.model)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="report", file=sys.stderr)
    with open_store(args.store) as store:
        summary = ingest(files, store, model, progress=(lambda p: bar.update(1)) if bar else None,
                         workers=args.workers, model=args.model, reread=args.reread)
    if bar:
        bar.close()
    for failure in summary.failures:
        print(f"kg: failed: {failure}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.failures else 0


def cmd_query(args) -> int:
    import pyoxigraph as ox

    from .store import open_store

    text = args.sparql
    if text is None and args.file:
        try:
            text = args.file.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"{args.file}: cannot read query file ({exc.strerror})") from exc
    elif text is None:
        text = sys.stdin.read()
    if not text.strip():
        raise QueryError("empty query; pass SPARQL as an argument, with --file or on standard input")
    with open_store(args.store) as store:
        result = store.raw_query(text)
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            if args.format == "json":
                out = result.serialize(format=ox.QueryResultsFormat.JSON).decode()
            else:
                rows = [[_term_text(row[v]) for v in variables] for row in result]
                out = _render(variables, rows, args.format)
        elif isinstance(result, ox.QueryBoolean):
            out = json.dumps({"boolean": bool(result)}) if args.format == "json" else str(bool(result)).lower()
        else:
            out = ox.serialize(result, format=ox.RdfFormat.TURTLE).decode()
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0


def cmd_actors(args) -> int:
    from .query import actors_in_region
    from .store import open_store

    with open_store(args.store) as store:  # tables show the kind of link only; JSON also where it was read
        rows = actors_in_region(store, args.region, args.link, args.limit, args.offset, evidence=args.format == "json")
    _print_rows(rows, args.format, extra=lambda r: "; ".join(sorted({f"{x['link']} {x['place']}" for x in r.links})))
    return 0


def cmd_members(args) -> int:
    from .query import members
    from .store import open_store

    with open_store(args.store) as store:
        rows = members(store, args.name, args.limit, args.offset, evidence=args.format == "json")
    _print_rows(rows, args.format)
    return 0


def cmd_entities(args) -> int:
    from .query import entities
    from .store import open_store

    with open_store(args.store) as store:
        rows = entities(store, args.type)
    _print_rows(rows, args.format)
    return 0


def cmd_reports(args) -> int:
    from .query import reports
    from .store import open_store

    with open_store(args.store) as store:
        items = reports(store)
    if args.format == "json":
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return 0
    cols = ["source", "title", "series", "year", "language", "pages", "triples", "sha256", "read_by"]
    rows = [[str(i[c])[:16] if c == "sha256" else ("" if i[c] is None else str(i[c])) for c in cols] for i in items]
    sys.stdout.write(_render(cols, rows, args.format))
    return 0


def _report_or_fail(store, ref: str) -> list[dict]:
    from .query import find_report

    hits = find_report(store, ref)
    if not hits:
        raise QueryError(f"no stored report matches {ref!r}; 'kg reports' lists them")
    return hits


def cmd_adds(args) -> int:
    from .query import report_adds
    from .store import open_store

    with open_store(args.store) as store:
        (report, *_) = _report_or_fail(store, args.report)
        adds = report_adds(store, report["graph"])
    if args.format == "json":
        print(json.dumps(adds, ensure_ascii=False, indent=2))
        return 0
    print(f"{report['source']} adds {len(adds['entities'])} entities and {len(adds['facts'])} facts")
    sys.stdout.write(_render(["label", "type", "iri"], [[e["label"], e["type"], e["iri"]] for e in adds["entities"]],
                             args.format))
    sys.stdout.write(_render(["subject", "predicate", "object"],
                             [[f["subject"], f["predicate"], f["object"]] for f in adds["facts"]], args.format))
    return 0


def cmd_remove(args) -> int:
    from .store import open_store

    with open_store(args.store) as store:
        hits = _report_or_fail(store, args.report)
        for r in hits:
            store.remove_graph(r["graph"])
            print(f"removed {r['source']} ({r['graph']})")
    return 0


def cmd_export(args) -> int:
    import pyoxigraph as ox

    from .store import open_store

    fmt = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}
    with open_store(args.store) as store:
        if args.format == "jsonld":
            data = _jsonld(store)
        else:
            data = store.dump(fmt[args.format])
    if args.output:
        args.output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_network(args) -> int:
    from .query import network
    from .store import open_store

    with open_store(args.store) as store:
        edges = network(store)
    text = _graphml(edges) if args.format == "graphml" else _render(
        ["source", "source_label", "source_type", "link", "target", "target_label", "target_type"],
        [[e.source, e.source_label, e.source_type, e.link, e.target, e.target_label, e.target_type] for e in edges],
        "csv",
    )
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def _graphml(edges) -> str:
    """A GraphML document with node labels and types and edge kinds."""
    import xml.etree.ElementTree as ET

    root = ET.Element("graphml", xmlns="http://graphml.graphdrawing.org/xmlns")
    for key, target, name in (("label", "node", "label"), ("type", "node", "type"), ("link", "edge", "link")):
        ET.SubElement(root, "key", id=key, attrib={"for": target, "attr.name": name, "attr.type": "string"})
    graph = ET.SubElement(root, "graph", id="kg", edgedefault="directed")
    nodes = {}
    for e in edges:
        nodes[e.source] = (e.source_label, e.source_type)
        nodes[e.target] = (e.target_label, e.target_type)
    for iri, (label, kind) in sorted(nodes.items()):
        node = ET.SubElement(graph, "node", id=iri)
        ET.SubElement(node, "data", key="label").text = label
        ET.SubElement(node, "data", key="type").text = kind
    for i, e in enumerate(edges):
        edge = ET.SubElement(graph, "edge", id=f"e{i}", source=e.source, target=e.target)
        ET.SubElement(edge, "data", key="link").text = e.link
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def cmd_serve(args) -> int:
    import os

    from .server import ServeConfig, make_server
    from .store import open_store

    token = os.environ.get(args.token_env) or None
    config = ServeConfig(token=token, timeout=args.timeout, workers=args.slots, queue=args.queue, model=args.model,
                         quiet=args.quiet)
    with open_store(args.store) as store:
        server = make_server(store, args.host, args.port, config)
        mode = "updates and uploads with the token" if token else "read-only"
        print(f"kg: serving {store.location} at {server.url}/ ({mode}); SPARQL at {server.url}/sparql, "
              f"{config.workers} queries at a time; Ctrl-C stops", file=sys.stderr)
        # a service manager (systemd, docker stop) stops with SIGTERM: the same clean stop as Ctrl-C
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("kg: stopped", file=sys.stderr)
        finally:
            signal.signal(signal.SIGTERM, previous)
            server.shutdown_pool()
            server.server_close()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def cmd_named(args) -> int:
    from .query import NAMED_QUERIES, run_named
    from .store import open_store

    if not args.name:
        for q in NAMED_QUERIES.values():
            params = " ".join(f"{p.name}=…" if p.required else f"[{p.name}=…]" for p in q.params)
            print(f"{q.name:18} {params:32} {q.title}")
        return 0
    params = {}
    for item in args.params:
        key, sep, value = item.partition("=")
        if not sep:
            raise QueryError(f"parameter {item!r} is not KEY=VALUE")
        params[key] = value
    with open_store(args.store) as store:
        result = run_named(store, args.name, params)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_validate(args) -> int:
    from .store import open_store
    from .validate import validate

    with open_store(args.store) as store:
        report = validate(store)
    print(report.summary)
    return 0 if report.conforms else 1


def cmd_eval_ner(args) -> int:
    from . import nlp as kg_nlp
    from .evaluate import score_ner

    if not args.file.is_file():
        raise DataError(f"{args.file}: no such CoNLL-U file; pass the path of a NorNE .conllu file")
    scores = score_ner(kg_nlp.load(args.model), args.file)
    if args.json:
        print(json.dumps(scores.as_dict(), indent=2))
        return 0
    o = scores.overall
    print(f"{'label':10} {'p':>6} {'r':>6} {'f1':>6} {'gold':>6}")
    for label, s in sorted(scores.per_label.items()):
        print(f"{label:10} {s.p:6.3f} {s.r:6.3f} {s.f1:6.3f} {s.tp + s.fn:6d}")
    print(f"{'overall':10} {o.p:6.3f} {o.r:6.3f} {o.f1:6.3f} {o.tp + o.fn:6d}")
    print(f"{scores.words} words in {scores.seconds:.2f} s: {scores.words_per_second:,.0f} words/s")
    return 0


def cmd_eval_extract(args) -> int:
    from . import nlp as kg_nlp
    from .evaluate import read_gold, score_extraction
    from .ingest import process

    golds = [read_gold(path) for path in args.gold]
    model = kg_nlp.load(args.model)
    results = {}
    for gold in golds:
        if not gold.source.is_file():
            print(f"kg: skipped: {gold.path}: report {gold.source} not found", file=sys.stderr)
            continue
        results[str(gold.path)] = score_extraction(gold, process(gold.source, model))
    if not results:
        raise DataError("no gold file's report could be found; check the 'source' paths")
    total = sum(list(results.values())[1:], list(results.values())[0])
    if args.json:
        print(json.dumps({"total": total.as_dict(), "files": {k: v.as_dict() for k, v in results.items()}}, indent=2))
        return 0
    print(f"{'file':44} {'part':13} {'p':>6} {'r':>6} {'f1':>6}")
    for name, scores in [*results.items(), ("total", total)]:
        for part in ("entities", "relations", "observations"):
            s = getattr(scores, part)
            print(f"{Path(name).name:44} {part:13} {s.p:6.3f} {s.r:6.3f} {s.f1:6.3f}")
    return 0


def cmd_train(args) -> int:
    from .train import run

    return run(args)


# --------------------------------------------------------------- output


def _term_text(term) -> str:
    if term is None:
        return ""
    return term.value


def _print_rows(rows, fmt: str, extra=None) -> None:
    if fmt == "json":
        print(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    cols = ["label", "type", "aliases", "iri"] + (["links"] if extra else [])
    data = [[r.label, r.type, ", ".join(r.aliases), r.iri] + ([extra(r)] if extra else []) for r in rows]
    sys.stdout.write(_render(cols, data, fmt))


def _render(cols: list[str], rows: list[list[str]], fmt: str) -> str:
    if fmt in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(cols)
        writer.writerows(rows)
        return buf.getvalue()
    widths = [min(60, max([len(c)] + [len(r[i]) for r in rows])) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths)), "  ".join("-" * w for w in widths)]
    for r in rows:
        lines.append("  ".join(_cut(v, w).ljust(w) for v, w in zip(r, widths)))
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines) + "\n"


def _cut(value: str, width: int) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _jsonld(store) -> bytes:
    from rdflib import Dataset

    from .store import from_ox

    ds = Dataset()
    for q in store.quads():
        ds.graph(from_ox(q.graph_name)).add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return ds.serialize(format="json-ld", indent=2).encode("utf-8")


if __name__ == "__main__":
    sys.exit(main())
