"""The web explorer's pages, rendered on the server from the named queries.

Pages are plain HTML, so that they work without JavaScript, load fast and
can be tested by reading them; a small script (``static/explorer.js``)
draws network pictures, runs the SPARQL editor and uploads PDFs. Every
value from the graph or the request is escaped on the way out.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Mapping
from urllib.parse import urlencode

from .query import LINKS, NAMED_QUERIES, run_named
from .store import Store

#: Kinds whose page shows a picture of members and links.
GROUP_TYPES = {"Cluster", "Network", "Programme"}

TYPE_NAMES = {
    "Firm": "Firms", "PublicBody": "Public bodies", "ResearchOrEducation": "Research and education",
    "DevelopmentActor": "Development actors", "Association": "Associations", "Network": "Networks",
    "Cluster": "Clusters", "Organisation": "Organisations", "Programme": "Programmes", "Actor": "Other actors",
    "County": "Counties", "Region": "Regions", "Municipality": "Municipalities", "Locality": "Localities",
    "Place": "Places", "Country": "Countries", "Sector": "Sectors",
}

#: Sorted by STR(): labels carry @nb or @nn as their report is written, and a store
#: may order literals of two language tags apart.
EXAMPLES = {
    "Firms and where they are located": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?firm ?place WHERE {
  ?f a kg:Firm ; skos:prefLabel ?firm ; kg:locatedIn ?p .
  ?p skos:prefLabel ?place .
} ORDER BY STR(?place) STR(?firm)""",
    "Members of clusters and networks": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?group ?member WHERE {
  ?m kg:memberOf ?g . ?g skos:prefLabel ?group . ?m skos:prefLabel ?member .
} ORDER BY STR(?group) STR(?member)""",
    "Figures with the sentence they come from": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?subject ?measure ?value ?unit ?year ?page ?sentence WHERE {
  ?o kg:about ?s ; kg:measure ?measure ; kg:value ?value ; kg:unit ?unit .
  ?s skos:prefLabel ?subject .
  OPTIONAL { ?o kg:refYear ?year }
  ?ev kg:subject ?o ; kg:page ?page ; kg:sentence ?sentence .
} ORDER BY STR(?subject)""",
    "Actors in a county, through the place hierarchy": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?actor ?place WHERE {
  ?county a kg:County ; skos:prefLabel "Innlandet"@nb .
  ?p kg:partOf* ?county ; skos:prefLabel ?place .
  ?a kg:locatedIn ?p ; skos:prefLabel ?actor .
} ORDER BY STR(?place) STR(?actor)""",
    "Reports, with series and year": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title ?series ?year ?pages WHERE {
  ?r a kg:Report ; dcterms:title ?title ; kg:pageCount ?pages .
  OPTIONAL { ?r dcterms:identifier ?series } OPTIONAL { ?r dcterms:issued ?year }
}""",
    "Entities by type (counts)": """PREFIX kg: <https://w3id.org/kg-no/ontology#>
SELECT ?type (COUNT(DISTINCT ?e) AS ?entities) WHERE {
  ?e kg:mentionedIn ?r ; a ?type .
} GROUP BY ?type ORDER BY DESC(?entities)""",
}

e = html.escape


def _link(path: str, text: str, **params) -> str:
    query = f"?{urlencode(params)}" if params else ""
    return f'<a href="{e(path + query)}">{e(text)}</a>'


def entity_link(iri: str, label: str) -> str:
    """A link to an entity's page."""
    return _link("/entity", label, iri=iri)


def _layout(title: str, body: str, search: str = "") -> str:
    return f"""<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)} · kg</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/static/explorer.css">
</head>
<body><header><a class="brand" href="/">kg</a>
<form class="search" action="/search" method="get" role="search">
<input type="search" name="q" value="{e(search)}" placeholder="Search firms, organisations, places…"
 aria-label="Search">
<button>Search</button></form>
<nav><a href="/reports">Reports</a> <a href="/editor">SPARQL</a></nav></header>
<main>{body}</main>
<script src="/static/explorer.js" defer></script></body></html>
"""


def _badge(kind: str) -> str:
    return f'<span class="badge t-{e(kind)}">{e(kind)}</span>'


def _heading(label: str, kind: str, meta: list[tuple[str, str]]) -> str:
    """A page's title with its type, and a list of (term, HTML) details; empty details are left out."""
    details = "".join(f"<dt>{e(term)}</dt><dd>{value}</dd>" for term, value in meta if value)
    return f'<h1>{e(label)} {_badge(kind)}</h1><dl class="meta">{details}</dl>'


