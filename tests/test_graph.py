"""kg.graph.build_graph helpers: grouped id lists equal pandas' per-group sorted sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graph.build_graph import grouped_lists

names = st.sampled_from(["a", "b", "c", "STAT3", "hgnc:40"])
docs = st.sampled_from(["d1", "d2", "d3", "10"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(names, names, docs), max_size=40))
def test_grouped_lists_equals_groupby_sorted_sets(rows):
    frame = pd.DataFrame(rows, columns=["source", "target", "doc"])
    got = grouped_lists(frame, ["source", "target"], "doc")
    want = {} if frame.empty else frame.groupby(["source", "target"])["doc"].agg(lambda v: sorted(set(v))).to_dict()
    assert got == want
    single = grouped_lists(frame, ["source"], "doc")
    want_single = {} if frame.empty else frame.groupby("source")["doc"].agg(lambda v: sorted(set(v))).to_dict()
    assert single == want_single


def _evidence_reference(mentions: pd.DataFrame, edges: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The evidence rule written plainly in pandas (kg's first implementation)."""
    from kg.graph.evidence import cooccurrence_keys

    pairs = cooccurrence_keys(mentions, edges, window="sentence", max_per_pair=None)
    crowd = mentions.groupby(["doc", "sent"])["concept"].nunique().rename("crowd").reset_index()
    pairs = pairs.merge(crowd, on=["doc", "sent"])
    pairs["first_in_doc"] = ~pairs.duplicated(["source", "target", "doc"])
    pairs = pairs.sort_values(["source", "target", "first_in_doc", "crowd"], ascending=[True, True, False, True])
    return pairs.groupby(["source", "target"], sort=False).head(cap)[["source", "target", "doc", "sent"]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_evidence_rows_follow_the_plain_rule(seed):
    from kg.graph.build_graph import evidence_rows
    from kg.graph.cooccur import count_pairs

    rng = np.random.default_rng(seed)
    n = 600
    m = pd.DataFrame({"doc": [f"d{i:02d}" for i in rng.integers(0, 40, n)], "para": 0,
                      "sent": rng.integers(0, 5, n), "concept": [f"c{i}" for i in rng.integers(0, 12, n)]})
    edges = count_pairs(m)
    got = evidence_rows(m, edges, cap=3).reset_index(drop=True)
    want = _evidence_reference(m, edges, 3).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


@pytest.mark.parametrize("window", ["sentence", "document"])
@pytest.mark.parametrize("seed", [0, 1])
def test_edge_doc_ids_follow_the_plain_rule_and_consume_frees_the_table(window, seed):
    from kg.concepts.table import ConceptTable
    from kg.graph.build_graph import GraphOptions, build_graph
    from kg.graph.cooccur import count_pairs

    rng = np.random.default_rng(seed)
    n = 500
    m = pd.DataFrame({"doc": [f"d{i:02d}" for i in rng.integers(0, 30, n)], "para": 0,
                      "sent": rng.integers(0, 4, n).astype(np.int32),
                      "concept": [f"c{i}" for i in rng.integers(0, 10, n)]})
    edges = count_pairs(m, window=window)
    kw = {"sentence_text": lambda doc, sent: f"{doc}/{sent}", "doc_meta": lambda doc: {"pmid": doc},
          "options": GraphOptions(window=window)}
    kept = build_graph(ConceptTable(m.copy()), edges, **kw)
    table = ConceptTable(m.copy())
    consumed = build_graph(table, edges, **kw, consume=True)
    assert table.mentions.empty and list(table.mentions.columns) == list(m.columns)
    assert list(kept.edges(data=True)) == list(consumed.edges(data=True))
    assert list(kept.nodes(data=True)) == list(consumed.nodes(data=True))
    key = ["doc", "sent"] if window == "sentence" else ["doc"]
    both = m.merge(m, on=key)
    both = both[both["concept_x"] < both["concept_y"]]
    want = both.groupby(["concept_x", "concept_y"])["doc"].agg(lambda v: sorted(set(v))).to_dict()
    got = {tuple(sorted((a, b))): d["doc_ids"] for a, b, d in consumed.edges(data=True)}
    assert got == want
    for _, _, d in consumed.edges(data=True):
        assert len(d["evidence"]) <= 5 and {e["doc_id"] for e in d["evidence"]} <= set(d["doc_ids"])


@pytest.mark.parametrize("window", ["sentence", "document"])
def test_edges_given_in_either_order_or_without_mentions_are_kept(window):
    """build_graph takes any edge frame: (target, source) order, or a concept no mention names."""
    from kg.concepts.table import ConceptTable
    from kg.graph.build_graph import GraphOptions, build_graph
    from kg.graph.cooccur import count_pairs

    m = pd.DataFrame({"doc": ["d1", "d1", "d1", "d2", "d2"], "para": 0, "sent": np.int32([0, 0, 1, 0, 0]),
                      "concept": ["b", "a", "c", "a", "b"]})
    edges = count_pairs(m, window=window)
    flipped = edges.rename(columns={"source": "target", "target": "source"})
    extra = pd.concat([flipped, flipped.iloc[:1].assign(source="a", target="nowhere")], ignore_index=True)
    g = build_graph(ConceptTable(m.copy()), extra, sentence_text=lambda doc, sent: f"{doc}/{sent}",
                    doc_meta=lambda doc: {}, options=GraphOptions(window=window))
    assert g["a"]["b"]["doc_ids"] == ["d1", "d2"]
    assert [e["sentence"] for e in g["a"]["b"]["evidence"]] == ["d1/0", "d2/0"]
    assert g["a"]["nowhere"]["doc_ids"] == [] and g["a"]["nowhere"]["evidence"] == []
