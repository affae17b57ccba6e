"""Concept assignment (kg.concepts.table): streamed, and independent of the order documents arrive in."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from kg.concepts.table import MENTION_COLUMNS, assign_concepts
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.vocabularies.linking import Linker

GENE = "Gene or gene product"


def mention(text: str, type_: str = GENE, *, start: int = 0, sent: int = 0, norm: str | None = None) -> Mention:
    return Mention(start=start, end=start + len(text), text=text, type=type_, label="x", source="test",
                   sent=sent, para=0, norm_text=norm or text)


def corpus() -> list[AnnotatedDoc]:
    """Ties on purpose: two casings once each, two types once each, two definitions once each."""
    return [
        AnnotatedDoc("pmid:3", ((0, 40, 0),), (mention("Exosomes"), mention("NSCLC", "Cancer", start=10)),
                     (("NSCLC", "non-small cell lung cancer"),)),
        AnnotatedDoc("pmid:1", ((0, 40, 0),), (mention("exosomes", "Cellular component"), mention("miR-21", start=12)),
                     (("NSCLC", "non small-cell lung carcinoma"),)),
        AnnotatedDoc("pmid:2", ((0, 20, 0), (21, 40, 0)), (mention("NSCLC", "Cancer"), mention("mir-21", sent=1, start=22))),
        AnnotatedDoc("pmid:10", ((0, 20, 0),), (mention("P-gp", norm="zz unlinkable transporter"),
                                                mention("zzq", start=8, norm="zz unlinkable transporter"))),
    ]


@pytest.mark.parametrize("seed", range(5))
def test_same_table_whatever_the_document_order(seed):
    linker = Linker.default()
    reference = assign_concepts(sorted(corpus(), key=lambda a: a.doc_id), linker=linker)
    docs = corpus()
    random.Random(seed).shuffle(docs)
    table = assign_concepts(iter(docs), linker=linker)  # a one-pass iterator, as NER yields them
    pd.testing.assert_frame_equal(table.mentions, reference.mentions)
    assert (table.labels, table.types, table.aliases) == (reference.labels, reference.types, reference.aliases)


def test_rows_come_in_document_id_order_and_keep_their_columns():
    table = assign_concepts(corpus(), linker=None)
    assert list(table.mentions.columns) == MENTION_COLUMNS
    docs = table.mentions["doc"].tolist()
    assert docs == sorted(docs)
    # a document's mentions keep their order
    assert table.mentions[table.mentions["doc"] == "pmid:2"]["sent"].tolist() == [0, 1]


def test_a_mention_links_by_its_own_text_not_by_a_cached_neighbour():
    """Two mentions share a long form that does not link (but reads as a gene product, kg.concepts.genes rule 4);
    only one of them has a text that does."""
    linker = Linker.default()
    for docs in (corpus(), corpus()[::-1]):
        t = assign_concepts(docs, linker=linker).mentions
        concept = dict(zip(t["text"], t["concept"], strict=True))
        assert concept["P-gp"] == "hgnc:40"
        assert concept["zzq"] != "hgnc:40"


def test_mentions_without_a_letter_or_digit_are_no_concepts():
    docs = [AnnotatedDoc("pmid:1", ((0, 40, 0),), (mention("+", "Sequence feature"), mention("STAT3", start=5),
                                                   mention("%", "Chemical", start=12), mention("+/-", start=20)))]
    table = assign_concepts(docs, linker=Linker.default())
    assert table.mentions["text"].tolist() == ["STAT3"]
    assert list(table.labels.values()) == ["STAT3"]


def test_empty_input_gives_an_empty_table():
    table = assign_concepts([], linker=None)
    assert table.mentions.empty and list(table.mentions.columns) == MENTION_COLUMNS
