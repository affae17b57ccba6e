"""Build options: every one checked before any input is read; usage errors exit 2 naming the option."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kg
from kg.cli import app
from kg.errors import OptionError
from kg.pipeline.options import DEFAULT_FORMATS, FORMATS, BuildOptions

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

BAD = [
    ("score", {"score": "tfdif"}),
    ("window", {"window": "paragraph"}),
    ("min_count", {"min_count": -1}),
    ("min_count", {"min_count": 1.5}),
    ("min_score", {"min_score": math.nan}),
    ("min_score", {"min_score": "0.2"}),
    ("top_edges_per_node", {"top_edges_per_node": 0}),
    ("workers", {"workers": 0}),
    ("workers", {"workers": "many"}),
    ("workers", {"workers": True}),
    ("formats", {"formats": ["html", "pdf"]}),
    ("formats", {"formats": "pdf"}),
    ("max_nodes", {"max_nodes": -5}),
    ("max_edges", {"max_edges": 2.5}),
    ("engine", {"engine": "spark"}),
    ("scheduler", {"scheduler": "tcp://127.0.0.1:8786"}),
    ("batch_size", {"batch_size": 0}),
    ("evidence_cap", {"evidence_cap": -1}),
    ("generic_terms", {"generic_terms": "no/such/terms.txt"}),
    ("write_processes", {"write_processes": 0}),
    ("colour", {"colour": "red"}),
]


@pytest.mark.parametrize(("option", "kwargs"), BAD, ids=[f"{o}-{i}" for i, (o, _) in enumerate(BAD)])
def test_a_bad_option_is_named_before_any_input_is_read(tmp_path, option, kwargs):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"title": "x"')  # reading it would fail: the option must fail first
    with pytest.raises(OptionError) as err:
        BuildOptions.checked(corpus, out=tmp_path / "out", **kwargs)
    assert err.value.option == option and option in str(err.value)
    assert not (tmp_path / "out").exists()


def test_kg_build_checks_its_options_first(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"title": "x"')
    with pytest.raises(OptionError, match="--score"):
        kg.build(corpus, out=tmp_path / "out", score="tfdif")
    assert not (tmp_path / "out").exists()


def test_single_strings_mean_one_item_and_defaults_are_filled():
    o = BuildOptions.checked(SEEDS, types="Gene or gene product", models="kg_biomed", formats="graphml")
    assert o.types == ("Gene or gene product",) and o.models == ("kg_biomed",) and o.formats == ("graphml",)
    d = BuildOptions.checked(SEEDS)
    assert d.models == ("kg_biomed",) and d.formats == DEFAULT_FORMATS
    assert d.score == ("relation" if d.relations == "on" else "tfidf")  # the relation model's, when it loads
    assert d.types is None
    assert BuildOptions.checked(SEEDS, formats=["all"]).formats == FORMATS
    with pytest.raises(AttributeError):
        d.window = "document"  # frozen


def test_a_missing_input_path_is_named(tmp_path):
    with pytest.raises(kg.InputError, match="nope"):
        BuildOptions.checked(tmp_path / "nope")


@pytest.mark.parametrize(("args", "flag"), [
    (["--score", "tfdif"], "--score"),
    (["--window", "para"], "--window"),
    (["--top-edges-per-node", "0"], "--top-edges-per-node"),
    (["--format", "pdf"], "--format"),
    (["--engine", "spark"], "--engine"),
])
def test_cli_usage_errors_exit_2_naming_the_option(tmp_path, args, flag):
    res = CliRunner().invoke(app, ["build", str(SEEDS), "-o", str(tmp_path / "out"), *args])
    assert res.exit_code == 2, res.output
    assert flag in res.output
    assert not (tmp_path / "out").exists()


def test_cli_version_and_short_help():
    runner = CliRunner()
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.strip() == f"kg {kg.__version__}"
    from importlib.metadata import version as installed

    assert kg.__version__ == installed("kg")
    for args in (["-h"], ["build", "-h"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0 and "Usage" in res.output
