"""Document-level relation scores as BioRED reports them (Luo et al. 2022; BioCreative VIII track).

A predicted relation is the unordered concept pair of one document whose ``related`` probability
reaches the threshold; it is matched against the gold pairs of that document at three levels:
the pair alone, pair + type, pair + type + novelty. Average precision ranks every candidate pair by a
score (the model's probability, or a co-occurrence count for the baselines); gold pairs that are no
candidate count as missed (so AP is bounded by candidate recall).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from kg.relations.records import GoldRelation, PairPrediction

__all__ = ["PRF", "RelationScores", "average_precision", "score_predictions"]


@dataclass(frozen=True)
class PRF:
    """Counts and precision, recall, F1 of one matching level."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self, name: str) -> str:
        return f"{name:<22} P {self.precision:.3f}  R {self.recall:.3f}  F {self.f1:.3f}  (tp {self.tp}, fp {self.fp}, fn {self.fn})"


@dataclass(frozen=True)
class RelationScores:
    """P/R/F at the three levels, and the AP of the related probability over all candidate pairs."""

    pair: PRF
    pair_type: PRF
    pair_type_novelty: PRF
    average_precision: float
    documents: int
    gold: int
    threshold: float

    def lines(self) -> list[str]:
        return [
            f"{self.documents} documents, {self.gold} gold relations, threshold {self.threshold:.3f}",
            self.pair.line("pair"),
            self.pair_type.line("pair+type"),
            self.pair_type_novelty.line("pair+type+novelty"),
            f"{'AP of related':<22} {self.average_precision:.3f}",
        ]


def _prf(gold: set, predicted: set) -> PRF:
    tp = len(gold & predicted)
    return PRF(tp, len(predicted) - tp, len(gold) - tp)


def score_predictions(
    gold: Iterable[GoldRelation], predictions: Iterable[PairPrediction], threshold: float, *, documents: int = 0
) -> RelationScores:
    """Score pair predictions (any entity source: gold mentions or kg's NER and grounding) against gold."""
    gold = list(gold)
    predictions = list(predictions)
    g_pair = {(r.doc_id, *r.pair) for r in gold}
    g_type = {(r.doc_id, *r.pair, r.type) for r in gold}
    g_novel = {(r.doc_id, *r.pair, r.type, r.novel) for r in gold}
    kept = [p for p in predictions if p.related >= threshold]
    p_pair = {(p.doc_id, p.source, p.target) for p in kept}
    p_type = {(p.doc_id, p.source, p.target, p.relation) for p in kept}
    p_novel = {(p.doc_id, p.source, p.target, p.relation, p.is_novel) for p in kept}
    labels = [(p.doc_id, p.source, p.target) in g_pair for p in predictions]
    ap = average_precision([p.related for p in predictions], labels, positives=len(g_pair))
    n_docs = documents or len({r.doc_id for r in gold} | {p.doc_id for p in predictions})
    return RelationScores(_prf(g_pair, p_pair), _prf(g_type, p_type), _prf(g_novel, p_novel), ap, n_docs,
                          len(g_pair), threshold)


def average_precision(scores: Sequence[float], labels: Sequence[bool], *, positives: int | None = None) -> float:
    """Average precision of a ranking, sum over distinct score thresholds of (R_n - R_n-1) P_n (tied
    scores form one step, as scikit-learn computes it); when ``positives`` exceeds the labelled
    positives, the missing ones count as never retrieved.

    >>> average_precision([0.9, 0.8, 0.1], [True, False, True])
    0.8333333333333333
    """
    y = np.asarray(labels, dtype=bool)
    total = int(y.sum()) if positives is None else positives
    if total == 0 or len(y) == 0:
        return 0.0
    s = np.asarray(scores, dtype=np.float64)
    order = np.argsort(-s, kind="stable")
    s, hits = s[order], y[order]
    last_of_step = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(hits)[last_of_step]
    precision = tp / (last_of_step + 1)
    recall_gain = np.diff(np.r_[0, tp]) / total
    return float((recall_gain * precision).sum())
