"""Stacking NER heads: keep each head's spans apart, then merge them by one stated rule.

spaCy's entity recognizer treats entities already on a ``Doc`` as fixed, so a second
NER component behind a first one can only fill the gaps the first one left. kg wants
every head's own opinion, so after each head the ``kg_ents_to_spans`` component moves
``doc.ents`` into ``doc.spans[<head name>]`` and clears them; ``kg_merge_entities``, last
in the pipeline, merges the groups into ``doc.ents``.

The merge rule (:func:`merge_spans`): spans from all heads are pooled; where spans
overlap, the longest wins; between equally long spans, the head listed first in the
pipeline wins (bundled order: cancer genetics, chemicals/diseases, CRAFT). This is
spaCy's :func:`spacy.util.filter_spans` applied with a stable head priority.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["SPANS_PREFIX", "merge_spans", "ents_to_spans", "make_ents_to_spans", "make_merge_entities"]

T = TypeVar("T")


def _token_bounds(span) -> tuple[int, int]:
    return span.start, span.end


#: Span-group keys holding each head's predictions start with this.
SPANS_PREFIX = "ner:"


def merge_spans(groups: Sequence[Iterable[T]], *, bounds: Callable[[T], tuple[int, int]] = _token_bounds) -> list[T]:
    """Merge span lists, given in priority order, into non-overlapping spans (longest, then first group).

    ``bounds`` gives a span's (start, end); token offsets for spaCy spans by default, so the
    same rule merges character-offset spans from pipelines with different tokenizers.
    """
    ranked = []
    for prio, spans in enumerate(groups):
        for span in spans:
            start, end = bounds(span)
            ranked.append((start - end, prio, start, end, span))
    ranked.sort(key=lambda r: r[:3])
    taken: set[int] = set()
    kept = []
    for _, _, start, end, span in ranked:
        if not any(i in taken for i in range(start, end)):
            kept.append((start, span))
            taken.update(range(start, end))
    return [span for _, span in sorted(kept, key=lambda r: r[0])]


def ents_to_spans(doc: Doc, key: str) -> Doc:
    """Move ``doc.ents`` into ``doc.spans[key]`` and clear them, so the next head starts fresh."""
    doc.spans[key] = list(doc.ents)
    doc.ents = []
    return doc


@Language.factory("kg_ents_to_spans", default_config={"key": "ner"})
def make_ents_to_spans(nlp: Language, name: str, key: str):
    """Component: after an NER head, keep its entities in ``doc.spans[key]``."""

    def component(doc: Doc) -> Doc:
        return ents_to_spans(doc, key)

    return component


@Language.factory("kg_merge_entities", default_config={"keys": []})
def make_merge_entities(nlp: Language, name: str, keys: list[str]):
    """Component: merge the span groups ``keys`` (priority order) into ``doc.ents`` by :func:`merge_spans`."""

    def component(doc: Doc) -> Doc:
        doc.ents = merge_spans([doc.spans[k] for k in keys if k in doc.spans])
        return doc

    return component
