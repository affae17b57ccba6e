"""Plain records that flow between the stages: documents in, skipped inputs reported.

A :class:`Document` is what every reader in :mod:`kg.ingest` yields, whatever the
format; it is frozen so a record cannot change behind a stage's back.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Document", "Skipped", "document_id", "text_hash"]

_WS = re.compile(r"\s+")


def text_hash(*parts: str) -> str:
    """A short stable hash of ``parts`` after Unicode, case and whitespace normalisation."""
    norm = " ".join(_WS.sub(" ", unicodedata.normalize("NFKC", p or "")).strip().lower() for p in parts)
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()[:16]


def document_id(*, pmid: str | None = None, doi: str | None = None, title: str = "", abstract: str = "") -> str:
    """The identity of a paper across files and formats: PMID, else DOI, else a text hash.

    >>> document_id(pmid="34511114", doi="10.1186/S12943-021-01411-W")
    'pmid:34511114'
    >>> document_id(doi="10.1186/S12943-021-01411-W")
    'doi:10.1186/s12943-021-01411-w'
    """
    if pmid:
        return f"pmid:{str(pmid).strip()}"
    if doi:
        return f"doi:{doi.strip().lower()}"
    return f"text:{text_hash(title, abstract)}"


@dataclass(frozen=True)
class Document:
    """One paper: title and abstract plus the bibliographic fields a reader could find.

    ``id`` is :func:`document_id` of the fields; ``flags`` carries notes such as
    ``"no-abstract"`` or ``"truncated-abstract"`` that the build summary reports.
    """

    id: str
    title: str
    abstract: str
    doi: str | None = None
    pmid: str | None = None
    pmcid: str | None = None
    authors: tuple[str, ...] = ()
    journal: str | None = None
    year: int | None = None
    keywords: tuple[str, ...] = ()
    mesh_terms: tuple[str, ...] = ()
    language: str | None = None
    source: str = ""
    flags: tuple[str, ...] = ()
    gold_mentions: tuple[tuple[int, int, str, str], ...] = field(default=(), compare=False, repr=False)
    """Optional (start, end, type, concept id) character spans from an annotated source (PubTator),
    with offsets into :attr:`text`."""

    @property
    def text(self) -> str:
        """Title and abstract as NER sees them: the title, a blank line, the abstract."""
        if self.title and self.abstract:
            return f"{self.title}\n\n{self.abstract}"
        return self.title or self.abstract

    @property
    def url(self) -> str | None:
        """A link a reader can follow: PubMed when there is a PMID, else the DOI resolver."""
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return None


@dataclass(frozen=True)
class Skipped:
    """An input (file, or record within a file) that was not used, and why."""

    source: str
    reason: str
    location: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.location}" if self.location else self.source
        return f"{where}: {self.reason}"
