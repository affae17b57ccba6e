"""CSV tables for spreadsheets and Cytoscape's table import: :func:`write_tables` writes
``nodes.csv`` and ``edges.csv``, streamed :data:`_CSV_CHUNK_ROWS` rows at a time, with
text that a spreadsheet would run as a formula escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

import networkx as nx

from kg.export.attributes import edge_triples, join_list, json_default, plain
from kg.export.outputs import PathOrFile, _open_output

__all__ = ["write_tables", "NODE_COLUMNS", "EDGE_COLUMNS", "cell", "fast_cell", "csv_field", "csv_line"]

NODE_COLUMNS = ("id", "label", "type", "mentions", "documents", "curie", "xrefs", "category", "grounding_score",
                "url", "aliases", "doc_ids")
EDGE_COLUMNS = (
    "source",
    "target",
    "source_label",
    "target_label",
    "interaction",
    "score",
    "count",
    "documents",
)


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection): OWASP's list.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell: lists joined, structures as JSON, and text that a spreadsheet would run as a
    formula prefixed with ``'`` (text from the input must not become a formula)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        value = join_list(sorted(value) if isinstance(value, (set, frozenset)) else value)
    elif isinstance(value, (dict, list, tuple, set, frozenset)):
        return json.dumps(value, ensure_ascii=False, default=json_default)
    if isinstance(value, str):
        return _text_cell(value)
    return value


def _text_cell(value: str) -> str:
    """Text as a cell: line breaks as ``\n`` (a lone ``\r`` is not quoted by the csv module under
    ``\n`` line ends, and a spreadsheet would split the row there), formulas prefixed with ``'``."""
    if value.startswith(_FORMULA_START):
        value = "'" + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


#: Types whose CSV field is their ``str()``: no quoting, no conversion.
_NUMBERS = frozenset({int, float})
#: Most evidence records whose CSV fields :func:`write_tables` keeps at a time.
_RECORD_CACHE = 65_536
_ONLY_STR = frozenset({str})

#: Rows per piece of CSV text written.
_CSV_CHUNK_ROWS = 5000


def fast_cell(value: Any) -> Any:
    """:func:`cell`, with shortcuts for the common values: text, numbers, None, lists of text."""
    kind = type(value)
    if kind is str:
        return _text_cell(value)
    if kind is float or kind is int:
        return value
    if value is None:
        return ""
    if kind is list:
        text = "|".join(value) if _ONLY_STR.issuperset(map(type, value)) else None
        if text is not None and "\\" not in text and (not value or text.count("|") == len(value) - 1):
            return _text_cell(text)
    return cell(value)


def _csv_quotes_cr() -> bool:
    """Whether this Python's csv module quotes a field holding a lone ``\r`` under ``\n`` line ends."""
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerow(["a\rb", "c"])
    return buf.getvalue().startswith('"')


_QUOTE_CR = _csv_quotes_cr()


