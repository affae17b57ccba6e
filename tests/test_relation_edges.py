"""Typed edges: the statements table, the per-edge aggregation (noisy-OR, dominant type, counts), the build's
relation step and ``--relations off``, and the two CLI commands."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.errors import OptionError
from kg.relations import COOCCURRENCE_PREDICATE, RELATION_TYPES, biolink_predicate
from kg.relations.aggregate import (
    EDGE_RELATION_COLUMNS,
    RELATION_COLUMNS,
    edge_relations,
    noisy_or,
    relation_documents,
    relation_table,
    with_edge_relations,
)
from kg.training.relations import train_relations

from .test_relations import OVERRIDES, SAMPLE, TINY_CFG


def _prediction(doc, source, target, related, relation, novel=0.9, sentences=("S.",)):
    probs = [0.0] * len(RELATION_TYPES)
    probs[RELATION_TYPES.index(relation)] = 1.0
    return {"doc_id": doc, "source": source, "target": target, "related": related, "novel": novel,
            "relation": relation, **{f"p_{t}": p for t, p in zip(RELATION_TYPES, probs, strict=True)},
            "sentences": sentences}


PREDICTIONS = pd.DataFrame([
    _prediction("d1", "a", "b", 0.9, "Positive_Correlation"),
    _prediction("d2", "a", "b", 0.8, "Positive_Correlation"),
    _prediction("d3", "a", "b", 0.7, "Association", novel=0.1),
    _prediction("d4", "a", "b", 0.2, "Bind"),  # below the threshold: in the score, not in the type
    _prediction("d1", "a", "c", 0.3, "Bind"),  # never stated
])


def test_statements_table_keeps_pairs_at_or_above_the_threshold():
    table = relation_table(PREDICTIONS, 0.5)
    assert list(table.columns) == RELATION_COLUMNS
    assert table[["doc_id", "source", "target"]].values.tolist() == [["d1", "a", "b"], ["d2", "a", "b"],
                                                                      ["d3", "a", "b"]]
    assert table["predicate"].tolist() == [biolink_predicate("Positive_Correlation")] * 2 + [
        "biolink:associated_with"]
    assert table["novel"].tolist() == [True, True, False]


def test_edge_aggregation_noisy_or_dominant_type_and_counts():
    per_edge = edge_relations(PREDICTIONS, 0.5).set_index(["source", "target"])
    ab, ac = per_edge.loc[("a", "b")], per_edge.loc[("a", "c")]
    assert ab["relation_score"] == pytest.approx(1 - 0.1 * 0.2 * 0.3 * 0.8)
    assert ab["relation"] == "Positive_Correlation"  # 0.9 + 0.8 against 0.7
    assert ab["relation_counts"] == "Positive_Correlation:2|Association:1"
    assert ab["predicate"] == "biolink:positively_correlated_with"
    assert ac["relation"] == "" and ac["relation_counts"] == "" and ac["predicate"] == COOCCURRENCE_PREDICATE
    assert ac["relation_score"] == pytest.approx(0.3)


def test_edges_the_model_did_not_see_keep_cooccurrence():
    pairs = pd.DataFrame({"source": ["b", "x"], "target": ["a", "y"], "count": [3, 1]})  # b-a: either order
    out = with_edge_relations(pairs, edge_relations(PREDICTIONS, 0.5))
    assert out.columns.tolist() == ["source", "target", "count", *EDGE_RELATION_COLUMNS]
    assert out["relation"].tolist() == ["Positive_Correlation", ""]
    assert out["predicate"].tolist()[1] == COOCCURRENCE_PREDICATE and out["relation_score"].tolist()[1] == 0.0


@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_noisy_or_is_a_probability_at_least_the_best_document(ps):
    value = noisy_or(ps)
    assert max(ps) - 1e-12 <= value <= 1.0 + 1e-12
    assert math.isclose(value, 1 - np.prod([1 - p for p in ps]), abs_tol=1e-12)


def test_relation_documents_keep_only_the_concepts_of_the_pairs():
    mentions = pd.DataFrame({"doc": ["d1", "d1", "d1", "d2"], "start": [0, 8, 14, 0], "end": [7, 12, 20, 3],
                             "type": ["Simple chemical", "Gene or gene product", "Disease", "Disease"],
                             "concept": ["a", "b", "z", "a"]})
    texts = {"d1": "Aspirin BRCA cancer.", "d2": "Flu."}
    docs = list(relation_documents(mentions, {("a", "b")}, text=texts.__getitem__,
                                   sentences=lambda d: np.array([[0, len(texts[d])]])))
    assert [d.id for d in docs] == ["d1"]  # d2 has one concept: no pair
    assert [m.concept for m in docs[0].mentions] == ["a", "b"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    out = tmp_path_factory.mktemp("relation-edges")
    return train_relations(TINY_CFG, out, overrides=OVERRIDES, log=lambda _: None).output


def test_relations_off_leaves_the_plain_graph(seeds_graph, tmp_path):
    typed, _ = seeds_graph
    plain = kg.build("seeds/", out=tmp_path, relations="off", formats=("csv",))
    assert plain.relations is None and not (tmp_path / "relations.csv").exists()
    assert plain.graph.graph["score"] == "tfidf"
    assert {d["interaction"] for _, _, d in plain.graph.edges(data=True)} == {"co-occurs"}
    assert not any("relation" in d for _, _, d in plain.graph.edges(data=True))
    assert set(plain.graph.edges) == set(typed.graph.edges)  # the same co-occurring pairs, typed or not


def test_a_build_types_its_edges_and_writes_relations_csv(seeds_graph):
    g, out = seeds_graph
    assert g.graph.graph["score"] == "relation"
    table = pd.read_csv(out / "relations.csv", keep_default_na=False)
    assert list(table.columns) == RELATION_COLUMNS and len(table) == len(g.relations_df()) > 0
    for row in table.itertuples():
        edge = g.graph.edges[row.source, row.target]
        assert edge["relation"] and row.relation in edge["relation_counts"]
        assert edge["relation_score"] >= row.score - 1e-9
    for _, _, d in g.graph.edges(data=True):
        assert d["interaction"] == (d["relation"] or "co-occurs") and d["score"] == d["relation_score"]
        assert d["predicate"] == biolink_predicate(d["relation"])
    assert "relation" in g.neighbors("STAT3").columns
    again = kg.load(out).relations_df()
    assert again[["doc_id", "source", "target", "relation"]].values.tolist() == table[
        ["doc_id", "source", "target", "relation"]].values.tolist()


def test_score_relation_needs_the_model():
    with pytest.raises(OptionError, match="relation"):
        kg.build("seeds/", relations="off", score="relation")
    with pytest.raises(OptionError, match="relations"):
        kg.build("seeds/", relations="maybe")


def test_cli_relation_commands(tiny_model):
    runner = CliRunner()
    for command in ("train-relations", "evaluate-relations"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "PubTator" in result.output, command
    result = runner.invoke(app, ["evaluate-relations", str(SAMPLE), "--model", str(tiny_model), "--json"])
    assert result.exit_code == 0, result.output
    assert '"pair"' in result.output and '"pair_type_novelty"' in result.output
    result = runner.invoke(app, ["evaluate-relations", str(SAMPLE), "--model", str(tiny_model)])
    assert "pair+type" in result.output


def test_cli_build_refuses_a_bad_relations_value_before_any_work(tmp_path):
    result = CliRunner().invoke(app, ["build", "seeds/", "--out", str(tmp_path / "o"), "--relations", "maybe", "-q"])
    assert result.exit_code != 0 and "relations" in result.output
    assert not (tmp_path / "o").exists()


def test_cli_train_relations_takes_config_overrides(tmp_path):
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train-relations", str(TINY_CFG), "--output", str(out),
                                      "--paths.corpora", OVERRIDES["paths.corpora"]])
    assert result.exit_code == 0, result.output
    assert (out / "model.json").is_file() and "out-of-fold pair F" in result.output
