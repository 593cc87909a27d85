"""Read report PDFs with pdfminer.six into positioned text fragments.

This is the only module that opens PDFs. It turns each page into
:class:`Fragment` records (text, box, font) and leaves reading order,
paragraphs and headings to :mod:`kg.document`, so that layout logic can be
tested on fragments without PDFs.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextContainer, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from .errors import PDFError

# Lines are kept as pdfminer finds them; word_margin is generous because
# justified text in reports has wide gaps that pdfminer would otherwise cut.
LAPARAMS = LAParams(line_margin=0.3, word_margin=0.2, char_margin=3.0, boxes_flow=None)
_CID = re.compile(r"\(cid:\d+\)")
#: Glyphs that pdfminer cannot map and that report fonts use as bullets.
BULLET_CIDS = ("(cid:127)", "(cid:120)", "(cid:190)", "(cid:108)", "(cid:159)")


@dataclass(frozen=True)
class Fragment:
    """A run of text on one line of a page, with its box in PDF points (y up)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    font: str
    size: float
    bold: bool


@dataclass(frozen=True)
class Page:
    """One page: its number (1-based), size and text fragments."""

    number: int
    width: float
    height: float
    fragments: tuple[Fragment, ...]


@dataclass(frozen=True)
class RawPDF:
    """What a PDF file yields before any layout analysis."""

    path: str
    sha256: str
    pages: tuple[Page, ...]


def content_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes: the identity of a report."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_pdf(path: str | Path) -> RawPDF:
    """Read every page of a PDF into fragments.

    Raises:
        PDFError: the path is missing, empty, not a PDF, damaged, encrypted,
            or has no text layer (a scan).
    """
    path = Path(path)
    if not path.exists():
        raise PDFError(path, "no such file")
    if path.is_dir():
        raise PDFError(path, "is a folder, not a PDF file")
    size = path.stat().st_size
    if size == 0:
        raise PDFError(path, "empty file")
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise PDFError(path, "not a PDF (no %PDF- header)")
    try:
        pages = tuple(_page(n, layout) for n, layout in enumerate(extract_pages(path, laparams=LAPARAMS), 1))
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise PDFError(path, f"encrypted PDF, cannot be read without its password ({type(exc).__name__})") from exc
    except (PDFSyntaxError, PSException) as exc:
        raise PDFError(path, f"damaged or truncated PDF ({exc or type(exc).__name__})") from exc
    except Exception as exc:  # pdfminer raises many internal errors on broken files
        raise PDFError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise PDFError(path, "damaged or truncated PDF (no pages found)")
    if not any(f.text.strip() for p in pages for f in p.fragments):
        raise PDFError(path, "no text layer (scanned PDF?); run OCR first, e.g. ocrmypdf")
    return RawPDF(str(path), content_hash(path), pages)


def _page(number: int, layout) -> Page:
    fragments = []
    for element in layout:
        if isinstance(element, LTTextContainer):
            for line in element:
                if isinstance(line, LTTextLine):
                    frag = _fragment(line)
                    if frag:
                        fragments.append(frag)
    return Page(number, float(layout.width), float(layout.height), tuple(fragments))


def _fragment(line: LTTextLine) -> Fragment | None:
    text = line.get_text().replace("\n", "")
    for cid in BULLET_CIDS:
        text = text.replace(cid, "•")
    text = _CID.sub("", text)
    if not text.strip():
        return None
    chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
    if chars:
        fonts = Counter(c.fontname for c in chars)  # a line has few fonts: judge each once
        font = fonts.most_common(1)[0][0]
        size = round(sum(c.size for c in chars) / len(chars), 1)
        bold = sum(n for name, n in fonts.items() if _is_bold(name)) > len(chars) / 2
    else:
        font, size, bold = "", 0.0, False
    return Fragment(text, line.x0, line.y0, line.x1, line.y1, font, size, bold)


def _is_bold(fontname: str) -> bool:
    name = fontname.lower()
    return any(k in name for k in ("bold", "black", "heavy", "semibold", ",b"))
