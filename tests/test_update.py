"""``kg update OUT`` (kg.pipeline.update): an output folder brought up to date with its inputs.

After a document is added, removed (retracted) or changed (same id, new text), the update's
files equal a clean build's byte for byte; with nothing new it touches no file; a folder made
by ``kg fetch`` has its saved query run again first (against tests/eutils_replay.py, never NCBI).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
import kg.api
from kg.cli import app
from kg.errors import KgError
from kg.export.database import DATABASE_FILE, content_bytes
from kg.ingest.fetch import RetryPolicy, fetch
from kg.pipeline.grounding_cache import grounding_fingerprint
from kg.pipeline.update import BUILD_RECORD, read_record
from tests.eutils_replay import QUERY, ReplayServer
from tests.synthetic import corpus, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

#: summary.json holds times and paths; kg.sqlite is the cache; the record holds times of files.
SKIPPED = ("summary.json", BUILD_RECORD)


def files(out: Path) -> dict[str, bytes]:
    """Every output file of ``out`` (not the cache, the lock or the record); the database by its content
    (DuckDB files differ in their bytes from write to write)."""
    return {p.name: content_bytes(p) if p.name == DATABASE_FILE else p.read_bytes() for p in sorted(out.iterdir())
            if p.is_file() and not p.name.startswith((".", "kg.sqlite")) and p.name not in SKIPPED}


def clean(docs, tmp: Path, tiny: str, **options) -> dict[str, bytes]:
    out = tmp / "clean"
    kg.api.build(write_jsonl(docs, tmp / "clean.jsonl"), out=out, models=(tiny,), cache=False, **options)
    return files(out)


@pytest.fixture
def built(tiny, tmp_path):
    """A folder built from 30 documents of ``inputs.jsonl`` (with the NER cache), and the documents."""
    docs = corpus(30)
    source = write_jsonl(docs, tmp_path / "inputs.jsonl")
    out = tmp_path / "out"
    kg.api.build(source, out=out, models=(tiny,), formats=("html", "graphml", "csv"))
    return out, source, docs


def test_nothing_new_touches_no_file_and_says_so(built):
    out, _, _ = built
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()}
    result = kg.update(out)
    assert not result.changed and "nothing changed" in result.summary()
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.iterdir() if p.is_file()} == before


@pytest.mark.parametrize("change", ["add", "remove", "change"])
def test_an_update_equals_a_clean_build(built, tiny, tmp_path, change):
    out, source, docs = built
    if change == "add":
        docs = docs + corpus(2, start=30)
    elif change == "remove":  # a retracted paper: gone from the inputs
        docs = docs[:7] + docs[8:]
    else:  # a corrected abstract: same id, new text
        docs = [*docs[:3], replace(docs[3], abstract=docs[5].abstract + " " + docs[3].abstract), *docs[4:]]
    write_jsonl(docs, source)
    result = kg.update(out)
    assert result.changed
    assert result.graph.stats.annotated == {"add": 2, "remove": 0, "change": 1}[change]
    assert result.graph.stats.documents == len(docs)
    relations = result.graph.stats.cache["relations"]  # kept per document (kg.relations.cache)
    assert relations["reused"] >= 20 and relations["predicted"] <= 6, relations
    # grounded mentions kept per document (kg.pipeline.grounding_cache): only new or changed text is grounded
    assert result.graph.stats.cache["groundings"] == {"add": {"reused": 30, "grounded": 2},
                                                      "remove": {"reused": 29, "grounded": 0},
                                                      "change": {"reused": 29, "grounded": 1}}[change]
    with sqlite3.connect(out / "kg.sqlite") as db:  # a document gone from the inputs leaves no row behind
        assert db.execute("SELECT count(*) FROM groundings").fetchone()[0] == len(docs)
    assert files(out) == clean(docs, tmp_path, tiny, formats=("html", "graphml", "csv"))
    assert not kg.update(out).changed  # and then it is up to date


def test_kept_groundings_are_not_used_when_what_grounds_changes(built, tiny, tmp_path):
    out, source, docs = built
    again = kg.api.build(source, out=out, models=(tiny,), formats=("html", "graphml", "csv"), species_apart=True)
    assert again.stats.cache["groundings"] == {"reused": 0, "grounded": 30}  # another option: grounded again
    assert files(out) == clean(docs, tmp_path, tiny, formats=("html", "graphml", "csv"), species_apart=True)


def test_the_grounding_fingerprint_follows_the_tables_code_and_options(tmp_path):
    tables = tmp_path / "data"
    (tables / "grounding").mkdir(parents=True)
    (tables / "grounding" / "terms.tsv").write_text("STAT3\thgnc:11364\n", encoding="utf-8")
    first = grounding_fingerprint(link=True, species_apart=False, data=tables)
    assert grounding_fingerprint(link=True, species_apart=False, data=tables) == first
    assert grounding_fingerprint(link=False, species_apart=False, data=tables) != first
    assert grounding_fingerprint(link=True, species_apart=True, data=tables) != first
    (tables / "grounding" / "terms.tsv").write_text("STAT3\thgnc:11365\n", encoding="utf-8")
    assert grounding_fingerprint(link=True, species_apart=False, data=tables) != first


def test_an_update_keeps_the_saved_options(tiny, tmp_path):
    docs = corpus(20)
    source = write_jsonl(docs, tmp_path / "in.jsonl")
    out = tmp_path / "out"
    kg.api.build(source, out=out, models=(tiny,), formats=("gexf", "csv"), min_count=2, evidence_cap=2)
    assert read_record(out).options["min_count"] == 2
    write_jsonl(docs + corpus(1, start=20), source)
    kg.update(out)
    assert not (out / "graph.html").exists() and (out / "graph.gexf").exists()
    assert files(out) == clean(docs + corpus(1, start=20), tmp_path, tiny, formats=("gexf", "csv"), min_count=2,
                               evidence_cap=2)


def test_an_edited_output_is_written_again(built):
    out, _, _ = built
    edges = out / "edges.csv"
    good = edges.read_bytes()
    edges.write_bytes(b"source,target\n")
    assert kg.update(out).changed
    assert edges.read_bytes() == good


@pytest.mark.parametrize("make", ["missing", "no record", "damaged record"])
def test_a_folder_that_is_no_kg_output_is_refused_with_the_fix(tmp_path, make):
    out = tmp_path / "out"
    if make != "missing":
        out.mkdir()
        (out / "notes.txt").write_text("mine")
    if make == "damaged record":
        (out / BUILD_RECORD).write_text("{not json")
    with pytest.raises(KgError, match="kg build") as err:
        kg.update(out)
    assert str(out) in str(err.value)
    res = CliRunner().invoke(app, ["update", str(out)])
    assert res.exit_code == 1 and "kg build" in res.output


def test_update_reruns_the_saved_fetch_query_and_builds_only_the_new_records(tiny, tmp_path):
    corpus_dir, out = tmp_path / "corpus", tmp_path / "out"
    client = {"api_key": "replay-test-key", "email": "kg-tests@example.org",
              "retry": RetryPolicy(max_tries=3, backoff=0.0)}
    with ReplayServer() as server:
        fetch(QUERY, corpus_dir, base_url=server.url, **client)
        first = kg.api.build(corpus_dir, out=out, models=(tiny,), formats=("csv",))
        asked = len(server.efetched())
        assert not kg.update(out, fetch_options={"base_url": server.url, **client}).changed  # nothing published
        server.publish(QUERY, "90000011", "2025/01/02")
        result = kg.update(out, fetch_options={"base_url": server.url, **client})
        assert server.efetched()[asked:] == ["90000011"]  # only the new PMID
    assert result.changed and [f.new_pmids for f in result.fetched] == [("90000011",)]
    assert result.graph.stats.documents == first.stats.documents + 1
    assert result.graph.stats.annotated == 1
    kg.api.build(corpus_dir, out=tmp_path / "clean", models=(tiny,), formats=("csv",), cache=False)
    assert files(out) == files(tmp_path / "clean")


def test_cli_update_says_nothing_changed(built):
    out, _, _ = built
    res = CliRunner().invoke(app, ["update", str(out), "--no-fetch"])
    assert res.exit_code == 0, res.output
    assert "nothing changed" in res.output


def test_the_record_names_the_inputs_absolutely(tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_jsonl(corpus(5), tmp_path / "rel.jsonl")
    kg.api.build("rel.jsonl", out="o", models=(tiny,), formats=("csv",))
    assert read_record(tmp_path / "o").paths == (os.path.join(str(tmp_path), "rel.jsonl"),)


LAYOUT = """
import json, sys
import networkx as nx
from kg.render.layout import community_layout
G = nx.Graph()
G.add_nodes_from(f"n{i}" for i in range(60))
G.add_edges_from((f"n{i}", f"n{i + 1}") for i in range(0, 49))
G.add_edge("n50", "n51")
print(json.dumps(community_layout(G, [tuple(f"n{i}" for i in range(50))]), sort_keys=True))
"""


def test_the_page_layout_does_not_depend_on_pythons_hash_seed():
    """graph.html of an update equals a clean build's only if the layout is the same in every process: nodes
    outside the communities (a subgraph view, iterated in set order) once moved with PYTHONHASHSEED."""
    import subprocess
    import sys

    runs = [subprocess.run([sys.executable, "-c", LAYOUT], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")]
    assert runs[0] and runs[0] == runs[1] == runs[2]
