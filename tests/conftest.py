"""Shared fixtures: the model (loaded once), generated PDFs and NorNE snippets."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
NIBR_PDF = SHARED / "corpus" / "nibr-notat-2004-116.pdf"
NORNE = SHARED / "norne"
CORPUS = ROOT / "corpus"


def _load_make_pdfs():
    spec = importlib.util.spec_from_file_location("make_pdfs", CORPUS / "make_pdfs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_pdfs"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


make_pdfs = _load_make_pdfs()


def needs_shared(path: Path):
    """Skip a test cleanly when a file from ../shared is absent."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not present")


@pytest.fixture(scope="session")
def nlp():
    """The shipped pipeline, loaded once for the whole session."""
    from kg import nlp as kg_nlp

    return kg_nlp.load()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, proc, name: str, tries: int = 300) -> None:
    """Poll ``url`` until the server answers (any HTTP status), or fail the test session."""
    import time

    for _ in range(tries):
        try:
            urlopen(url, timeout=1).read()
            return
        except HTTPError:
            return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the {name} did not start")


def oxigraph_exe() -> str:
    """The ``oxigraph`` server CLI (the test is skipped when it is absent)."""
    import shutil

    exe = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(exe).exists():
        pytest.skip("the oxigraph server CLI is not installed (pip install oxigraph)")
    return exe


