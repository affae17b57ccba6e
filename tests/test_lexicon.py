"""Dictionary tagging (gene symbols, curated names and class terms) and curated-term linking."""

from __future__ import annotations

import pytest
import spacy

from kg.nlp.gene_tagger import GENE, LexiconTagger
from kg.nlp.tokenizer import make_split_tokenizer
from kg.vocabularies.linking import Linker


@pytest.fixture(scope="module")
def tag():
    nlp = spacy.blank("en")
    nlp.tokenizer = make_split_tokenizer(nlp.vocab)
    tagger = LexiconTagger.default()

    def run(text):
        doc = nlp(text)
        return [(text[a:b], label) for a, b, label, _ in tagger.tag(doc)]

    return run


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("JAK2-STAT3 signalling", [("JAK2", GENE), ("STAT3", GENE)]),
        ("SDS-PAGE of lysates", []),  # glued to a non-symbol: not a gene mention
        ("P-glycoprotein and MDR1", [("P-glycoprotein", GENE), ("MDR1", GENE)]),
        ("the SET of CAT results", []),  # approved symbols that are English words are left to the models
        ("Exosomes carry microRNAs (miRNAs).", [("Exosomes", "Cellular component"), ("microRNAs", "Sequence feature"),
                                               ("miRNAs", "Sequence feature")]),
        ("the 3' UTR of the mRNA", [("3' UTR", "Sequence feature"), ("mRNA", "Sequence feature")]),
    ],
)
def test_lexicon_tags(tag, text, expected):
    assert tag(text) == expected


@pytest.mark.parametrize(
    ("text", "type_", "curie", "name"),
    [
        ("exosomes", "Cell", "go:0070062", "extracellular exosome"),  # any type: a class term names one thing
        ("micro-RNAs", "Sequence feature", "so:0000276", "miRNA"),
        ("Golgi complex", "Cellular component", "go:0005794", "Golgi apparatus"),
        ("STAT3", "Gene or gene product", "hgnc:11364", "STAT3"),
    ],
)
def test_curated_terms_link_with_their_type(text, type_, curie, name):
    concept = Linker.default().link(text, type_)
    assert concept is not None and concept.curie == curie and concept.name == name
    if curie.startswith(("go:", "so:")):
        assert concept.type in {"Cellular component", "Sequence feature"} and concept.url.startswith("http")
