"""From positioned PDF fragments to a structured report: blocks in reading order.

Steps, each a pure function over records from :mod:`kg.pdf`:

1. fragments on one baseline are merged into rows (justified text is often
   cut into several fragments by pdfminer);
2. a page with a clear vertical gutter is read column by column, with
   full-width rows (titles, wide headings) keeping their place;
3. running headers, footers and page numbers are dropped: short rows near the
   top or bottom edge that repeat on many pages, or that are only a number;
4. rows become blocks (heading with section number, paragraph, bullet item),
   with hyphenated line breaks joined;
5. report metadata (title, authors or editor, series and number, year) is read
   from the first pages.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from .pdf import Fragment, Page, RawPDF

HEADING, PARAGRAPH, BULLET = "heading", "paragraph", "bullet"
_EDGE = 0.09  # share of page height counted as header/footer zone
_PAGE_NUMBER = re.compile(r"^(?:side\s+|page\s+|s\.\s*)?[-–]?\s*(\d{1,4}|[ivxlcdm]{1,6})\s*[-–]?$", re.IGNORECASE)
_SECTION = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,4})\.?\s+(?=\S)")
_BULLET = re.compile(r"^\s*(?:[•▪◦●■□➢►\-–—*·]|\d{1,2}[.)]|[a-z][.)])\s+")
_SERIES = re.compile(
    r"\b((?:[A-ZÆØÅ][A-Za-zÆØÅæøå]{0,12}-)?(?:notat|rapport|arbeidsnotat|skrift|Notat|Rapport))"
    r"\s+(?:nr\.?\s*)?(\d{1,4}\s*[:/]\s*\d{1,4})"
)
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
_KEEP_HYPHEN_NEXT = {"og", "eller", "samt", "som", "til", "enn", "and", "or", "både"}


@dataclass(frozen=True)
class Block:
    """A heading, paragraph or bullet item of a report.

    ``start``/``end`` are character offsets into :attr:`Document.text`.
    """

    kind: str
    text: str
    page: int
    start: int
    end: int
    section: str | None = None
    level: int = 0


@dataclass(frozen=True)
class Document:
    """A parsed report: metadata and blocks in reading order."""

    path: str
    sha256: str
    title: str
    authors: tuple[str, ...]
    series: str | None
    number: str | None
    year: int | None
    page_count: int
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """All blocks joined by blank lines; block offsets index into this."""
        return "\n\n".join(b.text for b in self.blocks)

    @property
    def series_label(self) -> str | None:
        """The series and number as printed, e.g. "NIBR-notat 2004:116"."""
        return f"{self.series} {self.number}" if self.series and self.number else None

    @property
    def language(self) -> str:
        """The report's written standard, "nb" (Bokmål) or "nn" (Nynorsk): see :func:`written_standard`."""
        return written_standard(self.text)


#: Common words that only one written standard uses ("ikkje" against "ikke").
_NYNORSK_WORDS = frozenset("ikkje eg dei vart frå berre kva korleis mykje noko ein eit ho desse deira hjå sjølv "
                           "saman vere vore kvar fleire òg verksemd verksemder".split())
_BOKMAAL_WORDS = frozenset("ikke jeg de ble fra bare hva hvordan mye noe en et hun disse deres hos selv sammen "
                           "være vært hver flere virksomhet virksomheter".split())
_WORDS = re.compile(r"[a-zæøåòéôü]+")


def written_standard(text: str) -> str:
    """"nn" when the text uses more words peculiar to Nynorsk than to Bokmål, else "nb".

    Labels are tagged with it (@nn or @nb), so a Nynorsk report's names are
    told from a Bokmål one's; an English or empty text counts as Bokmål.
    """
    nynorsk = bokmaal = 0
    for word in _WORDS.findall(text.lower()):
        nynorsk += word in _NYNORSK_WORDS
        bokmaal += word in _BOKMAAL_WORDS
    return "nn" if nynorsk > bokmaal else "nb"


@dataclass(frozen=True)
class Row:
    """Fragments of one visual line merged, left to right."""

    text: str
    x0: float
    x1: float
    y: float
    size: float
    bold: bool
    page: int


# ------------------------------------------------------------------ rows


