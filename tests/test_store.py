"""The mention store: round trips, what counts as a hit, atomic batches (also under kill -9). No model needed."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.pipeline.store import CacheWarning, MentionStore, decode_annotations, encode_annotations
from kg.records import Document

FP = "fp-a"


def make_doc(i: int, *, abstract: str | None = None, **fields) -> Document:
    return Document(id=f"pmid:{i}", title=f"STAT3 and JAK2 in tumour {i}",
                    abstract=abstract if abstract is not None else f"STAT3 (signal transducer) drives cancer {i}.",
                    pmid=str(i), **fields)


def make_annotations(doc: Document) -> AnnotatedDoc:
    text = doc.text
    start = text.index("STAT3")
    mentions = (
        Mention(start=start, end=start + 5, text="STAT3", type="Gene", label="Gene_or_gene_product",
                source="kg_biomed", sent=0, para=0, norm_text="signal transducer"),
        Mention(start=text.index("JAK2"), end=text.index("JAK2") + 4, text="JAK2", type="Gene",
                label="Gene_or_gene_product", source="/models/ünï", sent=0, para=0, norm_text="JAK2"),
    )
    return AnnotatedDoc(doc.id, ((0, len(doc.title), 0), (len(doc.title) + 2, len(text), 1)), mentions,
                        (("STAT3", "signal transducer"),))


@pytest.fixture
def store(tmp_path):
    with MentionStore(tmp_path / "kg.sqlite") as s:
        yield s


def test_encoding_round_trip():
    doc = make_doc(1)
    a = make_annotations(doc)
    assert decode_annotations(doc.id, encode_annotations(a)) == a
    empty = AnnotatedDoc("x", (), ())
    assert decode_annotations("x", encode_annotations(empty)) == empty


def test_put_then_get_returns_equal_annotations(store):
    docs = [make_doc(i) for i in range(5)]
    pairs = [(d, make_annotations(d)) for d in docs]
    store.put_many(pairs, FP)
    got = store.get_many(docs, FP)
    assert got == {d.id: a for d, a in pairs}
    assert len(store) == 5


def test_changed_text_or_other_fingerprint_is_a_miss(store):
    doc = make_doc(1)
    store.put_many([(doc, make_annotations(doc))], FP)
    assert store.get_many([doc], "another-model") == {}
    changed = make_doc(1, abstract="STAT3 is something else entirely.")
    assert store.get_many([changed], FP) == {}
    # offsets index into the exact text: whitespace and case changes are misses too
    spaced = make_doc(1, abstract=doc.abstract.replace(" ", "  "))
    assert store.get_many([spaced], FP) == {}
    assert store.get_many([make_doc(2)], FP) == {}  # never stored
    assert store.get_many([doc], FP) == {doc.id: make_annotations(doc)}


def test_new_text_drops_annotations_under_every_fingerprint(store):
    doc = make_doc(1)
    store.put_many([(doc, make_annotations(doc))], "fp-a")
    store.put_many([(doc, make_annotations(doc))], "fp-b")
    changed = make_doc(1, abstract="Now STAT3 binds JAK2.")
    store.put_many([(changed, make_annotations(changed))], "fp-b")
    assert store.get_many([doc], "fp-a") == {}
    assert store.get_many([changed], "fp-a") == {}
    assert store.get_many([changed], "fp-b") == {changed.id: make_annotations(changed)}


def test_documents_read_back_with_their_fields_and_stale_rows_are_named(store):
    doc = make_doc(7, doi="10.1/x", authors=("Li, X", "Smith, J"), journal="Cells", year=2021,
                   keywords=("stat3",), flags=("truncated-abstract",), gold_mentions=((0, 5, "Gene", "HGNC:11364"),))
    store.put_many([(doc, make_annotations(doc))], FP)
    (back,) = store.documents([doc.id])
    assert back == doc and back.gold_mentions == doc.gold_mentions and back.url == doc.url
    assert store.lookup([doc], FP).stale == ()
    moved = make_doc(7, doi="10.1/x", authors=("Li, X",), journal="Cells", year=2022)
    found = store.lookup([moved], FP)
    assert found.annotations == (make_annotations(doc),) and found.stale == (moved,)
    store.put_many([], FP, documents=found.stale)
    assert next(store.documents([doc.id])).year == 2022
    assert store.get_many([moved], FP) == {doc.id: make_annotations(doc)}  # same text: annotations kept


def test_a_failing_batch_leaves_nothing_behind(store):
    docs = [make_doc(i) for i in range(5)]
    store.put_many([(docs[0], make_annotations(docs[0]))], FP)
    # the 4th annotation insert fails, after documents and 3 annotations were written in the transaction
    store._db.execute("CREATE TRIGGER boom BEFORE INSERT ON annotations WHEN NEW.doc_id = 'pmid:3' "
                      "BEGIN SELECT RAISE(ABORT, 'boom'); END")
    with pytest.raises(sqlite3.DatabaseError, match="boom"):
        store.put_many([(d, make_annotations(d)) for d in docs[1:]], FP)
    assert len(store) == 1
    assert set(store.get_many(docs, FP)) == {docs[0].id}
    store._db.execute("DROP TRIGGER boom")
    store.put_many([(d, make_annotations(d)) for d in docs[1:]], FP)
    assert len(store.get_many(docs, FP)) == 5


WRITER = textwrap.dedent("""
    import sys
    from kg.nlp.annotate import AnnotatedDoc, Mention
    from kg.records import Document
    from kg.pipeline.store import MentionStore

    store = MentionStore(sys.argv[1])
    mention = Mention(0, 5, "STAT3", "Gene", "Gene_or_gene_product", "m", 0, 0, "STAT3")
    for b in range(10_000):
        docs = [Document(id=f"b{b}-{j}", title="STAT3 " * 50, abstract=f"batch {b} doc {j} " * 40) for j in range(200)]
        store.put_many([(d, AnnotatedDoc(d.id, ((0, 5, 0),), (mention,) * 20)) for d in docs], "fp")
        print(b, flush=True)
