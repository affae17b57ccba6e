"""Not a concept, not a node: which concept keys of a :class:`kg.concepts.ConceptTable` make no node.

A grounded concept (a CURIE) is a node, also when it is generic. An ungrounded one must show
evidence that it names a concept. The rules, first that applies decides (the value of
:func:`not_concepts` names it):

``generic``
    the ungrounded concept is on kg's generic-term list (:mod:`kg.generic`: "drug", "tumor
    cells"): it names a class. A *grounded* generic concept (MeSH *Neoplasms* for "tumor" and
    "cancer") is a node (rule ``grounded-generic``) but stays out of the co-occurrence edges
    (:func:`kg.graph.generic.drop_generic`): it is the concept BioRED annotates for those words,
    and dropping it cost 2.9 points of disease recall on BioRED dev (0.630 -> 0.659 kept; disease
    precision 0.822 -> 0.825). ``grounded_generic=False`` drops it as before.
``fragment``
    every surface form is one lower-case word that is a modifier (``multidrug``,
    ``extracellular``, :data:`NOT_CONCEPT_WORDS`) or has an adjective ending
    (:data:`ADJECTIVE_ENDINGS`: ``epithelial``, ``mesenchymal``), or a phrase opening with
    a lower-case gerund (``connecting inflammation``), or ``etc``-like filler.
``single-document``
    ungrounded, seen in one document only, not tagged alike by two NER heads, and not a
    resolved abbreviation.

Every concept that is a node says which rule made it one (:func:`evidence`, the node's
``concept_rule``): ``grounded``, ``grounded-generic``, or for ungrounded ones ``heads-agree``
(two or more NER heads tagged the same span: :mod:`kg.nlp.annotate` joins their names with
``+`` in :attr:`Mention.source`), ``several-documents`` (seen in two or more documents) or
``abbreviation`` (a short form defined in a document, whose long form is among its aliases).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

__all__ = ["not_concepts", "evidence", "concept_rules", "heads_agree", "is_fragment", "NOT_CONCEPT_WORDS", "ADJECTIVE_ENDINGS",
           "GROUNDED_GENERIC", "CLASS_NAMES",
           "NO_AGREEMENT_TYPES"]

NOT_CONCEPT_WORDS = frozenset({
    "etc", "et", "al", "ie", "eg", "vs", "via", "multidrug", "transmembrane", "extracellular", "intracellular",
    "epithelial", "mesenchymal", "cytoplasmic", "nuclear", "cellular", "molecular", "novel", "several", "various",
    "other", "new", "known", "unknown", "related", "associated", "induced", "mediated", "dependent", "specific",
    "wild", "type", "mutant", "normal", "total", "free", "active", "inactive", "human", "mouse", "rat",
})
ADJECTIVE_ENDINGS = ("al", "ic", "ive", "ous", "ar", "ary", "ory", "ible", "able", "ed", "like")
#: Biolink classes whose grounded generic concepts are nodes (see ``generic`` above).
GROUNDED_GENERIC = frozenset({"biolink:Disease"})
#: Grounded generic concepts whose name says no more than the class itself: no node (MeSH *Disease*,
#: *Syndrome*: 4 of the 4 Dev documents where "disease" grounded to MeSH *Disease* do not annotate it).
CLASS_NAMES = frozenset({"disease", "syndrome", "disorder", "disease or disorder"})
#: Types the heads-agree rule leaves out: gene vocabularies (HGNC, NCBI Gene, MGI, RGD, FamPlex) are near
#: complete, so an ungrounded gene name two heads agree on is mostly a paraphrase of a known gene (seeds/:
#: "transcriptional activation factor 3", an alias of STAT3).
NO_AGREEMENT_TYPES = frozenset({"Gene or gene product", "DNA", "RNA"})
_ABBREVIATION = re.compile(r"^[A-Za-z0-9-]{2,10}$")


def is_fragment(forms: Iterable[str]) -> bool:
    """Whether every surface form is a modifier, a lone adjective, a gerund phrase, filler or a lone character
    (a nucleotide or residue letter of a variant, "c.1234C>T": one-letter element symbols that name a
    chemical are grounded, so this rule never meets them)."""
    forms = [f.strip() for f in forms if f.strip()]
    if not forms:
        return True
    for form in forms:
        words = form.replace("-", " ").split()
        first = words[0] if words else ""
        if len(form) == 1:
            continue
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


def heads_agree(source: str) -> bool:
    """Whether a mention's ``source`` names two or more NER heads (joined by ``+``) that tagged the same span."""
    return "+" in source


