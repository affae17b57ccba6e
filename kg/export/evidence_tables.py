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
from kg.export.tables import _write_csv, csv_field, fast_cell

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


def _frame_rows(frame: pd.DataFrame) -> Iterator[list[str]]:
    for row in frame.itertuples(index=False, name=None):
        yield [csv_field(fast_cell(v.item() if hasattr(v, "item") else v)) for v in row]


def write_evidence_table(G: nx.Graph, path_or_file: PathOrFile) -> None:
    """Write evidence.csv of ``G`` (streamed; cells neutralised as in :mod:`kg.tables`)."""
    _write_csv(path_or_file, list(EVIDENCE_COLUMNS),
               ([csv_field(fast_cell(v)) for v in row] for row in _evidence_rows(G)))


def write_mentions_table(frame: pd.DataFrame, path_or_file: PathOrFile) -> None:
    """Write mentions.csv from :func:`mentions_frame` (cells neutralised as in :mod:`kg.tables`)."""
    _write_csv(path_or_file, list(frame.columns), _frame_rows(frame))


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
