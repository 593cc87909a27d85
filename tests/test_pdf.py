import pytest

from kg.errors import PDFError
from kg.pdf import content_hash, read_pdf


def test_read_pdf_gives_fragments_with_fonts(one_column_pdf):
    raw = read_pdf(one_column_pdf)
    assert len(raw.pages) >= 2 and raw.sha256 == content_hash(one_column_pdf)
    frags = [f for p in raw.pages for f in p.fragments]
    assert any(f.bold and "Innledning" in f.text for f in frags)
    assert any(f.size > 20 for f in frags)  # the title


@pytest.mark.parametrize("kind, reason", [
    ("empty", "empty file"),
    ("not_pdf", "not a PDF"),
    ("truncated", "damaged or truncated"),
    ("scanned", "no text layer"),
    ("encrypted", "encrypted"),
    ("missing", "no such file"),
])
def test_bad_inputs_raise_one_clear_line(bad_inputs, kind, reason):
    path = bad_inputs[kind]
    with pytest.raises(PDFError) as info:
        read_pdf(path)
    message = str(info.value)
    assert reason in message and str(path) in message and "\n" not in message
