"""Sentences and tokens for relation features, without spaCy (the stage must not need kg.nlp).

Sentence split: a boundary after ``.``, ``!`` or ``?`` followed by white space and an upper-case
letter, digit or opening bracket, and at every line break; the usual abbreviation guard (``e.g.``,
``i.e.``, ``vs.``, ``et al.``, one upper-case letter such as ``J.``). Tokens: runs of letters/digits
or one other non-space character (the same split biomedical tokenizers use for relation features).
"""

from __future__ import annotations

import re

__all__ = ["split_sentences", "tokenize", "Token"]

_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])|\n+")
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|vs|al|Fig|Figs|Dr|Mr|Ms|approx|ca|no|No)|\b[A-Z])\.$")
_TOKEN = re.compile(r"[A-Za-z0-9]+|[^\sA-Za-z0-9]")

Token = tuple[int, int, str]
"""(start, end, lower-cased text)"""


def split_sentences(text: str) -> tuple[tuple[int, int], ...]:
    """``(start, end)`` spans of the sentences of ``text``, white space trimmed, in order.

    >>> split_sentences("A causes B. We found C in D.")
    ((0, 11), (12, 28))
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group().strip() == "" and "\n" not in match.group() and _ABBREV.search(text[start : match.start()]):
            continue
        _append(text, start, match.start(), spans)
        start = match.end()
    _append(text, start, len(text), spans)
    return tuple(spans)


def _append(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[Token]:
    """The tokens of ``text[start:end]`` with offsets into ``text``."""
    stop = len(text) if end is None else end
    return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text, start, stop)]
