"""What on a scraped page is not the paper: site chrome, licences, affiliations, funding.

The rules are plain lists of named regular expressions so that anyone can read, extend or
test them; :mod:`kg.ingest.scraped` applies them to the lines (or paragraphs) of a page:

* :data:`BOILERPLATE_LINES`: a line matching one of these is dropped wherever it is
  (loading indicators, "Cited by N", copyright and ICP lines, licence statements, field
  labels standing alone, table rulers, navigation words, lone punctuation);
* :data:`AFFILIATION_LINES`: numbered or "Department of ..." address lines;
* :data:`FUNDING_LINES`: short lines naming a fund, foundation, grant or project;
* :data:`BOILERPLATE_SENTENCES`: sentences cut out of a paragraph that is otherwise kept
  (a licence or copyright notice at the end of an abstract).

Patterns marked *short-only* apply to lines of at most :data:`SHORT_LINE` characters, so a
long abstract paragraph that merely mentions, say, a foundation is never dropped.
"""

from __future__ import annotations

import re

__all__ = [
    "SHORT_LINE",
    "BOILERPLATE_LINES",
    "AFFILIATION_LINES",
    "FUNDING_LINES",
    "BOILERPLATE_SENTENCES",
    "boilerplate_reason",
    "is_affiliation",
    "is_funding",
    "strip_boilerplate_sentences",
]

SHORT_LINE = 300

_I = re.IGNORECASE

#: (name, pattern, short_only): whole lines that are never part of a title or abstract.
BOILERPLATE_LINES: list[tuple[str, re.Pattern[str], bool]] = [
    ("loading", re.compile(r"^(?:cargando|loading|chargement|carregando|caricamento|加载中)\W*$", _I), False),
    ("cited-by", re.compile(r"^cited by\s+\d+", _I), False),
    ("copyright", re.compile(r"^(?:copyright\b|©|\(c\)\s*(?:19|20)\d\d)", _I), False),
    ("rights", re.compile(r"all rights reserved", _I), True),
    ("icp", re.compile(r"ICP\s*[备证]|公网安备|ICP\s*(?:No|license)", _I), False),
    ("site-footer", re.compile(r"版权所有|技术支持|主办单位|联系我们|网站地图|订阅此论文"), True),
    (
        "licence",
        re.compile(
            r"creative\s*commons|licen[cs]ed under|this (?:article|work) is (?:licen[cs]ed|distributed)"
            r"|open access this article|this is an open access article|^open access$|creativecommons\.org",
            _I,
        ),
        True,
    ),
    (
        "field-label",
        re.compile(
            r"^-?\s*(?:author information|authors?|author\(s\)|keywords?|key words|abstract|summary|from|source"
            r"|language|country|publication type|vernacular ?title|doi|pmid|pmcid|affiliations?|funding"
            r"|references|cite this article|摘要|关键词|作者|单位|基金)\s*[:：]?\s*$",
            _I,
        ),
        False,
    ),
    ("table-ruler", re.compile(r"^[-|:+=\s]*(?:---|\|)[-|:+=\s]*$"), False),
    ("punctuation", re.compile(r"^[\W_]{1,8}$"), False),
    (
        "navigation",
        re.compile(
            r"^(?:download(?: (?:pdf|citation|full text))?|full text(?: pdf)?|pdf|html|share|print|e-?mail"
            r"|back to top|previous article|next article|related articles|sign in|log in|register"
            r"|subscribe|accept(?: all)? cookies|cookie settings|menu|search|home|view full text"
            r"|export citation|metrics|citations?|permissions|reprints)\s*$",
            _I,
        ),
        False,
    ),
]

_INSTITUTION = (
    r"(?:\b(?:Universit\w*|Hospital|College|Institut\w*|Department|Dept\.?|School|Laborator\w*|Lab"
    r"|Cent(?:er|re)|Academy|Faculty|Clinic|Division|Unit|Ministry)\b"
    r"|大学|医院|学院|研究所|研究院|中心|实验室|医科|科室)"
)

