"""Cleaning bibliographic fields and assembling a :class:`kg.records.Document` from them.

Every reader in :mod:`kg.ingest` ends in :func:`make_document`, so the rules below hold
whatever the input format:

* titles and abstracts have their whitespace collapsed to single spaces (PubTator keeps
  its text as given so that annotation offsets stay valid);
* authors are written ``"Last, First"`` (``"Last, Initials"`` when only initials are
  known, a collective name as it is, and a name whose order the source does not tell,
  such as ``"Yang Han"`` on a publisher page, as it was written);
* languages become PubMed's three-letter codes (``"English"`` -> ``"eng"``) when known;
* a document whose text (title and abstract) is longer than :data:`LONG_TEXT_CHARS`
  (spaCy's default ``max_length``, 1,000,000 characters) is kept whole and flagged
  ``"long-text"``: ingest never cuts a text; the NLP stage must process such a document in
  pieces (sentence or paragraph boundaries, each under ``nlp.max_length``, offsets shifted
  back) rather than pass it to spaCy whole;
* an abstract longer than :data:`MAX_ABSTRACT_CHARS` (the per-record cap, 10 M characters;
  readers already skip records over :data:`kg.ingest.streams.MAX_RECORD_BYTES`, so this is
  a backstop) is cut at a word boundary and the document flagged ``"truncated-abstract"``;
* every text field has lone UTF-16 surrogates replaced by U+FFFD and ``source`` is made
  printable (:mod:`kg.ingest.names`), so a Document always encodes to UTF-8;
* a record with a title and no abstract is kept and flagged ``"no-abstract"``;
  a record with neither is a :class:`kg.records.Skipped`.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable

from kg.ingest.names import display_path, has_lone_surrogate, safe_text
from kg.records import Document, Skipped, document_id

__all__ = [
    "FIELD_ALIASES",
    "known_column_names",
    "MAX_ABSTRACT_CHARS",
    "FLAG_NO_ABSTRACT",
    "FLAG_TRUNCATED",
    "FLAG_LONG_TEXT",
    "LONG_TEXT_CHARS",
    "clean_text",
    "clean_author",
    "find_doi",
    "normalise_doi",
    "normalise_language",
    "parse_year",
    "make_document",
]

#: kg's field name -> column names accepted without a ``columns`` mapping (lower case).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "ti", "article_title", "articletitle"),
    "abstract": ("abstract", "ab", "abstract_text", "abstracttext", "text"),
    "pmid": ("pmid", "pubmed_id", "pubmedid"),
    "doi": ("doi",),
    "pmcid": ("pmcid", "pmc"),
    "year": ("year", "pub_year", "publication_year", "pubdate", "date"),
    "journal": ("journal", "journal_title", "jt", "ta"),
    "authors": ("authors", "author", "au", "fau"),
    "keywords": ("keywords", "keyword", "ot"),
    "mesh_terms": ("mesh_terms", "mesh", "mh"),
    "language": ("language", "lang", "la"),
    "id": ("id", "doc_id", "document_id"),
}

def known_column_names() -> set[str]:
    """Every column name recognised without a mapping (used by format detection)."""
    return {alias for aliases in FIELD_ALIASES.values() for alias in aliases}


#: Abstracts longer than this (in characters: the per-record cap) are truncated and flagged.
MAX_ABSTRACT_CHARS = 10_000_000
#: Texts longer than this (spaCy's default ``nlp.max_length``) are kept whole and flagged for the NLP stage.
LONG_TEXT_CHARS = 1_000_000

FLAG_NO_ABSTRACT = "no-abstract"
FLAG_TRUNCATED = "truncated-abstract"
FLAG_LONG_TEXT = "long-text"

_WS = re.compile(r"\s+")
# A DOI as printed in text or URLs: 10.<registrant>/<suffix>; the suffix ends before whitespace,
# quotes, angle brackets or a table bar, and trailing sentence punctuation is trimmed.
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"'<>|]+)")
_DOI_PREFIX = re.compile(r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d|21\d\d)(?!\d)")
# Affiliation markers glued to a name: digits, superscript digits, asterisks, daggers, letters
# in a trailing comma-less run such as "Han12", "Han1,2", "Han*", "Han†".
_NAME_MARKERS = re.compile(
    r"[\d\u00b9\u00b2\u00b3\u2070-\u2079*\u2020\u2021\u00a7#]+(?:[,\s]*[\d*\u2020\u2021]+)*$"
)

#: Language names (lower case, as pages print them) to PubMed's codes.
LANGUAGE_CODES: dict[str, str] = {
    "english": "eng",
    "chinese": "chi",
    "japanese": "jpn",
    "german": "ger",
    "french": "fre",
    "spanish": "spa",
    "español": "spa",
    "italian": "ita",
    "russian": "rus",
    "portuguese": "por",
    "korean": "kor",
    "dutch": "dut",
    "polish": "pol",
    "turkish": "tur",
    "inglés": "eng",
    "chino": "chi",
    "中文": "chi",
    "英文": "eng",
    "en": "eng",
    "zh": "chi",
}


def clean_text(text: str | None) -> str:
    """Unicode-normalise (NFC) ``text`` and collapse every whitespace run to one space."""
    if not text:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalise_doi(value: str | None) -> str | None:
    """A bare DOI from ``value`` (``doi:``/resolver prefixes and trailing punctuation removed), or None."""
    if not value:
        return None
    value = _DOI_PREFIX.sub("", value.strip())
    match = _DOI.search(value)
    return match.group(1).rstrip(".,;:)]}") if match else None


def find_doi(text: str) -> str | None:
    """The first DOI written anywhere in ``text``, or None."""
    match = _DOI.search(text or "")
    return match.group(1).rstrip(".,;:)]}") if match else None


def parse_year(value: object) -> int | None:
    """The first plausible publication year (1800-2199) in ``value`` (``"2019 Sep-Oct"`` -> 2019)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 1800 <= value <= 2199 else None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def normalise_language(value: str | None) -> str | None:
    """PubMed's three-letter code for a language name, else the value in lower case."""
    value = clean_text(value).strip(" .;:")
    if not value:
        return None
    return LANGUAGE_CODES.get(value.lower(), value.lower())