def _evidence(items: list[dict]) -> str:
    if not items:
        return ""
    lis = "".join(
        f'<li><q>{e(ev["sentence"])}</q> <cite>{e(ev["report"])}, p. {ev["page"]}'
        + (f', confidence {ev["confidence"]:.2f}' if ev.get("confidence") is not None else "")
        + "</cite></li>" for ev in items)
    return f'<ul class="evidence">{lis}</ul>'


def _figure_value(fig: dict) -> str:
    value = fig["value"]
    text = f"{value:,.0f}".replace(",", " ") if float(value).is_integer() else f"{value:g}"
    return f'{text} {fig["unit"]}'


def _figures(figures: list[dict], with_subject: bool = True) -> str:
    if not figures:
        return '<p class="none">No figures.</p>'
    rows = []
    for fig in figures:
        subject = f'<td>{entity_link(fig["subject"], fig["subject_label"])}</td>' if with_subject else ""
        rows.append(f'<tr>{subject}<td>{e(fig["measure"])}</td>'
                    f'<td class="num">{e(_figure_value(fig))}</td><td>{fig["year"] or ""}</td>'
                    f'<td>{_evidence(fig["evidence"])}</td></tr>')
    head = "<th>About</th>" if with_subject else ""
    return (f'<table class="figures"><thead><tr>{head}<th>Measure</th><th>Value</th><th>Year</th>'
            f'<th>Evidence</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


# ------------------------------------------------------------ pages

def home(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """Start page: search, regions with actors, clusters and networks, the reports."""
    reports = run_named(store, "reports", {})
    region_items = "".join(
        f'<li>{_link("/region", r["label"], name=r["label"])} '
        f'<span class="muted">{e(r["type"])}, {r["actors"]} actors</span></li>'
        for r in run_named(store, "regions", {}))
    group_items = "".join(f'<li>{entity_link(g["iri"], g["label"])} {_badge(g["type"])}</li>'
                          for g in run_named(store, "groups", {}))
    body = f"""<h1>Regional industry knowledge graph</h1>
<p class="lead">{len(reports)} reports, {sum(r["pages"] for r in reports)} pages.
Search for a firm, an organisation or a place, or start from a region or a network.</p>
<div class="columns"><section><h2>Regions and counties</h2><ul class="plain">{region_items or
    '<li class="none">No actors located yet: ingest reports with kg ingest.</li>'}</ul></section>
<section><h2>Clusters, networks and programmes</h2><ul class="plain">{group_items or
    '<li class="none">None yet.</li>'}</ul></section></div>"""
    return _layout("Explorer", body)


def search_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """Search results for a partial name."""
    text = params.get("q", "")
    hits = run_named(store, "search", {"text": text}) if text.strip() else []
    items = "".join(
        f'<li>{entity_link(h["iri"], h["label"])} {_badge(h["type"])}'
        + (f' <span class="muted">as “{e(h["matched"])}”</span>' if h["matched"] != h["label"] else "")
        + ("" if h["mentioned"] else ' <span class="muted">(gazetteer; no report mentions it)</span>')
        + "</li>" for h in hits)
    result = f'<ul class="results">{items}</ul>' if hits else f'<p class="none">Nothing is named “{e(text)}”.</p>'
    return _layout(f"Search: {text}", f"<h1>Search</h1>{result if text.strip() else ''}", search=text)


def entity_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """An actor, programme, place or sector with its links, figures and the sentences behind them."""
    iri = params.get("iri", "")
    ent = run_named(store, "entity", {"iri": iri})
    meta = [("Also called", e(", ".join(ent["aliases"]))), ("Founded", e(", ".join(ent["founded"]))),
            ("IRI", f'<code>{e(ent["iri"])}</code>')]
    if set(ent["types"]) & {"County", "Region", "Municipality", "Locality", "Place"}:
        meta.append(("Region page", _link("/region", "Actors and figures here", name=ent["label"])))
    parts = [_heading(ent["label"], ent["type"], meta)]
    if ent["type"] in GROUP_TYPES or any(f["predicate"] in ("memberOf", "participatesIn") and f["direction"] == "in"
                                         for f in ent["facts"]):
        src = "/api/queries/group-graph?" + urlencode({"iri": iri})
        parts.append(f'<h2>Members and links</h2><div class="graph" data-src="{e(src)}" '
                     f'data-center="{e(iri)}"><p class="muted">Drawing…</p></div>')
    by_relation: dict[str, list[dict]] = defaultdict(list)
    for fact in ent["facts"]:
        by_relation[fact["relation"]].append(fact)
    if by_relation:
        parts.append("<h2>Facts</h2>")
        for relation, facts in by_relation.items():
            items = "".join(f'<li>{entity_link(f["iri"], f["label"])} {_badge(f["type"])}{_evidence(f["evidence"])}'
                            "</li>" for f in facts[:200])
            more = f'<p class="muted">and {len(facts) - 200} more</p>' if len(facts) > 200 else ""
            parts.append(f'<h3>{e(relation.capitalize())}</h3><ul class="facts">{items}</ul>{more}')
    parts.append("<h2>Figures</h2>" + _figures(ent["figures"], with_subject=False))
    co = run_named(store, "co-mentioned", {"iri": iri})
    if co:
        items = "".join(f'<li>{entity_link(c["iri"], c["label"])} {_badge(c["type"])} '
                        f'<span class="muted">{c["sentences"]} sentences</span></li>' for c in co[:30])
        parts.append(f'<h2>Named in the same sentences</h2><ul class="plain">{items}</ul>')
    if ent["mentions"]:
        parts.append("<h2>Mentions</h2>" + _evidence(ent["mentions"]))
    if ent["reports"]:
        items = "".join(f'<li>{_link("/report", r["title"], ref=r["graph"])}</li>' for r in ent["reports"])
        parts.append(f'<h2>Reports</h2><ul class="plain">{items}</ul>')
    return _layout(ent["label"], "".join(parts))


def region_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """A region: the places inside it, its actors by type with the kind of link and evidence, its figures."""
    name = params.get("name", "")
    link = params.get("link") or None
    paging = {k: params[k] for k in ("link", "limit", "offset") if params.get(k)}
    reg = run_named(store, "region", paging | {"region": name})
    parts = [_heading(reg["label"], reg["type"], [
        ("Number", e(reg["number"] or "")),
        ("Part of", ", ".join(_link("/region", p["label"], name=p["label"]) for p in reg["part_of"])),
        ("Place", entity_link(reg["iri"], "Its own page")),
    ])]
    filters = " ".join(
        f'<a class="chip{" on" if kind == link else ""}" '
        f'href="{e("/region?" + urlencode({"name": name, "link": kind}))}">{e(kind)}</a>' for kind in LINKS)
    actors = reg["actors"]
    parts.append(f'<h2>Actors ({reg["actor_count"]})</h2><p class="filters">Link: '
                 f'<a class="chip{"" if link else " on"}" href="{e("/region?" + urlencode({"name": name}))}">all</a> '
                 f"{filters}</p>")
    if not actors:
        parts.append('<p class="none">No actors are linked to this place.</p>')
    for kind, rows in actors.items():
        items = []
        for a in rows:
            links = a["links"]
            summary = ", ".join(sorted({f'{lk["link"]} {lk["place"]}' for lk in links}))
            evidence = _evidence([lk for lk in links if lk.get("sentence")])
            items.append(f'<li>{entity_link(a["iri"], a["label"])} <span class="muted">{e(summary)}</span>'
                         f"<details><summary>evidence</summary>{evidence or '<p class=none>none</p>'}</details></li>")
        parts.append(f'<h3>{e(TYPE_NAMES.get(kind, kind))} ({len(rows)})</h3><ul class="facts">{"".join(items)}</ul>')
    parts.append(_pager(reg, {"name": name} | {k: v for k, v in paging.items() if k != "offset"}))
    parts.append("<h2>Figures</h2>" + _figures(reg["figures"]))
    if reg["places"]:
        grouped: dict[str, list[dict]] = defaultdict(list)
        for p in reg["places"]:
            grouped[p["type"]].append(p)
        parts.append("<h2>Places inside</h2>")
        for kind, places in grouped.items():
            items = ", ".join(_link("/region", p["label"], name=p["label"])
                              + (f' <span class="muted">{e(p["number"])}</span>' if p["number"] else "")
                              for p in places)
            parts.append(f'<h3>{e(TYPE_NAMES.get(kind, kind))}</h3><p class="places">{items}</p>')
    return _layout(reg["label"], "".join(parts))


def _pager(reg: dict, params: dict) -> str:
    """Links to the previous and next page of a region's actors, and which ones this page shows."""
    first, limit, count = reg["offset"], reg["limit"], reg["actor_count"]
    if count <= limit and not first:
        return ""
    links = []
    if first > 0:
        links.append(_link("/region", "← previous", **params, offset=str(max(0, first - limit))))
    if first + limit < count:
        links.append(_link("/region", "next →", **params, offset=str(first + limit)))
    shown = f"actors {first + 1}–{min(count, first + limit)} of {count}" if first < count else f"no actors past {count}"
    return f'<p class="pager"><span class="muted">{e(shown)}</span> {" ".join(links)}</p>'


def reports_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """The stored reports; with a token-enabled server, a form to upload more."""
    reports = run_named(store, "reports", {})
    rows = "".join(
        f'<tr><td>{_link("/report", r["title"], ref=r["graph"])}</td><td>{e(r["series"] or "")}</td>'
        f'<td>{e(r["year"] or "")}</td><td class="num">{r["pages"]}</td><td class="num">{r["triples"]}</td>'
        f'<td><code>{e(r["source"])}</code></td></tr>' for r in reports)
    table = (f'<table><thead><tr><th>Title</th><th>Series</th><th>Year</th><th>Pages</th><th>Triples</th>'
             f'<th>File</th></tr></thead><tbody>{rows}</tbody></table>' if reports
             else '<p class="none">No reports yet.</p>')
    upload = ""
    if writable:
        upload = """<h2>Add a report</h2><form id="upload" class="upload">
<label>PDF <input type="file" name="file" accept="application/pdf,.pdf" required></label>
<label>Token <input type="password" name="token" required autocomplete="off"></label>
<button>Upload and ingest</button><output></output></form>"""
    return _layout("Reports", f"<h1>Reports</h1>{table}{upload}")


def report_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """What one report adds to the others."""
    adds = run_named(store, "report-adds", {"report": params.get("ref", "")})
    r = adds["report"]
    parts = [f'<h1>{e(r["title"])}</h1><dl class="meta"><dt>Series</dt><dd>{e(r["series"] or "–")}</dd>'
             f'<dt>Year</dt><dd>{e(r["year"] or "–")}</dd><dt>File</dt><dd><code>{e(r["source"])}</code></dd>'
             f'<dt>Pages</dt><dd>{r["pages"]}</dd><dt>Graph</dt><dd><code>{e(r["graph"])}</code></dd>'
             f'<dt>Read by</dt><dd>{e(r["read_by"] or "an older kg (before 0.2.0)")}</dd></dl>']
    items = "".join(f'<li>{entity_link(x["iri"], x["label"])} {_badge(x["type"])}</li>' for x in adds["entities"])
    parts.append(f'<h2>Entities no other report mentions ({len(adds["entities"])})</h2>'
                 f'<ul class="plain">{items or "<li class=none>none</li>"}</ul>')
    facts = "".join(f'<tr><td>{e(f["subject"])}</td><td>{e(f["predicate"])}</td><td>{e(f["object"])}</td></tr>'
                    for f in adds["facts"])
    parts.append(f'<h2>Facts no other report states ({len(adds["facts"])})</h2>'
                 f'<table><thead><tr><th>Subject</th><th>Link</th><th>Object</th></tr></thead>'
                 f"<tbody>{facts}</tbody></table>")
    return _layout(r["title"], "".join(parts))


def editor_page(store: Store, params: Mapping[str, str], writable: bool = False) -> str:
    """A SPARQL editor with example queries; results come from the /sparql endpoint."""
    first = next(iter(EXAMPLES.values()))
    options = "".join(f'<option value="{e(text)}">{e(title)}</option>' for title, text in EXAMPLES.items())
    named = "".join(
        f'<li><code>/api/queries/{e(q.name)}</code>'
        + (f'?{"&amp;".join(e(p.name) + "=…" for p in q.params)}' if q.params else "")
        + f' <span class="muted">{e(q.title)}</span></li>' for q in NAMED_QUERIES.values())
    body = f"""<h1>SPARQL</h1>
<p class="lead">The endpoint is <code>/sparql</code> (SPARQL 1.1 Protocol); the default graph is the union of all
reports. Use it from YASGUI, SPARQLWrapper, R or a spreadsheet (Accept: text/csv).</p>
<form id="editor" class="editor"><label>Example <select name="example">{options}</select></label>
<textarea name="query" rows="14" spellcheck="false">{e(first)}</textarea>
<div><button>Run</button> <a id="csv" href="#">Download CSV</a> <output></output></div></form>
<div id="results"></div>
<h2>Named queries</h2><p>The explorer's own questions, as JSON:</p><ul class="plain">{named}</ul>"""
    return _layout("SPARQL", body)


def error_page(status: int, reason: str) -> str:
    """A page for a failed request, with its one-line reason."""
    return _layout(f"Error {status}", f'<h1>Error {status}</h1><p class="error">{e(reason)}</p>'
                   '<p><a href="/">Back to the start page</a></p>')


PAGES: dict[str, Callable[..., str]] = {
    "/": home, "/search": search_page, "/entity": entity_page, "/region": region_page,
    "/reports": reports_page, "/report": report_page, "/editor": editor_page,
}
