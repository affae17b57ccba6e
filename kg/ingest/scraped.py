"""Scraped journal pages and plain text: one file, one paper.

Three page layouts are recognised from their structure (never from file names), else the
plain-text rule applies:

``field-list`` (Chinese medical journal / CNKI-style record pages)
    title line, a DOI line, then fields introduced by ``- Label:`` lines whose values may
    run over the following lines (``- Author:``, ``- Keywords:``, ``- From:`` journal and
    ``2019;22(7):457-463`` citation, ``- Language:``, ``- VernacularTitle:``, ...), and an
    ``Abstract:`` block. Labels come from :data:`FIELD_LABELS`; a label glued to its value
    (``- CountryChina``) is still recognised. Author blocks lose their affiliation digits,
    ``;`` separators, "Author Information" and the numbered affiliation lines.
``table`` (VuFind/Solr record pages)
    ``label | value |`` rows (a value may span lines until the closing ``|``); labels from
    :data:`TABLE_LABELS` in English or Spanish. The abstract is the ``description`` row,
    read once (the copies in ``spelling``/``spellingShingle`` and the teaser above the table
    are ignored); ``author`` ``"Jiang, Chunyang Zhang, Na"`` is split into ``Last, First``
    names; PMID, PMCID and DOI come from the URLs; the journal is read from ``spelling``,
    where VuFind's PubMed records put it between the authors and the ``topic``.
``generic`` (publisher pages, plain text)
    the first line is the title; then, by position and shape: a name list right after the
    title gives the authors (``"Yang Han12,Liu Yufang12"`` -> ``"Yang Han"``, ``"Liu
    Yufang"``), affiliation and funding lines are dropped (:mod:`kg.ingest.boilerplate`),
    prose paragraphs make the abstract, and after the abstract a comma-separated list of
    short capitalised terms gives the keywords while other short lines (funders, subjects,
    footers) are back matter and dropped.

Every layout drops the lines of :data:`kg.ingest.boilerplate.BOILERPLATE_LINES` and the
sentences of :data:`kg.ingest.boilerplate.BOILERPLATE_SENTENCES`. A page is read up to
:data:`MAX_PAGE_CHARS` characters; longer text ends up as a truncated abstract.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.boilerplate import boilerplate_reason, is_affiliation, is_funding, strip_boilerplate_sentences
from kg.ingest.detect import open_text
from kg.ingest.fields import MAX_ABSTRACT_CHARS, clean_text, find_doi, make_document, normalise_doi
from kg.ingest.streams import drain_notes
from kg.records import Document, Skipped

__all__ = [
    "FIELD_LABELS",
    "TABLE_LABELS",
    "MAX_PAGE_CHARS",
    "non_empty_lines",
    "read_page",
    "parse_page",
    "page_fields",
    "page_layout",
]

MAX_PAGE_CHARS = MAX_ABSTRACT_CHARS + 256 * 1024

#: ``- Label:`` field names of field-list pages -> the field they fill (longest labels win).
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("Title",),
    "vernacular_title": ("VernacularTitle", "Vernacular Title", "Original Title"),
    "authors": ("Author(s)", "Authors", "Author"),
    "keywords": ("Keywords", "Key words", "Keyword", "Subjects", "Subject", "MeSH"),
    "source": ("From", "Source", "Journal", "Published in"),
    "country": ("Country",),
    "language": ("Language",),
    "publication_type": ("Publication Type", "Article Type"),
    "abstract": ("Abstract", "Summary", "摘要"),
    "doi": ("DOI",),
    "pmid": ("PMID",),
    "year": ("Publication Date", "Year"),
}

#: Row labels of table (VuFind) pages -> the field they fill, compared case-insensitively.
TABLE_LABELS: dict[str, tuple[str, ...]] = {
    "title": ("title", "título", "titulo"),
    "abstract": ("description", "descripción", "summary", "abstract", "resumen"),
    "authors": ("author", "autor", "authors", "main authors", "autores principales", "autores"),
    "year": ("publishdate", "publicado", "published", "fecha de publicación", "year"),
    "language": ("language", "lenguaje", "idioma"),
    "keywords": ("materias", "subjects", "keywords", "palabras clave"),
    "urls": ("url", "acceso en línea", "online access", "online"),
    "doi": ("doi", "doi_str_mv"),
    "journal": ("container_title", "journal", "revista"),
    "spelling": ("spelling",),
    "topic": ("topic",),
}

_FIELD_INDEX = sorted(
    ((label, field) for field, labels in FIELD_LABELS.items() for label in labels), key=lambda x: -len(x[0])
)
_TABLE_INDEX = {label: field for field, labels in TABLE_LABELS.items() for label in labels}
_DASH_FIELD = re.compile(r"^-\s*(.*)$")
_ABSTRACT_LABEL = re.compile(r"^(?:Abstract|Summary|摘要)\s*[:：]\s*(.*)$", re.IGNORECASE)
_TABLE_ROW = re.compile(r"^([^|]{1,60}?)\s*\|(?:\s+(.*)|)$")
_TABLE_ROW_START = re.compile(r"^[^|\s][^|]{0,59}\s\|")
_TABLE_RULER = re.compile(r"^[-|:\s]*---[-|:\s]*$")
_MARKERS = re.compile(r"^[\d\s,;*†‡§#a-z]{0,6}$")
_CITATION = re.compile(r"^\(?(?:1[89]|20)\d\d\s*[;,(:)]|^(?:1[89]|20)\d\d$")
_JOURNAL_THEN_CITATION = re.compile(r"^(.*?)[\s,.]+((?:1[89]|20)\d\d\s*[;,(].*)$")
_PMID_URL = re.compile(r"(?:ncbi\.nlm\.nih\.gov/pubmed/|pubmed\.ncbi\.nlm\.nih\.gov/)(\d{1,9})\b")
_PMCID = re.compile(r"\b(PMC\d{4,9})\b")
_DOI_URL = re.compile(r"doi\.org/(10\.\d{4,9}/[^\s\"'<>|]+)", re.IGNORECASE)
_LABELLED_ID = re.compile(r"^(DOI|PMID|PMCID)\s*[:：]?\s*(\S+)\s*$", re.IGNORECASE)
_BARE_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", re.IGNORECASE)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|[A-Z]\.?|van|von|der|de|del|da|di|dos|du|la|le|el|al|ten|ter)$")
_NAME_SPLIT = re.compile(r"\s*(?:[,;，；、]|\band\b|&)\s*")
_URL_ONLY = re.compile(r"^(?:\S+:\s*)?https?://\S+(?:\s+https?://\S+)*$")
_TRAILING_MARKERS = re.compile(r"[\d\u00b9\u00b2\u00b3\u2070-\u2079*†‡§#]+$")


def non_empty_lines(text: str) -> list[str]:
    return [line for line in (clean_text(raw) for raw in text.splitlines()) if line]


def page_layout(lines: list[str]) -> str:
    """``"table"``, ``"field-list"`` or ``"generic"``, from the shape of a page's lines."""
    rows = sum(1 for line in lines if _TABLE_ROW_START.match(line))
    if rows >= 3:
        return "table"
    fields = sum(1 for line in lines if line.startswith("-") and _field_label(line) is not None)
    return "field-list" if fields >= 2 else "generic"