def clean_author(name: str) -> str:
    """One author name without affiliation markers, written ``"Last, First"`` when the order is known.

    ``"Han12"``-style digits, superscripts and asterisks are removed. A name with a comma is
    taken as already ``"Last, First"``. A name with exactly one ALL-CAPS word among mixed-case
    ones (``"Sibo SUN"``, the family-name convention of Chinese journals' English pages) is
    turned into ``"Sun, Sibo"``. Anything else is returned as written.
    """
    name = clean_text(name).strip(" ;,")
    name = _NAME_MARKERS.sub("", name).strip(" ;,")
    if not name:
        return ""
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        return f"{last}, {first}" if first else last
    words = name.split(" ")
    caps = [i for i, w in enumerate(words) if len(w) > 1 and w.isalpha() and w.isupper()]
    if len(words) > 1 and len(caps) == 1:
        family = words[caps[0]]
        given = " ".join(w for i, w in enumerate(words) if i != caps[0])
        if not given.isupper():
            return f"{family[:1]}{family[1:].lower()}, {given}"
    return name


def _dedupe_keep_order(values: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for value in values:
        value = clean_text(value)
        if value and value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return tuple(out)


def _truncate(abstract: str, limit: int) -> str:
    cut = abstract.rfind(" ", 0, limit + 1)
    return abstract[: cut if cut > limit // 2 else limit].rstrip()


def make_document(
    *,
    source: str,
    title: str | None,
    abstract: str | None,
    location: str | None = None,
    pmid: str | None = None,
    doi: str | None = None,
    pmcid: str | None = None,
    authors: Iterable[str] = (),
    journal: str | None = None,
    year: object = None,
    keywords: Iterable[str] = (),
    mesh_terms: Iterable[str] = (),
    language: str | None = None,
    gold_mentions: Iterable[tuple[int, int, str, str]] = (),
    keep_text: bool = False,
    max_abstract_chars: int = MAX_ABSTRACT_CHARS,
) -> Document | Skipped:
    """Clean the fields of one record and build its :class:`Document` (or a :class:`Skipped`).

    ``keep_text`` leaves title and abstract as given apart from stripping their ends (for
    annotated sources whose offsets must stay valid). Gold mentions past a truncated
    abstract's end are dropped.
    """
    title, abstract, doi = (safe_text(v) if isinstance(v, str) else v for v in (title, abstract, doi))
    if keep_text:
        title, abstract = (title or "").strip(), (abstract or "").strip()
    else:
        title, abstract = clean_text(title), clean_text(abstract)
    if not title and not abstract:
        return Skipped(source, "record has neither a title nor an abstract; nothing to read", location)
    flags: list[str] = []
    if not abstract:
        flags.append(FLAG_NO_ABSTRACT)
    mentions = tuple(gold_mentions)
    if len(abstract) > max_abstract_chars:
        abstract = _truncate(abstract, max_abstract_chars)
        flags.append(FLAG_TRUNCATED)
        end = len(title) + 2 + len(abstract) if title else len(abstract)
        mentions = tuple(m for m in mentions if m[1] <= end)
    if len(title) + 2 + len(abstract) > LONG_TEXT_CHARS:
        flags.append(FLAG_LONG_TEXT)
    pmid = clean_text(str(pmid)) if pmid not in (None, "") else None
    if pmid and not pmid.isdigit():
        pmid = pmid.removeprefix("pmid:").removeprefix("PMID:").strip() or None
        if pmid and not pmid.isdigit():
            pmid = None
    doi = normalise_doi(doi)
    pmcid = (clean_text(pmcid).upper() or None) if pmcid else None
    if pmcid and not pmcid.startswith("PMC"):
        pmcid = f"PMC{pmcid}" if pmcid.isdigit() else None
    return _encodable(Document(
        id=document_id(pmid=pmid, doi=doi, title=title, abstract=abstract),
        title=title,
        abstract=abstract,
        doi=doi,
        pmid=pmid,
        pmcid=pmcid,
        authors=tuple(a for a in (clean_author(a) for a in authors) if a),
        journal=clean_text(journal) or None,
        year=parse_year(year),
        keywords=_dedupe_keep_order(keywords),
        mesh_terms=_dedupe_keep_order(mesh_terms),
        language=normalise_language(language),
        source=source,
        flags=tuple(flags),
        gold_mentions=mentions,
    ))


def _encodable(doc: Document) -> Document:
    """``doc`` with lone surrogates replaced in every text field and a printable ``source``."""
    strings = {f: getattr(doc, f) for f in ("journal", "language", "pmcid")}  # title, abstract, doi: done before
    lists = {f: getattr(doc, f) for f in ("authors", "keywords", "mesh_terms")}
    changes: dict[str, object] = {f: safe_text(v) for f, v in strings.items() if v and has_lone_surrogate(v)}
    changes.update({f: tuple(safe_text(x) for x in v) for f, v in lists.items() if any(map(has_lone_surrogate, v))})
    if doc.source != (source := display_path(doc.source)):
        changes["source"] = source
    return dataclasses.replace(doc, **changes) if changes else doc  # type: ignore[arg-type]
