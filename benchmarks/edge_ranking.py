"""Edge-ranking benchmark: do the association scores rank true chemical-induced-disease pairs first?

Data: the BioCreative V CDR corpus (Li et al. 2016, Database, baw068) in PubTator format,
with gold chemical and disease mentions normalised to MeSH and document-level CID
(chemical-induced disease) relations. From the *gold* mentions we build the mention table
of :mod:`kg.cooccur` (concept = MeSH id; para 0 = title, 1 = abstract; sentences from a
simple splitter, mentions assigned by offset), score every co-occurring pair with every
score of :data:`kg.cooccur.SCORES`, keep the chemical-disease pairs, and measure how well
each score ranks the gold CID pairs:

* corpus level: one candidate per (chemical, disease) pair co-mentioned anywhere in the
  corpus; it is positive if any document states the CID relation;
* document level: one candidate per (document, chemical, disease) co-mention, scored
  with the pair's corpus-level score; positive if that document states the relation.

Metrics: average precision (AP; the denominator is *all* gold pairs, so pairs never
co-mentioned count as misses for every score) and precision at 50/100/200. Ties are
broken at random and the metrics averaged over 20 tie-breaks. ``random`` is the mean
of 20 random rankings.

Usage::

    python benchmarks/edge_ranking.py [--cdr DIR] [--window document|sentence|both]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from kg.cooccur import DEFAULT_SCORE, SCORES, count_pairs

CDR_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "relations" / "CDR"
FILES = {"train": "CDR_TrainingSet.PubTator.txt", "devel": "CDR_DevelopmentSet.PubTator.txt"}
TIE_BREAKS = 20


def parse_pubtator(path: str | Path) -> tuple[dict[str, tuple[str, str]], pd.DataFrame, pd.DataFrame]:
    """PubTator -> ({pmid: (title, abstract)}, mentions, relations).

    mentions: pmid, start, end, text, type, id (one row per id of a ``D1|D2`` mention; ids
    ``-1`` dropped). relations: pmid, chemical, disease (CID lines).
    """
    texts: dict[str, list[str]] = {}
    ments: list[tuple] = []
    rels: list[tuple] = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        m = re.match(r"^(\d+)\|([ta])\|(.*)$", line)
        if m:
            texts.setdefault(m.group(1), ["", ""])[0 if m.group(2) == "t" else 1] = m.group(3)
            continue
        cols = line.split("\t")
        if len(cols) >= 6 and cols[1].isdigit():
            for cid in cols[5].split("|"):
                if cid and cid != "-1":
                    ments.append((cols[0], int(cols[1]), int(cols[2]), cols[3], cols[4], cid))
        elif len(cols) >= 4 and cols[1] == "CID":
            rels.append((cols[0], cols[2], cols[3]))
    mentions = pd.DataFrame(ments, columns=["pmid", "start", "end", "text", "type", "id"])
    relations = pd.DataFrame(rels, columns=["pmid", "chemical", "disease"]).drop_duplicates()
    return {k: (v[0], v[1]) for k, v in texts.items()}, mentions, relations


_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])")


def sentence_starts(text: str) -> list[int]:
    """Start offsets of the sentences of ``text``: split after . ! ? before a capital or digit."""
    return [0] + [m.end() for m in _SENT_END.finditer(text)]


def mention_table(texts: dict[str, tuple[str, str]], mentions: pd.DataFrame) -> pd.DataFrame:
    """The kg.cooccur mention table: doc, para, sent, concept (``mesh:<id>``), type."""
    rows = []
    for pmid, g in mentions.groupby("pmid", sort=False):
        title, abstract = texts[pmid]
        off = len(title) + 1
        starts = np.array(sentence_starts(abstract)) + off
        start = g["start"].to_numpy()
        para = (start >= off).astype(int)
        sent = np.where(para == 0, 0, np.searchsorted(starts, start, side="right"))
        rows.append(pd.DataFrame({"doc": pmid, "para": para, "sent": sent,
                                  "concept": "mesh:" + g["id"], "type": g["type"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)


def _ap_and_precision(labels_by_rank: np.ndarray, n_gold: int, ks: tuple[int, ...]) -> list[float]:
    hits = np.cumsum(labels_by_rank)
    ranks = np.arange(1, len(labels_by_rank) + 1)
    ap = float((hits / ranks)[labels_by_rank.astype(bool)].sum() / n_gold) if n_gold else float("nan")
    return [ap] + [float(hits[min(k, len(hits)) - 1] / k) if len(hits) else 0.0 for k in ks]


def rank_metrics(score: np.ndarray, labels: np.ndarray, n_gold: int, ks=(50, 100, 200), seed: int = 0) -> list[float]:
    """AP and P@k of ranking by ``score`` (descending), averaged over random tie-breaks."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(TIE_BREAKS):
        order = np.lexsort((rng.random(len(score)), -score))
        out.append(_ap_and_precision(labels[order], n_gold, ks))
    return list(np.mean(out, axis=0))


