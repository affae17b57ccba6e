"""PubMed XML (``<PubmedArticleSet>``, as efetch and the annual baseline/update files serve it).

Implements the fields of NLM's PubMed DTD (``pubmed_190101.dtd`` and later) that kg uses:

=====================  ============================================================
Document field         PubMed XML
=====================  ============================================================
pmid                   ``MedlineCitation/PMID`` (``BookDocument/PMID`` for books)
title                  ``Article/ArticleTitle`` (markup such as ``<i>`` flattened),
                       else ``VernacularTitle``; ``BookTitle`` for books
abstract               ``Abstract/AbstractText`` elements joined; a ``Label`` becomes
                       ``"LABEL: text"`` (``"BACKGROUND: ... METHODS: ..."``);
                       ``CopyrightInformation`` is left out; ``OtherAbstract`` in
                       English is used when there is no ``Abstract``
doi / pmcid            ``PubmedData/ArticleIdList/ArticleId[@IdType=doi|pmc]``,
                       DOI else ``ELocationID[@EIdType=doi]``
authors                ``AuthorList/Author``: ``"LastName, ForeName"`` (``Initials``
                       when there is no fore name), ``CollectiveName`` as is
journal                ``Journal/Title``, else ``MedlineJournalInfo/MedlineTA``
year                   ``PubDate/Year``, else the first year in ``PubDate/MedlineDate``
mesh_terms             ``MeshHeadingList/MeshHeading/DescriptorName``
keywords               ``KeywordList/Keyword``
language               ``Article/Language`` (first)
=====================  ============================================================

The file is streamed with :func:`lxml.etree.iterparse` and every record is cleared as soon
as it is read, so memory stays flat whatever the file size (a 1 GB baseline file is never
loaded whole). Parsing is safe: entities are not resolved, no DTD is loaded and nothing is
fetched from the network (``resolve_entities=False, load_dtd=False, no_network=True,
huge_tree=False``); a file that declares entities is refused. Malformed or truncated XML
keeps the records read before the error and reports the line where it stopped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from kg.ingest.detect import open_binary
from kg.ingest.fields import make_document
from kg.ingest.streams import MAX_RECORD_BYTES
from kg.records import Document, Skipped

__all__ = ["read_pubmed_xml", "PARSER_OPTIONS"]

logger = logging.getLogger(__name__)

#: Options for every PubMed XML parse: no entity expansion, no DTD, no network, libxml2's size limits.
PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
_NO_LABEL = {"", "UNLABELLED", "UNASSIGNED", "NONE"}

_ENTITY_REASON = (
    "XML declares entities in its DOCTYPE ({names}); kg does not expand XML entities "
    "(entity-expansion bombs, external entities). Use the file as NCBI serves it, without an internal DTD subset"
)


def _text(elem: etree._Element | None) -> str:
    """All the text inside ``elem`` (inline markup such as <i>, <sup> flattened), or ''."""
    if elem is None:
        return ""
    return "".join(t for t in elem.itertext() if isinstance(t, str))


def _first_text(elem: etree._Element, *paths: str) -> str:
    for path in paths:
        found = elem.find(path)
        text = _text(found).strip()
        if text:
            return text
    return ""


def _abstract(abstract: etree._Element | None) -> str:
    if abstract is None:
        return ""
    parts = []
    for section in abstract.iterfind("AbstractText"):
        text = " ".join(_text(section).split())
        if not text:
            continue
        label = (section.get("Label") or "").strip()
        parts.append(f"{label}: {text}" if label.upper() not in _NO_LABEL else text)
    return " ".join(parts)


def _authors(container: etree._Element) -> list[str]:
    authors = []
    for author in container.iterfind(".//AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        last = _text(author.find("LastName")).strip()
        first = _text(author.find("ForeName")).strip() or _text(author.find("Initials")).strip()
        if last:
            authors.append(f"{last}, {first}" if first else last)
        else:
            collective = _text(author.find("CollectiveName")).strip()
            if collective:
                authors.append(collective)
    return authors


def _article_id(record: etree._Element, id_type: str) -> str:
    for node in record.iterfind("PubmedData/ArticleIdList/ArticleId"):
        if node.get("IdType") == id_type and (node.text or "").strip():
            return node.text.strip()
    return ""


def _record_fields(record: etree._Element) -> dict[str, object]:
    """The Document fields of one PubmedArticle or PubmedBookArticle element."""
    if record.tag == "PubmedBookArticle":
        book = record.find("BookDocument")
        if book is None:
            return {}
        abstract = _abstract(book.find("Abstract"))
        return {
            "pmid": _first_text(book, "PMID"),
            "title": _first_text(book, "ArticleTitle", "Book/BookTitle"),
            "abstract": abstract,
            "doi": next(
                (n.text for n in book.iterfind("ArticleIdList/ArticleId") if n.get("IdType") == "doi"), None
            ),
            "authors": _authors(book),
            "journal": _first_text(book, "Book/BookTitle"),
            "year": _first_text(book, "Book/PubDate/Year", "Book/PubDate/MedlineDate"),
            "keywords": [_text(k) for k in book.iterfind("KeywordList/Keyword")],
            "language": _first_text(book, "Language"),
        }
    citation = record.find("MedlineCitation")
    if citation is None:
        return {}
    article = citation.find("Article")
    if article is None:
        article = etree.Element("Article")
    abstract = _abstract(article.find("Abstract"))
    if not abstract:
        for other in citation.iterfind("OtherAbstract"):
            if (other.get("Language") or "eng") == "eng":
                abstract = _abstract(other)
                if abstract:
                    break
    doi = _article_id(record, "doi")
    if not doi:
        for loc in article.iterfind("ELocationID"):
            if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") != "N":
                doi = (loc.text or "").strip()
                break
    return {
        "pmid": _first_text(citation, "PMID"),
        "title": _first_text(article, "ArticleTitle", "VernacularTitle"),
        "abstract": abstract,
        "doi": doi or None,
        "pmcid": _article_id(record, "pmc") or None,
        "authors": _authors(article),
        "journal": _first_text(article, "Journal/Title")
        or _first_text(citation, "MedlineJournalInfo/MedlineTA"),
        "year": _first_text(
            article, "Journal/JournalIssue/PubDate/Year", "Journal/JournalIssue/PubDate/MedlineDate"
        ),
        "mesh_terms": [_text(d) for d in citation.iterfind("MeshHeadingList/MeshHeading/DescriptorName")],
        "keywords": [_text(k) for k in citation.iterfind("KeywordList/Keyword")],
        "language": _first_text(article, "Language"),
    }


_CHUNK = 64 * 1024
#: How far into a file the DOCTYPE is looked for (the prolog of an efetch or baseline file is a few hundred bytes).
_PROLOG_LIMIT = 1 << 20


def _prolog(head: bytes) -> bytes | None:
    """The prolog (what precedes the root element) when ``head`` holds it whole and it may declare
    entities; ``None`` once the root element is seen without any, or past the first megabyte."""
    root = re.search(rb"<(?![?!])", head)
    if root is not None:
        prolog = head[: root.start()]
        return prolog if b"<!ENTITY" in prolog else None
    return head if len(head) < _PROLOG_LIMIT else None


def _entity_names(head: bytes) -> list[str]:
    return [m.decode("utf-8", "replace") for m in re.findall(rb"<!ENTITY\s+%?\s*([^\s\"'>]+)", head)]


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_CHUNK):
        yield chunk


def _record(elem: etree._Element, source: str, location: str) -> Document | Skipped:
    if next(elem.iter(etree.Entity), None) is not None:
        return Skipped(source, "record contains an unexpanded XML entity reference; skipped", location)
    fields = _record_fields(elem)
    if not fields:
        return Skipped(source, f"<{elem.tag}> without MedlineCitation/BookDocument; skipped", location)
    return make_document(source=source, location=location, **fields)  # type: ignore[arg-type]


def _release(elem: etree._Element) -> None:
    """Free a record already read, and the siblings before it, so memory stays flat."""
    elem.clear(keep_tail=False)
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def _damage(source: str, kept: int, line: int | None, what: str) -> Skipped:
    where = f"line {line}" if line else f"after record {kept}"
    return Skipped(
        source,
        f"malformed or truncated XML ({what}); the {kept} record(s) before {where} were kept and the rest of the "
        "file was skipped. Re-download the file or fix the XML there",
        where,
    )


def _bad_record(source: str, kept: int, line: int, what: str) -> Skipped:
    return Skipped(
        source,
        f"malformed or truncated XML in the record at line {line} ({what}): that record was skipped; the {kept} "
        f"record(s) before line {line} were kept and reading went on after it. Fix the XML there or re-download "
        "the file",
        f"line {line}",
    )


_END_TAG = re.compile(rb"</Pubmed(?:Book)?Article\s*>")
_TAG_SPAN = 32  # longer than any end tag: kept unsearched at a chunk's end, where a tag may be cut


class _Refused(Exception):
    def __init__(self, skipped: Skipped) -> None:
        self.skipped = skipped


def _checked_chunks(stream: BinaryIO, source: str) -> Iterator[bytes]:
    """The file's chunks; raises _Refused as soon as its prolog declares entities."""
    prolog: bytes | None = b""  # None once the root element has been seen without entity declarations
    for chunk in _chunks(stream):
        if prolog is not None and (prolog := _prolog(prolog + chunk)) is not None and b"<!ENTITY" in prolog:
            names = ", ".join(_entity_names(prolog)[:5])
            line = prolog[: prolog.index(b"<!ENTITY")].count(b"\n") + 1
            raise _Refused(Skipped(source, _ENTITY_REASON.format(names=names), f"line {line}"))
        yield chunk


