"""kg.graph.cooccur: pair counts and scores from a mention table, checked by hand and by brute force."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.graph.cooccur as co
from kg.errors import InputError, KgError
from kg.graph.cooccur import (
    DEFAULT_SCORE,
    SCORES,
    JensenLabParams,
    concept_stats,
    count_pairs,
    filter_edges,
    incidence_matrix,
)
from kg.graph.evidence import cooccurrence_keys

COLUMNS = ["doc", "para", "sent", "concept"]

# d1: title {A, B}; body sentence 1 {A, C}, sentence 2 {B, C, C}; d2: title {A, B}, body {C}; d3: {D}
HAND = pd.DataFrame(
    [("d1", 0, 0, "A"), ("d1", 0, 0, "B"), ("d1", 1, 1, "A"), ("d1", 1, 1, "C"), ("d1", 1, 2, "B"),
     ("d1", 1, 2, "C"), ("d1", 1, 2, "C"), ("d2", 0, 0, "A"), ("d2", 0, 0, "B"), ("d2", 1, 1, "C"),
     ("d3", 1, 0, "D")],
    columns=COLUMNS,
)


def edge(edges: pd.DataFrame, s: str, t: str) -> pd.Series:
    row = edges[(edges["source"] == s) & (edges["target"] == t)]
    assert len(row) == 1
    return row.iloc[0]


def test_hand_example_sentence_window() -> None:
    e = count_pairs(HAND)
    assert list(e.columns) == ["source", "target", "count", "documents", "sentences", *SCORES[2:], "score"]
    assert set(zip(e["source"], e["target"], strict=True)) == {("A", "B"), ("A", "C"), ("B", "C")}
    ab, ac = edge(e, "A", "B"), edge(e, "A", "C")
    assert (ab["count"], ab["documents"], ab["sentences"]) == (2, 2, 2)
    assert (ac["count"], ac["documents"], ac["sentences"]) == (1, 1, 1)
    # 6 sentence windows; A, B, C in 3 each
    assert ab["npmi"] == pytest.approx(math.log((2 / 6) / (3 / 6) ** 2) / -math.log(2 / 6))
    # tf-idf: d1 has 7 mentions (A 2, B 2, C 3), d2 has 3; A, B, C in 2 of 3 docs
    idf = math.log(4 / 3) + 1
    assert ab["tfidf"] == pytest.approx(idf**2 * ((2 / 7) * (2 / 7) + (1 / 3) * (1 / 3)))
    assert ac["tfidf"] == pytest.approx(idf**2 * (2 / 7) * (3 / 7))  # only d1 shares a sentence
    # JensenLab: C_AB = 2 docs x (1 + 2 + 0.2); C_AC = (1 + 2 + 0.2) in d1 + 1 in d2 (title vs body)
    c_ab, c_ac, c_bc = 6.4, 4.2, 4.2
    c_a, c_b, c_c = c_ab + c_ac, c_ab + c_bc, c_ac + c_bc
    total = 2 * (c_ab + c_ac + c_bc)
    assert ab["jensenlab"] == pytest.approx(c_ab**0.6 * (c_ab * total / (c_a * c_b)) ** 0.4)
    assert ac["jensenlab"] == pytest.approx(c_ac**0.6 * (c_ac * total / (c_a * c_c)) ** 0.4)
    assert (e["score"] == e[DEFAULT_SCORE]).all()
    assert e["score"].is_monotonic_decreasing


def test_hand_example_document_window() -> None:
    e = count_pairs(HAND, window="document")
    ab, ac = edge(e, "A", "B"), edge(e, "A", "C")
    assert (ab["count"], ab["documents"], ab["sentences"]) == (2, 2, 2)
    assert (ac["count"], ac["documents"], ac["sentences"]) == (2, 2, 1)
    assert ab["npmi"] == pytest.approx(1.0)  # 3 document windows, A and B always together
    idf = math.log(4 / 3) + 1
    assert ac["tfidf"] == pytest.approx(idf**2 * ((2 / 7) * (3 / 7) + (1 / 3) * (1 / 3)))
    # JensenLab does not depend on the window
    assert ac["jensenlab"] == pytest.approx(edge(count_pairs(HAND), "A", "C")["jensenlab"])


def test_jensenlab_params_and_default_score() -> None:
    e = count_pairs(HAND, jensenlab=JensenLabParams(w_document=1, w_paragraph=0, w_sentence=0, alpha=1.0),
                    default_score="jensenlab")
    assert edge(e, "A", "C")["jensenlab"] == pytest.approx(2.0)  # plain document count
    assert (e["score"] == e["jensenlab"]).all()
    with pytest.raises(ValueError):
        count_pairs(HAND, default_score="nope")
    with pytest.raises(ValueError):
        count_pairs(HAND, window="paragraph")


def test_concept_stats() -> None:
    st_ = concept_stats(HAND)
    assert st_.loc["C"].tolist() == [4, 2, 3]  # mentions, documents, sentences
    assert st_.loc["D"].tolist() == [1, 1, 1]


def test_incidence_matrix() -> None:
    x, keys, concepts = incidence_matrix(HAND)
    assert list(concepts) == ["A", "B", "C", "D"]
    assert x.shape == (6, 4) and x.max() == 1
    assert keys.iloc[2].tolist() == ["d1", 2]
    cooc = (x.T @ x).toarray()
    assert cooc[0, 1] == 2 and cooc[0, 2] == 1  # X^T X = sentence co-occurrence counts
    xd, kd, _ = incidence_matrix(HAND, window="document")
    assert xd.shape == (3, 4) and (kd["sent"] == -1).all()


def test_bad_input() -> None:
    with pytest.raises(InputError):
        count_pairs(HAND.drop(columns="sent"))
    with pytest.raises(InputError):
        count_pairs(HAND.assign(sent=-1))
    empty = count_pairs(HAND.iloc[:0])
    assert empty.empty and "score" in empty.columns
    no_pairs = count_pairs(HAND[HAND["doc"] == "d3"])
    assert no_pairs.empty


def test_para_column_is_optional() -> None:
    e = count_pairs(HAND.drop(columns="para"))
    assert edge(e, "A", "B")["count"] == 2


def test_chunking_gives_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    m = random_mentions(rng, n_docs=40)
    whole = count_pairs(m)
    monkeypatch.setattr(co, "_PAIR_BUDGET", 5)
    chunked = count_pairs(m)
    pd.testing.assert_frame_equal(whole, chunked)


# --- brute force and properties -----------------------------------------------------------


def random_mentions(rng: np.random.Generator, n_docs: int = 10) -> pd.DataFrame:
    rows = []
    for d in range(n_docs):
        for _ in range(rng.integers(1, 12)):
            s = int(rng.integers(0, 4))
            rows.append((f"d{d}", 0 if s == 0 else 1, s, f"c{rng.integers(0, 8)}"))
    return pd.DataFrame(rows, columns=COLUMNS)


def brute_force(m: pd.DataFrame, window: str) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(source, target) -> (count, documents, sentences) with plain Python loops."""
    sets: dict[tuple, set] = defaultdict(set)
    for d, _, s, c in m[COLUMNS].itertuples(index=False):
        sets[(d, s)].add(c)
        sets[(d, None)].add(c)
    count: dict = defaultdict(int)
    docs: dict = defaultdict(set)
    sents: dict = defaultdict(int)
    for (d, s), cs in sets.items():
        for a, b in itertools.combinations(sorted(cs), 2):
            if s is not None:
                sents[(a, b)] += 1
            if (s is None) == (window == "document"):
                count[(a, b)] += 1
                docs[(a, b)].add(d)
    return {k: (count[k], len(docs[k]), sents.get(k, 0)) for k in count}


