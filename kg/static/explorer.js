// kg explorer: network pictures, the SPARQL editor and PDF upload. No libraries, no inline script.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const COLOURS = {
  Firm: "#1f77b4", PublicBody: "#2ca02c", ResearchOrEducation: "#9467bd", DevelopmentActor: "#17becf",
  Association: "#bcbd22", Organisation: "#8c564b", Network: "#d62728", Cluster: "#ff7f0e",
  Programme: "#e377c2", Locality: "#7f7f7f", Municipality: "#7f7f7f", Region: "#7f7f7f", County: "#7f7f7f",
  Place: "#7f7f7f",
};

function el(name, attrs, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

// A force-directed layout: springs along edges, repulsion between all nodes, a pull to the centre.
function layout(nodes, edges, width, height) {
  const index = new Map(nodes.map((n, i) => [n.iri, i]));
  nodes.forEach((n, i) => {
    const angle = (2 * Math.PI * i) / nodes.length;
    n.x = n.center ? width / 2 : width / 2 + (width / 3) * Math.cos(angle);
    n.y = n.center ? height / 2 : height / 2 + (height / 3) * Math.sin(angle);
    n.vx = 0; n.vy = 0;
  });
  const links = edges.map(e => [index.get(e.source), index.get(e.target)]).filter(([a, b]) => a !== undefined && b !== undefined);
  const ideal = Math.max(60, Math.min(width, height) / Math.sqrt(nodes.length + 1));
  for (let step = 0; step < 300; step++) {
    const cooling = 1 - step / 300;
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        const a = nodes[i], b = nodes[j];
        let dx = a.x - b.x, dy = a.y - b.y;
        const d2 = Math.max(dx * dx + dy * dy, 1);
        const f = (ideal * ideal) / d2;
        dx *= f; dy *= f;
        a.vx += dx; a.vy += dy; b.vx -= dx; b.vy -= dy;
      }
    }
    for (const [i, j] of links) {
      const a = nodes[i], b = nodes[j];
      const dx = b.x - a.x, dy = b.y - a.y;
      const d = Math.max(Math.sqrt(dx * dx + dy * dy), 1);
      const f = (d - ideal) / d * 0.5;
      a.vx += dx * f; a.vy += dy * f; b.vx -= dx * f; b.vy -= dy * f;
    }
    for (const n of nodes) {
      n.vx += (width / 2 - n.x) * 0.02; n.vy += (height / 2 - n.y) * 0.02;
      const speed = Math.sqrt(n.vx * n.vx + n.vy * n.vy);
      const limit = 20 * cooling + 0.5;
      if (speed > limit) { n.vx *= limit / speed; n.vy *= limit / speed; }
      if (!n.center) { n.x += n.vx; n.y += n.vy; }
      n.x = Math.min(width - 20, Math.max(20, n.x)); n.y = Math.min(height - 20, Math.max(20, n.y));
      n.vx = 0; n.vy = 0;
    }
  }
  return links;
}

function drawGraph(box, data) {
  box.textContent = "";
  if (data.nodes.length < 2) { box.innerHTML = '<p class="none">No members or links found.</p>'; return; }
  const width = Math.max(box.clientWidth, 320), height = Math.min(640, 220 + 28 * data.nodes.length);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img",
    "aria-label": `${data.nodes.length} nodes, ${data.edges.length} links` }, box);
  const defs = el("defs", {}, svg);
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 18, refY: 5, markerWidth: 6,
    markerHeight: 6, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#999" }, marker);
  const links = layout(data.nodes, data.edges, width, height);
  const lines = links.map(([i, j], k) => {
    const line = el("line", { class: "edge", "marker-end": "url(#arrow)" }, svg);
    el("title", {}, line).textContent = `${data.nodes[i].label} ${data.edges[k].link} ${data.nodes[j].label}`;
    return [line, i, j];
  });
  const groups = data.nodes.map(n => {
    const g = el("g", { class: "node" + (n.center ? " center" : ""), tabindex: 0, "data-iri": n.iri }, svg);
    el("circle", { r: n.center ? 12 : 8, fill: COLOURS[n.type] || "#555" }, g);
    el("text", { x: 12, y: 4 }, g).textContent = n.label;
    el("title", {}, g).textContent = `${n.label} (${n.type})`;
    const open = () => { window.location.href = "/entity?iri=" + encodeURIComponent(n.iri); };
    g.addEventListener("dblclick", open);
    g.addEventListener("keydown", ev => { if (ev.key === "Enter") open(); });
    let dragging = false;
    g.addEventListener("pointerdown", ev => { dragging = true; g.setPointerCapture(ev.pointerId); });
    g.addEventListener("pointerup", ev => { if (dragging && !ev.movementX && !ev.movementY) open(); dragging = false; });
    g.addEventListener("pointermove", ev => {
      if (!dragging) return;
      const box2 = svg.getBoundingClientRect();
      n.x = (ev.clientX - box2.left) * (width / box2.width); n.y = (ev.clientY - box2.top) * (height / box2.height);
      place();
    });
    return [g, n];
  });
  function place() {
    for (const [line, i, j] of lines) {
      line.setAttribute("x1", data.nodes[i].x); line.setAttribute("y1", data.nodes[i].y);
      line.setAttribute("x2", data.nodes[j].x); line.setAttribute("y2", data.nodes[j].y);
    }
    for (const [g, n] of groups) g.setAttribute("transform", `translate(${n.x},${n.y})`);
  }
  place();
  const types = [...new Set(data.nodes.map(n => n.type))].sort();
  const legend = document.createElement("p");
  legend.className = "legend";
  for (const t of types) {
    const item = document.createElement("span");
    item.style.setProperty("--dot", COLOURS[t] || "#555");
    item.textContent = t;
    legend.appendChild(item);
  }
  box.appendChild(legend);
}

