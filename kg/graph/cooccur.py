"""Scored co-occurrence edges from a mention table, vectorised for millions of abstracts.

Input contract (the NER pass produces it): a :class:`pandas.DataFrame` ``mentions`` with
one row per mention and the columns

===========  ====  =================================================
``doc``      str   document id
``para``     int   0 = title, 1 = abstract body (more for full text)
``sent``     int   sentence index, unique within the document
``concept``  str   node key
===========  ====  =================================================

Windows are sentences (``(doc, sent)``) or documents. The binary window x concept
incidence matrix X is built with SciPy sparse; per-window concept pairs are enumerated
with NumPy index arithmetic (no Python loop over windows or pairs) in chunks of whole
documents, and aggregated per pair: ``count`` (windows with both; = X^T X off the
diagonal), ``documents`` (distinct documents with a co-mention in such a window),
``sentences`` (sentences with both), plus the per-document paragraph and sentence
indicators that the JensenLab score needs. Marginals ``n_i`` are column sums of X.

The scores (:mod:`kg.graph.scores`) are computed for every pair, each in its own column;
``score`` repeats the default, :data:`DEFAULT_SCORE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kg.errors import InputError, KgError, OptionError
from kg.graph import scores as S
from kg.graph.coding import CodedMentions, code_mentions, first_per_group, sort_order

__all__ = [
    "WINDOWS",
    "SCORES",
    "DEFAULT_SCORE",
    "JensenLabParams",
    "concept_stats",
    "incidence_matrix",
    "count_pairs",
    "filter_edges",
    "check_window",
]

WINDOWS = ("sentence", "document")
#: Score columns of :func:`count_pairs`, in order.
SCORES = ("count", "documents", "npmi", "jensenlab", "llr", "tfidf")
DEFAULT_SCORE = "tfidf"
_PAIR_BUDGET = 500_000  # concept pairs enumerated per chunk of documents (~60 MB of index arrays)


@dataclass(frozen=True)
class JensenLabParams:
    """Weights of :func:`kg.graph.scores.jensenlab_counts` and the exponent of :func:`kg.graph.scores.jensenlab`."""

    w_document: float = 1.0
    w_paragraph: float = 2.0
    w_sentence: float = 0.2
    alpha: float = 0.6


def check_window(window: str) -> None:
    if window not in WINDOWS:
        raise OptionError("window", f"{window!r} is no window", f"choose {' or '.join(WINDOWS)}")


def _windows(c: CodedMentions, level: str) -> tuple[np.ndarray, ...]:
    """(window id, doc, sub-key, concept, weight) unique rows sorted by window then concept.

    Windows nest in documents and are numbered in (doc, sub-key) order; the sub-key is the
    sentence, the paragraph, or 0 for whole documents.
    """
    if level == "sentence":
        doc, sub, con, w = c.doc, c.sent, c.con, c.weight  # already sorted and unique
    else:
        sub = c.para if level == "paragraph" else np.zeros_like(c.doc)
        order = sort_order(c.doc, sub, c.con)
        doc, sub, con, w = c.doc[order], sub[order], c.con[order], c.weight[order]
    new_win = first_per_group(doc, sub)
    keep = first_per_group(doc, sub, con)
    win = np.cumsum(new_win) - 1
    return win[keep], doc[keep], sub[keep], con[keep], w[keep]


def _marginals(level: tuple[np.ndarray, ...], n: int) -> tuple[float, np.ndarray]:
    """Number of windows with a mention, and windows per concept, of one :func:`_windows` level."""
    win, _, _, con, _ = level
    return (float(win[-1] + 1) if len(win) else 0.0), np.bincount(con, minlength=n).astype(np.float64)


def _window_pairs(win: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (left, right), left < right, of all pairs of rows in the same window.

    ``win`` is sorted. Index arithmetic, no loop: row p of a window ending (exclusive) at
    row e pairs with rows p+1 .. e-1, so it is repeated e-p-1 times as ``left`` and
    ``right`` counts up from p+1 within each repeat block.
    """
    n = len(win)
    if n < 2:
        e = np.empty(0, np.int64)
        return e, e
    starts = np.flatnonzero(np.r_[True, win[1:] != win[:-1]])
    sizes = np.diff(np.r_[starts, n])
    end = np.repeat(starts + sizes, sizes)
    partners = end - np.arange(n) - 1
    total = int(partners.sum())
    left = np.repeat(np.arange(n), partners)
    offset = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
    return left, left + 1 + offset


