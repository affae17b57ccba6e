"""A mention table as integer codes: the shared input of co-occurrence counting and evidence.

:func:`code_mentions` de-duplicates mentions per (document, sentence, concept) and codes
documents and concepts as integers (:class:`CodedMentions`); :func:`row_codes` codes concept
pairs the same way; :func:`windows_with_both` finds, with a sparse incidence matrix, every
window that holds both concepts of a pair; :func:`first_per_group` and :func:`rank_in_group`
are the group-by steps on sorted arrays that the callers share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kg.errors import InputError
from kg.graph import scores as S

__all__ = ["CodedMentions", "sort_order", "code_mentions", "row_codes", "pair_codes", "windows_with_both", "first_per_group",
           "rank_in_group"]


@dataclass(frozen=True)
class CodedMentions:
    """A mention table as integer codes, de-duplicated per (document, sentence, concept)."""

    concepts: pd.Index  # sorted: code order == string order, so i < j <=> source < target
    docs: pd.Index
    doc: np.ndarray  # int64, per row, rows sorted by (doc, sent, concept)
    para: np.ndarray
    sent: np.ndarray
    con: np.ndarray
    weight: np.ndarray  # per row: tf-idf weight of the concept in the document (kg.graph.scores.tfidf)

    @property
    def n_concepts(self) -> int:
        return len(self.concepts)


def sort_order(*cols: np.ndarray) -> np.ndarray:
    """argsort by several non-negative int columns, major first (one int64 key when it fits)."""
    span = 1
    for col in cols:
        span *= int(col.max()) + 1 if len(col) else 1
    if span < 2**62:
        key = np.zeros(len(cols[0]), dtype=np.int64)
        for col in cols:
            key = key * (int(col.max()) + 1 if len(col) else 1) + col
        return np.argsort(key)
    return np.lexsort(cols[::-1])


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    v = values if values.dtype == object or pd.api.types.is_string_dtype(values) else values.astype(str)
    codes, uniques = pd.factorize(v, sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def code_mentions(mentions: pd.DataFrame) -> CodedMentions:
    """The mention table as sorted integer codes, one row per (document, sentence, concept)."""
    missing = {"doc", "sent", "concept"} - set(mentions.columns)
    if missing:
        raise InputError("mentions", f"missing column(s) {sorted(missing)}; expected doc, para, sent, concept")
    m = mentions.dropna(subset=["concept"]) if mentions["concept"].isna().any() else mentions
    if m["doc"].isna().any() or m["sent"].isna().any():
        raise InputError("mentions", "null doc or sent values; every mention needs a document and a sentence")
    con, concepts = _codes(m["concept"])
    doc, docs = _codes(m["doc"])
    sent = m["sent"].to_numpy(dtype=np.int64)
    para = m["para"].to_numpy(dtype=np.int64) if "para" in m.columns else np.zeros(len(m), np.int64)
    if len(m) and (sent.min() < 0 or para.min() < 0):
        raise InputError("mentions", "negative sent or para values; number sentences and paragraphs from 0")
    order = sort_order(doc, sent, con)
    doc, sent, para, con = doc[order], sent[order], para[order], con[order]
    # tf-idf weights per (doc, concept), from the raw mention counts (kg.graph.scores.tfidf)
    n = max(len(concepts), 1)
    wkey, m_id = np.unique(doc * n + con, return_counts=True)
    wdoc, wcon = wkey // n, wkey % n
    idf = S.smooth_idf(np.bincount(wcon, minlength=len(concepts)), len(docs))
    weight = m_id / np.bincount(doc, minlength=len(docs))[wdoc] * idf[wcon]
    keep = first_per_group(doc, sent, con)
    doc, para, sent, con = doc[keep], para[keep], sent[keep], con[keep]
    row_weight = weight[np.searchsorted(wkey, doc * n + con)]  # sorted queries: fast
    return CodedMentions(concepts, docs, doc, para, sent, con, row_weight)


def windows_with_both(x: sp.csc_matrix, i: np.ndarray, j: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """(pair index, window) for every window holding both concepts of pair p = (i[p], j[p]).

    Per-pair sparse column intersection at cost min(n_i, n_j): the windows of the rarer
    concept are looked up in a hash of the (window, concept) entries of X, in batches of
    ``budget`` lookups. X is binary with sorted indices.
    """
    nnz = np.diff(x.indptr)
    rare = np.where(nnz[i] <= nnz[j], i, j)
    other = np.where(nnz[i] <= nnz[j], j, i)
    n_con = x.shape[1]
    xr = x.tocsr()
    keys = pd.Index(np.repeat(np.arange(xr.shape[0], dtype=np.int64), np.diff(xr.indptr)) * n_con + xr.indices)
    lengths = nnz[rare]
    cost = np.cumsum(lengths)
    out_p, out_w = [], []
    start = 0
    while start < len(rare):
        base = cost[start - 1] if start else 0
        stop = min(max(int(np.searchsorted(cost, base + budget, side="right")), start + 1), len(rare))
        ln = lengths[start:stop]
        p = np.repeat(np.arange(start, stop), ln)
        first = np.repeat(x.indptr[rare[start:stop]], ln)
        offset = np.arange(len(p)) - np.repeat(np.cumsum(ln) - ln, ln)
        w = x.indices[first + offset].astype(np.int64)
        hit = keys.get_indexer(w * n_con + other[p]) >= 0  # hash lookup
        out_p.append(p[hit])
        out_w.append(w[hit])
        start = stop
    if not out_p:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(out_p), np.concatenate(out_w)


def first_per_group(*cols: np.ndarray) -> np.ndarray:
    """Mask of rows that start a run of equal ``cols`` (rows already sorted by them)."""
    new = np.ones(len(cols[0]), dtype=bool)
    if len(new):
        new[1:] = np.logical_or.reduce([c[1:] != c[:-1] for c in cols])
    return new


def rank_in_group(new_group: np.ndarray) -> np.ndarray:
    """Position of each row within its group, given the mask of group starts (:func:`first_per_group`)."""
    idx = np.arange(len(new_group))
    return idx - np.maximum.accumulate(np.where(new_group, idx, 0))


def row_codes(c: CodedMentions, pairs: pd.DataFrame | Iterable[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Each given pair's concept codes in ``c``, the lesser concept name first (-1: a concept without mentions)."""
    if isinstance(pairs, pd.DataFrame):
        src = pairs["source"].astype(str).to_numpy(dtype=object)
        tgt = pairs["target"].astype(str).to_numpy(dtype=object)
    else:
        lst = list(pairs)
        src = np.array([str(p[0]) for p in lst], dtype=object)
        tgt = np.array([str(p[1]) for p in lst], dtype=object)
    a, b = np.where(src <= tgt, src, tgt), np.where(src <= tgt, tgt, src)
    return c.concepts.get_indexer(a), c.concepts.get_indexer(b)


def pair_codes(c: CodedMentions, pairs: pd.DataFrame | Iterable[tuple[str, str]]) -> np.ndarray:
    ia, ib = row_codes(c, pairs)
    ok = (ia >= 0) & (ib >= 0) & (ia != ib)
    return np.unique(np.stack([ia[ok], ib[ok]], axis=1).astype(np.int64).reshape(-1, 2), axis=0)
