"""Tables researchers join: ``evidence.csv`` (one row per edge and evidence sentence) and
``mentions.csv`` (one row per mention NER found, with the concept it grounds to), also as
Parquet when pyarrow is installed.

* evidence: ``edge_id, source, target, source_label, target_label, rank, doc_id, pmid, doi,
  url, sentence`` for every sentence an edge keeps (the build's ``evidence_cap``, 5 by default,
  best first: ``rank`` 1 is the sentence the GraphML and edges.csv show). ``edge_id`` is the id
  of the edge in every other file (:mod:`kg.export.ids`); ``source``/``target`` join nodes.csv.
* mentions: ``doc_id, sentence, start, end, text, ner_type, concept_id, concept_label,
  concept_type`` where ``sentence`` is the index of the sentence in its document, ``start``
  and ``end`` the character span in the document's text (title, blank line, abstract),
  ``ner_type`` the type the NER head gave (``concept_type`` is the concept's commonest type,
  the node's), and ``concept_id`` the node's id.

CSV cells go through the rule of :mod:`kg.tables` (a cell a spreadsheet would run as a
formula, ids included, starts with ``'``); Parquet keeps the values as they are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.export.attributes import edge_triples
from kg.export.ids import edge_ids, node_id
from kg.export.outputs import PathOrFile, _open_output
from kg.export.tables import _QUOTE_CR, _write_csv, csv_field, csv_line, fast_cell

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVIDENCE_COLUMNS",
    "MENTION_TABLE_COLUMNS",
    "evidence_frame",
    "has_parquet",
    "mentions_frame",
    "write_evidence_table",
    "write_frame",
    "write_frame_csv",
    "write_mentions_table",
]

EVIDENCE_COLUMNS = ("edge_id", "source", "target", "source_label", "target_label", "rank", "doc_id", "pmid",
                    "doi", "url", "sentence")
MENTION_TABLE_COLUMNS = ("doc_id", "sentence", "start", "end", "text", "ner_type", "concept_id", "concept_label",
                         "concept_type")


def _evidence_rows(G: nx.Graph) -> Iterator[tuple[Any, ...]]:
    label = {n: d.get("label") for n, d in G.nodes(data=True)}
    for eid, (u, v, d) in zip(edge_ids(G), edge_triples(G), strict=True):
        ev = d.get("evidence") or []
        for rank, rec in enumerate(ev if isinstance(ev, (list, tuple)) else [ev], start=1):
            rec = rec if isinstance(rec, Mapping) else {"sentence": str(rec)}
            yield (eid, node_id(u), node_id(v), label[u], label[v], rank, rec.get("doc_id") or "",
                   rec.get("pmid") or "", rec.get("doi") or "", rec.get("url") or "", rec.get("sentence") or "")


def evidence_frame(G: nx.Graph) -> pd.DataFrame:
    """One row per edge and evidence sentence (:data:`EVIDENCE_COLUMNS`), edges in graph order, best first."""
    import pandas as pd

    return pd.DataFrame(list(_evidence_rows(G)), columns=list(EVIDENCE_COLUMNS))


def mentions_frame(spans: pd.DataFrame | None, G: nx.Graph) -> pd.DataFrame:
    """One row per mention of a concept that became a node (:data:`MENTION_TABLE_COLUMNS`) from a
    build's mention spans (:attr:`kg.concepts.table.ConceptTable.spans`), with the label and type of
    that node. Mentions of what :mod:`kg.concepts.filter` kept out of the graph (generic terms,
    fragments, unsupported ungrounded text) are left out, as they are of the node counts."""
    import pandas as pd

    if spans is None or not len(spans):
        return pd.DataFrame(columns=list(MENTION_TABLE_COLUMNS))
    labels = {node_id(n): d.get("label") for n, d in G.nodes(data=True)}
    types = {node_id(n): d.get("type") for n, d in G.nodes(data=True)}
    concept = spans["concept"].map(node_id)
    is_node = concept.isin(labels)  # mentions of concepts kg.concepts.filter kept out are left out
    spans, concept = spans[is_node.to_numpy()], concept[is_node]
    frame = pd.DataFrame({
        "doc_id": spans["doc"].to_numpy(), "sentence": spans["sent"].to_numpy(), "start": spans["start"].to_numpy(),
        "end": spans["end"].to_numpy(), "text": spans["text"].to_numpy(), "ner_type": spans["ner_type"].to_numpy(),
        "concept_id": concept.to_numpy(), "concept_label": concept.map(labels).to_numpy(),
        "concept_type": concept.map(types).to_numpy(),
    })
    return frame.sort_values(["doc_id", "start", "end"], kind="stable", ignore_index=True)


def _column_fields(column: pd.Series) -> list[str]:
    """The CSV fields of one column, as a row-by-row ``itertuples`` walk makes them (a column is
    iterated as ``itertuples`` iterates it)."""
    return [csv_field(fast_cell(v.item() if hasattr(v, "item") else v)) for v in column]


def _frame_rows(frame: pd.DataFrame) -> Iterator[list[str]]:
    """The rows of ``frame`` as lists of CSV fields."""
    columns = [_column_fields(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return map(list, zip(*columns, strict=True))


def _arrow_text(column: pd.Series):
    """The column's cells as a pyarrow string array of :func:`fast_cell` values when that is
    plain text without missing values or integers (``None`` otherwise: the caller goes cell by cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if column.dtype.kind in "iu":
        return pc.cast(pa.array(column.to_numpy()), pa.string())
    if column.dtype == object:
        values = column.tolist()
        if not all(type(v) is str for v in values):
            return None
        arr = pa.array(values, pa.string())
    else:
        try:
            arr = pa.array(column)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            return None
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    arr = pc.cast(arr, pa.string())
    # neutralised as _text_cell does: formulas prefixed with ', line breaks as \n
    formula = pc.match_substring_regex(arr, "^[=+\\-@\t\r]")
    arr = pc.if_else(formula, pc.binary_join_element_wise("'", arr, ""), arr)
    return pc.replace_substring(pc.replace_substring(arr, "\r\n", "\n"), "\r", "\n")


def _arrow_fields(column: pd.Series):
    """The column as a pyarrow array of CSV fields (:func:`csv_field` of :func:`fast_cell`), quoting done
    by pyarrow's string kernels in C: the same text as cell by cell, several times faster."""
    import pyarrow as pa
    import pyarrow.compute as pc

    is_int = column.dtype.kind in "iu"
    arr = _arrow_text(column)
    if arr is None:
        return pa.array(_column_fields(column), pa.string())
    if is_int:
        return arr
    has_quote = pc.match_substring(arr, '"')
    quote = pc.or_(has_quote, pc.or_(pc.match_substring(arr, ","), pc.match_substring(arr, "\n")))
    if _QUOTE_CR:  # no \r is left after neutralising; kept for parity with _quoted
        quote = pc.or_(quote, pc.match_substring(arr, "\r"))
    doubled = pc.if_else(has_quote, pc.replace_substring(arr, '"', '""'), arr)
    return pc.if_else(quote, pc.binary_join_element_wise('"', doubled, '"', ""), arr)


def _utf8(lines) -> bytes:
    """The text of a pyarrow string array (or chunked array) without nulls, all its values one after
    another, as UTF-8 bytes: its data buffer between its first and last offset (no Python strings)."""
    import numpy as np
    import pyarrow as pa

    chunks = lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]
    parts = []
    for chunk in chunks:
        if not len(chunk):
            continue
        _, offsets, data = chunk.buffers()
        kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        bounds = np.frombuffer(offsets, dtype=kind)[chunk.offset:chunk.offset + len(chunk) + 1]
        parts.append(data.to_pybytes()[bounds[0]:bounds[-1]])
    return b"".join(parts)