""")


@pytest.mark.parametrize("delay", [0.0, 0.13, 0.31])
def test_kill_9_during_writes_leaves_only_whole_batches(tmp_path, delay):
    path = tmp_path / "kg.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # three batches committed, then kill at some point in a later one
            assert proc.stdout.readline(), "the writer stopped before it was killed"
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    per_batch: dict[str, list[int]] = {}
    for doc_id, n in db.execute("SELECT d.id, count(a.doc_id) FROM documents d "
                                "LEFT JOIN annotations a ON a.doc_id = d.id GROUP BY d.id"):
        per_batch.setdefault(doc_id.split("-")[0], []).append(n)
    db.close()
    assert len(per_batch) >= 3
    assert all(len(ns) == 200 and set(ns) == {1} for ns in per_batch.values()), "a batch was half written"
    with MentionStore(path) as store:  # reopens and keeps working
        assert len(store) == 200 * len(per_batch)


def test_a_file_that_is_not_a_store_is_moved_aside_with_a_message(tmp_path):
    bad = tmp_path / "kg.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.warns(CacheWarning, match="moved it to kg.sqlite.corrupt-"), MentionStore(bad) as store:
        assert len(store) == 0 and store.report.moved_aside
    (aside,) = tmp_path.glob("kg.sqlite.corrupt-*")
    assert aside.read_bytes() == b"this is not sqlite" * 100


def test_a_directory_means_the_default_file_in_it(tmp_path):
    with MentionStore(tmp_path) as store:
        assert store.path == tmp_path / "kg.sqlite"


def test_the_ner_code_hash_covers_what_kg_nlp_imports():
    from kg.pipeline.store import kg_imports, ner_code_hash

    assert {"kg.nlp.heads", "kg.nlp.sentences", "kg.records"} <= kg_imports("kg.nlp.annotate")
    assert len(ner_code_hash()) == 12 and ner_code_hash() == ner_code_hash()


def test_the_ner_code_hash_covers_the_model_components():
    """spaCy loads kg's components through entry points; their code decides NER output too."""
    from kg.pipeline.store import ner_modules

    assert {"kg.nlp.annotate", "kg.nlp.entity_tagger", "kg.nlp.gazetteer", "kg.nlp.sentences", "kg.nlp.tokenizer"} <= set(ner_modules())
