"""Hubs and generic terms: which concepts stay out of the co-occurrence edges.

A mention such as "cancer", "cells", "patients" or "protein" names a class, not a concept;
in a corpus about cancer it co-occurs with everything, becomes the best-connected node and
says nothing about any relation. Two rules flag such concepts, both visible and editable:

1. **The term list** ``kg/data/generic_terms.txt`` (or the user's own file or iterable):
   a concept is generic when its unlinked key's text part (``"Cancer:cancer"`` -> ``cancer``),
   its label, or its CURIE (``mesh:D009369``, MeSH *Neoplasms*, where "cancer" and "tumor"
   link) is on the list. Terms are compared after :func:`kg.vocabularies.normalize.normalize_text`.
2. **Document frequency** (optional, ``max_df``): a concept mentioned in more than this
   fraction of the documents is generic (the stop-word rule of IR, as ``max_df`` in
   scikit-learn's vectorizers; idf, Sparck Jones 1972, would give it a weight near 0).
   Only applied to corpora of at least ``min_documents`` documents: on five documents
   every topic concept is in most of them.

Policy (:func:`drop_generic`): generic concepts are **left out of the co-occurrence
counting**: their mentions are removed from the mention table before
:func:`kg.graph.cooccur.count_pairs`, so they have no edges and do not inflate the marginals of
the other concepts' scores. They keep their node statistics (mentions, documents), so the
graph builder may still show them as unconnected nodes or list them in the summary. We do
not fold them into one "cancer (generic)" node per type: that node would again be a hub
joined to every concept of the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.errors import InputError
from kg.vocabularies.normalize import normalize_text

__all__ = ["GenericTerms", "DEFAULT_TERMS", "read_generic_terms", "generic_concepts", "drop_generic"]

DEFAULT_TERMS = Path(__file__).parent.parent / "data" / "generic_terms.txt"
_CURIE = re.compile(r"^[a-z][a-z0-9_.]*:\S+$")


@dataclass(frozen=True)
class GenericTerms:
    """A generic-term list: folded text keys and lower-cased CURIEs."""

    keys: frozenset[str]
    curies: frozenset[str]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> GenericTerms:
        """Entries one per line, ``#`` comments; ``prefix:id`` entries are CURIEs."""
        keys, curies = set(), set()
        for line in lines:
            entry = line.split("#", 1)[0].strip()
            if not entry:
                continue
            if _CURIE.match(entry):
                curies.add(entry.lower())
            elif k := normalize_text(entry):
                keys.add(k)
        return cls(frozenset(keys), frozenset(curies))

    def matches(self, concept: str, label: str | None = None) -> bool:
        """Whether node key ``concept`` (a CURIE or ``"<type>:<folded text>"``) or ``label`` is generic."""
        if concept.lower() in self.curies:
            return True
        text = concept.split(":", 1)[1] if ":" in concept else concept
        if text in self.keys or normalize_text(text) in self.keys:
            return True
        return bool(label) and normalize_text(label) in self.keys


def read_generic_terms(path: str | Path | None = None) -> GenericTerms:
    """The generic-term list at ``path`` (default: the packaged ``kg/data/generic_terms.txt``)."""
    p = Path(path) if path is not None else DEFAULT_TERMS
    try:
        with open(p, encoding="utf-8") as fh:
            return GenericTerms.from_lines(fh)
    except OSError as exc:
        raise InputError(str(p), f"cannot read the generic-term list ({exc.strerror}); "
                         "give a text file with one term or CURIE per line") from exc


def _as_terms(terms: GenericTerms | str | Path | Iterable[str] | None) -> GenericTerms:
    if terms is None or isinstance(terms, str | Path):
        return read_generic_terms(terms)
    if isinstance(terms, GenericTerms):
        return terms
    return GenericTerms.from_lines(terms)


def generic_concepts(
    data: pd.DataFrame,
    *,
    terms: GenericTerms | str | Path | Iterable[str] | None = None,
    max_df: float | None = None,
    min_documents: int = 20,
    n_documents: int | None = None,
) -> set[str]:
    """The concepts of ``data`` that are generic (see the module docstring).

    ``data`` is either a mention table (columns ``doc`` and ``concept``; see
    :mod:`kg.graph.cooccur`) or per-concept statistics indexed by concept with a ``documents``
    column (:func:`kg.graph.cooccur.concept_stats`, or the graph's node table), optionally with
    a ``label`` column. ``terms``: a :class:`GenericTerms`, a path, an iterable of entries,
    or None for the packaged list (pass ``()`` for none). ``max_df``: fraction of documents
    (0 < max_df <= 1) above which a concept is generic, applied when the corpus has at
    least ``min_documents`` documents; ``n_documents`` defaults to the distinct ``doc``
    values of a mention table (required with statistics).
    """
    if "concept" in data.columns and "doc" in data.columns:
        stats = data.dropna(subset=["concept"]).groupby("concept")["doc"].nunique().rename("documents").to_frame()
        if n_documents is None:
            n_documents = int(data["doc"].nunique())
    elif "documents" in data.columns:
        stats = data
    else:
        raise InputError("generic_concepts", "expected a mention table (doc, concept) or concept statistics "
                         "(index concept, column documents)")
    vocab = _as_terms(terms)
    labels = stats["label"] if "label" in stats.columns else pd.Series(None, index=stats.index, dtype=object)
    out = {str(c) for c, lab in zip(stats.index, labels, strict=True)
           if vocab.matches(str(c), lab if isinstance(lab, str) else None)}
    if max_df is not None:
        if not 0 < max_df <= 1:
            raise ValueError(f"max_df is a fraction of documents in (0, 1], not {max_df!r}")
        if n_documents is None:
            raise ValueError("max_df with concept statistics needs n_documents")
        if n_documents >= min_documents:
            df = stats["documents"].to_numpy()
            out |= {str(c) for c in stats.index[df > max_df * n_documents]}
    return out


def drop_generic(mentions: pd.DataFrame, generic: Iterable[str]) -> pd.DataFrame:
    """The mention table without the mentions of ``generic`` concepts (the edge policy)."""
    g = set(generic)
    if not g:
        return mentions
    return mentions[~mentions["concept"].isin(g)]
