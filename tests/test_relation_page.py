"""Typed relations on the page and in the API (#23): edge colours and the relation legend/filter, the
statements' sentences per type in the edge data (bounded, escaped), and ``g.neighbors`` columns.
The same page in Chromium is in test_browser.py."""

from __future__ import annotations

import json

import pytest

import kg
from kg.relations import RELATION_TYPES
from kg.render.page import COOCCURS, RELATION_COLORS, html_string, relation_statements

try:
    from tests.graphs import (
        CANCER,
        IMATINIB,
        PROBES,
        STAT3,
        relation_statements_table,
        tiny_graph,
        typed_graph,
    )
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from graphs import CANCER, IMATINIB, PROBES, STAT3, relation_statements_table, tiny_graph, typed_graph

lxml_html = pytest.importorskip("lxml.html")

def page_data(page: str) -> dict:
    (script,) = lxml_html.document_fromstring(page).xpath('//script[@id="kg-data"]')
    return json.loads(script.text)


def _edge(data: dict, a: str, b: str) -> dict:
    return next(e for e in data["edges"] if {e["from"], e["to"]} == {a, b})


@pytest.fixture(scope="module")
def typed_page() -> str:
    return html_string(typed_graph(), relations=relation_statements_table(), relation_sentences=2)


def test_typed_edges_carry_relation_score_and_colour(typed_page):
    data = page_data(typed_page)
    stated, plain = _edge(data, STAT3, CANCER), _edge(data, STAT3, IMATINIB)
    assert stated["relation"] == "Positive_Correlation" and stated["relationScore"] == 0.9375
    assert stated["color"]["color"] == RELATION_COLORS["Positive_Correlation"]
    assert plain["relation"] == COOCCURS and plain["color"]["color"] != stated["color"]["color"]
    assert plain["color"]["color"] == data["relationColors"][COOCCURS]
    assert "statements" not in plain


def test_statements_per_type_are_bounded_ordered_and_keep_the_best(typed_page):
    data = page_data(typed_page)
    by_type = {s["relation"]: s for s in _edge(data, STAT3, CANCER)["statements"]}
    assert [s["relation"] for s in _edge(data, STAT3, CANCER)["statements"]] == ["Positive_Correlation", "Association"]
    positive = by_type["Positive_Correlation"]
    assert positive["n"] == 3 and len(positive["sentences"]) == 2  # 3 documents, 2 sentences carried
    assert [s["sentence"] for s in positive["sentences"]] == ["STAT3 drives lung cancer.",
                                                             f"{PROBES[0]} raises lung cancer"]
    assert positive["sentences"][0]["pmid"] == "1"
    assert by_type["Association"]["sentences"] == [{"sentence": PROBES[1] + " and " + PROBES[2],
                                                        "doi": "10.1/x"}]


@pytest.mark.parametrize("probe", PROBES)
def test_statement_sentences_are_escaped(typed_page, probe):
    assert probe not in typed_page  # in the JSON as data only (\u003c...), never as markup
    said = [t["sentence"] for s in _edge(page_data(typed_page), STAT3, CANCER)["statements"] for t in s["sentences"]]
    assert any(probe in t for t in said)  # kept as text


def test_relation_legend_has_a_checkbox_per_relation_drawn(typed_page):
    doc = lxml_html.document_fromstring(typed_page)
    boxes = doc.xpath('//input[@class="kg-relation"]')
    assert [b.get("value") for b in boxes] == ["Positive_Correlation", COOCCURS]
    assert all(b.get("checked") is not None for b in boxes)


def test_untyped_page_has_no_relation_legend_or_fields():
    page = html_string(tiny_graph(), relations=relation_statements_table())
    assert 'class="kg-relation"' not in page
    data = page_data(page)
    assert data["relationColors"] == {} and not any("relation" in e or "statements" in e for e in data["edges"])


def test_relation_statements_only_for_the_pairs_asked_and_none_without_a_table():
    table = relation_statements_table()
    assert relation_statements(None) == {} and relation_statements(table.iloc[:0]) == {}
    assert relation_statements(table, {("x", "y")}) == {}
    key = tuple(sorted((STAT3, CANCER)))
    one = relation_statements(table, {key}, per_type=1, max_chars=10)[key]
    assert all(len(s["sentences"]) == 1 and len(s["sentences"][0]["sentence"]) <= 10 for s in one)
    assert relation_statements(table, per_type=0) == {}


def test_every_biored_type_has_its_own_colour():
    assert set(RELATION_COLORS) == set(RELATION_TYPES)
    assert len(set(RELATION_COLORS.values())) == len(RELATION_TYPES)


def test_a_build_page_shows_statements_and_neighbors_show_the_relation(seeds_graph, tmp_path):
    g, out = seeds_graph
    data = page_data((out / "graph.html").read_text(encoding="utf-8"))
    typed = [e for e in data["edges"] if e["relation"] != COOCCURS]
    assert typed and all(e["statements"] and e["color"]["color"] == RELATION_COLORS[e["relation"]] for e in typed)
    table = g.relations_df()
    for e in typed:
        said = {tuple(sorted(p)) for p in zip(table["source"], table["target"], strict=True)}
        assert tuple(sorted((e["from"], e["to"]))) in said
    nb = g.neighbors("STAT3")
    assert list(nb.columns[:5]) == ["id", "label", "type", "relation", "relation_score"]
    assert set(nb["relation"]) <= {*RELATION_TYPES, COOCCURS}
    # the page of a reopened build reads the statements from relations.csv (sentences joined by |)
    reopened = kg.load(out)
    again = page_data(html_string(reopened.graph, relations=reopened.relations))
    assert [e.get("statements") for e in again["edges"]] == [e.get("statements") for e in data["edges"]]


def test_filter_keeps_the_statements_of_the_edges_kept(seeds_graph):
    g, _ = seeds_graph
    some = g.filter(min_score=float(g.edges_df()["score"].median()))
    kept = some.relations_df()
    assert len(kept) <= len(g.relations_df())
    assert all(some.graph.has_edge(a, b) for a, b in zip(kept["source"], kept["target"], strict=True))