def evaluate(mentions: pd.DataFrame, relations: pd.DataFrame, *, window: str) -> pd.DataFrame:
    """Rows: score; columns: level (corpus/document) x metric."""
    types = mentions.drop_duplicates("concept").set_index("concept")["type"]
    edges = count_pairs(mentions[["doc", "para", "sent", "concept"]], window=window)
    ts, tt = edges["source"].map(types), edges["target"].map(types)
    edges = edges[(ts != tt)].copy()
    swap = edges["source"].map(types).eq("Disease").to_numpy()
    chem = np.where(swap, edges["target"], edges["source"])
    dis = np.where(swap, edges["source"], edges["target"])
    edges["chemical"], edges["disease"] = chem, dis
    gold = set(zip("mesh:" + relations["chemical"], "mesh:" + relations["disease"], strict=True))
    corpus_labels = np.array([(c, d) in gold for c, d in zip(chem, dis, strict=True)], dtype=np.int8)

    # document level: candidates (doc, chemical, disease) co-mentioned in the doc (within the window)
    m = mentions[["doc", "sent", "concept", "type"]].drop_duplicates()
    on = ["doc", "sent"] if window == "sentence" else ["doc"]
    cands = (m[m["type"] == "Chemical"].merge(m[m["type"] == "Disease"], on=on, suffixes=("_c", "_d"))
             [["doc", "concept_c", "concept_d"]].drop_duplicates())
    cands = cands.merge(edges[["chemical", "disease", *SCORES]], left_on=["concept_c", "concept_d"],
                        right_on=["chemical", "disease"])
    gold_doc = set(zip(relations["pmid"], "mesh:" + relations["chemical"], "mesh:" + relations["disease"], strict=True))
    doc_labels = np.array([(d, c, s) in gold_doc for d, c, s in
                           zip(cands["doc"], cands["concept_c"], cands["concept_d"], strict=True)], dtype=np.int8)

    rows = {}
    rng = np.random.default_rng(1)
    for name in (*SCORES, "random"):
        res = []
        for table, labels, n_gold in ((edges, corpus_labels, len(gold)), (cands, doc_labels, len(gold_doc))):
            if name == "random":
                res += list(np.mean([rank_metrics(rng.random(len(labels)), labels, n_gold) for _ in range(5)], axis=0))
            else:
                res += rank_metrics(table[name].to_numpy(np.float64), labels, n_gold)
        rows[name] = res
    cols = pd.MultiIndex.from_product([["corpus", "document"], ["AP", "P@50", "P@100", "P@200"]])
    out = pd.DataFrame.from_dict(rows, orient="index", columns=cols)
    out.attrs["summary"] = (f"corpus: {len(edges)} chemical-disease candidate pairs, {int(corpus_labels.sum())} of "
                            f"{len(gold)} gold CID pairs among them; document: {len(cands)} candidates, "
                            f"{int(doc_labels.sum())} of {len(gold_doc)} gold")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cdr", default=str(CDR_DIR), help="folder with the CDR PubTator files")
    p.add_argument("--window", default="both", choices=["document", "sentence", "both"])
    args = p.parse_args(argv)
    parsed = {}
    for split, fname in FILES.items():
        path = Path(args.cdr) / fname
        if not path.exists():
            print(f"{path}: not found; pass --cdr DIR", file=sys.stderr)
            return 2
        texts, ments, rels = parse_pubtator(path)
        parsed[split] = (mention_table(texts, ments), rels)
    parsed["both"] = (pd.concat([parsed["train"][0], parsed["devel"][0]], ignore_index=True),
                      pd.concat([parsed["train"][1], parsed["devel"][1]], ignore_index=True).drop_duplicates())
    windows = ["document", "sentence"] if args.window == "both" else [args.window]
    pd.set_option("display.width", 200)
    pd.set_option("display.float_format", lambda v: f"{v:.3f}")
    for window in windows:
        for split, (mentions, rels) in parsed.items():
            t = time.perf_counter()
            table = evaluate(mentions, rels, window=window)
            print(f"\n== CDR {split}, window={window} (default score: {DEFAULT_SCORE}; "
                  f"{time.perf_counter() - t:.1f}s) ==")
            print(table.attrs["summary"])
            print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
