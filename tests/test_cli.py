"""The CLI commands other than build (build is in test_build.py, train/evaluate in test_train.py)."""

from __future__ import annotations

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app


@pytest.mark.parametrize("fmt", ["gexf", "cyjs", "json", "graphml"])
def test_export_converts_a_saved_graph_without_ner(seeds_graph, tmp_path, fmt):
    g, out = seeds_graph
    target = tmp_path / f"g.{fmt}"
    res = CliRunner().invoke(app, ["export", str(out / "graph.graphml"), "--out", str(target)])
    assert res.exit_code == 0, res.output
    assert str(target) in res.output
    import kg

    back = kg.load(target)
    assert nx.utils.nodes_equal(back.graph.nodes, g.graph.nodes)
    assert back.graph.number_of_edges() == g.graph.number_of_edges()


def test_export_csv_and_html(seeds_graph, tmp_path):
    _, out = seeds_graph
    res = CliRunner().invoke(app, ["export", str(out / "graph.json"), "--out", str(tmp_path / "t.csv")])
    assert res.exit_code == 0, res.output
    assert res.output.count("wrote") == 2
    res = CliRunner().invoke(app, ["export", str(out / "graph.json"), "--out", str(tmp_path / "p.html")])
    assert res.exit_code == 0 and (tmp_path / "p.html").read_text().startswith("<!DOCTYPE html>")


def test_export_of_a_missing_graph_names_it(tmp_path):
    res = CliRunner().invoke(app, ["export", str(tmp_path / "nope.graphml"), "--out", str(tmp_path / "x.gexf")])
    assert res.exit_code != 0 and "nope.graphml" in res.output


def test_models_lists_bundled_and_scispacy_models():
    res = CliRunner().invoke(app, ["models"])
    assert res.exit_code == 0
    assert "kg_biomed" in res.output and "en_ner_bionlp13cg_md" in res.output


def test_unknown_model_fails_with_the_install_command(tmp_path):
    from tests.conftest import SEEDS

    res = CliRunner().invoke(app, ["build", str(SEEDS), "--out", str(tmp_path), "--model", "en_ner_bc5cdr_md"])
    assert res.exit_code != 0
    assert "pip install" in res.output and "en_ner_bc5cdr_md" in res.output


@pytest.mark.parametrize("bad", ["0", "two", "-1"])
def test_workers_takes_a_number_or_auto(seeds_dir, tmp_path, bad):
    res = CliRunner().invoke(app, ["build", str(seeds_dir), "--out", str(tmp_path), "--workers", bad])
    assert res.exit_code == 2 and "number >= 1 or auto" in res.output
