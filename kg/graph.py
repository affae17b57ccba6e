"""Assemble the NetworkX graph: concepts as nodes, scored co-occurrences as edges, with evidence.

Counting and scoring are vectorised in :mod:`kg.cooccur` / :mod:`kg.scores`; this module
only attaches what a reader needs to the kept edges: attributes by :mod:`kg.schema`, and
the best evidence sentences. A sentence is better evidence the fewer other concepts it
mentions (it is more likely *about* the pair), shorter first on ties; each edge keeps at
most ``evidence_cap`` of them, from distinct documents first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from kg import __version__
from kg.concepts import ConceptTable
from kg.cooccur import cooccurrence_keys

__all__ = ["GraphOptions", "build_graph", "evidence_rows"]

SentenceText = Callable[[str, int], str]
DocMeta = Callable[[str], dict]


@dataclass(frozen=True)
class GraphOptions:
    """How edges are counted, scored and filtered (the ``kg build`` options)."""

    window: str = "sentence"
    score: str | None = None
    min_count: int = 1
    min_score: float | None = None
    top_edges_per_node: int | None = None
    types: tuple[str, ...] | None = None
    evidence_cap: int = 5
    drop_generic: bool = True


def evidence_rows(
    mentions: pd.DataFrame, edges: pd.DataFrame, *, cap: int, sentence_pairs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The best ``cap`` co-occurrence sentences of each edge: columns source, target, doc, sent.

    Candidates come from :func:`kg.cooccur.cooccurrence_keys` (sparse intersections, only for
    the kept edges); among them, each document's first sentence comes before second ones,
    then sentences naming fewer concepts.
    """
    if edges.empty or mentions.empty:
        return pd.DataFrame(columns=["source", "target", "doc", "sent"])
    pairs = (sentence_pairs if sentence_pairs is not None
             else cooccurrence_keys(mentions, edges, window="sentence", max_per_pair=None))
    crowd = mentions.groupby(["doc", "sent"])["concept"].nunique().rename("crowd").reset_index()
    pairs = pairs.merge(crowd, on=["doc", "sent"])
    pairs["first_in_doc"] = ~pairs.duplicated(["source", "target", "doc"])
    pairs = pairs.sort_values(["source", "target", "first_in_doc", "crowd"], ascending=[True, True, False, True])
    return pairs.groupby(["source", "target"], sort=False).head(cap)[["source", "target", "doc", "sent"]]


def _join(values) -> list[str]:
    return sorted(set(values))


def build_graph(
    table: ConceptTable,
    edges: pd.DataFrame,
    *,
    sentence_text: SentenceText,
    doc_meta: DocMeta,
    options: GraphOptions = GraphOptions(),
    n_documents: int = 0,
    models: Collection[str] = (),
    score_name: str = "score",
    name: str = "kg",
) -> nx.Graph:
    """An undirected graph of ``table``'s concepts and the scored ``edges`` (one row per pair)."""
    g = nx.Graph(name=name, kg_version=__version__, window=options.window, score=score_name,
                 n_documents=int(n_documents), models=",".join(models))
    mentions = table.mentions
    if not mentions.empty:
        per = mentions.groupby("concept").agg(mentions=("doc", "size"), documents=("doc", "nunique"))
        doc_ids = mentions.groupby("concept")["doc"].agg(_join)
        for key, row in per.iterrows():
            g.add_node(
                key,
                label=table.labels.get(key, key),
                type=table.types.get(key, ""),
                mentions=int(row["mentions"]),
                documents=int(row["documents"]),
                aliases=list(table.aliases.get(key, [])),
                curie=table.curies.get(key, ""),
                url=table.urls.get(key, ""),
                doc_ids=list(doc_ids[key]),
            )
    if edges.empty:
        return g
    # sentence-level co-occurrences serve the evidence and, for the sentence window, the doc ids
    in_sentences = cooccurrence_keys(mentions, edges, window="sentence", max_per_pair=None)
    ev = evidence_rows(mentions, edges, cap=options.evidence_cap, sentence_pairs=in_sentences)
    evidence: dict[tuple[str, str], list[dict]] = {}
    for src, tgt, doc, sent in ev.itertuples(index=False):
        meta = doc_meta(doc)
        evidence.setdefault((src, tgt), []).append(
            {"doc_id": doc, "sentence": sentence_text(doc, int(sent)), "pmid": meta.get("pmid") or "",
             "doi": meta.get("doi") or "", "url": meta.get("url") or ""}
        )
    where = (in_sentences if options.window == "sentence"
             else cooccurrence_keys(mentions, edges, window=options.window, max_per_pair=None))
    docs_of = where.groupby(["source", "target"])["doc"].agg(_join).to_dict()
    score_cols = [c for c in edges.columns if c not in ("source", "target")]
    for row in edges.itertuples(index=False):
        attrs = {c: _plain(getattr(row, c)) for c in score_cols}
        pair = (row.source, row.target)
        attrs.update(evidence=evidence.get(pair, []), doc_ids=docs_of.get(pair, []), interaction="co-occurs")
        g.add_edge(row.source, row.target, **attrs)
    return g


def _plain(value):
    """NumPy scalars to Python numbers, so every exporter sees int/float."""
    if hasattr(value, "item"):
        return value.item()
    return value
