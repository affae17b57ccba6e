"""kg.graph helpers: grouped id lists equal pandas' per-group sorted sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.graph import grouped_lists

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
    from kg.cooccur import cooccurrence_keys

    pairs = cooccurrence_keys(mentions, edges, window="sentence", max_per_pair=None)
    crowd = mentions.groupby(["doc", "sent"])["concept"].nunique().rename("crowd").reset_index()
    pairs = pairs.merge(crowd, on=["doc", "sent"])
    pairs["first_in_doc"] = ~pairs.duplicated(["source", "target", "doc"])
    pairs = pairs.sort_values(["source", "target", "first_in_doc", "crowd"], ascending=[True, True, False, True])
    return pairs.groupby(["source", "target"], sort=False).head(cap)[["source", "target", "doc", "sent"]]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_evidence_rows_follow_the_plain_rule(seed):
    from kg.cooccur import count_pairs
    from kg.graph import evidence_rows

    rng = np.random.default_rng(seed)
    n = 600
    m = pd.DataFrame({"doc": [f"d{i:02d}" for i in rng.integers(0, 40, n)], "para": 0,
                      "sent": rng.integers(0, 5, n), "concept": [f"c{i}" for i in rng.integers(0, 12, n)]})
    edges = count_pairs(m)
    got = evidence_rows(m, edges, cap=3).reset_index(drop=True)
    want = _evidence_reference(m, edges, 3).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
