"""End to end: `kg build seeds/` through the Python API and the CLI (issue: the spine)."""

from __future__ import annotations

import json

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from tests.conftest import SEEDS

STAT3_REVIEW = "doi:10.3779/j.issn.1009-3419.2019.07.08"


def node_of(g, name):
    return g.find(name)


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["STAT3"], "hgnc:11364"),
        (["JAK2"], "hgnc:6192"),
        (["P-glycoprotein", "MDR1", "ABCB1"], "hgnc:40"),
        (["NSCLC", "non-small cell lung cancer", "Non-small Cell Lung Cancer"], "mesh:D002289"),
        (["exosome", "exosomes"], None),
        (["miRNA", "miRNAs", "MicroRNAs"], None),
    ],
)
def test_each_concept_is_exactly_one_node(seeds_graph, names, expected):
    g, _ = seeds_graph
    keys = {g.find(n) for n in names}
    assert len(keys) == 1, keys
    (key,) = keys
    if expected:
        assert key == expected
    # and no other node carries one of these names
    from kg.vocabularies.normalize import normalize_text

    folded = {normalize_text(n) for n in names}
    others = [k for k, d in g.graph.nodes(data=True) if k != key
              and any(normalize_text(a) in folded for a in [d["label"], *d["aliases"]])]
    assert others == []


def test_nsclc_carries_its_long_form(seeds_graph):
    g, _ = seeds_graph
    aliases = {a.lower() for a in g.graph.nodes["mesh:D002289"]["aliases"]}
    assert {"nsclc", "non-small cell lung cancer"} <= aliases


def test_stat3_and_nsclc_are_linked_with_evidence_from_the_stat3_review(seeds_graph):
    g, _ = seeds_graph
    edge = g.graph.edges["hgnc:11364", "mesh:D002289"]
    assert edge["interaction"] == (edge["relation"] or "co-occurs") and edge["count"] >= 1
    assert any(ev["doc_id"] == STAT3_REVIEW and "STAT3" in ev["sentence"] for ev in edge["evidence"])
    assert all(ev["url"].startswith("https://") for ev in edge["evidence"])


def test_no_node_comes_from_boilerplate(seeds_graph):
    g, _ = seeds_graph
    labels = " ".join(f"{d['label']} {' '.join(d['aliases'])}" for _, d in g.graph.nodes(data=True)).lower()
    for junk in ["licen", "creative commons", "copyright", "cited by", "zunyi", "nanjing", "university",
                 "chunyang", "jiang", "sibo", "biomed central", "pubmed", "autores", "department", "foundation"]:
        assert junk not in labels, junk


def test_repeated_abstract_counts_once(seeds_graph):
    g, _ = seeds_graph
    exo = g.graph.nodes[g.find("exosome")]
    assert exo["documents"] == 1
    # seed 002 states its abstract 3 times (description, spelling, a truncated teaser): counted once
    assert exo["mentions"] <= 8


def test_hubs_are_not_the_best_connected(seeds_graph):
    g, _ = seeds_graph
    degree = dict(g.graph.degree())
    best = max(degree, key=degree.get)
    assert g.graph.nodes[best]["label"].lower() not in {"cancer", "patients", "tumor", "neoplasms", "cells", "cell"}


def test_graph_attributes_follow_the_schema(seeds_graph):
    from kg.schema import EDGE_ATTRIBUTES, NODE_ATTRIBUTES

    g, _ = seeds_graph
    for _, d in g.graph.nodes(data=True):
        for attr, typ in NODE_ATTRIBUTES.items():
            assert isinstance(d[attr], typ), (attr, d)
    for u, v, d in g.graph.edges(data=True):
        assert u != v
        for attr, typ in EDGE_ATTRIBUTES.items():
            assert isinstance(d[attr], typ), (attr, d)
        assert 1 <= d["documents"] <= g.graph.graph["n_documents"]
        assert d["documents"] <= d["count"]


def test_all_outputs_are_written_and_graphml_loads_back(seeds_graph):
    g, out = seeds_graph
    for name in ["graph.html", "graph.graphml", "graph.gexf", "graph.cyjs", "graph.json", "nodes.csv", "edges.csv",
                 "summary.json"]:
        assert (out / name).stat().st_size > 0, name
    back = nx.read_graphml(out / "graph.graphml")
    assert back.number_of_nodes() == g.graph.number_of_nodes()
    assert back.number_of_edges() == g.graph.number_of_edges()
    assert isinstance(next(iter(back.nodes(data=True)))[1]["documents"], int)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == 5


def test_api_views(seeds_graph):
    g, _ = seeds_graph
    nb = g.neighbors("STAT3")
    assert list(nb["score"]) == sorted(nb["score"], reverse=True)
    sub = g.subgraph("STAT3")
    assert "hgnc:11364" in sub.graph and set(sub.graph) <= set(g.graph)
    assert len(g.nodes_df()) == g.graph.number_of_nodes()
    with pytest.raises(KeyError, match="no node named"):
        g.find("definitely not a concept")


