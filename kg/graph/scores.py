"""Association scores for co-occurring concept pairs: plain vectorised NumPy functions.

Every function takes array-likes of equal shape (or scalars, broadcast) and returns a
float64 array. Notation: ``n`` windows in all (sentences or documents), ``n_i`` and
``n_j`` windows that mention each concept, ``n_ij`` windows that mention both.

=============  =============================================================  ========================
score          formula                                                        reference
=============  =============================================================  ========================
``count``      ``n_ij``                                                       --
``pmi``        ``log(n_ij n / (n_i n_j))``                                    Church & Hanks 1990
``npmi``       ``pmi / -log(n_ij / n)``, in [-1, 1]                           Bouma 2009
``jensenlab``  ``C_ij^a (C_ij C_.. / (C_i. C_.j))^(1-a)``, C weighted counts  Franceschini et al. 2013
``llr``        signed ``G^2 = 2 sum O ln(O/E)`` over the 2x2 table            Dunning 1993
``tfidf``      ``sum_d tf_id idf_i tf_jd idf_j`` over co-mention documents    Salton & Buckley 1988
=============  =============================================================  ========================

``tfidf`` is the default of :mod:`kg.graph.cooccur`: on the CDR chemical-induced-disease
benchmark (``benchmarks/edge_ranking.py``, corpus-level average precision) it scores
0.49-0.50 against 0.24-0.29 for ``count`` and ``jensenlab`` with document windows, and
0.39-0.42 against 0.28-0.36 with sentence windows: a relation is usually stated between
the concepts a paper is *about*, and these are the ones it mentions again and again;
binary window counts cannot see that.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import xlogy

__all__ = [
    "pmi",
    "npmi",
    "jensenlab_counts",
    "jensenlab",
    "llr",
    "smooth_idf",
    "tfidf",
]

Floats = NDArray[np.float64]


def _f(*xs: ArrayLike) -> list[Floats]:
    return [np.asarray(x, dtype=np.float64) for x in xs]


def pmi(n_ij: ArrayLike, n_i: ArrayLike, n_j: ArrayLike, n: ArrayLike) -> Floats:
    """Pointwise mutual information, natural log (Church & Hanks 1990).

    PMI = log( p(i,j) / (p(i) p(j)) ) = log( n_ij n / (n_i n_j) ).
    """
    n_ij, n_i, n_j, n = _f(n_ij, n_i, n_j, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(n_ij) + np.log(n) - np.log(n_i) - np.log(n_j)


def npmi(n_ij: ArrayLike, n_i: ArrayLike, n_j: ArrayLike, n: ArrayLike) -> Floats:
    """Normalised PMI (G. Bouma 2009, "Normalized (pointwise) mutual information in
    collocation extraction", GSCL): NPMI = PMI / -log p(i,j), with p(i,j) = n_ij / n.

    1 when the two concepts only ever occur together, 0 when independent, -1 in the
    limit of never together. A pair present in every window (p(i,j) = 1) scores 1.
    """
    n_ij, n_i, n_j, n = _f(n_ij, n_i, n_j, n)
    p = pmi(n_ij, n_i, n_j, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.log(n_ij / n)
        out = np.where(h > 0, p / np.where(h > 0, h, 1.0), 1.0)
    return np.where(n_ij > 0, out, -1.0)


def jensenlab_counts(
    docs: ArrayLike,
    paragraph_docs: ArrayLike,
    sentence_docs: ArrayLike,
    *,
    w_document: float = 1.0,
    w_paragraph: float = 2.0,
    w_sentence: float = 0.2,
) -> Floats:
    """The weighted co-mention count C_ij of the JensenLab tagger (Franceschini et al. 2013).

    C_ij = sum_k [ w_d delta_dk(i,j) + w_p delta_pk(i,j) + w_s delta_sk(i,j) ], where
    delta_dk, delta_pk, delta_sk are 1 when i and j are co-mentioned in document k, in a
    same paragraph of k, in a same sentence of k (each at most once per document). With
    ``docs``, ``paragraph_docs``, ``sentence_docs`` the numbers of documents with a
    co-mention at each level: C_ij = w_d docs + w_p paragraph_docs + w_s sentence_docs.
    Defaults are STRING's: w_d = 1, w_p = 2, w_s = 0.2.
    """
    d, p, s = _f(docs, paragraph_docs, sentence_docs)
    return w_document * d + w_paragraph * p + w_sentence * s


def jensenlab(c_ij: ArrayLike, c_i: ArrayLike, c_j: ArrayLike, c_total: ArrayLike, *, alpha: float = 0.6) -> Floats:
    """The STRING/JensenLab text-mining co-occurrence score.

    S_ij = C_ij^a * ( C_ij C_.. / (C_i. C_.j) )^(1-a), a = 0.6 (A. Franceschini et al. 2013,
    "STRING v9.1", Nucleic Acids Res 41:D808; restated by A. Junge & L.J. Jensen 2019,
    "CoCoScore", Bioinformatics 36:264). C_ij is :func:`jensenlab_counts`; C_i. = sum_j C_ij
    and C_.j = sum_i C_ij are sums of C over all pairs of the concept (not mention counts),
    C_.. = sum_ij C_ij over all ordered pairs (every unordered pair counted twice). It is
    the geometric interpolation between the raw weighted count and its observed/expected
    ratio.
    """
    c_ij, c_i, c_j, c_total = _f(c_ij, c_i, c_j, c_total)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = c_ij * c_total / (c_i * c_j)
        out = c_ij**alpha * ratio ** (1.0 - alpha)
    return np.where(c_ij > 0, out, 0.0)


def llr(n_ij: ArrayLike, n_i: ArrayLike, n_j: ArrayLike, n: ArrayLike) -> Floats:
    """Signed log-likelihood ratio G^2 of the 2x2 contingency table (T. Dunning 1993,
    "Accurate methods for the statistics of surprise and coincidence", Comput Linguist 19:61).

    G^2 = 2 sum_cells O ln(O / E), E the expected counts under independence; the sign is
    negative when the pair co-occurs less often than expected (n_ij n < n_i n_j).
    """
    n_ij, n_i, n_j, n = _f(n_ij, n_i, n_j, n)
    o = [n_ij, n_i - n_ij, n_j - n_ij, n - n_i - n_j + n_ij]
    r = [n_i, n_i, n - n_i, n - n_i]
    c = [n_j, n - n_j, n_j, n - n_j]
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2.0 * sum(xlogy(oo, oo) - xlogy(oo, rr * cc / n) for oo, rr, cc in zip(o, r, c, strict=True))
    g2 = np.clip(np.nan_to_num(g2), 0.0, None)
    return np.where(n_ij * n >= n_i * n_j, g2, -g2)


def smooth_idf(df: ArrayLike, n_docs: ArrayLike) -> Floats:
    """Smoothed inverse document frequency, idf = ln((1 + N) / (1 + df)) + 1.

    K. Sparck Jones 1972 ("A statistical interpretation of term specificity and its
    application in retrieval", J Doc 28:11), in the smoothed form of scikit-learn's
    ``TfidfTransformer(smooth_idf=True)``: a concept in every document weighs 1, a rare one
    up to ln((1 + N) / 2) + 1, and a one-document corpus still gives weights > 0.
    """
    df, n_docs = _f(df, n_docs)
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


def tfidf(
    m_i: ArrayLike, m_j: ArrayLike, m_doc: ArrayLike, idf_i: ArrayLike, idf_j: ArrayLike
) -> Floats:
    """One document's contribution to the tf-idf co-mention score of a pair.

    S_ij = sum_d w_id w_jd, w_id = tf_id idf_i, tf_id = m_id / m_d, summed over the
    documents d with a co-mention of i and j in the window (:func:`kg.graph.cooccur.count_pairs`
    does the sum); m_id = mentions of i in d, m_d = all mentions in d, idf from
    :func:`smooth_idf`. It is the inner product of the two concepts' tf-idf document
    vectors (G. Salton & C. Buckley 1988, "Term-weighting approaches in automatic text
    retrieval", Inf Process Manag 24:513; the term-term association of the vector space
    model, G. Salton & M.J. McGill 1983, "Introduction to Modern Information Retrieval"),
    restricted to the documents where the pair is co-mentioned. tf rewards pairs a
    document is *about* (mentioned often in it), idf discounts hubs mentioned everywhere.
    This function returns w_id w_jd for arrays of (document, pair) rows.
    """
    m_i, m_j, m_doc, idf_i, idf_j = _f(m_i, m_j, m_doc, idf_i, idf_j)
    return (m_i / m_doc) * idf_i * (m_j / m_doc) * idf_j
