"""kg.graph helpers: grouped id lists equal pandas' per-group sorted sets."""

from __future__ import annotations

import pandas as pd
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
