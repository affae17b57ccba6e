"""Publication years: the ``--years`` slice of a build, and the years of each edge.

A document's year is :attr:`kg.records.Document.year` (every reader parses it where the format
has one). A build sliced with ``years=(2015, 2020)`` (``kg build --years 2015:2020``; open ends
``2015:`` and ``:2020``) reads only documents of those years: a document without a year has no
place in a slice, so it is left out too, and both are counted in the build's summary
(:class:`YearSlice`). Every edge gets ``first_year`` and ``last_year`` (of its documents with a
year; ``None`` when none has one) and ``years``, its documents per year as ``"2015:3|2016:1"``
(the ``edge_years`` table of the database holds the same as rows).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from kg.errors import NothingToBuildError, OptionError
from kg.records import Document

__all__ = ["YearRange", "YearSlice", "parse_years", "in_range", "add_edge_years", "edge_year_frame", "years_text", "as_of",
           "parse_years_text"]

#: A year range, either end open (None).
YearRange = tuple[int | None, int | None]

_SPAN = re.compile(r"^\s*(\d{4})?\s*:\s*(\d{4})?\s*$")
_FIX = "give FIRST:LAST years such as 2015:2020, 2015: or :2020 (four digits each, FIRST <= LAST)"


def parse_years(value: object) -> YearRange | None:
    """``"2015:2020"``, ``"2015:"``, ``":2020"``, ``"2018"`` (that year alone) or a ``(first, last)``
    pair (either may be None) as a checked :data:`YearRange`; None stays None (no slice).

    >>> parse_years("2015:"), parse_years((None, 2020))
    ((2015, None), (None, 2020))
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{4}", text):
            return int(text), int(text)
        m = _SPAN.match(text)
        if m is None or (m.group(1) is None and m.group(2) is None):
            raise OptionError("years", f"{value!r} is not a year range", _FIX)
        first, last = (None if g is None else int(g) for g in m.groups())
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        first, last = value
        for end in (first, last):
            if end is not None and (isinstance(end, bool) or not isinstance(end, int)):
                raise OptionError("years", f"{value!r} holds {end!r}, not a whole year", _FIX)
        if first is None and last is None:
            raise OptionError("years", f"{value!r} sets no end", _FIX)
    else:
        raise OptionError("years", f"{value!r} ({type(value).__name__}) is not a year range", _FIX)
    if first is not None and last is not None and first > last:
        raise OptionError("years", f"{value!r} starts after it ends", _FIX)
    return first, last


def in_range(year: int | None, years: YearRange) -> bool:
    """Whether ``year`` lies in ``years`` (a document without a year lies in no slice)."""
    first, last = years
    return year is not None and (first is None or year >= first) and (last is None or year <= last)


@dataclass
class YearSlice:
    """The ``years`` filter of a build over its documents, and what it left out."""

    years: YearRange
    outside: int = 0
    no_year: int = 0
    kept: int = 0

    def __call__(self, docs: Iterator[Document]) -> Iterator[Document]:
        """``docs`` of the slice's years; :class:`~kg.errors.NothingToBuildError` at the end when
        documents were read but none is of those years."""
        for doc in docs:
            if doc.year is None:
                self.no_year += 1
            elif not in_range(doc.year, self.years):
                self.outside += 1
            else:
                self.kept += 1
                yield doc
        if not self.kept and (self.outside or self.no_year):
            raise NothingToBuildError(f"years {self.span}: none of the {self.outside + self.no_year} document(s) "
                                      f"read is of those years ({self.no_year} have no year); widen the range "
                                      "(--years) or leave it out")

    @property
    def span(self) -> str:
        """The range as given on the command line (``2015:2020``, ``2015:``, ``:2020``)."""
        first, last = self.years
        return f"{'' if first is None else first}:{'' if last is None else last}"

    def note(self) -> str:
        """The summary line: the slice and the documents it left out."""
        span = self.span
        return (f"years {span}, left out {self.outside} document(s) of other years and "
                f"{self.no_year} without a year")


def years_text(counts: Mapping[int, int]) -> str:
    """``{2016: 1, 2015: 3}`` -> ``"2015:3|2016:1"`` (years in order)."""
    return "|".join(f"{y}:{n}" for y, n in sorted(counts.items()))


def parse_years_text(text: str) -> dict[int, int]:
    """The inverse of :func:`years_text` (``""`` -> ``{}``)."""
    out: dict[int, int] = {}
    for part in filter(None, str(text or "").split("|")):
        year, _, n = part.partition(":")
        out[int(year)] = int(n)
    return out


def add_edge_years(graph: nx.Graph, doc_years: Mapping[str, int | None]) -> None:
    """Set ``first_year``, ``last_year`` (None when no document of the edge has a year) and ``years``
    (:func:`years_text` of its documents per year) on every edge of ``graph``, from its ``doc_ids``."""
    get = doc_years.get
    for _, _, d in graph.edges(data=True):
        counts = Counter(y for y in map(get, d.get("doc_ids") or ()) if y is not None)
        d["first_year"] = min(counts) if counts else None
        d["last_year"] = max(counts) if counts else None
        d["years"] = years_text(counts)


def edge_year_frame(graph: nx.Graph) -> pd.DataFrame:
    """One row per edge and year: source, target, year, documents (from the edges' ``years``)."""
    rows = [(u, v, y, n) for u, v, text in graph.edges(data="years") for y, n in parse_years_text(text).items()]
    frame = pd.DataFrame(rows, columns=["source", "target", "year", "documents"])
    return frame.astype({"year": "int64", "documents": "int64"})


def _ids(value: object) -> list[str]:
    """A ``doc_ids`` attribute as a list (a graph read back from GraphML may hold it ``|``-joined)."""
    if isinstance(value, str):
        return [v for v in value.split("|") if v]
    return list(value or ())


def as_of(graph: nx.Graph, doc_years: Mapping[str, int | None], year: int) -> tuple[nx.Graph, set[str]]:
    """The part of ``graph`` the documents published up to ``year`` support, and those documents.

    Every node and edge keeps only its documents of those years (``doc_ids``, ``documents``; an
    edge its evidence sentences from them and its ``first_year``, ``last_year`` and ``years``); the
    nodes and edges left without a document go. Documents without a year are not "up to" any year.
    """
    kept = {doc for doc, y in doc_years.items() if y is not None and not pd.isna(y) and int(y) <= year}
    out = nx.Graph(**graph.graph, as_of=int(year))
    out.graph["n_documents"] = len(kept)
    for node, d in graph.nodes(data=True):
        docs = [doc for doc in _ids(d.get("doc_ids")) if doc in kept]
        if docs:
            out.add_node(node, **{**d, "doc_ids": docs, "documents": len(docs)})
    years = {doc: int(doc_years[doc]) for doc in kept}
    for u, v, d in graph.edges(data=True):
        docs = [doc for doc in _ids(d.get("doc_ids")) if doc in kept]
        if docs and u in out and v in out:
            evidence = [e for e in d.get("evidence") or () if not isinstance(e, Mapping) or e.get("doc_id") in kept]
            out.add_edge(u, v, **{**d, "doc_ids": docs, "documents": len(docs), "evidence": evidence})
    add_edge_years(out, years)
    return out, kept
