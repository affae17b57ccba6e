"""Reading papers from files: PubMed XML, MEDLINE, PubTator, JSON Lines, CSV/TSV, scraped pages, text.

>>> from kg.ingest import read_documents
>>> docs, report = read_documents("seeds/")          # doctest: +SKIP
>>> print(report.summary())                           # doctest: +SKIP

Formats are recognised from content (``.gz``/``.bz2``/``.xz`` transparently), see
:mod:`kg.ingest.detect`; every reader yields :class:`kg.records.Document` records and the
run's :class:`IngestReport` lists what was skipped, repeated and flagged, and why.
"""

from __future__ import annotations

from kg.ingest.detect import Detection, Format, detect
from kg.ingest.documents import iter_documents, read_documents
from kg.ingest.fields import MAX_ABSTRACT_CHARS
from kg.ingest.report import IngestReport

__all__ = [
    "IngestReport",
    "iter_documents",
    "read_documents",
    "detect",
    "Detection",
    "Format",
    "MAX_ABSTRACT_CHARS",
]
