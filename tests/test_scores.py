"""kg.graph.scores: each score on a hand-computed example."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kg.graph import scores as S


def test_pmi_and_npmi_hand_computed() -> None:
    # n=10 windows, i in 4, j in 5, both in 4: p_ij=.4, p_i=.4, p_j=.5
    assert S.pmi(4, 4, 5, 10) == pytest.approx(math.log(0.4 / (0.4 * 0.5)))
    assert S.npmi(4, 4, 5, 10) == pytest.approx(math.log(2) / -math.log(0.4))  # 0.7565
    assert S.npmi(2, 4, 5, 10) == pytest.approx(0.0)  # independent: p_ij = p_i p_j
    assert S.npmi(3, 3, 3, 10) == pytest.approx(1.0)  # only ever together
    assert S.npmi(5, 5, 5, 5) == pytest.approx(1.0)  # in every window
    assert S.npmi(0, 3, 3, 10) == -1.0


def test_npmi_vectorised() -> None:
    out = S.npmi(np.array([4, 2]), np.array([4, 4]), np.array([5, 5]), 10)
    assert out.shape == (2,)
    assert out[0] > out[1]


def test_jensenlab_counts_hand_computed() -> None:
    # 2 documents with a co-mention, 1 with it in one paragraph, 1 with it in one sentence
    assert S.jensenlab_counts(2, 1, 1) == pytest.approx(2 * 1 + 1 * 2 + 1 * 0.2)
    assert S.jensenlab_counts(1, 1, 1, w_document=3, w_paragraph=0, w_sentence=1) == pytest.approx(4)


def test_jensenlab_hand_computed() -> None:
    # C_ij=4, C_i.=8, C_.j=4, C_..=16: ratio = 4*16/(8*4) = 2
    assert S.jensenlab(4, 8, 4, 16, alpha=0.5) == pytest.approx(math.sqrt(4) * math.sqrt(2))
    assert S.jensenlab(4, 8, 4, 16) == pytest.approx(4**0.6 * 2**0.4)
    assert S.jensenlab(0, 8, 4, 16) == 0.0
    assert S.jensenlab(4, 8, 4, 16, alpha=1.0) == pytest.approx(4.0)  # raw weighted count


def test_llr_hand_computed() -> None:
    # 2x2 table: both 10, i only 10, j only 10, neither 70 (n=100); expected 4, 16, 16, 64
    g2 = 2 * (10 * math.log(10 / 4) + 10 * math.log(10 / 16) * 2 + 70 * math.log(70 / 64))
    assert S.llr(10, 20, 20, 100) == pytest.approx(g2)
    assert S.llr(10, 20, 20, 100) == pytest.approx(12.0714, abs=1e-3)
    # fewer co-occurrences than expected (1 < 4): negative sign
    o, e = [1, 19, 19, 61], [4, 16, 16, 64]
    g2_neg = 2 * sum(a * math.log(a / b) for a, b in zip(o, e, strict=True))
    assert S.llr(1, 20, 20, 100) == pytest.approx(-g2_neg)
    assert S.llr(4, 20, 20, 100) == pytest.approx(0.0)  # exactly as expected


def test_llr_handles_zero_cells() -> None:
    assert np.isfinite(S.llr(5, 5, 5, 5))
    assert S.llr(3, 3, 3, 10) > 0


def test_smooth_idf_hand_computed() -> None:
    assert S.smooth_idf(1, 3) == pytest.approx(math.log(4 / 2) + 1)
    assert S.smooth_idf(3, 3) == pytest.approx(1.0)  # in every document
    assert S.smooth_idf(1, 1) == pytest.approx(1.0)  # one-document corpus: still > 0


def test_tfidf_hand_computed() -> None:
    # i: 2 of the document's 4 mentions, idf 1.5; j: 1 of 4, idf 2 -> (0.5*1.5) * (0.25*2)
    assert S.tfidf(2, 1, 4, 1.5, 2.0) == pytest.approx(0.375)
    out = S.tfidf(np.array([2, 1]), np.array([1, 1]), np.array([4, 4]), 1.0, 1.0)
    assert list(out) == pytest.approx([0.125, 0.0625])