def _chunks(k: np.ndarray) -> list[tuple[int, int]]:
    """Doc-code ranges [a, b) whose doc-level pair counts (k_d choose 2) sum to about
    :data:`_PAIR_BUDGET`; ``k`` is the number of distinct concepts per document."""
    n_docs = len(k)
    cost = np.cumsum(k * (k - 1) / 2)
    bounds = [0]
    while bounds[-1] < n_docs:
        start_cost = cost[bounds[-1] - 1] if bounds[-1] > 0 else 0.0
        b = int(np.searchsorted(cost, start_cost + _PAIR_BUDGET, side="right"))
        bounds.append(min(max(b, bounds[-1] + 1), n_docs))
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _level_pairs(level: tuple[np.ndarray, ...], c: CodedMentions, chunks: list[tuple[int, int]],
                 *, per_window_docs: bool = False) -> pd.DataFrame:
    """Per pair code ``i*n+j`` (i < j): windows with both (``windows``), documents with both
    (``docs``) and the sum over those documents of the tf-idf weight products (``tfidf``).

    ``per_window_docs``: windows are whole documents, so every (pair, doc) is unique.
    """
    win, doc, _, con, row_w = level
    n = c.n_concepts
    parts: list[pd.DataFrame] = []
    merged: pd.DataFrame | None = None
    pending = 0
    for a, b in chunks:
        lo, hi = np.searchsorted(doc, [a, b])
        left, right = _window_pairs(win[lo:hi])
        if not len(left):
            continue
        cc, ww = con[lo:hi], row_w[lo:hi]
        pair = cc[left] * n + cc[right]  # rows sorted by concept within a window: i < j
        prod = ww[left] * ww[right]
        if per_window_docs:
            first = np.ones(len(pair), dtype=bool)
            order = np.argsort(pair)
        else:
            order = sort_order(pair, doc[lo:hi][left] - a)
            first = np.ones(len(pair), dtype=bool)
            d = doc[lo:hi][left][order]
            ps = pair[order]
            first[1:] = (ps[1:] != ps[:-1]) | (d[1:] != d[:-1])
        ps = pair[order]
        new_pair = np.ones(len(ps), dtype=bool)
        new_pair[1:] = ps[1:] != ps[:-1]
        pid = np.cumsum(new_pair) - 1
        k = int(pid[-1]) + 1
        parts.append(pd.DataFrame({
            "pair": ps[new_pair],
            "windows": np.bincount(pid, minlength=k),
            "docs": np.bincount(pid, weights=first, minlength=k).astype(np.int64),
            "tfidf": np.bincount(pid, weights=np.where(first, prod[order], 0.0), minlength=k),
        }))
        del left, right, pair, prod, order, ps, new_pair, pid, first
        pending += len(parts[-1])
        # fold the chunk tables into one as they come: pairs repeat across chunks, so
        # memory stays near the number of distinct pairs rather than growing per chunk
        if pending > max(_PAIR_BUDGET, len(merged) if merged is not None else 0):
            merged, parts, pending = _sum_by_pair([merged, *parts] if merged is not None else parts), [], 0
    if merged is not None:
        parts = [merged, *parts]
    if not parts:
        return pd.DataFrame({"pair": np.empty(0, np.int64), "windows": np.empty(0, np.int64),
                             "docs": np.empty(0, np.int64), "tfidf": np.empty(0, np.float64)})
    return _sum_by_pair(parts) if len(parts) > 1 else parts[0]