def _quoted(text: str) -> str:
    """``text`` as a CSV field exactly as :func:`csv.writer` writes it (``QUOTE_MINIMAL``, ``\n`` line
    ends): quoted when it holds ``,`` ``"`` or a line break, quotes doubled. The scans for those
    characters run in C, which is several times faster than the csv module's character loop."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or (_QUOTE_CR and "\r" in text):
        return '"' + text + '"'
    return text


def csv_field(value: Any) -> str:
    """A cell value (as :func:`fast_cell` makes them) as CSV field text, as :func:`csv.writer` writes it."""
    kind = type(value)
    if kind is str:
        return _quoted(value)
    if kind is float or kind is int:
        return str(value)
    return "" if value is None else _quoted(str(value))


def csv_line(fields: list[str]) -> str:
    """One CSV row of ready fields (a row of one empty field is ``""``, as the csv module writes it)."""
    if len(fields) == 1 and not fields[0]:
        return '""\n'
    return ",".join(fields) + "\n"


def _write_csv(path_or_file: PathOrFile, header: list[str], rows: Iterable[list[str]]) -> None:
    """Write ``header`` and ``rows`` (lists of :func:`csv_field` texts) as CSV, :data:`_CSV_CHUNK_ROWS` rows a piece."""
    rows = iter(rows)
    with _open_output(path_or_file, fmt="csv") as write:
        write(csv_line([csv_field(h) for h in header]))
        while True:
            text = "".join(map(csv_line, islice(rows, _CSV_CHUNK_ROWS)))
            if not text:
                break
            write(text)


def _columns(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        names.update(row)
    return names


def write_tables(G: nx.Graph, nodes_path: PathOrFile, edges_path: PathOrFile) -> None:
    """Write ``nodes.csv`` and ``edges.csv`` (UTF-8, header row) for spreadsheets and Cytoscape table import.

    ``nodes``: ``id, label, type, mentions, documents, curie, xrefs, category, grounding_score, url, aliases,
    doc_ids`` then
    any other attribute. ``edges``: ``source, target, source_label, target_label,
    interaction, score, count, documents``, every other score, ``evidence`` (the top
    sentence), ``evidence_url``, ``evidence_count`` and ``doc_ids``. Lists are ``"|"``-joined.
    Rows are written as they are made (a path is removed again if writing fails).
    """
    nodes = G.nodes
    ids = {n: _quoted(_text_cell(str(n))) for n in nodes}  # ids neutralised too: "+catechin", "-1"
    columns = list(NODE_COLUMNS[1:]) + sorted(_columns(nodes.values()) - set(NODE_COLUMNS))
    _write_csv(
        nodes_path,
        ["id", *columns],
        ([ids[n], *map(csv_field, map(fast_cell, map(d.get, columns)))] for n, d in nodes(data=True)),
    )
    skip = set(EDGE_COLUMNS) | {"evidence", "doc_ids"}
    edge_extra = sorted(_columns(d for *_, d in edge_triples(G)) - skip)
    eheader = list(EDGE_COLUMNS) + edge_extra + ["evidence", "evidence_url", "evidence_count", "doc_ids"]
    values = ["score", "count", "documents", *edge_extra]
    labels = {n: csv_field(fast_cell(d.get("label"))) for n, d in nodes(data=True)}
    co_occurs = csv_field("co-occurs")
    interactions: dict[str, str] = {}
    # The top evidence record is shared by every edge its sentence supports: its two fields are
    # made once (the record is kept with them, so its id cannot be reused while the cache lives).
    tops: dict[int, tuple[Mapping[str, Any], str, str]] = {}

    def top_fields(top: Mapping[str, Any]) -> tuple[Mapping[str, Any], str, str]:
        got = tops.get(id(top))
        if got is None:
            if len(tops) >= _RECORD_CACHE:
                tops.clear()
            got = tops[id(top)] = (top, csv_field(fast_cell(top.get("sentence"))), csv_field(fast_cell(top.get("url"))))
        return got

    def edge_row(u: Any, v: Any, d: Mapping[str, Any]) -> list[str]:
        ev = d.get("evidence") or []
        top = ev[0] if ev and (type(ev[0]) is dict or isinstance(ev[0], Mapping)) else {}
        scores = list(map(d.get, values))
        if _NUMBERS.issuperset(map(type, scores)):
            scores = list(map(str, scores))
        else:
            scores = list(map(csv_field, map(fast_cell, scores)))
        interaction = d.get("interaction")
        if not interaction:
            interaction = co_occurs
        elif type(interaction) is str:
            interaction = interactions.get(interaction) or interactions.setdefault(interaction, csv_field(fast_cell(interaction)))
        else:
            interaction = csv_field(fast_cell(interaction))
        if top:
            _, sentence, url = top_fields(top)
        else:
            sentence, url = (csv_field(fast_cell(ev[0])) if ev else ""), ""
        return [
            ids[u],
            ids[v],
            labels[u],
            labels[v],
            interaction,
            *scores,
            sentence,
            url,
            str(len(ev)) if isinstance(ev, (list, tuple)) else "0",
            csv_field(fast_cell(d.get("doc_ids"))),
        ]

    _write_csv(edges_path, eheader, (edge_row(u, v, d) for u, v, d in edge_triples(G)))