async function loadGraphs() {
  for (const box of document.querySelectorAll(".graph[data-src]")) {
    try {
      const response = await fetch(box.dataset.src, { headers: { Accept: "application/json" } });
      const data = await response.json();
      if (!response.ok) throw new Error(data.error || response.statusText);
      drawGraph(box, data);
      box.dataset.drawn = String(data.nodes.length);
    } catch (err) {
      box.textContent = "Cannot draw the network: " + err.message;
    }
  }
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") {
    const a = document.createElement("a");
    a.href = "/entity?iri=" + encodeURIComponent(term.value);
    a.textContent = term.value;
    td.appendChild(a);
  } else {
    td.textContent = term.value;
    if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    else if (term.datatype) td.title = term.datatype;
  }
  return td;
}

async function runQuery(query, accept) {
  return fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
    body: new URLSearchParams({ query }),
  });
}

function setupEditor() {
  const form = document.getElementById("editor");
  if (!form) return;
  const out = form.querySelector("output"), results = document.getElementById("results");
  form.example.addEventListener("change", () => { form.query.value = form.example.value; });
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    out.textContent = "Running…"; results.textContent = "";
    const started = performance.now();
    const response = await runQuery(form.query.value, "application/sparql-results+json, text/turtle;q=0.9");
    const ms = Math.round(performance.now() - started);
    const type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      out.textContent = ""; const p = document.createElement("p"); p.className = "error";
      p.textContent = `Error ${response.status}: ${(await response.text()).trim()}`; results.appendChild(p); return;
    }
    if (type.startsWith("text/turtle")) {
      const pre = document.createElement("pre"); pre.textContent = await response.text(); results.appendChild(pre);
      out.textContent = `${ms} ms`; return;
    }
    const data = await response.json();
    if ("boolean" in data) { out.textContent = `${data.boolean} (${ms} ms)`; return; }
    const table = document.createElement("table"), head = table.createTHead().insertRow();
    for (const v of data.head.vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
    const body = table.createTBody();
    for (const b of data.results.bindings) {
      const row = body.insertRow();
      for (const v of data.head.vars) row.appendChild(cell(b[v]));
    }
    results.appendChild(table);
    out.textContent = `${data.results.bindings.length} rows in ${ms} ms`;
  });
  document.getElementById("csv").addEventListener("click", async ev => {
    ev.preventDefault();
    const response = await runQuery(form.query.value, "text/csv");
    if (!response.ok) { out.textContent = `Error ${response.status}: ${(await response.text()).trim()}`; return; }
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await response.blob()); a.download = "kg-results.csv"; a.click();
  });
}

function setupUpload() {
  const form = document.getElementById("upload");
  if (!form) return;
  const out = form.querySelector("output");
  form.addEventListener("submit", async ev => {
    ev.preventDefault();
    const file = form.file.files[0];
    if (!file) return;
    out.textContent = "Ingesting…";
    const response = await fetch("/ingest?" + new URLSearchParams({ filename: file.name }), {
      method: "POST", headers: { "Content-Type": "application/pdf", Authorization: "Bearer " + form.token.value },
      body: file,
    });
    const data = await response.json();
    if (!response.ok) { out.textContent = `Error ${response.status}: ${data.error}`; return; }
    out.textContent = `${data.reports ? "Ingested" : "Unchanged"}: ${data.pages} pages, ${data.entities} entities.`;
    if (data.reports) setTimeout(() => window.location.reload(), 800);
  });
}

document.addEventListener("DOMContentLoaded", () => { loadGraphs(); setupEditor(); setupUpload(); });
