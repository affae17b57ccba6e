"""The database of record OUT/kg.duckdb (#26): its tables, g.sql, kg query, read-only access, errors."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.errors import DatabaseError, OptionError
from kg.export.database import DATABASE_FILE, TABLES, database_content, query_folder, same_content

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

#: The columns each table has at least (the README documents them).
COLUMNS = {
    "documents": {"doc_id", "pmid", "doi", "title", "journal", "year", "source", "url"},
    "mentions": {"doc_id", "sentence", "start", "end", "text", "ner_type", "concept_id", "concept_label",
                 "concept_type"},
    "concepts": {"id", "label", "type", "mentions", "documents", "aliases", "curie", "xrefs", "category",
                 "grounding_score", "doc_ids"},
    "edges": {"source", "target", "score", "count", "documents", "tfidf", "interaction", "doc_ids", "first_year",
              "last_year", "years", "evidence_count"},
    "edge_years": {"source", "target", "year", "documents"},
    "evidence": {"source", "target", "rank", "doc_id", "pmid", "sentence"},
}


def test_the_build_writes_the_database_with_every_table_and_documented_column(dated_build):
    g, out = dated_build
    assert (out / DATABASE_FILE).is_file() and g.stats.outputs["duckdb"] == str(out / DATABASE_FILE)
    names = set(g.sql("SHOW TABLES")["name"])
    assert names == set(TABLES) - {"relations"}  # no relation model in this build
    for table, wanted in COLUMNS.items():
        got = set(g.sql(f"DESCRIBE {table}")["column_name"])
        assert wanted <= got, (table, wanted - got)
    assert not list(out.glob("*.wal")) and not (out / ".kg-staging").exists()


def test_the_tables_hold_the_graph(dated_build):
    g, _ = dated_build
    n = g.sql("SELECT (SELECT count(*) FROM concepts) nodes, (SELECT count(*) FROM edges) edges, "
              "(SELECT count(*) FROM documents) docs, (SELECT count(*) FROM mentions) mentions").iloc[0]
    assert (n.nodes, n.edges, n.docs) == (g.graph.number_of_nodes(), g.graph.number_of_edges(), 12)
    assert n.mentions == len(g.mentions_df())
    evidence = g.sql("SELECT count(*) n FROM evidence")["n"][0]
    assert evidence == sum(len(d["evidence"]) for *_, d in g.graph.edges(data=True))
    docs = g.sql("SELECT doc_id, year FROM documents ORDER BY doc_id")
    assert docs["year"].isna().sum() == 1 and docs.set_index("doc_id")["year"]["pmid:1005"] is pd.NA


def test_sql_after_build_after_load_and_without_a_folder_agree(dated_build, tiny, dated):
    g, out = dated_build
    q = "SELECT source, target, score, documents, years FROM edges ORDER BY source, target"
    after_build = g.sql(q)
    after_load = kg.load(out).sql(q)
    pd.testing.assert_frame_equal(after_build, after_load)
    in_memory = kg.build(dated, models=(tiny,), relations="off")  # no out: a temporary database
    assert in_memory.database is None
    pd.testing.assert_frame_equal(in_memory.sql(q), after_build)


def test_the_database_is_read_only_and_errors_name_the_folder_and_the_fix(dated_build, tmp_path):
    g, out = dated_build
    for statement in ("DROP TABLE edges", "INSERT INTO documents (doc_id) VALUES ('x')", "DELETE FROM edges"):
        with pytest.raises(DatabaseError, match="read-only"):
            g.sql(statement)
    assert g.sql("SELECT count(*) n FROM edges")["n"][0] == g.graph.number_of_edges()
    with pytest.raises(DatabaseError, match=r"kg\.duckdb: the query failed.*no_such_table"):
        g.sql("SELECT * FROM no_such_table")
    with pytest.raises(DatabaseError, match=f"{tmp_path}: no database.*--format duckdb"):
        query_folder(tmp_path, "SELECT 1")
    with pytest.raises(DatabaseError, match="read-only"):  # the temporary database too
        g.filter(min_documents=1).sql("DROP TABLE edges")


def test_sql_from_the_user_is_passed_as_it_is(dated_build):
    g, _ = dated_build
    assert g.sql("SELECT 'it''s; DROP TABLE edges; --' AS s")["s"][0] == "it's; DROP TABLE edges; --"
    got = g.sql("SELECT doc_id FROM documents WHERE doc_id = 'pmid:1003' OR title = 'a''b'")
    assert got["doc_id"].tolist() == ["pmid:1003"]


def test_a_build_without_the_duckdb_format_writes_no_database(tiny, dated, tmp_path):
    g = kg.build(dated, models=(tiny,), out=tmp_path, relations="off", formats=["csv"])
    assert not (tmp_path / DATABASE_FILE).exists() and g.database is None
    assert g.sql("SELECT count(*) n FROM edges")["n"][0] == g.graph.number_of_edges()  # still, from memory


def test_two_identical_builds_give_databases_equal_in_content(dated_build, tiny, dated, tmp_path):
    _, out = dated_build
    kg.build(dated, models=(tiny,), out=tmp_path, relations="off")
    first, second = database_content(out), database_content(tmp_path)
    assert first.keys() == set(TABLES) - {"relations"}
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    assert same_content(first, second)
    second["edges"].loc[0, "score"] += 1  # a changed cell is seen
    assert not same_content(first, second)


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json"])
def test_kg_query_prints_the_rows(dated_build, fmt):
    g, out = dated_build
    sql = "SELECT source, target, documents FROM edges ORDER BY documents DESC, source, target LIMIT 4"
    res = CliRunner().invoke(app, ["query", str(out), sql, "--format", fmt])
    assert res.exit_code == 0, res.output
    want = g.sql(sql)
    if fmt == "json":
        got = pd.DataFrame(json.loads(res.output))
    elif fmt == "table":
        lines = res.output.splitlines()
        assert lines[0].split() == ["source", "target", "documents"] and len(lines) == 5
        got = pd.DataFrame([line.split() for line in lines[1:]], columns=lines[0].split()).astype({"documents": int})
    else:
        got = pd.read_csv(io.StringIO(res.output), sep="," if fmt == "csv" else "\t")
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_kg_query_fails_with_the_fix(dated_build, tmp_path):
    _, out = dated_build
    res = CliRunner().invoke(app, ["query", str(tmp_path), "SELECT 1"])
    assert res.exit_code == 1 and "no database (kg.duckdb)" in res.output
    res = CliRunner().invoke(app, ["query", str(out), "SELEC 1"])
    assert res.exit_code == 1 and "the query failed" in res.output and "syntax error" in res.output
    res = CliRunner().invoke(app, ["query", str(out), "SELECT 1", "--format", "xml"])
    assert res.exit_code == 2 and "'xml' is not a choice" in res.output  # a usage error


def test_loading_the_database_file_itself_says_to_load_the_folder(dated_build):
    _, out = dated_build
    with pytest.raises(OptionError, match="kg.load"):
        kg.load(out / DATABASE_FILE)