def merge_rows(page: Page) -> list[Row]:
    """Merge fragments on one visual line into rows, top to bottom.

    Fragments belong to one line when their vertical centres are closer than
    0.4 of the taller one's height; this also catches bullet glyphs set in
    another font whose baseline sits a little off the text's.
    """
    rows: list[list[Fragment]] = []
    for frag in sorted(page.fragments, key=lambda f: (-round((f.y0 + f.y1) / 2, 1), f.x0)):
        if rows:
            anchor = rows[-1][0]
            height = max(anchor.y1 - anchor.y0, frag.y1 - frag.y0, 1.0)
            if abs((anchor.y0 + anchor.y1) / 2 - (frag.y0 + frag.y1) / 2) < 0.4 * height:
                rows[-1].append(frag)
                continue
        rows.append([frag])
    return [_row(frags, page.number) for frags in rows]


def _row(frags: list[Fragment], page: int) -> Row:
    frags = sorted(frags, key=lambda f: f.x0)
    text = " ".join(f.text.strip() for f in frags)
    text = re.sub(r"\s+", " ", text).strip()
    chars = sum(len(f.text) for f in frags) or 1
    size = sum(f.size * len(f.text) for f in frags) / chars
    bold = sum(len(f.text) for f in frags if f.bold) > chars / 2
    return Row(text, frags[0].x0, frags[-1].x1, frags[0].y0, round(size, 1), bold, page)


def reading_order(page: Page) -> list[Row]:
    """Rows of a page in reading order, one or two columns.

    Two columns are assumed when a vertical gutter near the middle is crossed
    by few fragments while both sides hold many. Fragments crossing the
    gutter are full-width rows that split the page into bands; each band is
    read left column first.
    """
    gutter = find_gutter(page)
    if gutter is None:
        return merge_rows(page)
    full, left, right = [], [], []
    for f in page.fragments:
        if f.x0 < gutter < f.x1:
            full.append(f)
        elif f.x1 <= gutter:
            left.append(f)
        else:
            right.append(f)
    breaks = sorted({round(f.y0, 1) for f in full}, reverse=True)
    ordered: list[Row] = []
    edges = [float("inf"), *breaks, float("-inf")]
    for top, bottom in zip(edges, edges[1:]):
        for side in (left, right):
            band = [f for f in side if bottom < f.y0 < top]
            ordered.extend(merge_rows(Page(page.number, page.width, page.height, tuple(band))))
        if bottom != float("-inf"):
            line = [f for f in full if round(f.y0, 1) == bottom]
            ordered.extend(merge_rows(Page(page.number, page.width, page.height, tuple(line))))
    return ordered


def find_gutter(page: Page) -> float | None:
    """The x of a column gutter, or None for a one-column page."""
    body = [f for f in page.fragments if _EDGE * page.height < f.y0 < (1 - _EDGE) * page.height]
    if len(body) < 8:
        return None
    best = None
    for step in range(35, 66):
        x = page.width * step / 100
        crossing = sum(1 for f in body if f.x0 < x < f.x1)
        left = sum(1 for f in body if f.x1 <= x)
        right = sum(1 for f in body if f.x0 >= x)
        if crossing <= 0.1 * len(body) and left >= 0.25 * len(body) and right >= 0.25 * len(body):
            score = (crossing, abs(step - 50))
            if best is None or score < best[0]:
                best = (score, x)
    if best is None:
        return None
    # A one-column page cut into fragments by justified spacing has no clean
    # gutter: require that left-side rows mostly start at a common margin.
    x = best[1]
    right_starts = Counter(round(f.x0) for f in body if f.x0 >= x)
    common = right_starts.most_common(1)[0][1] if right_starts else 0
    return x if common >= 0.4 * sum(right_starts.values()) else None


# ------------------------------------------------------- page furniture


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def strip_furniture(pages: list[list[Row]], heights: list[float], series: str | None = None) -> list[list[Row]]:
    """Drop running headers, footers and page numbers.

    A row in the top or bottom zone is furniture when it is a bare page
    number, when it repeats the report's series label (short reports have
    too few pages to see repetition), or when its text (digits masked) recurs
    in that zone on at least a third of the pages (and on at least two).
    """
    zone_counts: Counter = Counter()
    for rows, height in zip(pages, heights):
        keys = {_furniture_key(r.text) for r in rows if _in_edge(r, height)}
        zone_counts.update(keys)
    threshold = max(2, len(pages) / 3)
    kept = []
    for rows, height in zip(pages, heights):
        kept.append(
            [
                r
                for r in rows
                if not (
                    _in_edge(r, height)
                    and (
                        _PAGE_NUMBER.match(r.text)
                        or zone_counts[_furniture_key(r.text)] >= threshold
                        or (series and r.page > 1 and r.text.strip() == series)
                    )
                )
            ]
        )
    return kept


