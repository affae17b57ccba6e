"""Tables of papers: JSON Lines, JSON arrays, CSV and TSV with ``title`` and ``abstract`` columns.

One record per line (JSON Lines), per array item (a JSON array: loaded whole, so prefer
JSON Lines for large corpora) or per row (CSV/TSV, RFC 4180 quoting, header row first).
Columns are matched case-insensitively against :data:`kg.ingest.fields.FIELD_ALIASES`; ``columns`` maps
kg's field names to the user's own (``{"abstract": "AB"}``, the CLI's ``--column
abstract=AB``) and takes precedence. Fields:

``title``, ``abstract`` (at least one of them must be a column, else the file is skipped
with a message listing its columns), ``pmid``, ``doi``, ``pmcid``, ``year`` (first
year found), ``journal``, ``language``, ``authors``, ``keywords``, ``mesh_terms`` (a JSON
list, or a string split on ``;``, else ``|``), and ``id`` (used as a PMID when it is one,
as a DOI when it is one, ignored otherwise: a document's id is always derived by
:func:`kg.records.document_id`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kg.ingest.detect import open_text
from kg.ingest.fields import FIELD_ALIASES, make_document, normalise_doi
from kg.ingest.names import has_lone_surrogate
from kg.ingest.streams import MAX_RECORD_BYTES, Notes, drain_notes
from kg.records import Document, Skipped

__all__ = ["read_jsonl", "read_json_array", "read_table"]

_LIST_FIELDS = {"authors", "keywords", "mesh_terms"}
#: csv's limit per cell: a longer cell makes its row a Skipped (memory bounded per record).
_FIELD_SIZE = MAX_RECORD_BYTES
#: Records without title/abstract fields read before a JSON file is judged to have none at all.
_MAX_UNMATCHED = 20


def _resolve_columns(available: list[str], columns: Mapping[str, str]) -> tuple[dict[str, str], str | None]:
    """Map kg field -> the actual column name; the second item explains a user mapping that does not apply."""
    by_lower = {name.strip().lower(): name for name in available}
    found: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        if field in columns:
            wanted = columns[field]
            actual = by_lower.get(wanted.strip().lower())
            if actual is None:
                return {}, f"has no column {wanted!r} (mapped to {field!r} with --column {field}={wanted})"
            found[field] = actual
            continue
        for alias in aliases:
            if alias in by_lower:
                found[field] = by_lower[alias]
                break
    return found, None


def _missing_message(available: list[str], problem: str | None, kind: str) -> str:
    shown = ", ".join(repr(c) for c in available[:30]) or "none"
    lead = problem or "has no 'title' or 'abstract' column"
    return (
        f"{kind} {lead}; its columns are: {shown}. Map yours with --column, e.g. --column abstract=AB "
        "--column title=TI (columns={'abstract': 'AB', 'title': 'TI'} in Python)"
    )


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    text = str(value)
    sep = ";" if ";" in text else "|" if "|" in text else None
    return [p.strip() for p in text.split(sep)] if sep else ([text.strip()] if text.strip() else [])


def _holds_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return has_lone_surrogate(value)
    if isinstance(value, (list, tuple)):
        return any(isinstance(v, str) and has_lone_surrogate(v) for v in value)
    return False


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
        if value is None:
            return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _record_to_document(record: Mapping[str, Any], mapping: dict[str, str], *, source: str, location: str):
    values = {field: record.get(column) for field, column in mapping.items()}
    bad = next((f for f, v in values.items() if _holds_surrogate(v)), None)
    if bad is not None:
        return Skipped(source, f"field {mapping[bad]!r} holds a lone UTF-16 surrogate (an escape such as \\ud800 "
                       "that is half a character); record skipped. Fix that escape or re-export the file", location)
    pmid = _scalar(values.get("pmid"))
    doi = _scalar(values.get("doi"))
    ident = _scalar(values.get("id"))
    if ident:
        bare = ident.removeprefix("pmid:").removeprefix("PMID:")
        if not pmid and bare.isdigit():
            pmid = bare
        elif not doi and ident.lower().removeprefix("doi:").strip().startswith("10."):
            doi = normalise_doi(ident)
    return make_document(
        source=source,
        location=location,
        title=_scalar(values.get("title")),
        abstract=_scalar(values.get("abstract")),
        pmid=pmid,
        doi=doi,
        pmcid=_scalar(values.get("pmcid")),
        year=_scalar(values.get("year")),
        journal=_scalar(values.get("journal")),
        language=_scalar(values.get("language")),
        **{field: _as_list(values.get(field)) for field in _LIST_FIELDS},
    )


def _read_objects(
    objects: Iterator[tuple[str, Any]], *, source: str, columns: Mapping[str, str], kind: str
) -> Iterator[Document | Skipped]:
    matched = unmatched = 0
    for location, obj in objects:
        if isinstance(obj, Skipped):
            yield obj
            continue
        if not isinstance(obj, dict):
            yield Skipped(source, f"expected a JSON object, found {type(obj).__name__}; ignored", location)
            continue
        mapping, problem = _resolve_columns(list(obj), columns)  # per record: objects may differ in keys
        if problem or not ({"title", "abstract"} & set(mapping)):
            # a metadata line or an empty object: that record goes, not the file (unless none has the columns)
            unmatched += 1
            if unmatched == 1 or not matched:
                yield Skipped(source, _missing_message(list(obj), problem, f"{kind} record"), location)
            if not matched and unmatched >= _MAX_UNMATCHED:
                yield Skipped(source, f"none of the first {unmatched} records has a title or abstract field; "
                              "the rest of the file was not read. Map your fields with --column", location)
                return
            continue
        matched += 1
        yield _record_to_document(obj, mapping, source=source, location=location)


def _json_line(line: str, source: str, lineno: int) -> Any:
    """One JSON Lines line parsed, or a Skipped naming it (bad JSON, a number over Python's 4,300 digits,
    nesting deeper than the parser's recursion limit)."""
    where = f"line {lineno}"
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return Skipped(source, f"not valid JSON ({exc.msg}, column {exc.colno}); line ignored. Fix that line", where)
    except RecursionError:
        return Skipped(source, "JSON nested too deeply to read; line ignored. Flatten that record", where)
    except ValueError as exc:  # int() limit: "Exceeds the limit (4300 digits) for integer string conversion"
        return Skipped(source, f"JSON value cannot be read ({exc}); line ignored. Write long numbers as strings",
                       where)


def read_jsonl(
    path: str | Path, *, source: str, encoding: str, columns: Mapping[str, str]
) -> Iterator[Document | Skipped]:
    """Stream a JSON Lines file: one JSON object per line; a bad line is skipped with its line number."""

    def objects() -> Iterator[tuple[str, Any]]:
        with open_text(path, encoding) as handle:
            notes = Notes(handle, source)
            for lineno, line in enumerate(handle, 1):
                for note in notes():
                    yield "", note
                if not line.strip():
                    continue
                yield f"line {lineno}", _json_line(line, source, lineno)
            for note in drain_notes(handle, source):
                yield "", note

    yield from _read_objects(objects(), source=source, columns=columns, kind="JSON Lines file")


def read_json_array(
    path: str | Path, *, source: str, encoding: str, columns: Mapping[str, str]
) -> Iterator[Document | Skipped]:
    """Read a JSON file holding an array of objects, or one object (loaded whole: up to MAX_RECORD_BYTES per line)."""
    with open_text(path, encoding) as handle:
        try:
            data = json.load(handle)
        except (json.JSONDecodeError, RecursionError, ValueError) as exc:
            yield from drain_notes(handle, source)
            what = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            yield Skipped(
                source,
                f"not valid JSON ({what}); fix the file or convert it to JSON Lines",
                f"line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else None,
            )
            return
        notes = list(drain_notes(handle, source))
    yield from notes
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        yield Skipped(source, "JSON file is not an array of objects; write one object per paper (JSON Lines)")
        return
    items = ((f"item {i}", obj) for i, obj in enumerate(data, 1))
    yield from _read_objects(items, source=source, columns=columns, kind="JSON file")


def read_table(
    path: str | Path, *, source: str, encoding: str, delimiter: str, columns: Mapping[str, str]
) -> Iterator[Document | Skipped]:
    """Stream a CSV/TSV file with a header row; a file without title/abstract columns is skipped whole."""
    if csv.field_size_limit() != _FIELD_SIZE:
        csv.field_size_limit(_FIELD_SIZE)  # abstracts can exceed csv's 128 KB default; longer cells skip their row
    kind = "TSV file" if delimiter == "\t" else "CSV file"
    with open_text(path, encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header: list[str] | None = None
        mapping: dict[str, str] = {}
        extra = 0  # lines read past the csv reader (the rest of an over-long cell)
        notes = Notes(handle, source)
        while True:
            yield from notes()
            before = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                if "field limit" in str(exc):  # a cell over MAX_RECORD_BYTES: read on after its closing quote
                    yield Skipped(source, f"cell longer than {_FIELD_SIZE // 2**20} MB (MAX_RECORD_BYTES, {exc}); "
                                  "row skipped. Split the text or give it as a file of its own",
                                  f"line {before + extra + 1}")
                    extra += reader.line_num - before + _skip_to_closing_quote(handle)
                    continue
                yield Skipped(source, f"unreadable row ({exc}); ignored", f"line {reader.line_num + extra}")
                if reader.line_num == before:
                    break
                continue
            if header is None:
                header = [cell.strip().lstrip("\ufeff") for cell in row]
                if not any(header):
                    header = None
                    continue
                mapping, problem = _resolve_columns(header, columns)
                if problem or not ({"title", "abstract"} & set(mapping)):
                    yield Skipped(source, _missing_message(header, problem, kind), "line 1")
                    return
                continue
            if not any(cell.strip() for cell in row):
                continue
            record = dict(zip(header, row, strict=False))  # short rows leave fields missing
            yield _record_to_document(record, mapping, source=source, location=f"line {reader.line_num + extra}")
        yield from drain_notes(handle, source)


def _skip_to_closing_quote(handle: Iterator[str]) -> int:
    """Read past the rest of a quoted cell (up to the line whose quote closes it); the number of lines read."""
    n = 0
    for line in handle:
        n += 1
        if line.count('"') % 2:
            break
    return n
