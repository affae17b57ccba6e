"""The NER pass over a corpus: store reuse, kill -9 and resume, 2 processes, Dask; all with a tiny model."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from kg.errors import KgError
from kg.pipeline.ner_pass import AnnotationStats, annotate_corpus, iter_chunks
from kg.pipeline.store import MentionStore
from kg.records import Document
from tests.synthetic import corpus, write_jsonl

# scispaCy warns once per process when a text has no abbreviation candidates; not what these tests are about
pytestmark = pytest.mark.filterwarnings("ignore:.*W036")


@pytest.fixture(scope="module")
def clean(tiny) -> list:
    """The reference: every document annotated in this process, without a store."""
    return list(annotate_corpus(corpus(), models=(tiny,)))


def test_chunks_are_cut_by_text_size():
    docs = corpus(20)
    chunks = list(iter_chunks(iter(docs), chunk_bytes=1000))
    assert [d for c in chunks for d in c] == docs and len(chunks) > 2
    assert all(sum(len(d.text) for d in c[:-1]) < 1000 for c in chunks)
    assert [len(c) for c in iter_chunks(docs, chunk_bytes=10**9, max_docs=8)] == [8, 8, 4]


def test_without_a_store_it_equals_the_pipeline(tiny, clean):
    from kg.nlp.annotate import NerPipeline

    assert clean == list(NerPipeline((tiny,)).annotate(corpus()))
    assert sum(len(a.mentions) for a in clean) > 40  # a real model finding real entities


def test_the_loaded_models_are_out_of_gc_during_the_pass_only(tiny, clean):
    import gc

    counts = []
    stream = annotate_corpus(corpus(), models=(tiny,))
    for _ in stream:
        counts.append(gc.get_freeze_count())
    assert counts[0] > 1000 and gc.get_freeze_count() == 0  # frozen while it ran, nothing frozen after
    gc.freeze()  # objects the caller froze stay frozen, and the pass freezes nothing more
    try:
        mine = gc.get_freeze_count()
        assert list(annotate_corpus(corpus(), models=(tiny,))) == clean
        assert 0.9 * mine < gc.get_freeze_count() <= mine  # not unfrozen (some frozen objects were freed)
    finally:
        gc.unfreeze()


def test_store_round_trip_and_a_rebuild_annotates_only_what_is_new(tiny, clean, tmp_path, monkeypatch):
    from kg.nlp.annotate import NerPipeline

    docs = corpus()
    with MentionStore(tmp_path / "kg.sqlite") as store:
        first = AnnotationStats()
        assert list(annotate_corpus(docs, models=(tiny,), store=store, stats=first)) == clean
        assert (first.annotated, first.reused) == (40, 0)

        seen: list[str] = []
        original = NerPipeline.annotate

        def counting(self, documents):
            for doc in documents:
                seen.append(doc.id)
                yield from original(self, [doc])

        monkeypatch.setattr(NerPipeline, "annotate", counting)
        new = corpus(1, start=40)[0]
        changed = Document(id=docs[5].id, title=docs[5].title, abstract=docs[5].abstract + " TP53 is mutated.")
        again = [*docs[:5], changed, *docs[6:20], new, *docs[20:]]
        stats = AnnotationStats()
        out = list(annotate_corpus(again, models=(tiny,), store=store, stats=stats))
        assert seen == [changed.id, new.id]
        assert (stats.annotated, stats.reused, stats.documents) == (2, 39, 41)
        assert [a.doc_id for a in out] == [d.id for d in again]  # input order
        assert out[:5] == clean[:5] and out[6:20] == clean[6:20] and out[21:] == clean[20:]
        assert store.get_many(docs[:3], "another stack") == {}

        seen.clear()
        nothing_new = AnnotationStats()
        assert list(annotate_corpus(again, models=(tiny,), store=store, stats=nothing_new)) == out
        assert seen == [] and nothing_new.annotated == 0


RESUME = textwrap.dedent("""
    import json, sys, time
    from kg.pipeline.ner_pass import annotate_corpus
    from kg.records import Document
    from kg.pipeline.store import MentionStore

    model, path, docs_file = sys.argv[1:4]
    docs = [Document(**json.loads(line)) for line in open(docs_file, encoding="utf-8")]

    def slowly(docs):
        for doc in docs:
            time.sleep(0.03)
            yield doc

    with MentionStore(path) as store:
        for i, a in enumerate(annotate_corpus(slowly(docs), models=(model,), store=store, chunk_bytes=1,
                                              batch_size=2)):
            print(i, a.doc_id, flush=True)