def start_oxigraph(folder: Path, port: int):
    """Start ``oxigraph serve`` on a loopback port."""
    import subprocess

    return subprocess.Popen([oxigraph_exe(), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def remove_reports(store) -> None:
    """Drop every report graph: the test servers live for the session, and tests store reports there."""
    from kg.query import reports

    for stored in reports(store):
        store.remove_graph(stored["graph"])


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph SPARQL server on loopback (skipped when the CLI is absent)."""
    port = free_port()
    proc = start_oxigraph(tmp_path_factory.mktemp("oxigraph"), port)
    url = f"http://127.0.0.1:{port}"
    _wait_for(f"{url}/query?query=ASK%7B%7D", proc, "Oxigraph server")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


#: Virtuoso's user for the tests: may write through SPARQL Update and the graph store.
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "kg", "kg-test-passord"


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real OpenLink Virtuoso server on loopback, with a user allowed to write.

    Yields the base URL of its password-protected SPARQL endpoint
    (``…/sparql-auth``). Skipped when Debian's ``virtuoso-opensource-7-bin``
    is absent, unless KG_REQUIRE_VIRTUOSO is set (CI installs it).
    """
    import os
    import shutil
    import subprocess

    exe, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if not (exe and isql):
        if os.environ.get("KG_REQUIRE_VIRTUOSO"):
            pytest.fail("KG_REQUIRE_VIRTUOSO is set but virtuoso-t or isql-vt is missing")
        pytest.skip("Virtuoso is not installed (apt-get install virtuoso-opensource-7-bin)")
    folder = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = free_port(), free_port()
    while sql_port == http_port:  # each port was free when asked for; the two must differ too
        sql_port = free_port()
    (folder / "virtuoso.ini").write_text(
        f"[Database]\nDatabaseFile = {folder}/kg.db\nErrorLogFile = {folder}/kg.log\n"
        f"LockFile = {folder}/kg.lck\nTransactionFile = {folder}/kg.trx\nxa_persistent_file = {folder}/kg.pxa\n"
        f"TempStorage = TempDatabase\n[TempDatabase]\nDatabaseFile = {folder}/kg-temp.db\n"
        f"TransactionFile = {folder}/kg-temp.trx\n"
        f"[Parameters]\nServerPort = {sql_port}\nNumberOfBuffers = 10000\nMaxDirtyBuffers = 6000\n"
        f"DirsAllowed = {folder}\n"
        f"[HTTPServer]\nServerPort = {http_port}\nServerRoot = {folder}\nServerThreads = 5\n"
        "[SPARQL]\nResultSetMaxRows = 1000000\nMaxQueryExecutionTime = 120\n", encoding="utf-8")
    proc = subprocess.Popen([exe, "+configfile", str(folder / "virtuoso.ini"), "+foreground"],
                            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{http_port}"
    _wait_for(f"{url}/sparql?query=ASK%7B%7D", proc, "Virtuoso server")
    grant = (f"DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}'); "
             f"GRANT SPARQL_UPDATE TO \"{VIRTUOSO_USER}\";")
    subprocess.run([isql, str(sql_port), "dba", "dba", f"exec={grant}"], check=True, timeout=60,
                   stdout=subprocess.DEVNULL)
    yield f"{url}/sparql-auth"
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


def ingested_store(nlp, folder: Path, paths: list[Path], expected_reports: int) -> Path:
    """A store folder holding the given reports, checked to have ingested cleanly."""
    from kg.ingest import ingest
    from kg.store import OxigraphStore

    path = folder / "store"
    with OxigraphStore(path) as store:
        summary = ingest(paths, store, nlp)
    assert summary.reports == expected_reports and not summary.failures, summary.failures
    return path


@pytest.fixture(scope="session")
def corpus_store(nlp, tmp_path_factory) -> Path:
    """A store folder holding the bundled corpus; tests that write to it take a copy."""
    return ingested_store(nlp, tmp_path_factory.mktemp("corpus"), [CORPUS], 3)


# ------------------------------------------------------------- kg serve


class Served:
    """A ``kg serve`` server running in a thread on a free loopback port, with small HTTP helpers."""

    def __init__(self, store, config):
        from kg.server import make_server

        self.store = store
        self.server = make_server(store, "127.0.0.1", 0, config)
        self.url = self.server.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.shutdown_pool()
        self.server.server_close()

    def get(self, path, accept=None, headers=None):
        return call(self.url + path, headers={**({"Accept": accept} if accept else {}), **(headers or {})})

    def post(self, path, body: bytes, content_type, headers=None):
        return call(self.url + path, body, {"Content-Type": content_type, **(headers or {})})


def call(url, body=None, headers=None):
    """(status, headers, body) of a request, also for error statuses."""
    request = Request(url, data=body, headers=headers or {}, method="POST" if body is not None else "GET")
    try:
        with urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except HTTPError as exc:
        return exc.code, exc.headers, exc.read()


@pytest.fixture(scope="session")
def served_copy(corpus_store, tmp_path_factory):
    """Open a private copy of the corpus store (tests may write to it)."""
    import shutil

    from kg.store import OxigraphStore

    def opened():
        folder = tmp_path_factory.mktemp("served") / "store"
        shutil.copytree(corpus_store, folder)
        return OxigraphStore(folder)

    return opened


def paragraph_document(text: str):
    """A report of one paragraph, for the stages after the PDF (extraction, resolution)."""
    from kg.document import PARAGRAPH, Block, Document

    return Document("x.pdf", "0" * 64, "T", (), None, None, None, 1, (Block(PARAGRAPH, text, 1, 0, len(text)),))


# ------------------------------------------------------------- PDFs


def write_report_pdf(path: Path, body: str, columns: int = 1, series: str = "TEST-notat 2024:7",
                     title: str = "Et testnotat om næringsliv") -> Path:
    """Typeset a small report with the corpus typesetter."""
    text = (f"title: {title}\nsubtitle: Testdokument\nauthors: Kari Nordby og Per Hagen\nseries: {series}\n"
            f"year: 2024\ncolumns: {columns}\n---\n{body}")
    src = path.with_suffix(".txt")
    src.write_text(text, encoding="utf-8")
    return make_pdfs.write_pdf(make_pdfs.read_report(src), path)


LONG_BODY = "\n\n".join(
    [
        "# 1 Innledning",
        " ".join(["Første avsnitt handler om industrien i regionen og om hvordan bedriftene samarbeider."] * 6),
        "# 2 Bedrifter",
        " ".join(["Andre avsnitt beskriver Forestia AS i Våler og hvordan bedriften har utviklet seg."] * 6),
        "- Et første punkt i en liste",
        "- Et andre punkt i en liste",
        " ".join(["Tredje avsnitt runder av med noen tanker om framtiden for treindustrien i Glåmdalen."] * 8),
        "# 3 Avslutning",
        " ".join(["Fjerde avsnitt avslutter notatet og peker på behovet for mer samarbeid."] * 10),
    ]
)


@pytest.fixture(scope="session")
def one_column_pdf(tmp_path_factory) -> Path:
    return write_report_pdf(tmp_path_factory.mktemp("pdf") / "en-spalte.pdf", LONG_BODY, columns=1)


@pytest.fixture(scope="session")
def two_column_pdf(tmp_path_factory) -> Path:
    return write_report_pdf(tmp_path_factory.mktemp("pdf") / "to-spalter.pdf", f"{LONG_BODY}\n\n{LONG_BODY}", columns=2)


@pytest.fixture(scope="session")
def hyphen_pdf(tmp_path_factory) -> Path:
    """Lines broken with hyphens, drawn line by line, with header and footer on three pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path = tmp_path_factory.mktemp("pdf") / "orddeling.pdf"
    c = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    lines = [
        "Regionen har hatt en svak sysselsettings-",
        "messig utvikling gjennom 1990-",
        "tallet, men FoU-",
        "miljøet ved høgskolen er sterkt, og velferds-",
        "og fordelingspolitikken har betydd mye.",
    ]
    for page in range(1, 4):
        c.setFont("Helvetica", 8)
        c.drawRightString(540, 800, "Løpende topptekst for rapporten")
        c.drawCentredString(297, 40, str(page))
        c.setFont("Times-Roman", 11)
        y = 700
        for line in lines:
            c.drawString(72, y, line)
            y -= 14
        c.showPage()
    c.save()
    return path


@pytest.fixture(scope="session")
def bad_inputs(tmp_path_factory) -> dict[str, Path]:
    """Files that must each fail with one clear line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    d = tmp_path_factory.mktemp("bad")
    empty = d / "tom.pdf"
    empty.write_bytes(b"")
    not_pdf = d / "notat.pdf"
    not_pdf.write_text("Dette er ren tekst, ikke en PDF.\n", encoding="utf-8")
    good = write_report_pdf(d / "hel.pdf", LONG_BODY)
    truncated = d / "avkuttet.pdf"
    truncated.write_bytes(good.read_bytes()[: 700])
    scanned = d / "skannet.pdf"
    c = canvas.Canvas(str(scanned), pagesize=A4, invariant=True)
    c.rect(72, 400, 400, 300, fill=1)  # a page with only graphics: no text layer
    c.showPage()
    c.save()
    encrypted = d / "kryptert.pdf"
    c = canvas.Canvas(str(encrypted), pagesize=A4, encrypt="hemmelig")
    c.drawString(72, 700, "Hemmelig innhold")
    c.showPage()
    c.save()
    return {"empty": empty, "not_pdf": not_pdf, "truncated": truncated, "scanned": scanned,
            "encrypted": encrypted, "missing": d / "finnes-ikke.pdf"}


# ----------------------------------------------------------- NorNE


TINY_CONLLU = """# sent_id = t1
# text = Hydro ASA har kontor i Oslo .
1\tHydro\tHydro\tPROPN\t_\t_\t0\troot\t_\tname=B-ORG
2\tASA\tASA\tPROPN\t_\t_\t1\tflat\t_\tname=I-ORG
3\thar\tha\tVERB\t_\t_\t1\troot\t_\tname=O
4\tkontor\tkontor\tNOUN\t_\t_\t3\tobj\t_\tname=O
5\ti\ti\tADP\t_\t_\t6\tcase\t_\tname=O
6\tOslo\tOslo\tPROPN\t_\t_\t3\tobl\t_\tSpaceAfter=No|name=B-GPE_LOC
7\t.\t$.\tPUNCT\t_\t_\t3\tpunct\t_\tname=O

# sent_id = t2
# text = Per Hansen reiste til Bergen .
1\tPer\tPer\tPROPN\t_\t_\t3\tnsubj\t_\tname=B-PER
2\tHansen\tHansen\tPROPN\t_\t_\t1\tflat\t_\tname=I-PER
3\treiste\treise\tVERB\t_\t_\t0\troot\t_\tname=O
4\ttil\ttil\tADP\t_\t_\t5\tcase\t_\tname=O
5\tBergen\tBergen\tPROPN\t_\t_\t3\tobl\t_\tSpaceAfter=No|name=O
6\t.\t$.\tPUNCT\t_\t_\t3\tpunct\t_\tname=O

# sent_id = t3
# text = Han likte Kvikk Lunsj .
1\tHan\than\tPRON\t_\t_\t2\tnsubj\t_\tname=O
2\tlikte\tlike\tVERB\t_\t_\t0\troot\t_\tname=O
3\tKvikk\tKvikk\tPROPN\t_\t_\t2\tobj\t_\tname=B-MISC
4\tLunsj\tLunsj\tPROPN\t_\t_\t3\tflat\t_\tSpaceAfter=No|name=I-MISC
5\t.\t$.\tPUNCT\t_\t_\t2\tpunct\t_\tname=O
"""


@pytest.fixture()
def tiny_conllu(tmp_path) -> Path:
    path = tmp_path / "tiny.conllu"
    path.write_text(TINY_CONLLU, encoding="utf-8")
    return path


@pytest.fixture()
def tiny_norne(tmp_path) -> Path:
    """A NorNE-shaped folder (nob and nno, train and dev) built from the tiny file."""
    root = tmp_path / "norne"
    for lang in ("nob", "nno"):
        (root / lang).mkdir(parents=True)
        for split in ("train", "dev"):
            (root / lang / f"{split}.conllu").write_text(TINY_CONLLU * 3, encoding="utf-8")
    return root
