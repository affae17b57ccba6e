"""Reopen a folder ``kg build`` wrote, with what the API has after a build: the graph (from
graph.json, else graph.graphml, graph.cyjs or graph.gexf), every evidence sentence (from
evidence.parquet or evidence.csv when the graph file kept only the top one), the mentions
(mentions.parquet or mentions.csv, for ``g.mentions_df()``) and the build's figures
(summary.json).
"""

from __future__ import annotations

import csv
import json
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from kg.errors import KgError
from kg.export.tables import _FORMULA_START

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GRAPH_FILES", "read_folder"]

#: The graph files a folder is read from, best first (JSON is lossless).
GRAPH_FILES = ("graph.json", "graph.graphml", "graph.cyjs", "graph.gexf")


def _uncell(text: str) -> str:
    """Undo the CSV neutralisation of :mod:`kg.tables` (``'=x`` -> ``=x``)."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(_FORMULA_START) else text


def _table(folder: Path, name: str) -> pd.DataFrame | None:
    """``name``.parquet (values as they are) or ``name``.csv (cells un-neutralised), None if neither."""
    import pandas as pd

    parquet, text = folder / f"{name}.parquet", folder / f"{name}.csv"
    if parquet.exists():
        try:
            return pd.read_parquet(parquet)
        except ImportError:
            pass  # no pyarrow here: the CSV holds the same rows
    if not text.exists():
        return None
    with open(text, encoding="utf-8", newline="") as fh:
        rows = [{k: _uncell(v) for k, v in row.items()} for row in csv.DictReader(fh)]
    return pd.DataFrame(rows)


def _restore_evidence(G: nx.Graph, evidence: pd.DataFrame) -> None:
    """Every edge's evidence list from the evidence table (best first, as the build kept them)."""
    records: dict[frozenset, list[dict]] = {}
    evidence = evidence.assign(rank=evidence["rank"].astype(int)).sort_values(["edge_id", "rank"], kind="stable")
    for row in evidence.itertuples(index=False):
        rec = {"doc_id": str(row.doc_id), "sentence": str(row.sentence), "pmid": _str(row.pmid),
               "doi": _str(row.doi), "url": _str(row.url)}
        records.setdefault(frozenset((str(row.source), str(row.target))), []).append(rec)
    for u, v, d in G.edges(data=True):
        got = records.get(frozenset((str(u), str(v))))
        if got is not None:
            d["evidence"] = got


def _str(value: Any) -> str:
    return "" if value is None or value != value else str(value)


def _mentions(frame: pd.DataFrame | None) -> pd.DataFrame | None:
    """mentions.csv's rows as the build's mention spans (:attr:`kg.concepts.ConceptTable.spans`)."""
    if frame is None:
        return None
    spans = frame.rename(columns={"doc_id": "doc", "sentence": "sent", "concept_id": "concept"})
    spans = spans[["doc", "sent", "start", "end", "text", "ner_type", "concept"]].copy()
    for column in ("sent", "start", "end"):
        spans[column] = spans[column].astype("int32")
    return spans


def read_folder(folder: Path) -> tuple[nx.Graph, pd.DataFrame | None, dict[str, Any]]:
    """(graph, mention spans or None, summary.json's fields) of an output folder of ``kg build``.

    Raises :class:`~kg.errors.KgError` naming the folder when it holds no graph file."""
    from kg.export.files import read_graph

    graph_file = next((folder / name for name in GRAPH_FILES if (folder / name).exists()), None)
    if graph_file is None:
        raise KgError(f"{folder}: no graph file in it ({', '.join(GRAPH_FILES)}); give the folder `kg build --out` "
                      "wrote, or a graph file")
    G = read_graph(graph_file)
    if graph_file.name != "graph.json":  # JSON keeps every sentence; the others may keep the top one
        evidence = _table(folder, "evidence")
        if evidence is not None and len(evidence):
            _restore_evidence(G, evidence)
    summary: dict[str, Any] = {}
    if (folder / "summary.json").exists():
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    return G, _mentions(_table(folder, "mentions")), summary


def stats_fields(summary: dict[str, Any], cls: type) -> dict[str, Any]:
    """The fields of dataclass ``cls`` (BuildStats) found in ``summary``."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in summary.items() if k in names}