def test_cli_build_writes_outputs_and_a_summary(tmp_path):
    res = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(tmp_path / "o"), "--quiet"])
    assert res.exit_code == 0, res.output
    written = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"graph.html", "graph.graphml", "nodes.csv", "edges.csv", "summary.json"} <= written
    assert not written & {"graph.gexf", "graph.cyjs", "graph.json"}  # on request only
    res = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(tmp_path / "f"), "-q", "-f", "gexf", "-f", "cyjs"])
    assert res.exit_code == 0 and (tmp_path / "f" / "graph.gexf").exists() and (tmp_path / "f" / "graph.cyjs").exists()
    bad = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(tmp_path / "b"), "-f", "pdf"])
    assert bad.exit_code != 0 and "unknown output format 'pdf'" in bad.output
    res = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(tmp_path / "o2")])
    assert "documents 5" in res.output and "wrote graphml" in res.output


@pytest.mark.parametrize("kind", ["missing", "empty"])
def test_cli_bad_paths_fail_with_a_clear_message(tmp_path, kind):
    target = tmp_path / "nothing-here"
    if kind == "empty":
        target.mkdir()
    res = CliRunner().invoke(app, ["build", str(target), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert "nothing-here" in res.output


def test_cli_unreadable_file_is_skipped_and_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "broken.xml").write_text("<PubmedArticleSet><PubmedArticle><MedlineCitation>")
    (folder / "empty.txt").write_text("")
    (folder / "seed.txt").write_text((SEEDS / "000_c9ca5a6e3840ec78.txt").read_text())
    res = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "broken.xml" in res.output and "empty.txt" in res.output and "documents 1" in res.output
    strict = CliRunner().invoke(app, ["build", str(folder), "--out", str(tmp_path / "o2"), "--strict"])
    assert strict.exit_code != 0 and "--strict" in strict.output
    assert (tmp_path / "o2" / "graph.graphml").exists()  # nothing already processed is lost


def test_injected_markup_in_a_title_is_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "evil.jsonl").write_text(json.dumps({
        "pmid": "1", "title": "STAT3 <script>window.__pwned=1</script> in NSCLC <img src=x onerror=alert(1)>",
        "abstract": "STAT3 drives resistance in non-small cell lung cancer (NSCLC). STAT3 and JAK2 in NSCLC."}) + "\n")
    import kg

    kg.build(folder, out=tmp_path / "o")
    html = (tmp_path / "o" / "graph.html").read_text()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html


@pytest.mark.parametrize(
    ("options", "check"),
    [
        # an edge survives when it is among the best of either end: at most one per node
        ({"top_edges_per_node": 1}, lambda g: g.number_of_edges() <= sum(1 for n in g if g.degree(n))),
        ({"min_count": 2}, lambda g: all(d["count"] >= 2 for *_, d in g.edges(data=True))),
        ({"min_score": 0.2}, lambda g: all(d["score"] >= 0.2 for *_, d in g.edges(data=True))),
        ({"types": ["Gene or gene product", "Cancer"]}, lambda g: all(
            g.nodes[u]["type"] in {"Gene or gene product", "Cancer"} and g.nodes[v]["type"] in {"Gene or gene product", "Cancer"}
            for u, v in g.edges)),
        ({"score": "jensenlab"}, lambda g: g.graph["score"] == "jensenlab" and all(
            d["score"] == d["jensenlab"] for *_, d in g.edges(data=True))),
        ({"window": "document"}, lambda g: all(d["count"] == d["documents"] for *_, d in g.edges(data=True))),
    ],
)
def test_edge_filters_and_scores(options, check):
    import kg

    g = kg.build(SEEDS, **options)
    assert g.graph.number_of_edges() > 0
    assert check(g.graph)


def test_unknown_score_is_a_clear_error():
    import kg
    from kg.errors import KgError

    with pytest.raises(KgError, match="unknown score 'nope'"):
        kg.build(SEEDS, score="nope")


def test_rebuild_reuses_the_ner_cache(tmp_path):
    out = tmp_path / "o"
    first = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(out)])
    again = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(out)])
    assert "5 documents annotated, 0 reused" in first.output
    assert "0 documents annotated, 5 reused" in again.output
    assert (out / "kg.sqlite").exists()


def test_outputs_do_not_depend_on_the_hash_seed(tmp_path, seeds_dir):
    """Same input, same files: set iteration order (PYTHONHASHSEED) must not reach any output."""
    import os
    import subprocess
    import sys

    code = "import sys, kg; kg.build(sys.argv[1], out=sys.argv[2])"
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(seeds_dir), str(tmp_path / seed)], check=True, env=env)
    for name in ("graph.html", "graph.graphml", "nodes.csv", "edges.csv"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_the_collector_is_paused_only_inside_and_its_state_restored(seeds_graph):
    import gc

    from kg.pipeline.steps import gc_paused

    assert gc.isenabled()  # after the seeds build too
    with pytest.raises(RuntimeError, match="inside"):
        with gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("inside")
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller's choice is kept
    finally:
        gc.enable()


def test_progress_shows_ner_and_every_step_after_it_and_nothing_when_off(tmp_path, capfd):
    import kg

    kg.build(SEEDS, out=tmp_path / "on", progress=True)
    err = capfd.readouterr().err
    for step in ("NER", "counting co-occurrences", "making the graph", "writing html, graphml, csv"):
        assert step in err
    assert "5/5" in err  # the records were counted first: the bar has a total, so an ETA
    kg.build(SEEDS, out=tmp_path / "off")
    assert capfd.readouterr().err == ""


def test_paths_may_be_a_one_shot_iterator_with_progress_on(tmp_path, capfd):
    import kg

    g = kg.build(iter([SEEDS]), progress=True)
    assert g.stats.documents == 5
    assert "5/5" in capfd.readouterr().err
