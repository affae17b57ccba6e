"""From a build's grounded mentions to typed edges: the statements table and the per-edge aggregation.

A build (:mod:`kg.pipeline.steps`) hands each document's grounded mentions (concept keys = node ids) and
sentence spans to :class:`~kg.relations.model.RelationModel` as :class:`RelationDocument` s, asking only for
the concept pairs its graph can hold (the co-occurring pairs left after generic terms and non-concepts are
dropped). The predictions become

- the statements table (:func:`relation_table`, ``relations.csv``): one row per document and pair the model
  calls related (``related >= threshold``);
- per edge (:func:`edge_relations`): ``relation`` (the dominant BioRED type, by the probability summed over the
  documents that state it), ``relation_counts`` (documents per type, ``"Positive_Correlation:3|Association:1"``),
  ``relation_score`` (noisy-OR of the document probabilities, ``1 - prod_d (1 - p_d)``: the probability that at
  least one paper states the relation, if the papers were independent witnesses; the aggregation of
  document-level evidence in e.g. STRING's text mining and INDRA's belief model) and ``predicate`` (Biolink).
  An edge no document states keeps ``relation`` ``""`` and the co-occurrence predicate.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kg.relations.biolink import COOCCURRENCE_PREDICATE, biolink_predicate
from kg.relations.model import RelationModel
from kg.relations.records import RELATION_TYPES, RelationDocument, pair_key

if TYPE_CHECKING:  # pragma: no cover
    from kg.relations.cache import RelationCache

__all__ = ["RELATION_COLUMNS", "EDGE_RELATION_COLUMNS", "relation_documents", "predict_relations",
           "relation_table", "edge_relations", "with_edge_relations", "noisy_or"]

#: The columns of ``relations.csv`` / :meth:`kg.KnowledgeGraph.relations_df`.
RELATION_COLUMNS = ["doc_id", "source", "target", "relation", "predicate", "novel", "score", "sentences"]
#: What :func:`edge_relations` adds to each edge.
EDGE_RELATION_COLUMNS = ["relation", "relation_counts", "relation_score", "predicate"]
_PROB_COLUMNS = [f"p_{t}" for t in RELATION_TYPES]


def noisy_or(probabilities: Iterable[float]) -> float:
    """``1 - prod(1 - p)``: the probability that at least one of independent events happens.

    >>> round(noisy_or([0.5, 0.5]), 3)
    0.75
    """
    return float(1.0 - np.prod(1.0 - np.asarray(list(probabilities), dtype=np.float64)))


def relation_documents(mentions: pd.DataFrame, pairs: Collection[tuple[str, str]], *, text: Callable[[str], str],
                       sentences: Callable[[str], np.ndarray]) -> Iterator[RelationDocument]:
    """One :class:`RelationDocument` per document with a mention of a concept of ``pairs``.

    ``mentions``: columns doc, start, end, type, concept (a build's concept table); ``text(doc)`` and
    ``sentences(doc)`` (an (n, 2) array of character spans) give the rest. Only the concepts of ``pairs``
    are kept (a node's mentions are what the model reads; a dropped generic term is no concept).
    """
    nodes = {c for pair in pairs for c in pair}
    keep = mentions[mentions["concept"].isin(nodes).to_numpy()]
    if not len(keep):
        return
    keep = keep.sort_values("doc", kind="stable")
    docs = keep["doc"].to_numpy()
    cuts = np.flatnonzero(docs[1:] != docs[:-1]) + 1
    starts, ends = keep["start"].to_numpy(), keep["end"].to_numpy()
    types, concepts = keep["type"].astype(str).to_numpy(), keep["concept"].astype(str).to_numpy()
    for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, len(docs)].tolist(), strict=True):
        if len(set(concepts[a:b].tolist())) < 2:
            continue
        doc_id = str(docs[a])
        spans = zip(starts[a:b].tolist(), ends[a:b].tolist(), types[a:b].tolist(), concepts[a:b].tolist(),
                    strict=True)
        yield RelationDocument.from_spans(doc_id, text(doc_id), spans, map(tuple, sentences(doc_id).tolist()))


def _rows(predictions) -> list[tuple]:
    return [(p.doc_id, p.source, p.target, float(p.related), float(p.novel), p.relation,
             *map(float, p.type_probs), tuple(p.sentences)) for p in predictions]


def predict_relations(model: RelationModel, documents: Iterable[RelationDocument],
                      only: Collection[tuple[str, str]] | None = None, *, batch: int = 512,
                      cache: RelationCache | None = None) -> pd.DataFrame:
    """Every prediction of ``model`` for ``documents`` (pairs of ``only`` when given, sorted pairs), a row
    per document and pair: doc_id, source, target, related, novel (probabilities), relation (the most
    probable type), p_<type> per :data:`RELATION_TYPES`, sentences (a tuple). Batches of ``batch`` documents.
    With ``cache`` (:class:`~kg.relations.cache.RelationCache`) a document's kept rows are used when they
    hold the pairs asked, and new ones kept (the rows are the same: see :mod:`kg.relations.cache`)."""
    from kg.relations.cache import split_cached

    rows: list[tuple] = []
    docs = iter(documents)
    wanted = None if only is None else only if isinstance(only, (set, frozenset)) else set(only)
    while True:
        chunk = [d for _, d in zip(range(batch), docs, strict=False)]
        if not chunk:
            break
        if cache is None:
            for predictions in model.predict_many(chunk, only):
                rows += _rows(predictions)
            continue
        items = list(split_cached(chunk, wanted, cache))
        todo = [(doc, kept) for doc, _, kept in items if kept.missing]
        missing = {pair for _, kept in todo for pair in kept.missing}  # only what no kept row has
        fresh = iter(model.predict_many([doc for doc, _ in todo], missing))
        for doc, asked, kept in items:
            if kept.missing:
                had, all_rows, kept_rows = kept.merged(asked, _rows(next(fresh)))
                cache.put(doc.id, kept.key, had, all_rows)
                rows += kept_rows
            else:
                rows += [r for r in kept.rows if (r[1], r[2]) in asked]
    columns = ["doc_id", "source", "target", "related", "novel", "relation", *_PROB_COLUMNS, "sentences"]
    return pd.DataFrame(rows, columns=columns)


def relation_table(predictions: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The statements table (:data:`RELATION_COLUMNS`): the predictions with ``related >= threshold``,
    by document, then best score first."""
    kept = predictions[predictions["related"].to_numpy() >= threshold]
    table = pd.DataFrame({
        "doc_id": kept["doc_id"].astype(str).to_numpy(), "source": kept["source"].to_numpy(),
        "target": kept["target"].to_numpy(), "relation": kept["relation"].to_numpy(),
        "predicate": [biolink_predicate(r) for r in kept["relation"].tolist()],
        "novel": kept["novel"].to_numpy() >= 0.5, "score": kept["related"].to_numpy(np.float64),
        "sentences": [[" ".join(t.split()) for t in s] for s in kept["sentences"].tolist()],
    }, columns=RELATION_COLUMNS)
    return table.sort_values(["doc_id", "score"], ascending=[True, False], kind="stable", ignore_index=True)


def edge_relations(predictions: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per predicted pair: source, target and :data:`EDGE_RELATION_COLUMNS`.

    ``relation_score`` is the noisy-OR of ``related`` over every document of the pair; the type and counts
    come from the documents with ``related >= threshold`` (the dominant type: the largest sum of
    ``related * p(type)``; counts: documents whose most probable type it is, most first). A pair no document
    states gets relation ``""``, no counts and the co-occurrence predicate.
    """
    if not len(predictions):
        return pd.DataFrame(columns=["source", "target", *EDGE_RELATION_COLUMNS])
    keys = ["source", "target"]
    p = predictions["related"].to_numpy(np.float64)
    log_miss = pd.Series(np.log1p(-np.minimum(p, 1.0 - 1e-12)), index=predictions.index)
    score = 1.0 - np.exp(log_miss.groupby([predictions[k] for k in keys], sort=True).sum())
    stated = predictions[p >= threshold]
    weighted = stated[_PROB_COLUMNS].to_numpy(np.float64) * stated["related"].to_numpy(np.float64)[:, None]
    sums = pd.DataFrame(weighted, columns=list(RELATION_TYPES), index=stated.index).groupby(
        [stated[k] for k in keys], sort=True).sum()
    dominant = pd.Series(np.asarray(RELATION_TYPES)[sums.to_numpy().argmax(axis=1)] if len(sums) else [],
                         index=sums.index, dtype=object)
    counts = _counts(stated)
    out = pd.DataFrame({"relation_score": score})
    out["relation"] = dominant.reindex(out.index).fillna("")
    out["relation_counts"] = counts.reindex(out.index).fillna("")
    out["predicate"] = [biolink_predicate(r) for r in out["relation"].tolist()]
    return out.reset_index()[["source", "target", *EDGE_RELATION_COLUMNS]]


def _counts(stated: pd.DataFrame) -> pd.Series:
    """Per (source, target): ``"Positive_Correlation:3|Association:1"``, documents per type, most first
    (ties by name)."""
    if not len(stated):
        return pd.Series(dtype=object)
    sizes = stated.groupby(["source", "target", "relation"], sort=True).size().reset_index(name="n")
    sizes = sizes.sort_values(["source", "target", "n", "relation"], ascending=[True, True, False, True],
                              kind="stable")
    # joined in one pass over the sorted rows (a groupby with "|".join runs a Python function per edge
    # through pandas: 0.4 s of a 600-abstract build)
    keys: list[tuple[str, str]] = []
    joined: list[str] = []
    for source, target, relation, n in zip(sizes["source"].tolist(), sizes["target"].tolist(),
                                           sizes["relation"].tolist(), sizes["n"].tolist(), strict=True):
        if keys and keys[-1] == (source, target):
            joined[-1] += f"|{relation}:{n}"
        else:
            keys.append((source, target))
            joined.append(f"{relation}:{n}")
    return pd.Series(joined, index=pd.MultiIndex.from_tuples(keys, names=["source", "target"]), dtype=object)


def with_edge_relations(pairs: pd.DataFrame, per_edge: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` (source, target, ...; either order) with :data:`EDGE_RELATION_COLUMNS` joined on the
    unordered pair; pairs the model did not see: relation ``""``, score 0, the co-occurrence predicate."""
    out = pairs.copy()
    if not len(out):
        for c in EDGE_RELATION_COLUMNS:
            out[c] = pd.Series(dtype=float if c == "relation_score" else object)
        return out
    keyed = per_edge.set_index(["source", "target"])
    sorted_keys = pd.MultiIndex.from_tuples([pair_key(a, b) for a, b in zip(
        out["source"].tolist(), out["target"].tolist(), strict=True)])
    found = keyed.reindex(sorted_keys)
    out["relation"] = found["relation"].fillna("").to_numpy(object)
    out["relation_counts"] = found["relation_counts"].fillna("").to_numpy(object)
    out["relation_score"] = found["relation_score"].fillna(0.0).to_numpy(np.float64)
    out["predicate"] = found["predicate"].fillna(COOCCURRENCE_PREDICATE).to_numpy(object)
    return out
