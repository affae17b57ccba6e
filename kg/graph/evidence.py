"""Which sentences hold both concepts of an edge: the evidence behind co-occurrence edges.

:func:`sentence_hits` finds every sentence in which both concepts of each pair occur;
:func:`cooccurrence_keys` the (pair, document, sentence) keys of an edge's evidence, capped per
pair, in the order :mod:`kg.graph.build_graph` shows them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from kg.graph.coding import (
    CodedMentions,
    code_mentions,
    first_per_group,
    pair_codes,
    rank_in_group,
    windows_with_both,
)
from kg.graph.cooccur import check_window

__all__ = ["SentenceHits", "sentence_hits", "cooccurrence_keys"]


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

    coded: CodedMentions
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


def sentence_hits(
    mentions: pd.DataFrame | CodedMentions, pairs: pd.DataFrame | Iterable[tuple[str, str]], *, batch: int = 2_000_000
) -> SentenceHits:
    """The sentences holding both concepts of each pair, as codes (see :class:`SentenceHits`).

    Per-pair intersection of the concepts' columns of the sparse sentence x concept matrix,
    at cost min(n_i, n_j) per pair (:func:`windows_with_both`); no loop over pairs. Integer columns
    only, so it stays small for millions of hits; :func:`cooccurrence_keys` is the readable form.
    """
    c = mentions if isinstance(mentions, CodedMentions) else code_mentions(mentions)
    uniq = pair_codes(c, pairs)
    # sentence windows: rows of c are unique (doc, sent, concept) sorted
    new_win = first_per_group(c.doc, c.sent)
    win = np.cumsum(new_win) - 1
    win_doc, win_sent = c.doc[new_win], c.sent[new_win]
    win_size = np.bincount(win, minlength=len(win_doc))
    xs = sp.csc_matrix((np.ones(len(win), np.int8), (win, c.con)), shape=(len(win_doc), c.n_concepts))
    xs.sort_indices()
    p, w = windows_with_both(xs, uniq[:, 0], uniq[:, 1], batch)
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
    mentions: pd.DataFrame | CodedMentions,
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
    check_window(window)
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
        pdoc, ddoc = windows_with_both(xd, uniq[:, 0], uniq[:, 1], batch)
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
