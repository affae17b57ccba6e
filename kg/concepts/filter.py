"""Not a concept, not a node: which concept keys of a :class:`kg.concepts.ConceptTable` make no node.

A grounded concept (a CURIE) is a node unless it is generic. An ungrounded one must show
evidence that it names a concept. The rules, first that applies decides (the value of
:func:`not_concepts` names it):

``generic``
    the concept is on kg's generic-term list (:mod:`kg.generic`: "drug", "tumor cells",
    MeSH *Neoplasms*): it names a class and would be the largest circle of the page with no
    edge. (Generic concepts were kept as unconnected nodes before; now they are no node.)
``fragment``
    every surface form is one lower-case word that is a modifier (``multidrug``,
    ``extracellular``, :data:`NOT_CONCEPT_WORDS`) or has an adjective ending
    (:data:`ADJECTIVE_ENDINGS`: ``epithelial``, ``mesenchymal``), or a phrase opening with
    a lower-case gerund (``connecting inflammation``), or ``etc``-like filler.
``single-document``
    ungrounded, seen in one document only, and not a resolved abbreviation.

Ungrounded concepts that are kept say which evidence kept them (:func:`evidence`):
``several-documents`` (seen in two or more documents) or ``abbreviation`` (a short form
defined in a document, whose long form is among its aliases). The NER-heads-agree rule of
the issue is not applied: the mention table does not keep which heads tagged a span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["not_concepts", "evidence", "is_fragment", "NOT_CONCEPT_WORDS", "ADJECTIVE_ENDINGS"]

NOT_CONCEPT_WORDS = frozenset({
    "etc", "et", "al", "ie", "eg", "vs", "via", "multidrug", "transmembrane", "extracellular", "intracellular",
    "epithelial", "mesenchymal", "cytoplasmic", "nuclear", "cellular", "molecular", "novel", "several", "various",
    "other", "new", "known", "unknown", "related", "associated", "induced", "mediated", "dependent", "specific",
    "wild", "type", "mutant", "normal", "total", "free", "active", "inactive", "human", "mouse", "rat",
})
ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ar", "ary", "ory", "ible", "able", "ed", "like")
_ABBREVIATION = re.compile(r"^[A-Za-z0-9-]{2,10}$")


def is_fragment(forms: Iterable[str]) -> bool:
    """Whether every surface form is a modifier, a lone adjective, a gerund phrase or filler."""
    forms = [f.strip() for f in forms if f.strip()]
    if not forms:
        return True
    for form in forms:
        words = form.replace("-", " ").split()
        first = words[0] if words else ""
        if len(words) == 1 and form.islower() and (
                form.rstrip(".") in NOT_CONCEPT_WORDS or form.endswith(ADJECTIVE_ENDINGS)):
            continue
        if len(words) > 1 and first.islower() and first.endswith("ing") and len(first) > 5:
            continue
        if form.lower().rstrip(".") in NOT_CONCEPT_WORDS:
            continue
        return False
    return True


def _is_abbreviation(aliases: Iterable[str]) -> bool:
    forms = list(aliases)
    short = [f for f in forms if _ABBREVIATION.match(f) and any(ch.isupper() for ch in f)]
    return bool(short) and any(len(f) > len(s) + 2 and " " in f for f in forms for s in short)


def evidence(key: str, documents: int, aliases: Iterable[str], curie: str = "") -> str:
    """Why a concept is a node: ``grounded``, ``several-documents``, ``abbreviation``; ``""`` if none."""
    if curie:
        return "grounded"
    if documents >= 2:
        return "several-documents"
    if _is_abbreviation(aliases):
        return "abbreviation"
    return ""


def not_concepts(mentions: pd.DataFrame, curies: Mapping[str, str], aliases: Mapping[str, list[str]],
                 generic: Iterable[str] = ()) -> dict[str, str]:
    """{concept key: rule} for the concepts of the mention table (columns ``doc``, ``concept``) that make no node."""
    if not len(mentions):
        return {}
    documents = mentions.groupby("concept", sort=False)["doc"].nunique()
    generic = set(generic)
    out: dict[str, str] = {}
    for key, n_docs in zip(documents.index, documents.tolist(), strict=True):
        if key in generic:
            out[key] = "generic"
            continue
        if curies.get(key):
            continue
        forms = aliases.get(key, [key])
        if is_fragment(forms):
            out[key] = "fragment"
        elif not evidence(key, n_docs, forms):
            out[key] = "single-document"
    return out
