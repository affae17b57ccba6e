"""Abbreviation definitions ("non-small cell lung cancer (NSCLC)") in linear time.

The method is Schwartz & Hearst's ("A simple algorithm for identifying abbreviation
definitions in biomedical text", PSB 2003) as scispaCy implements it in
:class:`scispacy.abbreviation.AbbreviationDetector`, whose candidate filter and long-form
search this module calls unchanged. Only the first step differs. scispaCy finds the
parenthesised candidates with the Matcher pattern ``( + )``, which yields *every* pair of
an opening and a later closing parenthesis: for a text with *n* parentheses that is
O(*n*²) matches, almost all thrown away at once because
:func:`scispacy.abbreviation.filter_matches` keeps only those with at most
:data:`MAX_INSIDE` tokens between the brackets. A 96 kB abstract of a SAR table
("compound 12 (IC50 = 5 nM) inhibited EGFR (HER1); ...") made millions of matches and
3.8 GB. :func:`parenthesis_matches` makes exactly the matches that filter can keep, by one
scan, so the result is the same and the cost is linear in the length of the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from scispacy.abbreviation import AbbreviationDetector, filter_matches
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["MAX_INSIDE", "parenthesis_matches", "LinearAbbreviationDetector", "make_abbreviation_detector"]

#: scispaCy's filter drops candidates with more than 8 tokens inside the parentheses.
MAX_INSIDE = 8


def parenthesis_matches(words: Sequence[str], max_inside: int = MAX_INSIDE) -> list[tuple[int, int, int]]:
    """The matches of scispaCy's ``( + )`` pattern that have at most ``max_inside`` tokens inside.

    Each match is ``(0, start, end)`` over the token list, brackets included, in the order a
    spaCy Matcher returns them (by end, then by start from the nearest opening bracket
    back), which matters: the first definition found of a short form wins.
    """
    matches: list[tuple[int, int, int]] = []
    for j, word in enumerate(words):
        if word == ")":
            for i in range(j - 2, max(j - max_inside - 2, -1), -1):
                if words[i] == "(":
                    matches.append((0, i, j + 1))
    return matches


class LinearAbbreviationDetector(AbbreviationDetector):
    """scispaCy's detector with the candidate step of :func:`parenthesis_matches`.

    Sets ``doc._.abbreviations`` exactly as :class:`~scispacy.abbreviation.AbbreviationDetector`
    does (each short form a Span whose ``._.long_form`` is the definition).
    """

    def __call__(self, doc: Doc) -> Doc:
        matches = parenthesis_matches([t.text for t in doc])
        inside = [(m, start + 1, end - 1) for m, start, end in matches]
        for long_form, short_forms in self.find_matches_for(filter_matches(inside, doc), doc):
            for short in short_forms:
                short._.long_form = long_form
                doc._.abbreviations.append(short)
        return doc


@Language.factory("kg_abbreviation_detector")
def make_abbreviation_detector(nlp: Language, name: str) -> LinearAbbreviationDetector:
    """The spaCy factory: ``nlp.add_pipe("kg_abbreviation_detector")``."""
    return LinearAbbreviationDetector(nlp, name)