def _pieces(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, int, str]]:
    """The file cut just after each record's end tag: ``(bytes, line they start on, kind)``.

    ``kind`` is ``"record"`` (ends with ``</PubmedArticle>``), ``"oversized"`` (a record over
    :data:`MAX_RECORD_BYTES`, dropped while reading: no bytes) or ``"tail"`` (what follows the last record).
    """
    buf = bytearray()
    line = 1
    scan = 0
    oversized_at: int | None = None
    for chunk in chunks:
        buf += chunk
        while (match := _END_TAG.search(buf, scan)) is not None:
            piece = bytes(buf[: match.end()])
            del buf[: match.end()]
            scan = 0
            if oversized_at is not None or len(piece) > MAX_RECORD_BYTES:
                yield b"", line + _lead(piece) if oversized_at is None else oversized_at, "oversized"
                oversized_at = None
            else:
                yield piece, line, "record"
            line += piece.count(b"\n")
        scan = max(0, len(buf) - _TAG_SPAN)
        if len(buf) > MAX_RECORD_BYTES:
            if oversized_at is None:
                oversized_at = line + _lead(buf)
            line += buf.count(b"\n", 0, len(buf) - _TAG_SPAN)
            del buf[: len(buf) - _TAG_SPAN]
            scan = 0
    if oversized_at is not None:
        yield b"", oversized_at, "oversized"
    if buf.strip():
        yield bytes(buf), line, "tail"