mention_tables = st.lists(
    st.tuples(st.sampled_from(["d1", "d2", "d3", "d4"]), st.integers(0, 3), st.sampled_from("ABCDEF")),
    min_size=0, max_size=40,
).map(lambda rows: pd.DataFrame([(d, 0 if s == 0 else 1, s, c) for d, s, c in rows], columns=COLUMNS))


@settings(max_examples=60, deadline=None)
@given(mention_tables, st.sampled_from(["sentence", "document"]))
def test_matches_brute_force(m: pd.DataFrame, window: str) -> None:
    e = count_pairs(m, window=window)
    got = {(s, t): (c, d, n) for s, t, c, d, n in
           e[["source", "target", "count", "documents", "sentences"]].itertuples(index=False)}
    assert got == brute_force(m, window)


@settings(max_examples=60, deadline=None)
@given(mention_tables, st.sampled_from(["sentence", "document"]), st.randoms(use_true_random=False))
def test_properties(m: pd.DataFrame, window: str, rnd) -> None:
    e = count_pairs(m, window=window)
    assert (e["source"] < e["target"]).all()  # unordered, unique, no self-loops
    assert not e.duplicated(["source", "target"]).any()
    n_docs = m["doc"].nunique()
    assert (e["documents"] <= n_docs).all()
    assert (e["documents"] >= 1).all()
    if window == "sentence":
        assert (e["count"] >= e["documents"]).all()
        assert (e["count"] == e["sentences"]).all()
    else:
        assert (e["count"] == e["documents"]).all()
    assert (e["tfidf"] > 0).all() and (e["jensenlab"] > 0).all()
    assert ((e["npmi"] >= -1 - 1e-9) & (e["npmi"] <= 1 + 1e-9)).all()
    # invariance to row order
    shuffled = m.sample(frac=1.0, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    e2 = count_pairs(shuffled, window=window)
    key = ["source", "target"]
    pd.testing.assert_frame_equal(e.sort_values(key).reset_index(drop=True),
                                  e2.sort_values(key).reset_index(drop=True))


# --- evidence keys ------------------------------------------------------------------------


def test_cooccurrence_keys_sentence() -> None:
    k = cooccurrence_keys(HAND, [("B", "A"), ("C", "A"), ("X", "A"), ("A", "A")])
    assert list(k.columns) == ["source", "target", "doc", "sent"]
    assert k.values.tolist() == [["A", "B", "d1", 0], ["A", "B", "d2", 0], ["A", "C", "d1", 1]]


def test_cooccurrence_keys_document() -> None:
    k = cooccurrence_keys(HAND, pd.DataFrame({"source": ["A", "B"], "target": ["C", "C"]}), window="document")
    assert k.values.tolist() == [["A", "C", "d1", 1], ["A", "C", "d2", -1], ["B", "C", "d1", 2],
                                 ["B", "C", "d2", -1]]


def test_cooccurrence_keys_cap_spreads_over_documents() -> None:
    rows = [(d, 1, s, c) for d in ("d1", "d2", "d3") for s in range(4) for c in ("A", "B")]
    m = pd.DataFrame(rows, columns=COLUMNS)
    k = cooccurrence_keys(m, [("A", "B")], max_per_pair=4)
    assert k[["doc", "sent"]].values.tolist() == [["d1", 0], ["d2", 0], ["d3", 0], ["d1", 1]]
    assert len(cooccurrence_keys(m, [("A", "B")], max_per_pair=None)) == 12


@settings(max_examples=40, deadline=None)
@given(mention_tables)
def test_cooccurrence_keys_are_real_cooccurrences(m: pd.DataFrame) -> None:
    e = count_pairs(m)
    k = cooccurrence_keys(m, e, max_per_pair=None, batch=7)
    sets = m.groupby(["doc", "sent"])["concept"].agg(set)
    for s, t, d, n in k.itertuples(index=False):
        assert {s, t} <= sets[(d, n)]
    got = k.groupby(["source", "target"]).size()
    want = e.set_index(["source", "target"])["count"]
    assert got.sort_index().tolist() == want.sort_index().tolist()


def test_cooccurrence_keys_empty() -> None:
    k = cooccurrence_keys(HAND, [])
    assert k.empty and list(k.columns) == ["source", "target", "doc", "sent"]


# --- filters ------------------------------------------------------------------------------


def test_filter_edges() -> None:
    e = count_pairs(HAND, window="document")
    assert len(filter_edges(e, min_count=2)) == 3
    assert len(filter_edges(e, min_score=float(e["score"].max()))) >= 1
    types = {"A": "Gene", "B": "Gene", "C": "Disease", "D": "Disease"}
    only_genes = filter_edges(e, types={"Gene"}, concept_types=types)
    assert only_genes[["source", "target"]].values.tolist() == [["A", "B"]]
    gene_disease = filter_edges(e, types={("Disease", "Gene")}, concept_types=types)
    assert sorted(gene_disease["source"] + gene_disease["target"]) == ["AC", "BC"]
    with pytest.raises(KgError):
        filter_edges(e, types={"Gene"})
    with pytest.raises(KgError):
        filter_edges(e, score="nope")


def test_filter_edges_top_per_node() -> None:
    e = pd.DataFrame({"source": ["A", "A", "A", "B"], "target": ["B", "C", "D", "C"],
                      "count": [1, 1, 1, 1], "score": [4.0, 3.0, 2.0, 1.0]})
    top1 = filter_edges(e, top_per_node=1)
    # A's best is A-B; B's best A-B; C's best A-C; D's only edge A-D
    assert top1[["source", "target"]].values.tolist() == [["A", "B"], ["A", "C"], ["A", "D"]]


@pytest.mark.parametrize("window", ["sentence", "document"])
def test_counts_do_not_depend_on_chunking(monkeypatch, window) -> None:
    """Pairs are enumerated in chunks of documents and summed per pair; chunk size changes nothing."""
    import kg.graph.cooccur as cooccur

    rng = np.random.default_rng(3)
    n = 3000
    m = pd.DataFrame({"doc": [f"d{i}" for i in rng.integers(0, 300, n)], "para": rng.integers(0, 2, n),
                      "sent": rng.integers(0, 4, n), "concept": [f"c{i}" for i in rng.integers(0, 40, n)]})
    whole = count_pairs(m, window=window)
    monkeypatch.setattr(cooccur, "_PAIR_BUDGET", 50)
    pd.testing.assert_frame_equal(count_pairs(m, window=window), whole, check_exact=True)
