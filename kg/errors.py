"""Errors the library raises; the CLI turns each into one line and an exit code.

Every message says what went wrong and what to do about it, so that a user
reading one line in a terminal can act without a traceback.
"""


class KGError(Exception):
    """Base class of every error kg raises on purpose."""

    exit_code = 1


class ModelError(KGError):
    """A spaCy pipeline cannot be found or loaded."""


class DataError(KGError):
    """An input data file (CoNLL-U, gold annotations) is missing or malformed."""


class PDFError(KGError):
    """A report file cannot be read as a PDF with a text layer."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # always one line
        super().__init__(f"{self.path}: {reason}")


class StoreError(KGError):
    """The RDF store cannot be opened, read or written."""


class QueryError(KGError):
    """A SPARQL query or a query parameter is invalid."""

    exit_code = 2


class NotFoundError(QueryError):
    """A query names something the graph does not hold (a place, an entity, a report)."""