#: (name, pattern): address lines of authors' institutions (applied to short lines only).
AFFILIATION_LINES: list[tuple[str, re.Pattern[str]]] = [
    # "1. Department of ...", "2 Institute of ...", "a) ...", "¹ ...", "1. 宜春学院附属医院 ..."
    (
        "numbered",
        re.compile(
            r"^(?:\d{1,2}(?!\d)\s*[.)\]]?|[a-h][.)\]]|[a-h]\s|[\u00b9\u00b2\u00b3\u2070-\u2079]+)\s*\S.*"
            + _INSTITUTION
        ),
    ),
    (
        "department-of",
        re.compile(
            r"^(?:the\s+)?(?:Department|Dept\.?|Division|Faculty|School|Institute|Laboratory|Cent(?:er|re)|College)\s+(?:of|for)\b",
            _I,
        ),
    ),
    ("address", re.compile(_INSTITUTION + r".*,\s*[A-Z][\w ]+\s+\d{4,6}(?:,\s*[A-Z][\w ]+)?\.?$")),
]

#: (name, pattern): funding statements and funder names (applied to short lines only).
FUNDING_LINES: list[tuple[str, re.Pattern[str]]] = [
    ("funded-by", re.compile(r"^(?:funded|supported|sponsored)\s+by\b|^funding\b|^grants?\b", _I)),
    (
        "funder-name",
        re.compile(
            r"\b(?:Foundation|Funds?|Grants?|Program(?:me)?|Project|Council|Scholarship|Fellowship"
            r"|Science and Technology|Research Fund|Ministry of \w+)\b"
            r"|基金|资助|项目"
        ),
    ),
]

#: (name, pattern): sentences removed from an otherwise kept paragraph.
BOILERPLATE_SENTENCES: list[tuple[str, re.Pattern[str]]] = [
    ("copyright", re.compile(r"^(?:copyright\b|©|\(c\)\s*(?:19|20)\d\d)", _I)),
    ("rights", re.compile(r"all rights reserved", _I)),
    (
        "licence",
        re.compile(
            r"creative\s*commons|licen[cs]ed under|this is an open access article|open access this article",
            _I,
        ),
    ),
    ("published-by", re.compile(r"^published by\b", _I)),
    ("cited-by", re.compile(r"^cited by\s+\d+", _I)),
]

_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。])\s+(?=[A-Z©(\u4e00-\u9fff])")


def boilerplate_reason(line: str) -> str | None:
    """The name of the :data:`BOILERPLATE_LINES` rule ``line`` (already whitespace-cleaned) matches, or None."""
    for name, pattern, short_only in BOILERPLATE_LINES:
        if short_only and len(line) > SHORT_LINE:
            continue
        if pattern.search(line):
            return name
    return None


def is_affiliation(line: str) -> bool:
    """True for a short line that is an institution's address (see :data:`AFFILIATION_LINES`)."""
    if len(line) > SHORT_LINE:
        return False
    return any(p.search(line) for _, p in AFFILIATION_LINES)


def is_funding(line: str) -> bool:
    """True for a short line naming a funder or grant (see :data:`FUNDING_LINES`), not a sentence of prose."""
    if len(line) > 200 or len(line.split()) > 25 or re.search(r"[.!?]\s+[A-Z]", line):
        return False
    return any(p.search(line) for _, p in FUNDING_LINES)


def strip_boilerplate_sentences(text: str) -> str:
    """``text`` without its :data:`BOILERPLATE_SENTENCES`; everything after a copyright sentence goes too."""
    sentences = _SENTENCE_SPLIT.split(text)
    kept: list[str] = []
    for sentence in sentences:
        names = [name for name, p in BOILERPLATE_SENTENCES if p.search(sentence)]
        if "copyright" in names and kept:
            break
        if not names:
            kept.append(sentence)
    return " ".join(kept).strip()
