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

from kg.exportio import PathOrFile, _open_output
from kg.flatten import _json_default, _plain, join_list

__all__ = ["write_tables"]

_NODE_COLUMNS = ("id", "label", "type", "mentions", "documents", "curie", "url", "aliases", "doc_ids")
_EDGE_COLUMNS = (
    "source",
    "target",
    "source_label",
    "target_label",
    "interaction",
    "score",
    "count",
    "documents",
)


#: A text cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """A CSV cell: lists joined, structures as JSON, and text that a spreadsheet would run as a
    formula prefixed with ``'`` (text from the input must not become a formula)."""
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)) and all(isinstance(v, str) for v in value):
        value = join_list(sorted(value) if isinstance(value, (set, frozenset)) else value)
    elif isinstance(value, (dict, list, tuple, set, frozenset)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
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


#: Types the csv module writes exactly as :func:`_cell` would have them (None as "").
_CSV_NATIVE = frozenset({int, float, bool, type(None)})
_ONLY_STR = frozenset({str})

#: Rows per piece of CSV text written.
_CSV_CHUNK_ROWS = 5000


def _fast_cell(value: Any) -> Any:
    """:func:`_cell`, with shortcuts for the common values: text, numbers, None, lists of text."""
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
    return _cell(value)


def _write_csv(path_or_file: PathOrFile, header: list[str], rows: Iterable[list[Any]]) -> None:
    """Write ``header`` and ``rows`` as CSV (``\\n`` line ends), :data:`_CSV_CHUNK_ROWS` rows at a time."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    rows = iter(rows)
    with _open_output(path_or_file, fmt="csv") as write:
        while True:
            writer.writerows(islice(rows, _CSV_CHUNK_ROWS))
            text = buf.getvalue()
            if not text:
                break
            write(text)
            buf.seek(0)
            buf.truncate()


def _columns(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    names: set[str] = set()
    for row in rows:
        names.update(row)
    return names


def write_tables(G: nx.Graph, nodes_path: PathOrFile, edges_path: PathOrFile) -> None:
    """Write ``nodes.csv`` and ``edges.csv`` (UTF-8, header row) for spreadsheets and Cytoscape table import.

    ``nodes``: ``id, label, type, mentions, documents, curie, url, aliases, doc_ids`` then
    any other attribute. ``edges``: ``source, target, source_label, target_label,
    interaction, score, count, documents``, every other score, ``evidence`` (the top
    sentence), ``evidence_url``, ``evidence_count`` and ``doc_ids``. Lists are ``"|"``-joined.
    Rows are written as they are made (a path is removed again if writing fails).
    """
    nodes = G.nodes
    columns = list(_NODE_COLUMNS[1:]) + sorted(_columns(nodes.values()) - set(_NODE_COLUMNS))
    _write_csv(
        nodes_path,
        ["id", *columns],
        ([str(n), *map(_fast_cell, map(d.get, columns))] for n, d in nodes(data=True)),
    )
    skip = set(_EDGE_COLUMNS) | {"evidence", "doc_ids"}
    edge_extra = sorted(_columns(d for *_, d in G.edges(data=True)) - skip)
    eheader = list(_EDGE_COLUMNS) + edge_extra + ["evidence", "evidence_url", "evidence_count", "doc_ids"]
    values = ["score", "count", "documents", *edge_extra]
    labels = {n: _fast_cell(d.get("label")) for n, d in nodes(data=True)}

    def edge_row(u: Any, v: Any, d: Mapping[str, Any]) -> list[Any]:
        ev = d.get("evidence") or []
        top = ev[0] if ev and (type(ev[0]) is dict or isinstance(ev[0], Mapping)) else {}
        scores = list(map(d.get, values))
        if not _CSV_NATIVE.issuperset(map(type, scores)):
            scores = list(map(_fast_cell, scores))
        return [
            str(u),
            str(v),
            labels[u],
            labels[v],
            _fast_cell(d.get("interaction") or "co-occurs"),
            *scores,
            _fast_cell(top.get("sentence")) if top else (_fast_cell(ev[0]) if ev else ""),
            _fast_cell(top.get("url")) if top else "",
            len(ev) if isinstance(ev, (list, tuple)) else 0,
            _fast_cell(d.get("doc_ids")),
        ]

    _write_csv(edges_path, eheader, (edge_row(u, v, d) for u, v, d in G.edges(data=True)))
