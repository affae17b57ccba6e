"""Whole builds (``kg.api.build``, files written) come out byte for byte the same however the NER pass ran:
killed with SIGKILL and run again, two worker processes, a Dask LocalCluster. All with the tiny model.

tests/test_parallel.py checks the same at the level of the annotations; these check that nothing after
the NER pass (concepts, counts, scores, evidence, the writers) depends on how the pass ran.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import kg.api
from kg.export.database import database_content
from tests.synthetic import SLOW_NER, corpus, stored, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")

#: The files compared (summary.json holds timings and paths, kg.sqlite the cache itself).
COMPARED = ("graph.graphml", "nodes.csv", "edges.csv", "graph.html")


@pytest.fixture(scope="module")
def docs_file(tmp_path_factory) -> Path:
    return write_jsonl(corpus(40), tmp_path_factory.mktemp("docs") / "docs.jsonl")


@pytest.fixture(scope="module")
def reference(tiny, docs_file, tmp_path_factory) -> dict[str, bytes]:
    """The files of a clean one-process build without a cache."""
    out = tmp_path_factory.mktemp("reference")
    g = kg.api.build(docs_file, out=out, models=(tiny,), cache=False)
    assert g.stats.edges > 50 and g.stats.documents == 40  # a real graph to compare
    return files(out)


def files(out: Path) -> dict[str, bytes | str]:
    """The bytes of the :data:`COMPARED` files, and the database's content as text (DuckDB files are
    not byte-stable; the tables, rows sorted, are compared)."""
    content = database_content(out)
    return {**{name: (out / name).read_bytes() for name in COMPARED},
            "kg.duckdb": "".join(f"{name}\n{frame.to_csv(index=False)}" for name, frame in content.items())}


def small_chunks(monkeypatch) -> None:
    """Chunks of about 2 kB of text: the 40 documents go out in several chunks (to workers, to Dask)."""
    import kg.pipeline.ner_pass

    monkeypatch.setitem(kg.pipeline.ner_pass.CHUNK_BYTES, "local", 2000)
    monkeypatch.setitem(kg.pipeline.ner_pass.CHUNK_BYTES, "dask", 2000)


KILLED = SLOW_NER + textwrap.dedent("""
    import sys
    import kg.api

    model, docs_file, out = sys.argv[1:4]
    kg.api.build(docs_file, out=out, models=(model,))
""")


@pytest.mark.slow
def test_a_build_killed_mid_way_and_run_again_equals_a_clean_build(tiny, docs_file, reference, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, tiny, str(docs_file), str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while stored(out / "kg.sqlite") < 5:
            assert proc.poll() is None, f"the build ended before it could be killed: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "no document was stored within two minutes"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = stored(out / "kg.sqlite")
    assert 5 <= done < 40 and not (out / "graph.graphml").exists()  # killed inside the NER pass

    again = kg.api.build(docs_file, out=out, models=(tiny,))
    assert (again.stats.reused, again.stats.annotated) == (done, 40 - done)
    assert files(out) == reference


@pytest.mark.slow
def test_two_worker_processes_build_the_same_files(tiny, docs_file, reference, tmp_path, monkeypatch):
    small_chunks(monkeypatch)
    g = kg.api.build(docs_file, out=tmp_path, models=(tiny,), workers=2, cache=False)
    assert g.stats.annotated == 40
    assert files(tmp_path) == reference


@pytest.mark.slow
def test_a_dask_local_cluster_builds_the_same_files(tiny, docs_file, reference, tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")

    small_chunks(monkeypatch)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster:
        g = kg.api.build(docs_file, out=tmp_path, models=(tiny,), engine="dask",
                         scheduler=cluster.scheduler_address, cache=False)
    assert g.stats.annotated == 40
    assert files(tmp_path) == reference


def test_a_rebuild_with_one_new_document_annotates_only_it_and_equals_a_clean_build(tiny, tmp_path):
    docs = corpus(41)
    out = tmp_path / "out"
    kg.api.build(write_jsonl(docs[:40], tmp_path / "a.jsonl"), out=out, models=(tiny,))
    grown = write_jsonl(docs, tmp_path / "b.jsonl")
    again = kg.api.build(grown, out=out, models=(tiny,))
    assert (again.stats.annotated, again.stats.reused) == (1, 40)
    kg.api.build(grown, out=tmp_path / "clean", models=(tiny,), cache=False)
    assert files(out) == files(tmp_path / "clean")