""")


def test_a_build_killed_mid_way_resumes_to_the_same_annotations(tiny, clean, tmp_path):
    docs = corpus()
    docs_file = write_jsonl(docs, tmp_path / "docs.jsonl")
    path = tmp_path / "kg.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", RESUME, tiny, str(path), str(docs_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for _ in range(4):  # four documents committed (one chunk each), then SIGKILL while it works
            assert proc.stdout.readline(), "the build ended before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = db.execute("SELECT count(*) FROM annotations").fetchone()[0]
    db.close()
    assert 4 <= stored < len(docs)

    stats = AnnotationStats()
    with MentionStore(path) as store:
        resumed = list(annotate_corpus(docs, models=(tiny,), store=store, stats=stats))
    assert stats.reused == stored and stats.annotated == len(docs) - stored
    assert resumed == clean


def test_the_fingerprint_names_the_models_in_order_and_their_versions(tiny, tmp_path):
    import shutil

    from kg.pipeline.store import describe_stack, stack_fingerprint

    assert stack_fingerprint((tiny,)) == stack_fingerprint([tiny])
    assert stack_fingerprint((tiny,)) != stack_fingerprint((tiny, tiny))
    retrained = tmp_path / "retrained"
    shutil.copytree(tiny, retrained)
    meta = json.loads((retrained / "meta.json").read_text())
    (retrained / "meta.json").write_text(json.dumps({**meta, "version": "0.0.1"}))
    assert stack_fingerprint((str(retrained),)) != stack_fingerprint((tiny,))
    assert "spacy=" in describe_stack((tiny,))


def test_arguments_are_checked_before_anything_runs(tiny, monkeypatch):
    with pytest.raises(KgError, match="engine must be one of"):
        annotate_corpus([], models=(tiny,), engine="spark")
    for bad in (0, "many", True, 1.5):
        with pytest.raises(KgError, match="workers"):
            annotate_corpus([], models=(tiny,), workers=bad)
    with pytest.raises(KgError, match="only used with engine"):
        annotate_corpus([], models=(tiny,), scheduler="tcp://localhost:8786")
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(KgError, match=r'pip install "kg\[dask\]"'):
        annotate_corpus([], models=(tiny,), engine="dask", scheduler="tcp://localhost:8786")


def test_auto_workers_follow_cores_and_memory(monkeypatch):
    import kg.pipeline.ner_pass as parallel

    monkeypatch.setattr(parallel, "available_cores", lambda: 8)
    for memory, want in ((None, 8), (100_000, 8), (3 * parallel.WORKER_MB, 3), (100, 1)):
        monkeypatch.setattr(parallel, "available_memory_mb", lambda m=memory: m)
        assert parallel.auto_workers() == want
    assert parallel.available_memory_mb() is None or parallel.available_memory_mb() > 0


@pytest.mark.parametrize(("chunk_bytes", "auto", "want"),
                         [(10**9, 2, 1), (2000, 1, 1), pytest.param(2000, 2, 2, marks=pytest.mark.slow)])
def test_auto_annotates_in_this_process_a_corpus_of_one_chunk(tiny, clean, monkeypatch, chunk_bytes, auto, want):
    """One chunk: no worker to start whatever the machine; several to annotate: auto_workers() processes."""
    import kg.pipeline.ner_pass as parallel

    monkeypatch.setattr(parallel, "auto_workers", lambda: auto)
    if want == 1:
        monkeypatch.setattr(parallel, "_ProcessPool", None)  # a pool would fail: none is started
    stats = AnnotationStats()
    assert list(annotate_corpus(corpus(), models=(tiny,), workers="auto", chunk_bytes=chunk_bytes, stats=stats)) == clean
    assert stats.workers == want and (stats.chunks > 1) == (chunk_bytes == 2000)


@pytest.mark.parametrize(("at", "want"), [(40, 1), pytest.param(0, 2, marks=pytest.mark.slow)])
def test_auto_starts_workers_only_when_chunks_to_annotate_follow(tiny, clean, monkeypatch, tmp_path, at, want):
    """A rebuild whose one new document is in the last chunk annotates it here; at the start, workers."""
    import kg.pipeline.ner_pass as parallel

    monkeypatch.setattr(parallel, "auto_workers", lambda: 2)
    if want == 1:
        monkeypatch.setattr(parallel, "_ProcessPool", None)  # a pool would fail: none is started
    docs = corpus()
    with MentionStore(tmp_path / "kg.sqlite") as store:
        assert list(annotate_corpus(docs, models=(tiny,), store=store)) == clean
        new = corpus(1, start=40)[0]
        stats = AnnotationStats()
        out = list(annotate_corpus([*docs[:at], new, *docs[at:]], models=(tiny,), store=store, workers="auto",
                                   chunk_bytes=2000, stats=stats))
    assert (stats.annotated, stats.workers) == (1, want) and stats.chunks > 1
    assert out[at].doc_id == new.id and [*out[:at], *out[at + 1:]] == clean


def test_an_unknown_model_fails_at_the_call():
    from kg.errors import ModelNotFoundError

    with pytest.raises(ModelNotFoundError):
        annotate_corpus(corpus(2), models=("no_such_model_xyz",), workers=2)


@pytest.mark.slow
def test_two_processes_equal_one(tiny, clean, tmp_path):
    stats = AnnotationStats()
    with MentionStore(tmp_path / "kg.sqlite") as store:
        out = list(annotate_corpus(corpus(), models=(tiny,), store=store, workers=2, chunk_bytes=2000, stats=stats))
        assert store.get_many(corpus(), "x") == {} and len(store) == 40
    assert out == clean
    assert stats.annotated == 40 and stats.chunks > 4


@pytest.mark.slow
def test_dask_cluster_equals_local(tiny, clean, tmp_path):
    distributed = pytest.importorskip("distributed")

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=50) as cluster, distributed.Client(cluster) as client:
        docs = corpus()
        with MentionStore(tmp_path / "kg.sqlite") as store:
            half = AnnotationStats()
            assert list(annotate_corpus(docs[:20], models=(tiny,), store=store, engine="dask", scheduler=client,
                                        chunk_bytes=2000, stats=half)) == clean[:20]
            stats = AnnotationStats()
            out = list(annotate_corpus(docs, models=(tiny,), store=store, engine="dask", scheduler=cluster.scheduler_address,
                                       chunk_bytes=2000, stats=stats))
        assert out == clean
        assert (stats.reused, stats.annotated) == (20, 20)
        assert not client.futures  # nothing left behind on the cluster
