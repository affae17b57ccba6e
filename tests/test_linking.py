"""kg.vocabularies.linking + kg.vocabularies.terms: concept ids for genes (HGNC) and diseases (CTD MEDIC).

Two sets: on a vocabulary built from the tiny fixtures in tests/fixtures/vocab/ (exercises
kg.vocabularies.terms end to end), and on the packaged kg/data vocabularies (committed).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.vocabularies.linking import DATA_DIR, Concept, Linker, Vocabulary
from kg.vocabularies.terms import build, derive_common_words, read_word_list, uninvert

FIXTURES = Path(__file__).parent / "fixtures" / "vocab"
GENE = "Gene or gene product"


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vocab")
    build(hgnc=FIXTURES / "hgnc_mini.tsv", ctd=FIXTURES / "ctd_mini.tsv", out=out,
          common_words=read_word_list(FIXTURES / "common_words.txt"))
    for name in ("gene_supplement.tsv", "disease_supplement.tsv"):
        shutil.copy(FIXTURES / name, out / name)
    return out


@pytest.fixture(scope="module")
def fixture_linker(fixture_dir: Path) -> Linker:
    return Linker.from_dir(fixture_dir)


@pytest.fixture(scope="module")
def packaged() -> Linker:
    return Linker.default()


def curie(linker: Linker, text: str, type_: str = GENE) -> str | None:
    c = linker.link(text, type_)
    return c.curie if c else None


# --- fixture vocabulary -------------------------------------------------------------------


def test_fixture_genes(fixture_linker: Linker) -> None:
    assert curie(fixture_linker, "STAT3") == "hgnc:11364"
    assert curie(fixture_linker, "Stat3") == "hgnc:11364"  # case-insensitive for non-word symbols
    assert curie(fixture_linker, "JAK2") == "hgnc:6192"
    assert curie(fixture_linker, "Janus kinase 2") == "hgnc:6192"


@pytest.mark.parametrize("text", ["P-gp", "P - gp", "MDR1", "P-glycoprotein", "P - glycoprotein",
                                  "ATP binding cassette subfamily B member 1", "multidrug resistance protein 1"])
def test_fixture_abcb1(fixture_linker: Linker, text: str) -> None:
    c = fixture_linker.link(text, GENE)
    assert c is not None and c.curie == "hgnc:40" and c.name == "ABCB1"
    assert c.description == "ATP binding cassette subfamily B member 1"
    assert c.url == "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:40"


def test_fixture_approved_symbol_beats_alias(fixture_linker: Linker) -> None:
    # "PGP" is PGP's symbol and also an alias of PGPEP1; the approved symbol wins
    assert curie(fixture_linker, "PGP") == "hgnc:8909"
    # MDR1: previous symbol of ABCB1, alias of TBC1D9: the previous-symbol tier wins
    assert curie(fixture_linker, "MDR1") == "hgnc:40"


def test_fixture_ambiguous_alias_not_linked(fixture_linker: Linker, fixture_dir: Path) -> None:
    assert curie(fixture_linker, "CA125") is None  # alias of MUC16 and NBR1
    # NRF2 is an alias of GABPA and NFE2L2: unlinked, unless the curated supplement says so
    assert Vocabulary.load(fixture_dir, "hgnc").lookup("NRF2") is None
    assert curie(fixture_linker, "Nrf2") == "hgnc:7782"


def test_fixture_common_words(fixture_linker: Linker) -> None:
    assert curie(fixture_linker, "SET") == "hgnc:10760"  # approved symbol, exact case
    assert curie(fixture_linker, "set") is None
    assert curie(fixture_linker, "Set") is None
    assert curie(fixture_linker, "IMPACT") == "hgnc:20387"
    assert curie(fixture_linker, "impact") is None
    assert curie(fixture_linker, "mice") is None  # alias of CASP14 and a common word
    assert curie(fixture_linker, "CAT") == "hgnc:1516"
    assert curie(fixture_linker, "cat") is None


def test_fixture_segment_tie_break(fixture_linker: Linker) -> None:
    assert curie(fixture_linker, "miR-93", "RNA") == "hgnc:31645"
    assert curie(fixture_linker, "MIR9-3", "RNA") == "hgnc:31646"


def test_fixture_diseases(fixture_linker: Linker) -> None:
    c = fixture_linker.link("non-small cell lung cancer", "Cancer")
    assert c == Concept("mesh:D002289", "Carcinoma, Non-Small-Cell Lung", "MeSH",
                        "https://ctdbase.org/detail.go?type=disease&acc=MESH:D002289")
    assert curie(fixture_linker, "NSCLC", "Cancer") == "mesh:D002289"  # curated supplement
    assert curie(fixture_linker, "Non-Small-Cell Lung Carcinoma", "Disease") == "mesh:D002289"  # un-inverted
    assert curie(fixture_linker, "tumours", "Disease") == "mesh:D009369"
    assert curie(fixture_linker, "ALL", "Cancer") == "mesh:D054198"  # acronym, exact case
    assert curie(fixture_linker, "all", "Cancer") is None
    omim = fixture_linker.link("46,XX SEX REVERSAL 1", "Disease")
    assert omim is not None and omim.curie == "omim:400045" and omim.vocabulary == "OMIM"


def test_types_route_to_vocabularies(fixture_linker: Linker) -> None:
    assert curie(fixture_linker, "STAT3", "Disease") is None
    assert curie(fixture_linker, "lung cancer", GENE) is None
    assert curie(fixture_linker, "STAT3", "Chemical") is None
    assert curie(fixture_linker, "", GENE) is None


def test_withdrawn_records_are_not_vocabulary(fixture_linker: Linker) -> None:
    assert curie(fixture_linker, "A12M1") is None


def test_bad_supplement_id(tmp_path: Path) -> None:
    build(hgnc=FIXTURES / "hgnc_mini.tsv", ctd=None, out=tmp_path, common_words=())
    (tmp_path / "gene_supplement.tsv").write_text("Foo\tHGNC:999999\tno such gene\n")
    with pytest.raises(InputError, match="not in the vocabulary"):
        Linker.from_dir(tmp_path).link("Foo", GENE)


def test_missing_vocabulary_dir(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        Linker.from_dir(tmp_path)


def test_uninvert_and_common_words() -> None:
    assert uninvert("Carcinoma, Non-Small-Cell Lung") == "Non-Small-Cell Lung Carcinoma"
    assert uninvert("17,20-Lyase Deficiency, Isolated") is None
    assert uninvert("Neoplasms") is None
    assert derive_common_words(["SET", "STAT3", "MICE", "Jun", "p53", "AT"], ["set", "mice", "Jun", "at"]) == [
        "mice", "set"]


# --- packaged vocabulary ------------------------------------------------------------------


def test_packaged_files_exist_and_are_small() -> None:
    names = ["hgnc_concepts.tsv.gz", "hgnc_terms.tsv.gz", "ctd_concepts.tsv.gz", "ctd_terms.tsv.gz",
             "common_words.txt", "gene_supplement.tsv", "disease_supplement.tsv", "LICENSES.md"]
    total = 0
    for name in names:
        assert (DATA_DIR / name).is_file(), name
        total += (DATA_DIR / name).stat().st_size
    assert total < 10_000_000


@pytest.mark.parametrize(
    ("text", "expected"),
    [("STAT3", "hgnc:11364"), ("JAK2", "hgnc:6192"), ("P-gp", "hgnc:40"), ("Pgp", "hgnc:40"),
     ("MDR1", "hgnc:40"), ("P-glycoprotein", "hgnc:40"), ("P - glycoprotein", "hgnc:40"),
     ("ATP binding cassette subfamily B member 1", "hgnc:40"), ("p53", "hgnc:11998"),
     ("TNF-α", "hgnc:11892"), ("miR-21", "hgnc:31586"), ("Nrf2", "hgnc:7782"), ("miR-93", "hgnc:31645"),
     ("PGP", "hgnc:8909")],
)
def test_packaged_genes(packaged: Linker, text: str, expected: str) -> None:
    assert curie(packaged, text) == expected


@pytest.mark.parametrize("text", ["CA125", "set", "impact", "mice", "protein", "cells", "cancer"])
def test_packaged_genes_not_linked(packaged: Linker, text: str) -> None:
    assert curie(packaged, text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("NSCLC", "mesh:D002289"), ("non-small cell lung cancer", "mesh:D002289"),
     ("non - small cell lung cancers", "mesh:D002289"), ("Non-small-cell lung carcinoma", "mesh:D002289"),
     ("lung cancer", "mesh:D008175"), ("cancer", "mesh:D009369"), ("tumour", "mesh:D009369"),
     ("hepatocellular carcinoma", "mesh:D006528")],
)
def test_packaged_diseases(packaged: Linker, text: str, expected: str) -> None:
    assert curie(packaged, text, "Cancer") == expected


def test_packaged_disease_labels(packaged: Linker) -> None:
    c = packaged.link("NSCLC", "Cancer")
    assert c is not None and c.name == "Carcinoma, Non-Small-Cell Lung" and c.vocabulary == "MeSH"
    assert c.url.startswith("https://ctdbase.org/")


def test_default_is_shared(packaged: Linker) -> None:
    assert Linker.default() is packaged


def test_vocabulary_rows_are_read_plainly_and_a_short_row_names_the_file(tmp_path):
    import gzip

    from kg.vocabularies.linking import read_tsv_gz

    good = tmp_path / "good.tsv.gz"
    good.write_bytes(gzip.compress(b"id\tsymbol\tname\nHGNC:40\tABCB1\tATP binding cassette\n\n5\tA2M\t\n"))
    assert read_tsv_gz(good) == [{"id": "HGNC:40", "symbol": "ABCB1", "name": "ATP binding cassette"},
                                  {"id": "5", "symbol": "A2M", "name": ""}]
    bad = tmp_path / "bad.tsv.gz"
    bad.write_bytes(gzip.compress(b"id\tsymbol\tname\nHGNC:40\tABCB1\n"))
    with pytest.raises(InputError, match="bad.tsv.gz.*3 columns"):
        read_tsv_gz(bad)