def evidence(key: str, documents: int, aliases: Iterable[str], curie: str = "", *, agreed: bool = False) -> str:
    """Why a concept is a node: ``grounded``, ``heads-agree``, ``several-documents``, ``abbreviation``;
    ``""`` if none."""
    if curie:
        return "grounded"
    if agreed:
        return "heads-agree"
    if documents >= 2:
        return "several-documents"
    if _is_abbreviation(aliases):
        return "abbreviation"
    return ""


def concept_rules(mentions: pd.DataFrame, curies: Mapping[str, str], aliases: Mapping[str, list[str]],
                  generic: Iterable[str] = (), agreed: Iterable[str] = (), *,
                  categories: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                  types: Mapping[str, str] | None = None,
                  grounded_generic: Iterable[str] = GROUNDED_GENERIC) -> dict[str, tuple[bool, str]]:
    """{concept key: (is a node, rule)} for the concepts of the mention table (columns ``doc``, ``concept``).
    ``agreed``: the concepts with a mention that two or more NER heads tagged alike; ``categories``: each
    concept's Biolink class; a grounded generic concept of a class in ``grounded_generic`` is a node unless
    its ``labels`` entry (the vocabulary's name) is a bare class name (:data:`CLASS_NAMES`). ``types``: each
    concept's readable type; the heads-agree rule does not apply to genes (:data:`NO_AGREEMENT_TYPES`)."""
    keep = frozenset(grounded_generic)
    categories, labels, types = categories or {}, labels or {}, types or {}
    if not len(mentions):
        return {}
    documents = mentions.groupby("concept", sort=False)["doc"].nunique()
    generic, agreed = set(generic), set(agreed)
    out: dict[str, tuple[bool, str]] = {}
    for key, n_docs in zip(documents.index, documents.tolist(), strict=True):
        if key in generic:
            kept = (bool(curies.get(key)) and categories.get(key, "") in keep
                    and labels.get(key, "").lower() not in CLASS_NAMES)
            out[key] = (True, "grounded-generic") if kept else (False, "generic")
            continue
        if curies.get(key):
            out[key] = (True, "grounded")
            continue
        forms = aliases.get(key, [key])
        if is_fragment(forms):
            out[key] = (False, "fragment")
            continue
        rule = evidence(key, n_docs, forms, agreed=key in agreed and types.get(key) not in NO_AGREEMENT_TYPES)
        out[key] = (True, rule) if rule else (False, "single-document")
    return out


def not_concepts(mentions: pd.DataFrame, curies: Mapping[str, str], aliases: Mapping[str, list[str]],
                 generic: Iterable[str] = (), agreed: Iterable[str] = (), *,
                 categories: Mapping[str, str] | None = None, labels: Mapping[str, str] | None = None,
                 types: Mapping[str, str] | None = None,
                 grounded_generic: Iterable[str] = GROUNDED_GENERIC) -> dict[str, str]:
    """{concept key: rule} for the concepts of the mention table (columns ``doc``, ``concept``) that make no node
    (:func:`concept_rules`)."""
    return {key: rule for key, (node, rule) in concept_rules(mentions, curies, aliases, generic, agreed,
                                                             categories=categories, labels=labels, types=types,
                                                             grounded_generic=grounded_generic).items() if not node}
