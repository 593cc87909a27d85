"""Typeset the sample reports in this folder as PDFs, like real report series.

Each ``*.txt`` holds a header (title, subtitle, authors, series, year, columns,
language), a ``---`` line, then the body: ``# 2.1 Heading`` lines, ``- ``
bullet items and paragraphs separated by blank lines. The PDF gets a title
page, a running header with the series, page numbers in the footer and
justified text in one or two columns, so that kg's parser meets the same
furniture as in real reports.

Usage: ``python corpus/make_pdfs.py [TXT ...]`` (default: every .txt here).
Needs reportlab (installed with kg's test extras).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import BaseDocTemplate, Frame, NextPageTemplate, PageBreak, PageTemplate, Paragraph, Spacer

HERE = Path(__file__).parent

BODY = ParagraphStyle("body", fontName="Times-Roman", fontSize=10.5, leading=14, alignment=TA_JUSTIFY, spaceAfter=7)
HEADING = ParagraphStyle("heading", fontName="Helvetica-Bold", fontSize=12, leading=15, spaceBefore=8, spaceAfter=5)
BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=14, bulletIndent=2, spaceAfter=3)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=22, leading=28, alignment=TA_CENTER)
SUBTITLE = ParagraphStyle("subtitle", fontName="Helvetica", fontSize=13, leading=18, alignment=TA_CENTER)


@dataclass
class Report:
    """A sample report read from its text file."""

    meta: dict[str, str]
    body: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


def read_report(path: Path) -> Report:
    """Parse a sample report's text file."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    report = Report(meta)
    for chunk in body.strip().split("\n\n"):
        lines = [ln.strip() for ln in chunk.strip().splitlines() if ln.strip()]
        para: list[str] = []
        for line in lines:
            if line.startswith("# "):
                report.body.append(("heading", line[2:]))
            elif line.startswith("- "):
                report.body.append(("bullet", line[2:]))
            else:
                para.append(line)
        if para:
            report.body.append(("paragraph", " ".join(para)))
    return report


def write_pdf(report: Report, out: Path) -> Path:
    """Typeset ``report`` into ``out``."""
    columns = int(report.meta.get("columns", "1"))
    series = report.meta.get("series", "")
    width, height = A4
    margin = 2.2 * cm
    gap = 0.8 * cm
    col_w = (width - 2 * margin - (columns - 1) * gap) / columns
    frames = [
        Frame(margin + i * (col_w + gap), margin, col_w, height - 2 * margin, id=f"col{i}", showBoundary=0)
        for i in range(columns)
    ]
    title_frame = Frame(margin, margin, width - 2 * margin, height - 2 * margin, id="title")

    def furniture(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(width - margin, height - 1.3 * cm, series)
        canvas.drawCentredString(width / 2, 1.2 * cm, str(doc.page))
        canvas.restoreState()

    doc = BaseDocTemplate(
        str(out), pagesize=A4, title=report.meta["title"], author=report.meta.get("authors", ""), invariant=True
    )
    doc.addPageTemplates([
        PageTemplate(id="title", frames=[title_frame]),
        PageTemplate(id="body", frames=frames, onPage=furniture),
    ])
    story = [
        Spacer(1, 5 * cm),
        Paragraph(report.meta["title"], TITLE),
        Spacer(1, 0.6 * cm),
        Paragraph(report.meta.get("subtitle", ""), SUBTITLE),
        Spacer(1, 1.2 * cm),
        Paragraph(report.meta.get("authors", ""), SUBTITLE),
        Spacer(1, 2.5 * cm),
        Paragraph(series, SUBTITLE),
        NextPageTemplate("body"),
        PageBreak(),
    ]
    for kind, text in report.body:
        if kind == "heading":
            story.append(Paragraph(text, HEADING))
        elif kind == "bullet":
            story.append(Paragraph(text, BULLET, bulletText="•"))
        else:
            story.append(Paragraph(text, BODY))
    doc.build(story)
    return out


def main(paths: list[str]) -> int:
    """Typeset the given text files (default: all in this folder)."""
    files = [Path(p) for p in paths] or sorted(HERE.glob("*.txt"))
    for txt in files:
        pdf = write_pdf(read_report(txt), txt.with_suffix(".pdf"))
        print(f"wrote {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
