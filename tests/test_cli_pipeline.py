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
