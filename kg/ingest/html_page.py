"""Saved HTML journal pages: citation meta tags first, the page's visible text second.

Most publisher pages carry Highwire Press / Dublin Core meta tags (``citation_title``,
``citation_abstract``, ``citation_author``, ``citation_doi``, ``citation_pmid``,
``citation_journal_title``, ``citation_publication_date``, ``citation_keywords``,
``dc.*``), which are exact. Whatever they lack is taken from the visible text (scripts,
styles, navigation, headers, footers and forms removed; block elements become line breaks)
read by the rules of :mod:`kg.ingest.scraped`. Parsing uses lxml's HTML parser with no
network access; HTML has no entity declarations to expand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from lxml import etree, html

from kg.ingest.detect import open_text
from kg.ingest.fields import make_document
from kg.ingest.scraped import MAX_PAGE_CHARS, page_fields
from kg.ingest.streams import drain_notes
from kg.records import Document, Skipped

__all__ = ["read_html", "parse_html", "META_FIELDS"]

#: Document field -> meta tag names (``name=`` or ``property=``), best first.
META_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("citation_title", "dc.title", "og:title"),
    "abstract": ("citation_abstract", "dc.description", "description", "og:description"),
    "authors": ("citation_author", "dc.creator"),
    "doi": ("citation_doi", "dc.identifier", "prism.doi"),
    "pmid": ("citation_pmid",),
    "journal": ("citation_journal_title", "prism.publicationname", "dc.source"),
    "year": ("citation_publication_date", "citation_date", "citation_online_date", "dc.date"),
    "keywords": ("citation_keywords", "keywords", "dc.subject"),
    "language": ("citation_language", "dc.language"),
}
_LIST_META = {"authors", "keywords"}
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "nav",
    "header",
    "footer",
    "form",
    "button",
    "iframe",
    "head",
)
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "article",
    "aside",
    "main",
    "dd",
    "dt",
    "dl",
    "blockquote",
    "figcaption",
    "hr",
    "td",
    "th",
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _meta(root: etree._Element) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in root.iter("meta"):
        key = (node.get("name") or node.get("property") or "").strip().lower()
        value = (node.get("content") or "").strip()
        if key and value:
            found.setdefault(key, []).append(value)
    return found


def _visible_text(root: etree._Element) -> str:
    for node in list(root.iter(*_DROP_TAGS)):
        if node.getparent() is not None:
            node.drop_tree()  # keeps the text that follows the element
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.lower() in _BLOCK_TAGS:
            node.tail = "\n" + (node.tail or "")
            node.text = "\n" + (node.text or "")
    return "".join(t for t in root.itertext() if isinstance(t, str))


def parse_html(markup: str, *, source: str) -> Document | Skipped:
    """Extract one paper from an HTML page."""
    parser = html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, huge_tree=False)
    try:
        root = html.document_fromstring(_XML_DECLARATION.sub("", markup, count=1), parser=parser)
    except (etree.ParserError, ValueError) as exc:
        return Skipped(source, f"HTML could not be parsed ({exc}); save the page as plain text instead")
    meta = _meta(root)
    page_title = (root.findtext(".//title") or "").strip()
    lang = root.get("lang")
    fields = page_fields(_visible_text(root))
    for field, names in META_FIELDS.items():
        values = next((meta[n] for n in names if n in meta), None)
        if not values:
            continue
        if field in _LIST_META:
            if field == "keywords" and len(values) == 1:
                values = [v.strip() for v in re.split(r"[;,]", values[0]) if v.strip()]
            fields[field] = values
        elif (
            field == "abstract"
            and names.index(next(n for n in names if n in meta)) > 0
            and fields.get("abstract")
        ):
            continue  # a page description is often a teaser: the body's abstract wins over it
        else:
            fields[field] = values[0]
    if not fields.get("title"):
        fields["title"] = page_title
    if lang and not fields.get("language"):
        fields["language"] = lang.split("-")[0]
    return make_document(source=source, location=None, **fields)  # type: ignore[arg-type]


def read_html(path: str | Path, *, source: str, encoding: str) -> Iterator[Document | Skipped]:
    """Read a saved HTML page (up to the scraped-page size limit) as one Document."""
    with open_text(path, encoding) as handle:
        markup = handle.read(MAX_PAGE_CHARS)
        notes = list(drain_notes(handle, source))
    yield from notes
    yield parse_html(markup, source=source)
