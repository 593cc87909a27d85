"""kg: Norwegian report PDFs into a queryable knowledge graph."""

#: Recorded in every report's graph: a store tells the reports an older kg read (``kg ingest --reread``).
__version__ = "0.4.0"
