"""Scraped journal pages: the five seeds, the same layouts with other content, plain text and HTML."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.ingest import read_documents
from kg.ingest.boilerplate import boilerplate_reason, is_affiliation, is_funding, strip_boilerplate_sentences
from kg.ingest.scraped import page_layout, parse_page, split_last_first_run

SEEDS = Path(__file__).resolve().parents[1] / "seeds"

BOILERPLATE = (
    "licence",
    "license",
    "Cited by",
    "Copyright",
    "©",
    "京ICP",
    "ICP",
    "Autores",
    "_version_",
    "author_facet",
    "Department of",
    "Cargando",
    "Author Information",
    "Foundation",
    "Zunyi",
    "贵州",
    "|",
    "VernacularTitle",
    "Abstract:",
    "- ",
    "Creative Commons",
    "订阅",
)


@pytest.fixture(scope="module")
def seeds():
    docs, report = read_documents(SEEDS)
    assert report.skipped == [] and len(docs) == 5
    return {Path(d.source).name[:3]: d for d in docs}


def test_seed_000_field_list_page(seeds):
    doc = seeds["000"]
    assert doc.title == "Role of STAT3 in Resistance of Non-small Cell Lung Cancer."
    assert (
        doc.doi == "10.3779/j.issn.1009-3419.2019.07.08"
        and doc.id == "doi:10.3779/j.issn.1009-3419.2019.07.08"
    )
    assert doc.pmid is None
    assert doc.authors == ("Sun, Sibo", "Jin, Shidai", "Guo, Renhua")
    assert doc.journal == "Chinese Journal of Lung Cancer" and doc.year == 2019
    assert doc.keywords == ("Acquired drug resistance", "Lung neoplasms", "STAT3 transcription factor")
    assert doc.language == "chi"
    assert doc.abstract.startswith("The inflammatory state of tumor microenvironment play an important role")
    assert doc.abstract.endswith("acquired drug resistance in NSCLC.")


def test_seed_001_field_list_page_with_vernacular_title(seeds):
    doc = seeds["001"]
    assert doc.title == "Role of JAK2-STAT3 signaling pathway in tumorigenesis and development"
    assert doc.doi == "10.3760/cma.j.cn371439-20210428-00146"
    assert doc.authors == ("Luo, Pan", "Zeng, Yan", "Wu, Weili")
    assert doc.journal == "Journal of International Oncology" and doc.year == 2021
    assert doc.keywords == ("Neoplasms", "JAK2-STAT3 signaling pathway")
    assert doc.abstract.startswith("JAK2-STAT3 signaling pathway, as the main chain")
    assert doc.abstract.endswith("clinical treatment of tumors and prognosis.")
    assert "信号" not in doc.abstract and "信号" not in doc.title


def test_seed_002_vufind_table_page(seeds):
    doc = seeds["002"]
    assert doc.title == "Tumor-associated exosomes promote lung cancer metastasis through multiple mechanisms"
    assert doc.pmid == "34511114" and doc.id == "pmid:34511114"
    assert doc.pmcid == "PMC8436438"
    assert doc.doi == "10.1186/s12943-021-01411-w"
    assert doc.authors == ("Jiang, Chunyang", "Zhang, Na", "Hu, Xiaoli", "Wang, Hongyan")
    assert doc.journal == "Mol Cancer" and doc.year == 2021 and doc.language == "eng"
    assert doc.abstract.startswith("As an important medium of intercellular communication, exosomes play")
    assert doc.abstract.endswith("lung cancer metastasis in the near future.")
    assert doc.abstract.count("As an important medium of intercellular communication") == 1
    assert doc.abstract.count("Lung cancer is a major malignant tumor") == 1
    assert "..." not in doc.abstract


def test_seed_003_publisher_page(seeds):
    doc = seeds["003"]
    assert doc.title == "MiRNA-Based Therapies for Lung Cancer: Opportunities and Challenges?"
    assert doc.authors == (
        "Yang Han",
        "Liu Yufang",
        "Chen Longqing",
        "Zhao Juanjuan",
        "Guo Mengmeng",
        "Zhao Xu",
        "Wen Zhenke",
        "He Zhixu",
        "Chen Chao",
        "Xu Lin",
    )
    assert doc.keywords == ("Molecular Biology", "Biochemistry")
    assert doc.doi is None and doc.pmid is None and doc.journal is None and doc.year is None
    assert doc.id.startswith("text:")
    assert doc.abstract.startswith("Lung cancer is a commonly diagnosed cancer and the leading cause")
    assert doc.abstract.endswith("development of novel lung cancer therapies.")
    assert "Science and Technology" not in doc.abstract and "Molecular Biology" not in doc.abstract


def test_seed_004_field_list_page(seeds):
    doc = seeds["004"]
    assert doc.title == "The role of intercellular transfer of P-glycoprotein in tumor drug resistance"
    assert doc.doi == "10.3760/cma.j.issn.1006-9801.2019.05.015"
    assert doc.authors == ("Zheng, Yongjun", "Zhou, Huiliang")
    assert doc.journal == "Cancer Research and Clinic" and doc.year == 2019
    assert doc.keywords == ("P-glycoprotein", "Drug resistance", "neoplasm", "Membranin transfer")
    assert doc.abstract.startswith("Multidrug resistance is a major cause of clinical failure")
    assert doc.abstract.endswith("in tumor drug resistance.")


@pytest.mark.parametrize("needle", BOILERPLATE)
def test_no_boilerplate_reaches_any_abstract(seeds, needle):
    for key, doc in seeds.items():
        assert needle not in doc.abstract, f"seed {key}: {needle!r} in abstract"


def test_authors_have_no_affiliation_digits(seeds):
    for doc in seeds.values():
        assert doc.authors
        assert not any(ch.isdigit() for name in doc.authors for ch in name), doc.authors


def test_extraction_does_not_depend_on_file_names(tmp_path, seeds):
    for i, path in enumerate(sorted(SEEDS.iterdir())):
        shutil.copy(path, tmp_path / f"page-{9 - i}.txt")
    docs, _ = read_documents(tmp_path)
    again = {(d.title, d.abstract, d.doi, d.pmid, d.authors) for d in docs}
    assert again == {(d.title, d.abstract, d.doi, d.pmid, d.authors) for d in seeds.values()}


def test_layouts_are_recognised_from_structure(seeds):
    from kg.ingest.scraped import non_empty_lines

    layouts = {
        k: page_layout(non_empty_lines((SEEDS / Path(d.source).name).read_text("utf-8")))
        for k, d in seeds.items()
    }
    assert layouts == {
        "000": "field-list",
        "001": "field-list",
        "002": "table",
        "003": "generic",
        "004": "field-list",
    }


# --- the same layouts with other content: general rules, not seed-specific ones ----------------

FIELD_PAGE = """A new look at KRAS inhibitors in pancreatic cancer
    10.1234/abcd.2022.01.002
    - Authors:
        Mei LI1; Tao WANG2
        Author Information
        1. School of Medicine, Fudan University, Shanghai 200032, China
    - Keywords: KRAS; pancreatic cancer
    - Source: Chinese Journal of Oncology 2022;44(1):1-9
    - Language: English
    -
    Abstract:
        KRAS mutations drive most pancreatic cancers. We review covalent inhibitors and their resistance mechanisms.
    Copyright © 2022 Example Press. All rights reserved.
