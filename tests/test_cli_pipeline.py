"""``kg`` as a command in a pipeline: warnings, the cache report, ``-`` for stdin/stdout, usage errors
(exit 2), help at 80 columns, fetch (#24, #25)."""

from __future__ import annotations

import json

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
