"""Years (#26): edge first/last year and documents per year, --years slices, g.as_of."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.errors import NothingToBuildError, OptionError
from kg.graph.years import in_range, parse_years, parse_years_text, years_text
from tests.synthetic import year_of

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

YEARS = {f"pmid:{1000 + i}": year_of(i) for i in range(12)}


@pytest.mark.parametrize(("value", "want"), [
    ("2015:2020", (2015, 2020)), ("2015:", (2015, None)), (":2020", (None, 2020)), (" 2018 ", (2018, 2018)),
    ((2015, None), (2015, None)), ([None, 2020], (None, 2020)), (None, None),
])
def test_year_ranges_parse(value, want):
    assert parse_years(value) == want


@pytest.mark.parametrize("bad", ["2020:2015", ":", "", "15:20", "2015-2020", "abc", (2015,), (None, None),
                                 ("2015", 2020), (2015.0, 2020), 2015, (True, 2020)])
def test_bad_year_ranges_fail_before_any_work(bad, tmp_path):
    with pytest.raises(OptionError, match="years"):
        kg.build(tmp_path, out=tmp_path / "out", years=bad)
    assert not (tmp_path / "out").exists()


@given(st.dictionaries(st.integers(1900, 2100), st.integers(1, 10**6), max_size=20))
def test_years_text_round_trips(counts):
    assert parse_years_text(years_text(counts)) == counts


@given(st.one_of(st.none(), st.integers(1900, 2100)), st.integers(1900, 2100), st.integers(1900, 2100))
def test_in_range_is_the_closed_interval(year, a, b):
    lo, hi = min(a, b), max(a, b)
    assert in_range(year, (lo, hi)) == (year is not None and lo <= year <= hi)
    assert in_range(year, (None, hi)) == (year is not None and year <= hi)


def test_every_edge_carries_its_years(dated_build):
    g, out = dated_build
    for _, _, d in g.graph.edges(data=True):
        dated = [YEARS[doc] for doc in d["doc_ids"] if YEARS[doc] is not None]
        counts = parse_years_text(d["years"])
        assert sum(counts.values()) == len(dated)
        assert counts == {y: dated.count(y) for y in set(dated)}
        assert (d["first_year"], d["last_year"]) == ((min(dated), max(dated)) if dated else (None, None))
    rows = g.sql("SELECT source, target, year, documents FROM edge_years")
    assert len(rows) == sum(len(parse_years_text(d["years"])) for *_, d in g.graph.edges(data=True))
    # in the files too
    G = nx.read_graphml(out / "graph.graphml")
    some = next((u, v, d) for u, v, d in g.graph.edges(data=True) if d["first_year"] is not None)
    assert int(G.edges[str(some[0]), str(some[1])]["first_year"]) == some[2]["first_year"]
    header = (out / "edges.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert {"first_year", "last_year", "years"} <= set(header)
    assert set(g.edges_df().columns) >= {"first_year", "last_year", "years"}


@pytest.mark.parametrize(("years", "kept"), [
    ("2012:", {2012, 2013}), (":2011", {2010, 2011}), ("2011:2012", {2011, 2012}), ((2013, 2013), {2013}),
])
def test_a_slice_keeps_only_the_documents_of_its_years(tiny, dated, years, kept):
    g = kg.build(dated, models=(tiny,), relations="off", years=years)
    in_slice = {doc for doc, y in YEARS.items() if y in kept}
    assert set(g.documents["doc_id"]) == in_slice
    assert set(g.documents["year"]) <= kept
    for _, _, d in g.graph.edges(data=True):
        assert set(d["doc_ids"]) <= in_slice
    outside = sum(1 for y in YEARS.values() if y is not None and y not in kept)
    assert any(f"left out {outside} document(s) of other years and 1 without a year" in n for n in g.stats.notes)


def test_a_slice_with_no_document_says_so(tiny, dated, tmp_path):
    with pytest.raises(NothingToBuildError, match=r"years 1990:1995: none of the 12 document\(s\) read.*1 have no year"):
        kg.build(dated, models=(tiny,), relations="off", years="1990:1995", out=tmp_path / "out")
    assert not (tmp_path / "out" / "kg.duckdb").exists()


def test_kg_build_years_on_the_command_line(tiny, dated, tmp_path):
    res = CliRunner().invoke(app, ["build", str(dated), "-m", tiny, "--out", str(tmp_path), "--relations", "off",
                                   "--years", "2013:", "--format", "duckdb", "-j", "1"])
    assert res.exit_code == 0, res.output
    assert "years 2013:, left out 8 document(s) of other years and 1 without a year" in res.output
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["documents"] == 3
    res = CliRunner().invoke(app, ["build", str(dated), "-m", tiny, "--out", str(tmp_path / "x"), "--years", "20:1"])
    assert res.exit_code == 2 and "years" in res.output and not (tmp_path / "x").exists()


@pytest.mark.parametrize("year", [2009, 2010, 2011, 2012, 2013])
def test_as_of_keeps_the_papers_published_up_to_then(dated_build, year):
    g, _ = dated_build
    a = g.as_of(year)
    upto = {doc for doc, y in YEARS.items() if y is not None and y <= year}
    assert set(a.documents["doc_id"]) == upto
    assert set(a.graph.edges()) <= {tuple(e) for e in g.graph.edges()} | {tuple(reversed(e)) for e in g.graph.edges()}
    for u, v, d in g.graph.edges(data=True):
        docs = [doc for doc in d["doc_ids"] if doc in upto]
        assert a.graph.has_edge(u, v) == bool(docs)
        if docs:
            e = a.graph.edges[u, v]
            assert e["doc_ids"] == docs and e["documents"] == len(docs)
            assert e["last_year"] <= year and all(ev["doc_id"] in upto for ev in e["evidence"])
    assert set(a.mentions["doc"]) <= upto
    assert a.sql("SELECT count(*) n FROM edges")["n"][0] == a.graph.number_of_edges()


def test_as_of_after_load_equals_as_of_after_build(dated_build):
    g, out = dated_build
    loaded = kg.load(out).as_of(2011)
    built_now = g.as_of(2011)
    assert {frozenset(e) for e in loaded.graph.edges()} == {frozenset(e) for e in built_now.graph.edges()}
    for u, v, d in built_now.graph.edges(data=True):
        assert loaded.graph.edges[str(u), str(v)]["years"] == d["years"]


def test_as_of_wants_a_year_and_known_years(dated_build):
    g, _ = dated_build
    with pytest.raises(OptionError, match="year"):
        g.as_of("2018")
    with pytest.raises(OptionError, match="documents' years"):
        kg.KnowledgeGraph(g.graph).as_of(2018)


@given(st.integers(2008, 2015), st.integers(2008, 2015))
def test_as_of_grows_with_the_year(dated_build, a, b):
    g, _ = dated_build
    early, late = g.as_of(min(a, b)), g.as_of(max(a, b))
    assert {frozenset(e) for e in early.graph.edges()} <= {frozenset(e) for e in late.graph.edges()}
    for u, v, d in early.graph.edges(data=True):
        assert d["documents"] <= late.graph.edges[u, v]["documents"]
