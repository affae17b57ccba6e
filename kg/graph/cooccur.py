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

from kg.errors import InputError, KgError
from kg.graph import scores as S

__all__ = [
    "WINDOWS",
    "SCORES",
    "DEFAULT_SCORE",
    "JensenLabParams",
    "concept_stats",
    "incidence_matrix",
    "count_pairs",
    "cooccurrence_keys",
    "sentence_hits",
    "row_codes",
    "SentenceHits",
    "first_per_group",
    "rank_in_group",
    "code_mentions",
    "filter_edges",
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


def _check_window(window: str) -> None:
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, not {window!r}")


@dataclass(frozen=True)
class _Coded:
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


def _order(*cols: np.ndarray) -> np.ndarray:
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


def code_mentions(mentions: pd.DataFrame) -> _Coded:
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
    order = _order(doc, sent, con)
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
    return _Coded(concepts, docs, doc, para, sent, con, row_weight)


def _windows(c: _Coded, level: str) -> tuple[np.ndarray, ...]:
    """(window id, doc, sub-key, concept, weight) unique rows sorted by window then concept.

    Windows nest in documents and are numbered in (doc, sub-key) order; the sub-key is the
    sentence, the paragraph, or 0 for whole documents.
    """
    if level == "sentence":
        doc, sub, con, w = c.doc, c.sent, c.con, c.weight  # already sorted and unique
    else:
        sub = c.para if level == "paragraph" else np.zeros_like(c.doc)
        order = _order(c.doc, sub, c.con)
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


def _level_pairs(level: tuple[np.ndarray, ...], c: _Coded, chunks: list[tuple[int, int]],
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
            order = _order(pair, doc[lo:hi][left] - a)
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
    _check_window(window)
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
    _check_window(window)
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


def _intersect(x: sp.csc_matrix, i: np.ndarray, j: np.ndarray, budget: int) -> tuple[np.ndarray, np.ndarray]:
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


@dataclass(frozen=True)
class SentenceHits:
    """Every sentence where given concept pairs co-occur, as integer codes (:func:`sentence_hits`).

    ``pairs`` holds the distinct pairs as concept codes (``source < target``), sorted;
    per hit (int32 arrays): its pair ``p`` (row of ``pairs``), document code ``d``, sentence
    ``sent``, ``within`` (rank of the sentence among the pair's sentences in that document)
    and ``crowd`` (distinct concepts in the sentence). Hits are sorted by (p, within, d):
    every document's first co-occurrence of a pair comes before any second one, so the
    hits with ``within == 0`` are the pair's distinct documents, in ``d`` order.
    """

    coded: _Coded
    pairs: np.ndarray  # (n, 2) int64
    p: np.ndarray
    d: np.ndarray
    sent: np.ndarray
    within: np.ndarray
    crowd: np.ndarray

    @property
    def sources(self) -> np.ndarray:
        return self.coded.concepts[self.pairs[:, 0]].to_numpy(dtype=object)

    @property
    def targets(self) -> np.ndarray:
        return self.coded.concepts[self.pairs[:, 1]].to_numpy(dtype=object)


def row_codes(c: _Coded, pairs: pd.DataFrame | Iterable[tuple[str, str]]) -> tuple[np.ndarray, np.ndarray]:
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


def _pair_codes(c: _Coded, pairs: pd.DataFrame | Iterable[tuple[str, str]]) -> np.ndarray:
    ia, ib = row_codes(c, pairs)
    ok = (ia >= 0) & (ib >= 0) & (ia != ib)
    return np.unique(np.stack([ia[ok], ib[ok]], axis=1).astype(np.int64).reshape(-1, 2), axis=0)


def sentence_hits(
    mentions: pd.DataFrame | _Coded, pairs: pd.DataFrame | Iterable[tuple[str, str]], *, batch: int = 2_000_000
) -> SentenceHits:
    """The sentences holding both concepts of each pair, as codes (see :class:`SentenceHits`).

    Per-pair intersection of the concepts' columns of the sparse sentence x concept matrix,
    at cost min(n_i, n_j) per pair (:func:`_intersect`); no loop over pairs. Integer columns
    only, so it stays small for millions of hits; :func:`cooccurrence_keys` is the readable form.
    """
    c = mentions if isinstance(mentions, _Coded) else code_mentions(mentions)
    uniq = _pair_codes(c, pairs)
    # sentence windows: rows of c are unique (doc, sent, concept) sorted
    new_win = first_per_group(c.doc, c.sent)
    win = np.cumsum(new_win) - 1
    win_doc, win_sent = c.doc[new_win], c.sent[new_win]
    win_size = np.bincount(win, minlength=len(win_doc))
    xs = sp.csc_matrix((np.ones(len(win), np.int8), (win, c.con)), shape=(len(win_doc), c.n_concepts))
    xs.sort_indices()
    p, w = _intersect(xs, uniq[:, 0], uniq[:, 1], batch)
    del xs
    # one entry per hit, so 32-bit codes (pairs, windows and documents stay far below 2**31):
    # a 100k-abstract corpus has tens of millions of hits
    p, w = p.astype(np.int32), w.astype(np.int32)
    d = win_doc[w].astype(np.int32)
    order = np.lexsort((w, d, p))
    p, w, d = p[order], w[order], d[order]
    within = rank_in_group(first_per_group(p, d)).astype(np.int32)
    order = np.lexsort((d, within, p))
    p, w, d, within = p[order], w[order], d[order], within[order]
    del order
    return SentenceHits(c, uniq, p, d, win_sent[w].astype(np.int32), within, win_size[w].astype(np.int32))


def cooccurrence_keys(
    mentions: pd.DataFrame | _Coded,
    pairs: pd.DataFrame | Iterable[tuple[str, str]],
    *,
    window: str = "sentence",
    max_per_pair: int | None = 3,
    batch: int = 2_000_000,
) -> pd.DataFrame:
    """Where given pairs co-occur: rows ``source``, ``target``, ``doc``, ``sent``, capped per pair.

    ``pairs`` is a frame with ``source`` and ``target`` columns (e.g. the filtered edges) or
    an iterable of (source, target); order within a pair does not matter, the output uses
    ``source < target``. With ``window="sentence"`` the rows are sentences holding both
    concepts; with ``"document"`` one row per document holding both, ``sent`` being the
    first sentence with both, or -1 when they never share a sentence there. Rows are
    spread over documents: every document's first co-occurrence comes before any second
    one, documents in ``doc`` order; ``max_per_pair=None`` keeps all.

    Implementation: :func:`sentence_hits`, then (document window) the same intersection
    on the document x concept matrix.
    """
    _check_window(window)
    hits = sentence_hits(mentions, pairs, batch=batch)
    c, uniq = hits.coded, hits.pairs
    p, d, sent, within = hits.p, hits.d, hits.sent, hits.within
    if window == "document":
        # one row per (pair, doc) with both; sent = first shared sentence or -1
        first = within == 0
        docs_rows = np.unique(np.stack([c.doc, c.con], axis=1), axis=0)
        xd = sp.csc_matrix((np.ones(len(docs_rows), np.int8), (docs_rows[:, 0], docs_rows[:, 1])),
                           shape=(len(c.docs), c.n_concepts))
        xd.sort_indices()
        pdoc, ddoc = _intersect(xd, uniq[:, 0], uniq[:, 1], batch)
        shared = pd.DataFrame({"p": p[first], "d": d[first], "sent": sent[first]})
        rows = pd.DataFrame({"p": pdoc, "d": ddoc}).merge(shared, on=["p", "d"], how="left")
        rows["sent"] = rows["sent"].fillna(-1).astype(np.int64)
        rows = rows.sort_values(["p", "d"], kind="stable")
        p, d, sent = rows["p"].to_numpy(), rows["d"].to_numpy(), rows["sent"].to_numpy()
    if max_per_pair is not None:
        keep = rank_in_group(first_per_group(p)) < max_per_pair
        p, d, sent = p[keep], d[keep], sent[keep]
    return pd.DataFrame({
        "source": c.concepts[uniq[p, 0]].to_numpy(dtype=object),
        "target": c.concepts[uniq[p, 1]].to_numpy(dtype=object),
        "doc": c.docs[d].to_numpy(dtype=object),
        "sent": sent.astype(np.int64),
    })


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
