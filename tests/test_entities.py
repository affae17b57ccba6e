import spacy
from hypothesis import given
from hypothesis import strategies as st
from spacy.tokens import Span

from kg.nlp.heads import merge_spans

bounds = lambda s: (s[0], s[1])  # noqa: E731


def test_longest_span_wins_then_first_group():
    a = [(0, 5, "a"), (10, 12, "a")]
    b = [(0, 5, "b"), (3, 8, "b"), (11, 20, "b")]
    assert merge_spans([a, b], bounds=bounds) == [(0, 5, "a"), (11, 20, "b")]


def test_merges_spacy_spans():
    nlp = spacy.blank("en")
    doc = nlp("JAK2 - STAT3 signalling in lung cancer")
    merged = merge_spans([[Span(doc, 0, 3, "Gene")], [Span(doc, 2, 3, "GGP"), Span(doc, 5, 7, "Disease")]])
    assert [(s.text, s.label_) for s in merged] == [("JAK2 - STAT3", "Gene"), ("lung cancer", "Disease")]


spans = st.lists(st.tuples(st.integers(0, 50), st.integers(1, 10)).map(lambda t: (t[0], t[0] + t[1])), max_size=12)


@given(st.lists(spans, max_size=4))
def test_merge_never_overlaps_and_keeps_input_spans(groups):
    merged = merge_spans(groups, bounds=bounds)
    for x, y in zip(merged, merged[1:], strict=False):
        assert x[1] <= y[0]
    pool = {s for g in groups for s in g}
    assert set(merged) <= pool
    # every input span overlaps a kept span at least as long as itself
    for s in pool:
        assert any(k[0] < s[1] and s[0] < k[1] and k[1] - k[0] >= s[1] - s[0] for k in merged)
