"""The NER pass on raw sentences (not pre-tokenised corpus lines), with the bundled pipeline."""

from __future__ import annotations

import pytest

from kg.records import Document


def mentions(pipeline, text, title="A title"):
    (adoc,) = pipeline.annotate([Document(id="t", title=title, abstract=text)])
    return adoc


def test_bundled_pipeline_has_three_heads_on_one_tok2vec(bundled_nlp):
    heads = [n for n in bundled_nlp.pipe_names if n.startswith("ner_")]
    assert heads == ["ner_bionlp13cg", "ner_bc5cdr", "ner_craft"]
    t2v = bundled_nlp.get_pipe("tok2vec")
    assert set(t2v.listening_components) == set(heads)


@pytest.mark.parametrize(
    ("text", "surface", "types"),
    [
        ("Expression of miR-21 was increased in tumour tissue.", "miR-21", {"Gene or gene product", "Sequence feature", "RNA"}),
        ("P-glycoprotein pumps drugs out of the cell.", "P-glycoprotein", {"Gene or gene product"}),
        ("STAT3 is phosphorylated by JAK2 in HeLa cells.", "STAT3", {"Gene or gene product"}),
        ("Cisplatin induced nephrotoxicity in rats.", "Cisplatin", {"Chemical"}),
    ],
)
def test_raw_sentences_are_tagged(ner_pipeline, text, surface, types):
    adoc = mentions(ner_pipeline, text)
    found = {m.text: m.type for m in adoc.mentions}
    assert surface in found, found
    assert found[surface] in types


def test_abbreviations_resolve_to_their_long_form(ner_pipeline):
    adoc = mentions(ner_pipeline, "Drug resistance in non-small cell lung cancer (NSCLC) is common. "
                                  "Patients with NSCLC were treated with cisplatin.")
    nsclc = [m for m in adoc.mentions if m.text == "NSCLC"]
    assert len(nsclc) >= 1
    assert {m.norm_text for m in nsclc} == {"non-small cell lung cancer"}
    assert ("NSCLC", "non-small cell lung cancer") in adoc.abbreviations


def test_sentences_and_paragraphs(ner_pipeline):
    adoc = mentions(ner_pipeline, "STAT3 is active. JAK2 is too.", title="STAT3 in cancer")
    assert [p for _, _, p in adoc.sentences] == [0, 1, 1]
    by_text = {(m.text, m.sent, m.para) for m in adoc.mentions}
    assert ("STAT3", 0, 0) in by_text and ("JAK2", 2, 1) in by_text


def test_composite_gene_mentions_split_into_genes(ner_pipeline):
    from kg.concepts.table import assign_concepts
    from kg.vocabularies.linking import Linker

    adoc = mentions(ner_pipeline, "The JAK2-STAT3 signaling pathway drives tumour growth.")
    table = assign_concepts([adoc], linker=Linker.default())
    assert {"hgnc:6192", "hgnc:11364"} <= set(table.mentions["concept"])


def test_models_stack_with_a_stated_rule(tmp_path_factory, fixtures):
    """A second pipeline (here a tiny one trained on the fixture) adds its spans; overlaps keep the longest."""
    from kg.nlp.annotate import NerPipeline
    from kg.training.train import train

    out = tmp_path_factory.mktemp("tiny-stack")
    train(fixtures / "ner" / "tiny.cfg", out, overrides={"paths.corpora": str(fixtures / "ner")}, log=lambda _: None)
    stacked = NerPipeline(("kg_biomed", str(out)))
    (adoc,) = stacked.annotate([Document(id="x", title="T", abstract="TGF-beta signalling in chronic myeloid leukemia.")])
    spans = sorted((m.start, m.end) for m in adoc.mentions)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert stacked.models == ("kg_biomed", str(out))


def test_bundled_head_is_chosen_from_the_file_labels(fixtures):
    from kg.training.evaluate import evaluate

    scores = evaluate(fixtures / "ner" / "tiny_dev.tsv")
    assert scores["head"] == "ner:bionlp13cg"
    assert scores["f1"] > 50  # a trained model, on sentences it never saw
