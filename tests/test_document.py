from kg.document import (
    BULLET,
    HEADING,
    PARAGRAPH,
    Row,
    build_document,
    find_gutter,
    join_lines,
    read_metadata,
    strip_furniture,
    written_standard,
)
from kg.pdf import Fragment, Page, read_pdf

from .conftest import NIBR_PDF, needs_shared


def test_join_lines_undoes_hyphenation():
    assert join_lines(["en svak sysselsettings-", "messig utvikling"]) == "en svak sysselsettingsmessig utvikling"
    assert join_lines(["det sterke FoU-", "miljøet"]) == "det sterke FoU-miljøet"
    assert join_lines(["statlig velferds-", "og fordelingspolitikk"]) == "statlig velferds- og fordelingspolitikk"
    assert join_lines(["gjennom 1990-", "tallet"]) == "gjennom 1990-tallet"
    assert join_lines(["Sør-", "Fron"]) == "Sør-Fron"


def test_hyphenated_pdf_has_whole_words_and_no_furniture(hyphen_pdf):
    doc = build_document(read_pdf(hyphen_pdf))
    text = doc.text
    assert "sysselsettingsmessig utvikling gjennom 1990-tallet, men FoU-miljøet" in text
    assert "velferds- og fordelingspolitikken" in text
    assert "topptekst" not in text
    assert not any(b.text.strip().isdigit() for b in doc.blocks)


def test_one_column_report_structure(one_column_pdf):
    doc = build_document(read_pdf(one_column_pdf))
    assert doc.title == "Et testnotat om næringsliv"
    assert doc.series == "TEST-notat" and doc.number == "2024:7" and doc.year == 2024
    assert doc.authors == ("Kari Nordby", "Per Hagen")
    headings = [(b.section, b.text) for b in doc.blocks if b.kind == HEADING and b.section]
    assert headings == [("1", "Innledning"), ("2", "Bedrifter"), ("3", "Avslutning")]
    bullets = [b.text for b in doc.blocks if b.kind == BULLET]
    assert bullets == ["Et første punkt i en liste", "Et andre punkt i en liste"]
    paras = [b for b in doc.blocks if b.kind == PARAGRAPH]
    assert paras[0].text.startswith("Første avsnitt") and paras[0].text.endswith("samarbeider.")
    assert "TEST-notat 2024:7" not in " ".join(b.text for b in doc.blocks if b.page > 1)
    for b in doc.blocks:  # offsets index the document text
        assert doc.text[b.start:b.end] == b.text


def test_two_column_reading_order(two_column_pdf):
    raw = read_pdf(two_column_pdf)
    assert find_gutter(raw.pages[1]) is not None
    doc = build_document(raw)
    paras = [b.text for b in doc.blocks if b.kind == PARAGRAPH]
    order = [p.split()[0] for p in paras]
    assert order == ["Første", "Andre", "Tredje", "Fjerde"] * 2
    assert all(p.endswith(".") for p in paras)  # no paragraph is cut at a column or page break


def test_one_column_page_has_no_gutter(one_column_pdf):
    assert find_gutter(read_pdf(one_column_pdf).pages[1]) is None


def test_strip_furniture_drops_repeated_headers_and_page_numbers():
    def row(text, y, page):
        return Row(text, 70, 500, y, 10, False, page)

    pages = [[row("Rapport 2024:1", 800, p), row("Brødtekst", 500, p), row(str(p), 30, p)] for p in range(1, 5)]
    kept = strip_furniture(pages, [842] * 4)
    assert [[r.text for r in rows] for rows in kept] == [["Brødtekst"]] * 4


def test_metadata_prefers_the_series_line_standing_alone():
    rows = [
        Row("Klynger og nettverk", 70, 500, 600, 22, True, 1),
        Row("Sammendrag av NIBR-rapport 2004:8", 70, 500, 530, 13, False, 1),
        Row("Tom Johnstad (red.)", 70, 500, 500, 13, False, 1),
        Row("NIBR-notat 2004:116", 70, 500, 420, 13, False, 1),
    ]
    meta = read_metadata(rows)
    assert (meta["series"], meta["number"], meta["year"]) == ("NIBR-notat", "2004:116", 2004)
    assert meta["authors"] == ("Tom Johnstad",) and meta["title"] == "Klynger og nettverk"


def test_fragments_on_one_baseline_become_one_line():
    frags = tuple(Fragment(t, x, 500, x + 40, 510, "Serif", 10, False)
                  for t, x in (("verdiskaping", 300), ("Innlandets", 70), ("store", 150)))
    from kg.document import merge_rows

    (row,) = merge_rows(Page(1, 595, 842, frags))
    assert row.text == "Innlandets store verdiskaping"


@needs_shared(NIBR_PDF)
def test_nibr_report_text_is_clean():
    doc = build_document(read_pdf(NIBR_PDF))
    assert doc.series_label == "NIBR-notat 2004:116" and doc.year == 2004
    assert doc.title == "Klynger, nettverk og verdiskaping i Innlandet"
    text = doc.text
    assert not [b for b in doc.blocks if b.page > 1 and b.text == "NIBR-notat 2004:116"]  # running header gone
    assert not any(b.text.strip().isdigit() for b in doc.blocks)  # page numbers gone
    # justified lines cut into fragments come back whole and in order
    assert "Innlandets store og vedvarende strukturproblemer er blitt kalt" in text
    assert "dekker 13,6 % av landets areal" in text
    # words split at line ends are joined; compound hyphens kept
    assert "1990- tallet" not in text and "1990-tallet" in text
    assert "Forestia AS, Nordan AS og Emil Fjeld AS." in text
    sections = [b.section for b in doc.blocks if b.kind == HEADING and b.section]
    assert sections[:3] == ["1", "1.1", "1.2"] or "4.2" in sections
    assert "4.2" in sections and "8.3" in sections


def test_metadata_reads_other_series_formats():
    rows = [
        Row("En klyngeanalyse for Innlandet", 70, 500, 600, 20, True, 1),
        Row("Tom Johnstad og Morten Ørbeck", 70, 500, 500, 12, False, 1),
        Row("ØF-notat nr. 12/2003", 70, 500, 420, 12, False, 1),
    ]
    meta = read_metadata(rows)
    assert (meta["series"], meta["number"], meta["year"]) == ("ØF-notat", "12/2003", 2003)
    assert meta["authors"] == ("Tom Johnstad", "Morten Ørbeck")


def test_written_standard_tells_nynorsk_from_bokmaal():
    assert written_standard("Det er ikkje berre dei store verksemdene som har vore med frå starten.") == "nn"
    assert written_standard("Det er ikke bare de store virksomhetene som har vært med fra starten.") == "nb"
    assert written_standard("Treindustrien i Glåmdalen") == "nb" and written_standard("") == "nb"
