"""MEDLINE/PubMed text format (PubMed's "Save as PubMed format", ``efetch rettype=medline``).

NLM's MEDLINE display format: each line is a tag of up to four letters padded to four
characters, ``"- "``, and a value (``"PMID- 34511114"``, ``"TI  - Tumor-associated..."``);
a value continues on lines indented by six spaces (joined with a space); records are
separated by blank lines (a new ``PMID-`` line also starts a record).

=====================  ===========================================================
Document field         MEDLINE tags
=====================  ===========================================================
pmid                   ``PMID``
title                  ``TI`` (``BTI`` for books)
abstract               ``AB`` (labelled sections are already inline there)
doi                    ``LID``/``AID`` values ending in ``[doi]``
pmcid                  ``PMC``
authors                ``FAU`` (``"Last, First"``), else ``AU`` (``"Last FM"`` ->
                       ``"Last, FM"``), plus ``CN`` (collective names)
journal                ``JT``, else ``TA``
year                   first year in ``DP``
mesh_terms             ``MH`` without subheadings and stars (``"Lung Neoplasms/*drug
                       therapy"`` -> ``"Lung Neoplasms"``)
keywords               ``OT``
language               ``LA`` (first)
=====================  ===========================================================
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.ingest.detect import open_text
from kg.ingest.fields import make_document
from kg.ingest.streams import MAX_RECORD_BYTES, Notes, drain_notes
from kg.records import Document, Skipped

__all__ = ["read_medline", "parse_medline_record"]

_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")


def _author_from_au(value: str) -> str:
    """``"Jiang C"`` -> ``"Jiang, C"``: MEDLINE short names end in the initials."""
    parts = value.rsplit(" ", 1)
    if len(parts) == 2 and parts[1].isupper() and parts[1].isalpha() and len(parts[1]) <= 4:
        return f"{parts[0]}, {parts[1]}"
    return value


def _id_with_type(values: list[str], kind: str) -> str | None:
    for value in values:
        if value.rstrip().lower().endswith(f"[{kind}]"):
            return value.rsplit("[", 1)[0].strip()
    return None


def parse_medline_record(fields: dict[str, list[str]], *, source: str, location: str) -> Document | Skipped:
    """Build a Document from one record's tag -> values mapping."""

    def first(*tags: str) -> str:
        for tag in tags:
            if fields.get(tag):
                return fields[tag][0]
        return ""

    authors = fields.get("FAU") or [_author_from_au(a) for a in fields.get("AU", [])]
    authors = authors + fields.get("CN", [])
    mesh = [re.split(r"/", term, maxsplit=1)[0].lstrip("*").strip() for term in fields.get("MH", [])]
    return make_document(
        source=source,
        location=location,
        pmid=first("PMID") or None,
        title=first("TI", "BTI"),
        abstract=" ".join(fields.get("AB", [])),
        doi=_id_with_type(fields.get("LID", []) + fields.get("AID", []), "doi"),
        pmcid=first("PMC") or None,
        authors=authors,
        journal=first("JT", "TA"),
        year=first("DP"),
        mesh_terms=mesh,
        keywords=fields.get("OT", []),
        language=first("LA"),
    )


def read_medline(path: str | Path, *, source: str, encoding: str) -> Iterator[Document | Skipped]:
    """Stream the records of a MEDLINE text file as Documents, one record in memory at a time."""
    fields: dict[str, list[str]] = {}
    last_tag: str | None = None
    start = 0

    size = 0  # characters in the record so far: a record over MAX_RECORD_BYTES is skipped, not grown
    parts: list[str] = []  # continuation lines of the value being read

    def close_value() -> None:
        if parts and last_tag and fields.get(last_tag):
            values = fields[last_tag]
            values[-1] = " ".join([values[-1], *parts]).strip()
        parts.clear()

    def flush() -> Iterator[Document | Skipped]:
        nonlocal size
        if fields:
            pmid = fields.get("PMID", [""])[0]
            where = f"line {start}" + (f" (PMID {pmid})" if pmid else "")
            if size > MAX_RECORD_BYTES:
                yield Skipped(source, f"record longer than {MAX_RECORD_BYTES // 2**20} MB (MAX_RECORD_BYTES); "
                              "skipped. Split it or give its text as a file of its own", where)
            else:
                yield parse_medline_record(fields, source=source, location=where)
        size = 0

    with open_text(path, encoding) as handle:
        notes = Notes(handle, source)
        for lineno, raw in enumerate(handle, 1):
            yield from notes()
            line = raw.rstrip("\r\n")
            if not line.strip():
                close_value()
                yield from flush()
                fields, last_tag = {}, None
                continue
            match = _TAG_LINE.match(line)
            if match or not line[:1].isspace():
                close_value()
            if match:
                tag, value = match.group(1), match.group(2).strip()
                if tag == "PMID" and fields:
                    yield from flush()
                    fields = {}
                if not fields:
                    start = lineno
                size += len(line)
                if size <= MAX_RECORD_BYTES:
                    fields.setdefault(tag, []).append(value)
                last_tag = tag
            elif last_tag and line[:1].isspace():
                size += len(line)
                if size <= MAX_RECORD_BYTES and fields.get(last_tag):
                    parts.append(line.strip())  # joined once the value ends: no quadratic string growth
            else:
                yield Skipped(source, f"not a MEDLINE line ({line[:40]!r}); ignored", f"line {lineno}")
        close_value()
        yield from flush()
        yield from drain_notes(handle, source)
