"""``kg`` as a command in a pipeline: warnings, the cache report, ``-`` for stdin/stdout, usage errors
(exit 2), help at 80 columns, fetch (#24, #25)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from tests.synthetic import corpus, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")


@pytest.fixture(scope="module")
def docs_file(tmp_path_factory):
    return write_jsonl(corpus(8), tmp_path_factory.mktemp("docs") / "docs.jsonl")


def test_a_damaged_cache_is_a_warning_line_and_is_reported_in_the_summary(tiny, docs_file, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kg.sqlite").write_bytes(b"not a database at all" * 100)
    res = CliRunner().invoke(app, ["build", str(docs_file), "--out", str(out), "-m", tiny, "--format", "csv"])
    assert res.exit_code == 0, res.output
    warning = next(line for line in res.output.splitlines() if "NER cache" in line and "moved it" in line)
    assert warning.startswith("kg: warning: the NER cache ") and "CacheWarning" not in res.output
    cache = json.loads((out / "summary.json").read_text())["cache"]
    assert len(cache["moved_aside"]) == 1 and cache["warnings"] and cache["rejected"] == 0
    assert "NER cache: 1 problem(s)" in res.output

    res = CliRunner().invoke(app, ["build", str(docs_file), "--out", str(out), "-m", tiny, "--format", "csv"])
    assert res.exit_code == 0 and "kg: warning" not in res.output  # a clean cache next time
    assert json.loads((out / "summary.json").read_text())["cache"]["moved_aside"] == []


def test_build_reads_stdin_for_dash(tiny, docs_file, tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["build", "-", "--out", str(out), "-m", tiny, "--format", "csv"],
                             input=docs_file.read_bytes())
    assert res.exit_code == 0, res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == 8 and (out / "nodes.csv").exists()
    assert not any(Path(f).exists() for f in summary["files_read"])  # the spooled copy is gone


def test_export_writes_stdout_for_dash(seeds_graph):
    _, out = seeds_graph
    res = CliRunner().invoke(app, ["export", str(out / "graph.graphml"), "--out", "-", "--format", "graphml"])
    assert res.exit_code == 0
    back = nx.read_graphml(io.BytesIO(res.stdout_bytes))
    assert back.number_of_nodes() == seeds_graph[0].graph.number_of_nodes()
    assert not Path("-").exists()


@pytest.mark.parametrize("args, needle", [
    (["export", "GRAPH", "--out", "-"], "needs a one-file format"),
    (["export", "GRAPH", "--out", "-", "--format", "csv"], "needs a one-file format"),
    (["build", "DOCS", "--out", "OUT", "--graphml-evidence", "some"], "graphml-evidence"),
    (["build", "DOCS", "--out", "OUT", "--format", "pdf"], "unknown output format 'pdf'"),
    (["build", "DOCS", "--bogus"], "No such option: --bogus"),
    (["build"], "Missing argument"),
    (["fetch", "q"], "Missing option '--out'"),
])
def test_usage_errors_exit_2(seeds_graph, docs_file, tmp_path, args, needle):
    names = {"GRAPH": str(seeds_graph[1] / "graph.graphml"), "DOCS": str(docs_file), "OUT": str(tmp_path / "o")}
    res = CliRunner().invoke(app, [names.get(a, a) for a in args])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()


def test_graphml_evidence_all_keeps_every_sentence(tiny, docs_file, tmp_path):
    sizes = {}
    for mode in ("top", "all"):
        res = CliRunner().invoke(app, ["build", str(docs_file), "--out", str(tmp_path / mode), "-m", tiny, "-q",
                                       "--format", "graphml", "--graphml-evidence", mode, "--no-cache"])
        assert res.exit_code == 0, res.output
        sizes[mode] = (tmp_path / mode / "graph.graphml").stat().st_size
    assert sizes["all"] > sizes["top"]


@pytest.mark.parametrize("command", ["build", "export", "fetch", "train", "evaluate", "models", None])
def test_help_is_readable_at_80_columns(command):
    from typer.main import get_command

    group = get_command(app)
    cmd = group if command is None else group.commands[command]
    res = CliRunner().invoke(app, ([command] if command else []) + ["--help"], env={"COLUMNS": "80"},
                             terminal_width=80)
    assert res.exit_code == 0
    assert max(map(len, res.output.splitlines())) <= 80 and "…" not in res.output
    for param in cmd.params:
        for opt in param.opts if param.param_type_name == "option" else ():
            assert opt in res.output, f"{opt} is not shown whole in `kg {command} --help`"
    if command == "build":
        assert "kgx" in res.output and "neo4j" in res.output and "--graphml-evidence" in res.output


def test_fetch_command_against_a_replay_of_eutils(tmp_path):
    from tests.eutils_replay import QUERY, ReplayServer

    with ReplayServer() as server:
        env = {"KG_EUTILS_URL": server.url, "NCBI_API_KEY": "replay-test-key", "NCBI_EMAIL": "kg@example.org"}
        res = CliRunner().invoke(app, ["fetch", QUERY, "--out", str(tmp_path), "--max", "4"], env=env)
    assert res.exit_code == 0, res.output
    assert "4" in res.output and sorted(p.name for p in tmp_path.glob("*.xml"))
    res = CliRunner().invoke(app, ["fetch", QUERY, "--out", str(tmp_path), "--since", "yesterday"], env=env)
    assert res.exit_code != 0 and "kg: error: since='yesterday' is not a date" in res.output


@pytest.mark.parametrize("args, needle", [
    (["--min-score", "nan"], "option min_score (--min-score): nan is not a number"),
    (["--top-edges-per-node", "0"], "option top_edges_per_node (--top-edges-per-node): 0 is not a whole number >= 1"),
    (["--top-edges-per-node", "-1"], "option top_edges_per_node (--top-edges-per-node): -1 is not a whole number"),
    (["--out", "FILE"], "is a file"),
])
def test_bad_build_options_are_usage_errors_before_any_work(docs_file, tmp_path, args, needle):
    (tmp_path / "file").write_text("x")
    args = [str(tmp_path / "file") if a == "FILE" else a for a in args]
    out = [] if "--out" in args else ["--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, ["build", str(docs_file), *out, *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists() and (tmp_path / "file").read_text() == "x"


@pytest.mark.parametrize("paths", [123, None, b"docs.jsonl", ["ok.jsonl", 7], {"a": 1}])
def test_build_names_a_paths_argument_that_is_not_a_path(paths):
    import kg

    with pytest.raises(kg.errors.OptionError, match=r"option paths .* is not a path") as err:
        kg.build(paths)
    assert isinstance(err.value, kg.errors.KgError) and err.value.option == "paths"


def test_types_given_as_one_string_is_one_type(tiny, docs_file):
    import kg

    full = kg.build(docs_file, models=(tiny,))
    edge_types = {full.graph.nodes[u]["type"] for u, v in full.graph.edges if full.graph.nodes[v]["type"] == full.graph.nodes[u]["type"]}
    wanted = sorted(edge_types)[0]  # a type with an edge between two of its nodes
    one = kg.build(docs_file, models=(tiny,), types=wanted)
    listed = kg.build(docs_file, models=(tiny,), types=[wanted])
    assert one.stats.edges == listed.stats.edges > 0
    assert set(one.graph.edges) == set(listed.graph.edges) and not one.stats.notes
    typo = kg.build(docs_file, models=(tiny,), types="Gen")
    assert typo.stats.edges == 0 and "'Gen' is no entity type of this corpus" in typo.stats.notes[0]


def test_workers_are_capped_by_cores_and_memory(tiny, docs_file, tmp_path):
    import kg
    from kg.pipeline.ner_pass import auto_workers

    g = kg.build(docs_file, models=(tiny,), workers=1000, out=tmp_path, formats="csv")
    assert g.stats.documents == 8
    assert f"workers=1000 capped at {auto_workers()}: " in g.stats.notes[0] and "core" in g.stats.notes[0]
    assert json.loads((tmp_path / "summary.json").read_text())["notes"] == g.stats.notes


ENTITIES = b"""<?xml version="1.0"?>
<!DOCTYPE graphml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><key id="d0" for="node" attr.name="label"
attr.type="string"/><graph edgedefault="undirected"><node id="n1"><data key="d0">&b;</data></node></graph></graphml>"""


@pytest.mark.parametrize("name, content, needle", [
    ("bomb.graphml", ENTITIES, "declares a document type"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("deep.cyjs", b'{"elements": {"nodes": ' + b"[" * 50_000 + b"]" * 50_000 + b"}}", "nested too deeply"),
])
def test_export_refuses_hostile_graph_files(tmp_path, name, content, needle):
    (tmp_path / name).write_bytes(content)
    res = CliRunner().invoke(app, ["export", str(tmp_path / name), "--out", str(tmp_path / "x.gexf")])
    assert res.exit_code == 1 and f"kg: error: {tmp_path / name}: " in res.output and needle in res.output
    assert "Traceback" not in res.output and "aaaaaaaaaa" not in res.output and not (tmp_path / "x.gexf").exists()


def test_escape_sequences_in_file_names_are_shown_escaped(tmp_path):
    name = tmp_path / "nope\x1b[2J\x07.jsonl"
    res = CliRunner().invoke(app, ["build", str(name), "--out", str(tmp_path / "o")])
    assert res.exit_code != 0
    assert "\x1b" not in res.output and "\x07" not in res.output
    assert "nope\\x1b[2J\\x07.jsonl" in res.output


def test_export_to_a_reader_that_stops_early_ends_quietly(seeds_graph):
    import subprocess
    import sys

    kg_command = Path(sys.executable).parent / "kg"
    if not kg_command.exists():
        pytest.skip("the kg console script is not installed next to this Python")
    proc = subprocess.Popen([str(kg_command), "export", str(seeds_graph[1]), "--out", "-", "--format", "graphml"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    assert proc.stdout.read(10) == b"<?xml vers"
    proc.stdout.close()  # as `| head -c 10` does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode in (0, 1) and b"Broken pipe" not in err and b"Traceback" not in err, err