#: Rows of a frame turned into CSV text at a time by :func:`write_frame_csv`.
_FRAME_CHUNK_ROWS = 50_000


def write_frame_csv(frame: pd.DataFrame, path_or_file: PathOrFile) -> None:
    """Write ``frame`` as CSV, cells neutralised as in :mod:`kg.tables`: the bytes of a cell-by-cell
    writer (:func:`csv_field`, :func:`fast_cell`), made a column and :data:`_FRAME_CHUNK_ROWS` rows at a
    time with pyarrow's string kernels when pyarrow is installed (cell by cell otherwise)."""
    header = [str(c) for c in frame.columns]
    if frame.shape[1] < 2 or not has_parquet():  # a row of one empty field is written "" (csv_line)
        _write_csv(path_or_file, header, _frame_rows(frame))
        return
    import pyarrow.compute as pc

    with _open_output(path_or_file, fmt="csv") as write:
        write(csv_line([csv_field(h) for h in header]))
        for start in range(0, len(frame), _FRAME_CHUNK_ROWS):
            part = frame.iloc[start:start + _FRAME_CHUNK_ROWS]
            fields = [_arrow_fields(part.iloc[:, i]) for i in range(part.shape[1])]
            lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, ","), "", "\n")
            write(_utf8(lines))


def write_evidence_table(G: nx.Graph | pd.DataFrame, path_or_file: PathOrFile) -> None:
    """Write evidence.csv of ``G`` (streamed; cells neutralised as in :mod:`kg.tables`), or of its
    :func:`evidence_frame` when that is at hand (the build makes the frame once for evidence.csv,
    evidence.parquet and kg.duckdb): the same bytes."""
    if not isinstance(G, nx.Graph):
        write_frame_csv(G, path_or_file)
        return
    _write_csv(path_or_file, list(EVIDENCE_COLUMNS),
               ([csv_field(fast_cell(v)) for v in row] for row in _evidence_rows(G)))


def write_mentions_table(frame: pd.DataFrame, path_or_file: PathOrFile) -> None:
    """Write mentions.csv from :func:`mentions_frame` (cells neutralised as in :mod:`kg.tables`)."""
    write_frame_csv(frame, path_or_file)


def has_parquet() -> bool:
    """Whether pyarrow is installed (then the tables are also written as Parquet)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_frame(frame: pd.DataFrame, path: PathOrFile) -> None:
    """Write ``frame`` as Parquet (pyarrow), values as they are."""

    with _open_output(path, fmt="parquet") as write:
        import io

        buf = io.BytesIO()
        frame.to_parquet(buf, engine="pyarrow", index=False)
        write(buf.getvalue())