def _in_edge(row: Row, height: float) -> bool:
    return row.y > (1 - _EDGE) * height or row.y < _EDGE * height


# ---------------------------------------------------------------- blocks


def body_style(rows: list[Row]) -> tuple[float, float]:
    """The most common font size and line spacing of body text."""
    sizes = Counter(round(r.size * 2) / 2 for r in rows for _ in range(max(1, len(r.text) // 20)))
    size = sizes.most_common(1)[0][0] if sizes else 10.0
    body = [r for r in rows if abs(r.size - size) < 0.6]
    gaps = Counter(
        round((a.y - b.y) * 2) / 2 for a, b in zip(body, body[1:]) if a.page == b.page and 0 < a.y - b.y < 3 * size
    )
    spacing = gaps.most_common(1)[0][0] if gaps else size * 1.3
    return size, spacing


def is_heading(row: Row, body_size: float) -> bool:
    """Bold or larger than body text, short, and not ending like a sentence."""
    text = row.text
    if len(text) > 160 or len(text) < 2 or _BULLET.match(text):
        return False
    if text.endswith((",", ";")) or not re.search(r"[A-Za-zÆØÅæøå]", text):
        return False
    larger = row.size >= body_size + 1.0
    return (row.bold or larger) and not (text.endswith(".") and len(text) > 80)


def to_blocks(rows: list[Row], body_size: float, spacing: float) -> list[tuple[str, list[Row]]]:
    """Group rows into (kind, rows) blocks."""
    blocks: list[tuple[str, list[Row]]] = []
    for row in rows:
        kind = HEADING if is_heading(row, body_size) else BULLET if _BULLET.match(row.text) else PARAGRAPH
        if blocks:
            prev_kind, prev_rows = blocks[-1]
            prev = prev_rows[-1]
            same_page = prev.page == row.page
            new_column = same_page and row.y > prev.y + spacing and row.x0 > prev.x0 + 50
            flows = not same_page or new_column  # text may run on from the previous page or column
            gap = spacing if flows else prev.y - row.y
            close = -spacing * 0.5 < gap <= spacing * 1.35
            continues = (
                kind == PARAGRAPH and prev_kind in (PARAGRAPH, BULLET) and close
                and not (not flows and gap < 0)
                and not (prev_kind == BULLET and row.x0 <= prev_rows[0].x0 + 2 and not flows)  # bullets hang
            )
            joins_heading = (
                kind == HEADING and prev_kind == HEADING and same_page and abs(row.size - prev.size) < 0.5
                and 0 < gap <= max(spacing, row.size * 1.4) * 1.1
            )
            if continues and not (flows and prev.text.endswith((".", ":", "?", "!")) and row.text[:1].isupper()):
                prev_rows.append(row)
                continue
            if joins_heading and not _SECTION.match(row.text):
                prev_rows.append(row)
                continue
        blocks.append((kind, [row]))
    return blocks


def join_lines(lines: list[str]) -> str:
    """Join the lines of a block, undoing hyphenation at line ends.

    "sysselsettings-" + "messig" becomes "sysselsettingsmessig"; "FoU-" +
    "miljø" keeps its hyphen (the part before is an acronym or number);
    "velferds-" + "og …" keeps "velferds- og" (a shared compound ending).
    """
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
            continue
        if text.endswith("-") and len(text) > 1 and text[-2].isdigit() and line[:1].islower():
            text += line  # "1990-" + "tallet"
        elif text.endswith("-") and len(text) > 1 and text[-2].isalpha():
            first = line.split(" ", 1)[0]
            word = re.search(r"(\S+)-$", text).group(1)
            if first.lower() in _KEEP_HYPHEN_NEXT or not first[:1].isalpha():
                text += " " + line
            elif first[:1].isupper() or any(c.isupper() for c in word[1:]) or word.isupper():
                text += line
            else:
                text = text[:-1] + line
        else:
            text += " " + line
    text = re.sub(r"\s+", " ", text).strip()
    # "1990- tallet": a decade split where the source PDF had a hyphenation point
    return re.sub(r"(\d)- (tallet|tallets|talet|årene|åra)\b", r"\1-\2", text)


# -------------------------------------------------------------- metadata


def read_metadata(rows: list[Row]) -> dict:
    """Title, authors/editor, series, number and year from the first pages."""
    first = [r for r in rows if r.page == 1] or rows[:40]
    meta = {"title": "", "authors": (), "series": None, "number": None, "year": None}
    if not first:
        return meta
    top = max(r.size for r in first)
    title_rows = [r for r in first if r.size >= top - 0.5]
    meta["title"] = join_lines([r.text for r in title_rows])
    candidates = []
    for r in [*first, *[r for r in rows if r.page == 2]]:
        for m in _SERIES.finditer(r.text):
            alone = m.group(0).strip() == r.text.strip()
            summary_of = bool(re.search(r"(sammendrag|summary)\s+(av|of)\s*$", r.text[: m.start()], re.IGNORECASE))
            candidates.append((not alone, summary_of, r.page, m.group(1), re.sub(r"\s+", "", m.group(2))))
    if candidates:
        _, _, _, series, number = min(candidates)
        meta["series"], meta["number"] = series, number
    authors = []
    for r in first:
        if r in title_rows or _SERIES.search(r.text):
            continue
        text = r.text.strip()
        editor = re.search(r"\((?:red|ed|eds)\.?\)", text)
        name_list = re.sub(r"\((?:red|ed|eds)\.?\)", "", text).strip()
        if _looks_like_names(name_list) and (editor or len(authors) < 6):
            authors.extend(n.strip() for n in re.split(r",| og | and |&", name_list) if n.strip())
    meta["authors"] = tuple(authors)
    year_source = meta["number"] or " ".join(r.text for r in first)
    years = _YEAR.findall(year_source)
    meta["year"] = int(years[0]) if years else None
    return meta


def _looks_like_names(text: str) -> bool:
    parts = [p.strip() for p in re.split(r",| og | and |&", text) if p.strip()]
    if not parts or len(text) > 120:
        return False
    for part in parts:
        words = part.split()
        if not 2 <= len(words) <= 4:
            return False
        if not all(w[:1].isupper() and (w[1:].islower() or w.endswith(".")) for w in words):
            return False
    return True


# ------------------------------------------------------------------ main


def _split_inline_bullets(blocks: list[tuple[str, list[Row]]]):
    """Yield (kind, text, page); bullet items run together on one line are split.

    Some PDFs set the next item's bullet mid-line ("… Toten; • Nord- og …").
    """
    for kind, block_rows in blocks:
        text = join_lines([r.text for r in block_rows])
        if kind == BULLET:
            text = _BULLET.sub("", text, count=1).strip()
        parts = re.split(r"\s+•\s+", text) if kind != HEADING else [text]
        for i, part in enumerate(parts):
            yield (BULLET if i > 0 else kind), part, block_rows[0].page



def build_document(raw: RawPDF) -> Document:
    """Lay out a read PDF as a :class:`Document`."""
    pages = [reading_order(p) for p in raw.pages]
    meta = read_metadata([r for rows in pages[:2] for r in rows])
    series = f"{meta['series']} {meta['number']}" if meta["series"] else None
    pages = strip_furniture(pages, [p.height for p in raw.pages], series)
    rows = [r for page_rows in pages for r in page_rows]
    size, spacing = body_style(rows)
    blocks: list[Block] = []
    offset = 0
    for kind, text, page in _split_inline_bullets(to_blocks(rows, size, spacing)):
        section = level = None
        if kind == HEADING:
            m = _SECTION.match(text)
            if m:
                section = m.group(1)
                text = text[m.end():].strip()
            level = section.count(".") + 1 if section else 1
        if not text:
            continue
        blocks.append(Block(kind, text, page, offset, offset + len(text), section, level or 0))
        offset += len(text) + 2
    return Document(
        path=raw.path,
        sha256=raw.sha256,
        title=meta["title"],
        authors=meta["authors"],
        series=meta["series"],
        number=meta["number"],
        year=meta["year"],
        page_count=len(raw.pages),
        blocks=tuple(blocks),
    )