def _sum_by_pair(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Column sums per pair code over ``parts`` (sorted by pair), with one sort and bincounts."""
    pair, index = np.unique(np.concatenate([t["pair"].to_numpy() for t in parts]), return_inverse=True)
    out = {"pair": pair}
    for col in ("windows", "docs", "tfidf"):
        total = np.bincount(index, weights=np.concatenate([t[col].to_numpy(np.float64) for t in parts]),
                            minlength=len(pair))
        out[col] = total if col == "tfidf" else np.rint(total).astype(np.int64)
    return pd.DataFrame(out)


def incidence_matrix(mentions: pd.DataFrame, *, window: str = "sentence") -> tuple[sp.csr_matrix, pd.DataFrame, pd.Index]:
    """The binary window x concept matrix X, its row keys (``doc``, ``sent``) and column concepts.

    Rows are in (doc, sent) order; for ``window="document"`` the keys have ``sent = -1``.
    """
    check_window(window)
    c = code_mentions(mentions)
    win, doc, sub, con, _ = _windows(c, window)
    first = first_per_group(win)
    sent = sub[first] if window == "sentence" else np.full(int(first.sum()), -1, np.int64)
    keys = pd.DataFrame({"doc": c.docs[doc[first]].to_numpy(dtype=object), "sent": sent})
    x = sp.csr_matrix((np.ones(len(win), np.int8), (win, con)), shape=(len(keys), c.n_concepts))
    return x, keys, c.concepts


def concept_stats(mentions: pd.DataFrame) -> pd.DataFrame:
    """Per concept (index ``concept``): ``mentions``, ``documents``, ``sentences`` (distinct)."""
    if "concept" not in mentions.columns or "doc" not in mentions.columns:
        raise InputError("mentions", "missing column(s); expected doc, para, sent, concept")
    m = mentions.dropna(subset=["concept"])
    out = pd.DataFrame({"mentions": m.groupby("concept", sort=True).size()})
    out["documents"] = m.groupby("concept")["doc"].nunique()
    if "sent" in m.columns:
        out["sentences"] = m.drop_duplicates(["concept", "doc", "sent"]).groupby("concept").size()
    out.index.name = "concept"
    return out.astype(np.int64)


def count_pairs(
    mentions: pd.DataFrame,
    *,
    window: str = "sentence",
    jensenlab: JensenLabParams = JensenLabParams(),  # noqa: B008 - frozen, immutable
    default_score: str = DEFAULT_SCORE,
) -> pd.DataFrame:
    """One row per unordered co-occurring concept pair (``source < target``, no self-pairs).

    Columns: ``source``, ``target``, ``count`` (windows with both: sentences, or documents
    when ``window="document"``), ``documents`` (distinct documents with a co-mention in
    such a window), ``sentences`` (sentences with both, whatever the window), one column
    per score of :data:`SCORES`, and ``score`` (= ``default_score``), sorted by ``score``
    descending. ``npmi`` and ``llr`` are over the chosen window, with ``n`` =
    windows that have at least one mention; ``jensenlab`` always uses the document /
    paragraph / sentence weights, over all pairs co-mentioned in a document; ``tfidf``
    sums :func:`kg.graph.scores.tfidf` over the documents counted in ``documents`` (tf from the
    raw mention rows, so repeated mentions count).
    """
    check_window(window)
    if default_score not in SCORES:
        raise ValueError(f"default_score must be one of {SCORES}, not {default_score!r}")
    c = code_mentions(mentions)
    n = c.n_concepts
    n_docs = len(c.docs)
    # one window level at a time (each is five arrays the length of the mention table)
    level = _windows(c, "document")
    chunks = _chunks(np.bincount(level[1], minlength=n_docs).astype(np.float64))
    doc_pairs = _level_pairs(level, c, chunks, per_window_docs=True)
    marginals = {"document": _marginals(level, n)}
    level = _windows(c, "paragraph")
    para = _level_pairs(level, c, chunks)
    level = _windows(c, "sentence")
    sent = _level_pairs(level, c, chunks)
    marginals["sentence"] = _marginals(level, n)
    concepts = c.concepts
    del level, c

    table = doc_pairs[["pair", "docs", "tfidf"]].rename(columns={"docs": "doc_docs", "tfidf": "doc_tfidf"})
    table = table.merge(para[["pair", "docs"]].rename(columns={"docs": "para_docs"}), on="pair", how="left")
    table = table.merge(sent.rename(columns={"windows": "sentences", "docs": "sent_docs", "tfidf": "sent_tfidf"}),
                        on="pair", how="left")
    table = table.fillna(0)
    i = (table["pair"].to_numpy() // n).astype(np.int64) if n else np.empty(0, np.int64)
    j = (table["pair"].to_numpy() % n).astype(np.int64) if n else np.empty(0, np.int64)

    # JensenLab over all document-level pairs: marginals are sums of C over each concept's pairs
    jl = jensenlab
    cij = S.jensenlab_counts(table["doc_docs"], table["para_docs"], table["sent_docs"],
                             w_document=jl.w_document, w_paragraph=jl.w_paragraph, w_sentence=jl.w_sentence)
    ci = np.bincount(i, weights=cij, minlength=n) + np.bincount(j, weights=cij, minlength=n)
    jscore = S.jensenlab(cij, ci[i], ci[j], ci.sum(), alpha=jl.alpha)

    n_windows, n_i = marginals[window]
    prefix = "sent" if window == "sentence" else "doc"
    nij = table["sentences" if window == "sentence" else "doc_docs"].to_numpy(np.float64)
    docs_col = table[f"{prefix}_docs"].to_numpy(np.int64)
    # sums of floats depend on how documents were chunked; 12 decimals make equal sums equal
    tfidf = np.round(table[f"{prefix}_tfidf"].to_numpy(np.float64), 12)
    keep = nij > 0
    i, j, nij, docs_col, jscore, tfidf = i[keep], j[keep], nij[keep], docs_col[keep], jscore[keep], tfidf[keep]
    out = pd.DataFrame({
        "source": concepts[i].to_numpy(dtype=object),
        "target": concepts[j].to_numpy(dtype=object),
        "count": nij.astype(np.int64),
        "documents": docs_col,
        "sentences": table["sentences"].to_numpy(np.int64)[keep],
    })
    ni, nj = n_i[i], n_i[j]
    out["npmi"] = S.npmi(nij, ni, nj, n_windows)
    out["jensenlab"] = jscore
    out["llr"] = S.llr(nij, ni, nj, n_windows)
    out["tfidf"] = tfidf
    out["score"] = out[default_score].astype(np.float64)
    out = out.sort_values(["score", "source", "target"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


def filter_edges(
    edges: pd.DataFrame,
    *,
    min_count: int = 1,
    min_score: float | None = None,
    top_per_node: int | None = None,
    types: Iterable[str] | Iterable[tuple[str, str]] | None = None,
    concept_types: Mapping[str, str] | pd.Series | None = None,
    score: str = "score",
) -> pd.DataFrame:
    """Keep the edges that pass every given filter (order preserved).

    ``min_count``: ``count >= min_count``. ``min_score``: ``edges[score] >= min_score``.
    ``top_per_node``: keep an edge when it is among the ``top_per_node`` best (by ``score``,
    ties by order) of *either* endpoint. ``types``: readable types allowed at both ends
    (``{"Gene or gene product", "Cancer"}``), or allowed unordered type pairs
    (``{("Gene or gene product", "Cancer")}``); needs ``concept_types`` (concept -> type).
    """
    if score not in edges.columns:
        raise KgError(f"edges have no {score!r} column; score columns: "
                      f"{[c for c in edges.columns if c not in ('source', 'target')]}")
    keep = edges["count"].to_numpy() >= min_count
    if min_score is not None:
        keep &= edges[score].to_numpy(np.float64) >= min_score
    if types is not None:
        if concept_types is None:
            raise KgError("filter_edges(types=...) needs concept_types, a mapping concept -> type")
        ct = pd.Series(concept_types) if not isinstance(concept_types, pd.Series) else concept_types
        ts = edges["source"].map(ct)
        tt = edges["target"].map(ct)
        wanted = list(types)
        if wanted and all(isinstance(t, tuple) for t in wanted):
            allowed = {"\t".join(sorted(t)) for t in wanted}
            a, b = ts.fillna("").astype(str), tt.fillna("").astype(str)
            pair_key = (a.where(a <= b, b) + "\t" + b.where(a <= b, a)).to_numpy()
            keep &= np.isin(pair_key, list(allowed))
        else:
            allowed_set = set(wanted)
            keep &= ts.isin(allowed_set).to_numpy() & tt.isin(allowed_set).to_numpy()
    out = edges[keep]
    if top_per_node is not None and len(out):
        pos = np.arange(len(out))
        stacked = pd.DataFrame({
            "node": np.r_[out["source"].to_numpy(), out["target"].to_numpy()],
            "score": np.r_[out[score].to_numpy(np.float64), out[score].to_numpy(np.float64)],
            "pos": np.r_[pos, pos],
        })
        stacked = stacked.sort_values(["node", "score", "pos"], ascending=[True, False, True], kind="stable")
        rank = stacked.groupby("node", sort=False).cumcount()
        best = np.unique(stacked["pos"].to_numpy()[rank.to_numpy() < top_per_node])
        out = out.iloc[best]
    return out