def _field_label(line: str) -> tuple[str, str] | None:
    """(field, value) of a ``- Label: value`` line, or None when the label is not a known one."""
    match = _DASH_FIELD.match(line)
    if not match:
        return None
    rest = match.group(1)
    for label, field in _FIELD_INDEX:
        if rest.lower().startswith(label.lower()):
            tail = rest[len(label) :]
            if not tail or tail[0] in ":：" or tail[0].isspace() or tail[0].isupper() or ord(tail[0]) > 127:
                return field, tail.lstrip(":： ").strip()
    return None


def _ids_from_urls(text: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    if match := _PMID_URL.search(text):
        ids["pmid"] = match.group(1)
    if match := _PMCID.search(text):
        ids["pmcid"] = match.group(1)
    if match := _DOI_URL.search(text):
        ids["doi"] = normalise_doi(match.group(1)) or ""
    return ids


def _keep(line: str) -> bool:
    return boilerplate_reason(line) is None


def _split_list(values: list[str]) -> list[str]:
    joined = " ".join(values)
    parts = re.split(r"[;；]", joined) if re.search(r"[;；]", joined) else re.split(r"[,，]", joined)
    return [p.strip(" .") for p in parts if p.strip(" .")]


def _authors_block(values: list[str]) -> list[str]:
    """Names from a field-list author block: markers, separators, labels and affiliations dropped."""
    names = []
    for value in values:
        if not _keep(value) or is_affiliation(value) or _MARKERS.match(value):
            continue
        for part in re.split(r"[;；]", value):
            part = _TRAILING_MARKERS.sub("", part.strip()).strip(" ,")
            if part.count(",") > 1:  # "A B, C D, E F": a comma-separated list, not "Last, First"
                names.extend(p.strip() for p in part.split(",") if p.strip())
            elif part:
                names.append(part)
    return names


def _journal_and_year(values: list[str]) -> tuple[str | None, str | None]:
    journal: list[str] = []
    citation = None
    for value in values:
        if _CITATION.match(value):
            citation = citation or value
        elif match := _JOURNAL_THEN_CITATION.match(value):
            journal.append(match.group(1))
            citation = citation or match.group(2)
        else:
            journal.append(value)
    return (" ".join(journal).strip(" ,.") or None), citation


def _abstract_from(lines: list[str]) -> str:
    kept = [line for line in lines if _keep(line) and not is_affiliation(line)]
    return strip_boilerplate_sentences(" ".join(kept))


def _parse_field_list(lines: list[str]) -> dict[str, object]:
    fields: dict[str, list[str]] = {}
    pre: list[str] = []
    current: str | None = None
    for line in lines:
        if line == "-":
            current = "other"  # a bare "-" opens an unnamed field (an "Abstract:" label usually follows)
            continue
        labelled = _field_label(line) if line.startswith("-") else None
        if labelled is not None:
            current, value = labelled
            fields.setdefault(current, [])
            if value:
                fields[current].append(value)
            continue
        if match := _ABSTRACT_LABEL.match(line):
            current = "abstract"
            fields.setdefault(current, [])
            if match.group(1):
                fields[current].append(match.group(1))
            continue
        (pre if current is None else fields.setdefault(current, [])).append(line)
    pre = [line for line in pre if _keep(line)]
    title = " ".join(fields.get("title", [])) or (pre[0] if pre else "")
    rest = pre[1:] if not fields.get("title") else pre
    doi = next((normalise_doi(v) for v in fields.get("doi", []) if normalise_doi(v)), None)
    doi = doi or next((normalise_doi(line) for line in rest if _BARE_DOI.match(line)), None)
    rest = [line for line in rest if not _BARE_DOI.match(line) and not _LABELLED_ID.match(line)]
    journal, citation = _journal_and_year(fields.get("source", []))
    abstract = _abstract_from(fields.get("abstract", [])) or _abstract_from(rest)
    # identifiers in links anywhere but the abstract (whose text may cite other papers)
    ids = _ids_from_urls(
        " ".join([*pre, *(v for key, vs in fields.items() if key != "abstract" for v in vs)])
    )
    return {
        "title": title,
        "abstract": abstract,
        "doi": doi or ids.get("doi"),
        "pmid": next(iter(fields.get("pmid", [])), None) or ids.get("pmid"),
        "pmcid": ids.get("pmcid"),
        "authors": _authors_block(fields.get("authors", [])),
        "keywords": _split_list(fields.get("keywords", [])),
        "journal": journal,
        "year": " ".join(fields.get("year", [])) or citation,
        "language": next(iter(fields.get("language", [])), None),
    }


def _table_rows(lines: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """``label | value |`` rows (values may span lines) and the lines outside the table."""
    rows: list[tuple[str, str]] = []
    free: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if _TABLE_RULER.match(line):
            continue
        match = _TABLE_ROW.match(line) if _TABLE_ROW_START.match(line) or line.endswith("|") else None
        if not match:
            free.append(line)
            continue
        label = match.group(1).strip().rstrip(":：").strip()
        value = (match.group(2) or "").strip()
        while not value.endswith("|") and i < len(lines) and not _TABLE_ROW_START.match(lines[i]):
            value = f"{value} {lines[i]}".strip()
            i += 1
        rows.append((label, value.removesuffix("|").strip()))
    return rows, free


def split_last_first_run(value: str) -> list[str]:
    """``"Jiang, Chunyang Zhang, Na Hu, Xiaoli"`` -> ``["Jiang, Chunyang", "Zhang, Na", "Hu, Xiaoli"]``.

    VuFind joins ``Last, First`` names with spaces; each middle chunk is the given name(s)
    of one author followed by the family name of the next (one-word family names assumed).
    """
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < 2 or not all(parts):
        return [p for p in parts if p]
    names, last = [], parts[0]
    for middle in parts[1:-1]:
        words = middle.split()
        if len(words) < 2:
            return [value]
        names.append(f"{last}, {' '.join(words[:-1])}")
        last = words[-1]
    names.append(f"{last}, {parts[-1]}")
    return names


def _journal_from_spelling(spelling: str, title: str, author: str, topic: str, abstract: str) -> str | None:
    at = spelling.find(title) if title else -1
    if at < 0 or not author or not abstract:
        return None
    rest = spelling[at + len(title) :].lstrip()
    if not rest.startswith(author):
        return None
    rest = rest[len(author) :]
    end = rest.find(abstract[:60])
    if end <= 0:
        return None
    head = rest[:end].strip()
    if topic and head.endswith(topic):
        head = head[: -len(topic)].strip()
    return head if 0 < len(head) <= 120 else None


def _parse_table(lines: list[str], text: str) -> dict[str, object]:
    rows, free = _table_rows(lines)
    table: dict[str, str] = {}
    for label, value in rows:
        field = _TABLE_INDEX.get(label.lower())
        if field and value.strip(" ,;") and field not in table:
            table[field] = value
    free = [line for line in free if _keep(line)]
    title = table.get("title") or (free[0] if free else "")
    abstract = table.get("abstract", "")
    if not abstract:
        abstract = " ".join(line for line in free[1:] if len(line.split()) >= 12)
    ids = _ids_from_urls(table["urls"]) if "urls" in table else _ids_from_urls(text)
    author = table.get("authors", "")
    return {
        "title": title,
        "abstract": strip_boilerplate_sentences(abstract),
        "doi": normalise_doi(table.get("doi")) or ids.get("doi"),
        "pmid": ids.get("pmid"),
        "pmcid": ids.get("pmcid"),
        "authors": split_last_first_run(author) if author else [],
        "keywords": _split_list([table["keywords"]]) if "keywords" in table else [],
        "journal": table.get("journal")
        or _journal_from_spelling(table.get("spelling", ""), title, author, table.get("topic", ""), abstract),
        "year": table.get("year"),
        "language": table.get("language"),
    }


def _is_prose(item: str) -> bool:
    words = len(item.split())
    return words >= 40 or (words >= 12 and item.rstrip('"”’)').endswith((".", "!", "?", "。")))


def _name_list(item: str) -> list[str] | None:
    """The names of an author line (``"Yang Han12,Liu Yufang12"``), or None if it is not one."""
    if ":" in item or len(item) > 1500 or re.search(r"\.\s+[a-z]", item):
        return None
    names = []
    for part in _NAME_SPLIT.split(item):
        part = _TRAILING_MARKERS.sub("", part.strip()).strip()
        if not part:
            continue
        words = part.split()
        if not 1 <= len(words) <= 4 or len(part) > 40 or not all(_NAME_WORD.match(w) for w in words):
            return None
        names.append(part)
    return names if len(names) >= 2 or (names and _TRAILING_MARKERS.search(item.strip())) else None


def _subject_list(item: str) -> list[str] | None:
    parts = [p.strip() for p in re.split(r"[,;，；]", item) if p.strip()]
    if len(parts) < 2 or any(len(p.split()) > 5 or not p[:1].isupper() or re.search(r"\d", p) for p in parts):
        return None
    return parts


def _items(lines: list[str]) -> list[str]:
    """Join the hard-wrapped lines of one paragraph back into the sentences they cut.

    A line continues the previous one when it starts in lower case, or when the previous
    line is long (60+ characters), stops without closing punctuation, and the new line does
    not start a numbered or bulleted item.
    """
    items: list[str] = []
    for line in lines:
        if items and (
            line[:1].islower()
            or (
                len(items[-1]) >= 60
                and not items[-1].endswith((".", "!", "?", ":", ";", "。"))
                and not re.match(r"^(?:\d{1,2}|[a-h])[.)\s]|^[-*•]", line)
            )
        ):
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(line)
    return items


def _parse_generic(text: str) -> dict[str, object]:
    paragraphs: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = clean_text(raw)
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
        elif _keep(line):
            paragraphs[-1].append(line)
    paragraphs = [p for p in paragraphs if p]
    id_lines: list[str] = []  # identifier lines above the title ("PMID: 123") are not the title
    title = ""
    for paragraph in paragraphs:
        while paragraph and (
            _LABELLED_ID.match(paragraph[0]) or _BARE_DOI.match(paragraph[0]) or _URL_ONLY.match(paragraph[0])
        ):
            id_lines.append(paragraph.pop(0))
        if paragraph:
            title = paragraph.pop(0)
            break
    ids: dict[str, str] = {}
    front: list[str] = [title]  # what comes before the abstract: where a page's own links are
    authors: list[str] = []
    keywords: list[str] = []
    abstract: list[str] = []
    seen_prose = False
    for item in [*id_lines, *(item for paragraph in paragraphs for item in _items(paragraph))]:
        if labelled := _LABELLED_ID.match(item):
            key = labelled.group(1).lower()
            ids.setdefault(key, normalise_doi(labelled.group(2)) if key == "doi" else labelled.group(2))
            continue
        if _BARE_DOI.match(item):
            ids.setdefault("doi", find_doi(item) or "")
            continue
        if _URL_ONLY.match(item):
            if not seen_prose:
                front.append(item)
            continue  # links are never abstract text; after the abstract they are references
        if _is_prose(item):
            seen_prose = True
            abstract.append(item)
            continue
        if is_affiliation(item) or is_funding(item):
            continue
        if not seen_prose:
            front.append(item)
            names = None if authors else _name_list(item)
            if names:
                authors = names
                continue
            abstract.append(item)
            continue
        if not keywords and (subjects := _subject_list(item)):
            keywords = subjects
            continue
        if len(item.split()) <= 12 and not item.endswith((".", "!", "?", "。")):
            continue  # back matter after the abstract: funders, subjects, footers
        abstract.append(item)
    for key, value in _ids_from_urls(" ".join(front)).items():
        ids.setdefault(key, value)
    return {
        "title": title,
        "abstract": strip_boilerplate_sentences(" ".join(abstract)),
        "authors": authors,
        "keywords": keywords,
        **{key: value for key, value in ids.items() if value},
    }


def page_fields(text: str) -> dict[str, object]:
    """The Document fields found in the text of a scraped page or plain-text file (see the module doc)."""
    lines = non_empty_lines(text)
    layout = page_layout(lines)
    if layout == "table":
        return _parse_table(lines, text)
    if layout == "field-list":
        return _parse_field_list(lines)
    return _parse_generic(text)


def parse_page(text: str, *, source: str) -> Document | Skipped:
    """Extract one paper from the text of a scraped page or plain-text file."""
    return make_document(source=source, location=None, **page_fields(text))  # type: ignore[arg-type]


def read_page(path: str | Path, *, source: str, encoding: str) -> Iterator[Document | Skipped]:
    """Read a scraped page or plain-text file (up to :data:`MAX_PAGE_CHARS` characters) as one Document."""
    with open_text(path, encoding) as handle:
        text = handle.read(MAX_PAGE_CHARS)
        notes = list(drain_notes(handle, source))
    yield from notes
    yield parse_page(text, source=source)
