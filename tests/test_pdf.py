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


@pytest.mark.slow
def test_mutated_pdfs_fail_cleanly_or_parse(one_column_pdf, tmp_path_factory):
    """Fuzz the reader: flipped, dropped and truncated bytes give a PDFError, never a crash."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    original = one_column_pdf.read_bytes()
    folder = tmp_path_factory.mktemp("fuzz")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), min_size=1, max_size=20),
           st.integers(200, len(original)))
    def check(flips, cut):
        data = bytearray(original[:cut])
        for pos, value in flips:
            if pos < len(data):
                data[pos] = value
        path = folder / "mutert.pdf"
        path.write_bytes(bytes(data))
        try:
            raw = read_pdf(path)
        except PDFError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
        else:
            assert raw.pages

    check()
