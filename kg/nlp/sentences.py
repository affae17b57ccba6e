"""Sentence boundaries for abstracts, by rule, fast, and robust to kg's split tokenizer.

spaCy's rule-based ``sentencizer`` ends a sentence at every full stop token; under a
tokenizer that splits every punctuation mark that breaks "e.g.", "et al." and "Fig. 2"
apart. This module finds boundaries on the raw text instead, in the manner of the
classic Punkt-style rules (Kiss & Strunk 2006, simplified to fixed lists): a sentence
ends at ``.``, ``!`` or ``?`` (optionally followed by closing quotes or brackets) when
white space and an upper-case letter, digit or opening bracket follow, unless the word
before the stop is a known abbreviation, an initial, or a single letter. A blank line
(paragraph break, e.g. between title and abstract) always ends a sentence.
"""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

__all__ = ["ABBREVIATIONS", "sentence_starts", "set_sentence_starts", "make_sentencizer"]

#: Words that end with a full stop without ending a sentence (compared in lower case).
ABBREVIATIONS = frozenset(
    """al approx ca cf co corp dept dr e.g eg etc fig figs i.e ie inc jr ltd mr mrs ms no nos
    prof ref refs resp sp spp sr st suppl tab vol vs viz var subsp ed eds jan feb mar apr jun jul aug sep
    sept oct nov dec min max approx. mol wt""".split()
)

_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9\u0391-\u03A9])")
_PARA = re.compile(r"\n\s*\n\s*")
_WORD_BEFORE = re.compile(r"(\S+)$")


def _word_before(text: str, stop: int) -> re.Match[str] | None:
    """The run of non-space characters that ends at ``stop``: looked for in the 64 characters
    before it first (searching from the text's start made long abstracts quadratic)."""
    window = max(0, stop - 64)
    before = _WORD_BEFORE.search(text, window, stop)
    if before is not None and before.start() == window and window > 0:  # the word may go on to the left
        before = _WORD_BEFORE.search(text, 0, stop)
    return before


def sentence_starts(text: str) -> list[int]:
    """Character offsets where sentences start (always including 0 for non-empty text)."""
    if not text.strip():
        return []
    starts = {len(text) - len(text.lstrip())}
    for m in _PARA.finditer(text):
        if m.end() < len(text):
            starts.add(m.end())
    for m in _END.finditer(text):
        stop = m.start()
        before = _word_before(text, stop)
        word = before.group(1).lower().lstrip("([\"'") if before else ""
        if text[stop] == "." and (word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word)):
            continue
        nxt = m.end()
        while nxt < len(text) and text[nxt].isspace():
            nxt += 1
        if nxt < len(text):
            starts.add(nxt)
    return sorted(starts)


def set_sentence_starts(doc: Doc) -> Doc:
    """Mark sentence starts on ``doc`` from :func:`sentence_starts` of its text.

    A token starts a sentence when a start offset falls exactly on its first character
    (the first token always does). Set in one ``Doc.from_array`` call, not token by token.
    """
    if not len(doc):
        return doc
    starts = np.asarray(sentence_starts(doc.text), dtype=np.uint64)
    flags = np.where(np.isin(doc.to_array(IDX), starts), 1, -1)
    flags[0] = 1
    doc.from_array([SENT_START], flags.astype(np.uint64).reshape(-1, 1))
    return doc


@Language.factory("kg_sentencizer")
def make_sentencizer(nlp: Language, name: str):
    """spaCy component wrapping :func:`set_sentence_starts`."""
    return set_sentence_starts
