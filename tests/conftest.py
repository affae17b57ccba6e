"""Shared fixtures: paths to the committed fixtures and one bundled pipeline per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEEDS = ROOT / "seeds"


def load_benchmark(name: str):
    """Import ``benchmarks/<name>.py`` (not a package) so tests can call its functions."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> str:
    """A one-head model trained on the committed fixture (seconds), for tests of the NER pass's plumbing."""
    from kg.training.train import train

    out = tmp_path_factory.mktemp("tiny-model")
    train(FIXTURES / "ner" / "tiny.cfg", out, overrides={"paths.corpora": str(FIXTURES / "ner")}, log=lambda _: None)
    return str(out)


@pytest.fixture(scope="session")
def bundled_nlp():
    """kg's bundled NER pipeline, loaded once for the whole session."""
    from kg.nlp.models import DEFAULT_MODEL, load_model

    return load_model(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def ner_pipeline():
    """The NER pass as builds use it (bundled model + sentences + abbreviations), loaded once."""
    from kg.nlp.annotate import NerPipeline

    return NerPipeline()


@pytest.fixture(scope="session")
def seeds_graph(tmp_path_factory):
    """``kg build seeds/`` run once per session through the Python API, with all outputs written."""
    import kg

    out = tmp_path_factory.mktemp("seeds-out")
    return kg.build(SEEDS, out=out, formats=["all"]), out


@pytest.fixture(scope="session")
def dated(tmp_path_factory) -> Path:
    """12 synthetic documents with years 2010-2013 (one without a year), as JSONL (:func:`tests.synthetic.write_dated`)."""
    from tests.synthetic import write_dated

    return write_dated(tmp_path_factory.mktemp("dated") / "docs.jsonl")


@pytest.fixture(scope="session")
def dated_build(tiny, dated, tmp_path_factory):
    """``dated`` built once with the tiny model into a folder (GraphML, CSV, the database): (graph, folder)."""
    import kg

    out = tmp_path_factory.mktemp("dated-out")
    return kg.build(dated, models=(tiny,), out=out, relations="off", formats=["graphml", "csv", "duckdb"]), out