"""

TABLE_PAGE = """Loading...
Gene therapy for cystic fibrosis
Teaser text that is cut...
Main Authors: | , |
title | Gene therapy for cystic fibrosis |
author | Doe, Jane Roe, Richard |
description | CFTR gene transfer has been tried for decades. Vectors improved. This article is licensed under a Creative Commons Attribution 4.0 International License. |
language | English |
publishDate | 2018 |
url | https://pubmed.ncbi.nlm.nih.gov/29000001/ https://doi.org/10.5555/cf.2018.7 |
_version_ | 1 |
"""

PUBLISHER_PAGE = """Microbiome signatures of immunotherapy response


Alice Smith1,Bob Jones2*


1. Department of Microbiology, University of Somewhere, Springfield 12345, USA

2. Cancer Center, General Hospital, Springfield 12345, USA


The gut microbiome modulates responses to immune checkpoint blockade. We profiled stool samples of 120 patients and found taxa associated with response. These findings suggest microbiome-based biomarkers.


National Science Foundation

Cell Biology,Immunology

Cited by 12 articles

Copyright © 2020-2024 Example Online Ltd.
"""


def test_field_list_rules_generalise():
    doc = parse_page(FIELD_PAGE, source="x")
    assert doc.title == "A new look at KRAS inhibitors in pancreatic cancer"
    assert doc.doi == "10.1234/abcd.2022.01.002"
    assert doc.authors == ("Li, Mei", "Wang, Tao")
    assert doc.keywords == ("KRAS", "pancreatic cancer")
    assert doc.journal == "Chinese Journal of Oncology" and doc.year == 2022 and doc.language == "eng"
    assert doc.abstract == (
        "KRAS mutations drive most pancreatic cancers. We review covalent inhibitors and their resistance mechanisms."
    )


def test_table_rules_generalise():
    doc = parse_page(TABLE_PAGE, source="x")
    assert doc.title == "Gene therapy for cystic fibrosis"
    assert doc.authors == ("Doe, Jane", "Roe, Richard")
    assert doc.pmid == "29000001" and doc.doi == "10.5555/cf.2018.7" and doc.year == 2018
    assert doc.abstract == "CFTR gene transfer has been tried for decades. Vectors improved."


def test_publisher_rules_generalise():
    doc = parse_page(PUBLISHER_PAGE, source="x")
    assert doc.title == "Microbiome signatures of immunotherapy response"
    assert doc.authors == ("Alice Smith", "Bob Jones")
    assert doc.keywords == ("Cell Biology", "Immunology")
    assert doc.abstract.startswith("The gut microbiome modulates") and doc.abstract.endswith("biomarkers.")
    for needle in ("Department", "Foundation", "Cited", "Copyright", "Springfield"):
        assert needle not in doc.abstract


def test_ids_come_from_the_page_not_from_its_references():
    page = (
        "Paper title\nhttps://pubmed.ncbi.nlm.nih.gov/31000001/\n\n"
        "This abstract describes a study of STAT3 in forty patients with lung cancer and their outcomes.\n\n"
        "References\nhttps://pubmed.ncbi.nlm.nih.gov/20000002/ https://doi.org/10.1000/other.ref\n"
    )
    doc = parse_page(page, source="x")
    assert doc.pmid == "31000001" and doc.doi is None
    assert "pubmed" not in doc.abstract and "References" not in doc.abstract
    without = parse_page(page.replace("https://pubmed.ncbi.nlm.nih.gov/31000001/\n", ""), source="x")
    assert without.pmid is None and without.doi is None


# --- plain-text fallback ----------------------------------------------------------------------


def test_plain_text_fallback_first_line_is_title(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(
        "STAT3 and cisplatin resistance\n"
        "Cisplatin resistance in lung cancer cells\n"
        "depends on STAT3 activation, which we blocked\n"
        "with a small molecule.\n\nCopyright 2021 Someone.\n",
        encoding="utf-8",
    )
    docs, _ = read_documents(path)
    assert docs[0].title == "STAT3 and cisplatin resistance"
    assert docs[0].abstract == (
        "Cisplatin resistance in lung cancer cells depends on STAT3 activation, which we blocked with a small molecule."
    )


def test_identifier_lines_above_the_title(tmp_path):
    doc = parse_page("PMID: 31000001\nDOI: 10.1000/xyz.1\nThe title\nThe abstract sentence.\n", source="x")
    assert (doc.title, doc.abstract, doc.pmid, doc.doi) == (
        "The title",
        "The abstract sentence.",
        "31000001",
        "10.1000/xyz.1",
    )


def test_title_only_text_is_kept_and_flagged(tmp_path):
    path = tmp_path / "title.txt"
    path.write_text("Just a title\n", encoding="utf-8")
    docs, report = read_documents(path)
    assert docs[0].title == "Just a title" and docs[0].flags == ("no-abstract",)
    assert report.flagged == [(docs[0].id, "no-abstract")]


# --- HTML -------------------------------------------------------------------------------------


def test_html_page_with_citation_meta(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        """<!DOCTYPE html><html lang="en"><head><title>Site | Paper</title>
        <meta name="citation_title" content="Exosomal PD-L1 in lung cancer">
        <meta name="citation_author" content="Lee, Ann"><meta name="citation_author" content="Kim, Bo">
        <meta name="citation_doi" content="10.7777/pdl1.2020.5"><meta name="citation_journal_title" content="Oncology Letters">
        <meta name="citation_publication_date" content="2020/05/01"><script>var x = "not text";</script></head>
        <body><nav>Home Search</nav><h1>Exosomal PD-L1 in lung cancer</h1>
        <p>Exosomal PD-L1 suppresses T cells in lung cancer. We measured it in plasma of 80 patients and it predicted response.</p>
        <footer>Copyright © 2020 Example</footer></body></html>""",
        encoding="utf-8",
    )
    docs, report = read_documents(path)
    doc = docs[0]
    assert report.formats[str(path)] == "html"
    assert doc.title == "Exosomal PD-L1 in lung cancer" and doc.authors == ("Lee, Ann", "Kim, Bo")
    assert doc.doi == "10.7777/pdl1.2020.5" and doc.journal == "Oncology Letters" and doc.year == 2020
    assert doc.abstract.startswith("Exosomal PD-L1 suppresses T cells") and "not text" not in doc.abstract
    assert "Copyright" not in doc.abstract and "Home" not in doc.abstract


# --- the rule lists themselves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("Cargando…", "loading"),
        ("Cited by 5 articles. 订阅此论文施引文献", "cited-by"),
        ("Copyright © 2019-2023 北京同舟云网络信息技术有限公司", "copyright"),
        ("京公网安备11010802033243号  京ICP备18003416号-3", "icp"),
        ("Author Information", "field-label"),
        ("---|---|", "table-ruler"),
        (".", "punctuation"),
    ],
)
def test_boilerplate_line_rules(line, rule):
    assert boilerplate_reason(line) == rule


def test_long_paragraph_mentioning_a_licence_is_not_dropped_whole():
    text = "We studied licensing. " * 20
    assert boilerplate_reason(text.strip()) is None


def test_affiliation_and_funding_rules():
    assert is_affiliation(
        "1. Department of Oncology, the First Affiliated Hospital of Nanjing Medical University, Nanjing 210029, China."
    )
    assert is_affiliation("1. 宜春学院附属高安市人民医院泌尿外科 330800")
    assert not is_affiliation("The hospital cohort included 200 patients treated at the university.")
    assert is_funding("National Natural Science Foundation of China")
    assert not is_funding("We thank the foundation. Results were robust.")


def test_trailing_copyright_and_licence_sentences_are_cut():
    text = "STAT3 drives resistance. We show it in mice. © 2021 The Authors. Published by Elsevier B.V."
    assert strip_boilerplate_sentences(text) == "STAT3 drives resistance. We show it in mice."


def test_vufind_author_runs():
    assert split_last_first_run("Jiang, Chunyang Zhang, Na") == ["Jiang, Chunyang", "Zhang, Na"]
    assert split_last_first_run("Solo, Han") == ["Solo, Han"]