def _lead(data: bytes | bytearray) -> int:
    """Line breaks before the first non-blank byte of ``data`` (where a piece's record starts)."""
    return data[: len(data) - len(data.lstrip())].count(b"\n")


def _new_parser(resume: bool) -> etree.XMLPullParser:
    parser = etree.XMLPullParser(events=("end",), tag=_RECORD_TAGS, **PARSER_OPTIONS)
    if resume:  # reading on after a bad record: a fresh root for the records that follow
        parser.feed(b"<PubmedArticleSet>")
    return parser


def read_pubmed_xml(path: str | Path, *, source: str) -> Iterator[Document | Skipped]:
    """Stream the records of a PubMed XML file (plain or compressed) as Documents.

    The file is cut after each record's end tag (:func:`_pieces`) and the pieces are fed to an
    :class:`lxml.etree.XMLPullParser` whose events are drained after every piece and after a parse
    error, so every complete record is kept whatever libxml2's buffering (lxml 5 and 6 report errors
    at different points of the stream). A malformed record is skipped and named with its line, and
    reading goes on with a fresh parser after it; a record over :data:`MAX_RECORD_BYTES` is skipped
    without being held; damage after the last record (a truncated file) ends the file with a
    :class:`Skipped` that counts the records kept. A file that declares entities is refused whole.
    """
    stream, _ = open_binary(path)
    records = kept = 0
    parser = _new_parser(resume=False)
    base = 0  # file lines before the current parser's line 1
    broken = False  # the parser stopped at an error: the next piece starts a fresh one
    with stream:
        try:
            for data, line, kind in _pieces(_checked_chunks(stream, source)):
                if kind == "oversized":
                    yield Skipped(source, f"record longer than {MAX_RECORD_BYTES // 2**20} MB (MAX_RECORD_BYTES): "
                                  "skipped without being read into memory; reading went on after it", f"line {line}")
                    continue
                for attempt in range(2):
                    if broken:
                        parser, base, broken = _new_parser(resume=True), line - 1, False
                    error: etree.XMLSyntaxError | None = None
                    try:
                        parser.feed(data)
                        if kind == "tail":
                            parser.close()
                    except etree.XMLSyntaxError as exc:
                        error = exc
                    for _, elem in parser.read_events():
                        records += 1
                        where = f"line {elem.sourceline + base}" if elem.sourceline else f"record {records}"
                        item = _record(elem, source, where)
                        kept += isinstance(item, Document)
                        yield item
                        _release(elem)
                    if error is None:
                        break
                    at = (error.position[0] if error.position else error.lineno or 1) + base
                    broken = True
                    if kind == "tail":
                        yield _damage(source, kept, at, error.msg)
                        break
                    if at >= line or attempt:  # the error is in this piece's record: skip it
                        yield _bad_record(source, kept, max(at, line + _lead(data)), error.msg)
                        break
                    # libxml2 reported the previous record's error late: that one is lost, this one is re-read
                    yield _bad_record(source, kept, at, error.msg)
        except _Refused as refused:
            yield refused.skipped
            return
    logger.debug("%s: %d PubMed records", source, records)
