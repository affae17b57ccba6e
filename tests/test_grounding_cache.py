"""Grounded mentions kept per document (kg.pipeline.grounding_cache): what is read back equals what was
grounded, the concept table made from kept records equals the one grounded afresh, and a record is used
only under its own key."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.concepts.table import DocumentConcepts, assign_concepts, document_concepts
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.pipeline.grounding_cache import GroundingCache, decode_concepts, encode_concepts
from kg.vocabularies.linking import Concept, Linker

GENE = "Gene or gene product"


def _mention(text: str, type_: str, start: int, sent: int = 0, norm: str | None = None) -> Mention:
    return Mention(start=start, end=start + len(text), text=text, type=type_, label="x", source="test",
                   sent=sent, para=0, norm_text=norm or text)


def corpus() -> list[AnnotatedDoc]:
    """Linked genes and diseases, a composite, an abbreviation defined in one document and used bare in another."""
    return [
        AnnotatedDoc("pmid:1", ((0, 60, 0),), (_mention("STAT3", GENE, 0), _mention("JAK2-STAT3", GENE, 10),
                                               _mention("NSCLC", "Cancer", 30, norm="non-small cell lung cancer")),
                     (("NSCLC", "non-small cell lung cancer"),)),
        AnnotatedDoc("pmid:2", ((0, 30, 0), (31, 60, 0)), (_mention("NSCLC", "Cancer", 0),
                                                           _mention("P-gp", GENE, 35, sent=1))),
        AnnotatedDoc("pmid:3", ((0, 30, 0),), (_mention("exosomes", "Cellular component", 0),)),
    ]


def test_a_kept_record_reads_back_equal_and_makes_the_same_table():
    linker = Linker.default()
    grounded = [document_concepts(a, linker=linker) for a in corpus()]
    kept = [decode_concepts(d.doc_id, encode_concepts(d)) for d in grounded]
    assert kept == grounded
    assert any(d.concepts for d in kept)  # linked concepts are part of what is kept
    fresh, reused = assign_concepts(corpus(), linker=linker), assign_concepts((), grounded=iter(kept))
    pd.testing.assert_frame_equal(reused.mentions, fresh.mentions)
    assert (reused.labels, reused.types, reused.aliases, reused.curies, reused.xrefs, reused.scores, reused.agreed) \
        == (fresh.labels, fresh.types, fresh.aliases, fresh.curies, fresh.xrefs, fresh.scores, fresh.agreed)


_text = st.text(min_size=1, max_size=12)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 50), st.integers(0, 500),
                               _text, _text, _text, st.booleans(), st.integers(-1, 3), _text), max_size=8),
       score=st.floats(0, 1, allow_nan=False), abbreviations=st.lists(st.tuples(_text, _text), max_size=3))
def test_encoding_round_trips_exactly(rows, score, abbreviations):
    concepts = tuple(Concept(f"hgnc:{i}", "N", "HGNC", "u", "", GENE, (f"hgnc:{i}", "ncbigene:1"), "biolink:Gene",
                             score) for i in range(4))
    doc = DocumentConcepts("d:1", tuple(rows), concepts, tuple(abbreviations))
    assert decode_concepts("d:1", encode_concepts(doc)) == doc


def test_a_record_is_used_only_under_its_key(tmp_path):
    doc = document_concepts(corpus()[0], linker=Linker.default())
    path = tmp_path / "kg.sqlite"
    with GroundingCache(path, "stack-a") as cache:
        cache.put(doc, cache.key("text-1"))
        cache.finish(["pmid:1"])
    with GroundingCache(path, "stack-a") as cache:
        assert cache.get_many({"pmid:1": cache.key("text-1")}) == {"pmid:1": doc}
        assert cache.get_many({"pmid:1": cache.key("text-2")}) == {}  # the text changed
    with GroundingCache(path, "stack-b") as cache:  # another NER stack or grounding (tables, code, options)
        assert cache.get_many({"pmid:1": cache.key("text-1")}) == {}
        cache.finish([])  # the document left the build: its row goes
    with GroundingCache(path, "stack-a") as cache:
        assert cache.get_many({"pmid:1": cache.key("text-1")}) == {}


def test_of_equally_good_groundings_the_first_used_wins_whatever_the_order():
    """One CURIE grounded in two documents with equal scores but different records (a CTD and a MeSH page):
    the concept's record is the one of the first document by id, not of the first to arrive."""
    ctd = Concept("mesh:D002289", "NSCLC", "CTD", "https://ctdbase.org/x", "", "Cancer", ("mesh:D002289",), "", 1.0)
    mesh = Concept("mesh:D002289", "NSCLC", "MeSH", "https://meshb.nlm.nih.gov/x", "", "Cancer", ("mesh:D002289",),
                   "", 1.0)
    row = (0, 5, 0, 0, "NSCLC", "NSCLC", "Cancer", False, 0, "mesh:D002289")
    docs = [DocumentConcepts("pmid:2", (row,), (ctd,)), DocumentConcepts("pmid:10", (row,), (mesh,))]
    tables = [assign_concepts((), grounded=iter(order)) for order in (docs, docs[::-1])]
    assert {t.urls["mesh:D002289"] for t in tables} == {mesh.url}  # "pmid:10" < "pmid:2"
