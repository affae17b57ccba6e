"""kg.ingest readers, one format at a time, on small real and hand-made fixtures."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from kg.ingest import Format, IngestReport, detect, iter_documents, read_documents
from kg.ingest.pubtator import convert_offsets

DATA = Path(__file__).parent / "fixtures" / "ingest" / "data"


def by_pmid(docs):
    return {d.pmid: d for d in docs}


# --- PubMed XML -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pubmed():
    docs, report = read_documents(DATA / "pubmed_sample.xml.gz")
    return by_pmid(docs), report


def test_pubmed_xml_is_detected_through_gzip():
    det = detect(DATA / "pubmed_sample.xml.gz")
    assert det.format is Format.PUBMED_XML and det.compression == "gzip"


def test_pubmed_xml_reads_every_record(pubmed):
    docs, report = pubmed
    assert set(docs) == {"1", "21", "31388316", "31388328", "31388337", "31449468"}
    assert report.skipped == [] and report.documents == 6


def test_pubmed_xml_labelled_abstract_sections_are_joined(pubmed):
    doc = pubmed[0]["31388316"]
    assert doc.abstract.startswith("Background: Trial evidence supports statin use")
    assert " Methods: A retrospective cohort study" in doc.abstract
    assert " Conclusion: There has been an increase" in doc.abstract
    assert (
        doc.title
        == "Statin use and high-dose statin use after ischemic stroke in the UK: a retrospective cohort study."
    )


def test_pubmed_xml_bibliographic_fields(pubmed):
    doc = pubmed[0]["31388316"]
    assert doc.doi == "10.2147/CLEP.S201983"
    assert doc.pmcid == "PMC6607979"
    assert doc.authors[:2] == ("Yang, Zhirong", "Edwards, Duncan")
    assert doc.journal == "Clinical epidemiology"
    assert doc.year == 2019
    assert doc.language == "eng"
    assert "cerebral ischemia" in doc.keywords
    assert doc.id == "pmid:31388316"
    assert doc.url == "https://pubmed.ncbi.nlm.nih.gov/31388316/"


def test_pubmed_xml_no_abstract_is_kept_and_flagged_with_mesh(pubmed):
    docs, report = pubmed
    doc = docs["1"]
    assert doc.abstract == "" and doc.flags == ("no-abstract",)
    assert ("pmid:1", "no-abstract") in report.flagged
    assert doc.title == "Formate assay in body fluids: application in methanol poisoning."
    assert "Methanol" in doc.mesh_terms and "Humans" in doc.mesh_terms
    assert doc.year == 1975 and doc.doi == "10.1016/0006-2944(75)90147-7"


def test_pubmed_xml_medline_date_gives_first_year(pubmed):
    assert pubmed[0]["31388337"].year == 2019


def test_pubmed_xml_collective_author_and_inline_markup(pubmed):
    doc = pubmed[0]["31449468"]
    assert any("," not in a for a in doc.authors)  # a collective name, kept as written
    assert "<" not in doc.abstract and "  " not in doc.abstract
    assert "Oncology Group" in doc.title


def test_pubmed_xml_streams_with_flat_memory(tmp_path):
    """A few thousand records: tracemalloc's peak stays far below the size of the file."""
    record = (
        "<PubmedArticle><MedlineCitation><PMID>{n}</PMID><Article><ArticleTitle>Title {n}</ArticleTitle>"
        "<Abstract><AbstractText>" + "STAT3 drives resistance. " * 40 + "{n}</AbstractText></Abstract>"
        "</Article></MedlineCitation></PubmedArticle>\n"
    )
    path = tmp_path / "big.xml.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("<PubmedArticleSet>\n")
        for n in range(1, 3001):
            out.write(record.format(n=n))
        out.write("</PubmedArticleSet>\n")
    size = sum(len(record.format(n=n)) for n in range(1, 3001))
    tracemalloc.start()
    count = sum(1 for _ in iter_documents(path, dedupe=False))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert count == 3000
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte file: records are not being released"


# --- MEDLINE ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def medline():
    docs, _ = read_documents(DATA / "medline_sample.txt")
    return by_pmid(docs)


def test_medline_fields_and_continuation_lines(medline):
    doc = medline["34511114"]
    assert detect(DATA / "medline_sample.txt").format is Format.MEDLINE
    assert (
        doc.title == "Tumor-associated exosomes promote lung cancer metastasis through multiple mechanisms."
    )
    assert doc.abstract.startswith(
        "As an important medium of intercellular communication, exosomes play an important"
    )
    assert "and their microenvironment. Lung cancer" in doc.abstract
    assert doc.doi == "10.1186/s12943-021-01411-w" and doc.pmcid == "PMC8436438"
    assert doc.authors == ("Jiang, Chunyang", "Zhang, Na")  # FAU preferred over AU
    assert doc.journal == "Molecular cancer" and doc.year == 2021 and doc.language == "eng"
    assert doc.mesh_terms == ("Exosomes", "Humans", "Lung Neoplasms")
    assert doc.keywords == ("Exosomes", "Metastasis")


def test_medline_au_only_names_doi_from_aid_and_medline_date(medline):
    doc = medline["30000001"]
    assert doc.authors == ("Smith, JA", "van der Berg, P", "Lung Cancer Study Group")
    assert doc.doi == "10.9999/fake.2019.001"
    assert doc.year == 2019
    assert (
        doc.abstract.startswith("BACKGROUND: STAT3 is activated")
        and "CONCLUSIONS: STAT3 is a target." in doc.abstract
    )


def test_medline_record_without_abstract_is_flagged(medline):
    assert medline["30000002"].flags == ("no-abstract",)
    assert medline["30000002"].authors == ("Doe, Jane",)


# --- PubTator ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pubtator():
    docs, report = read_documents(DATA / "cdr_sample.pubtator.txt")
    return docs, report


def test_pubtator_documents_and_gold_mentions(pubtator):
    docs, report = pubtator
    assert [d.pmid for d in docs] == ["6794356", "6504332", "6436733"]
    assert report.skipped == []
    doc = docs[0]
    assert doc.title == "Tricuspid valve regurgitation and lithium carbonate toxicity in a newborn infant."
    assert doc.gold_mentions[0] == (0, 29, "Disease", "D014262")
    assert len(doc.gold_mentions) == 16


def test_pubtator_offsets_point_into_document_text(pubtator):
    raw = (DATA / "cdr_sample.pubtator.txt").read_text(encoding="utf-8")
    expected = {}
    for line in raw.splitlines():
        cells = line.split("\t")
        if len(cells) >= 6 and cells[1].isdigit():
            expected.setdefault(cells[0], []).append(cells[3])
    for doc in pubtator[0]:
        surfaces = [doc.text[s:e] for s, e, _, _ in doc.gold_mentions]
        assert surfaces == expected[doc.pmid]
        # abstract mentions moved by one: "\n\n" instead of " " between title and abstract
        assert any(s > len(doc.title) for s, _, _, _ in doc.gold_mentions)


def test_pubtator_offset_conversion_rules():
    assert convert_offsets("Title", "Abstract", 0, 5) == (0, 5)
    assert convert_offsets("Title", "Abstract", 6, 14) == (7, 15)
    assert convert_offsets("Title", "Abstract", 3, 8) is None  # straddles title and abstract


def test_pubtator_mismatching_annotation_is_dropped_and_reported(tmp_path):
    path = tmp_path / "bad.pubtator"
    path.write_text(
        "1|t|Aspirin helps.\n1|a|It lowers fever.\n1\t0\t7\tAspirin\tChemical\tD001241\n1\t0\t7\tWrong\tChemical\tX\n"
    )
    docs, report = read_documents(path)
    assert docs[0].gold_mentions == ((0, 7, "Chemical", "D001241"),)
    assert any("'Wrong'" in s.reason and s.location == "line 4" for s in report.skipped)


# --- JSON Lines, JSON, CSV, TSV ---------------------------------------------------------------


def test_jsonl_real_sample():
    docs, report = read_documents(DATA / "abstracts_sample.jsonl")
    assert [d.pmid for d in docs] == ["227508", "354896", "6794356"]
    first = json.loads((DATA / "abstracts_sample.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert docs[0].title == first["title"] and docs[0].abstract == first["abstract"]
    assert report.formats[str(DATA / "abstracts_sample.jsonl")] == "jsonl"


def test_csv_quoting_newlines_lists_and_title_only_row():
    docs, report = read_documents(DATA / "sample.csv")
    assert len(docs) == 3
    first = docs[0]
    assert first.title == "Exosomal miR-21, a marker of resistance"
    assert (
        first.abstract
        == 'Exosomes carry miR-21 between cells, and "resistant" cells release more of them. We measured this in 40 patients.'
    )
    assert first.authors == ("Roe, Richard", "Poe, Edgar") and first.keywords == ("exosome", "miR-21")
    assert first.doi == "10.9999/csv.1" and first.year == 2020 and first.journal == "Journal of CSV Studies"
    assert docs[1].flags == ("no-abstract",) and docs[1].id.startswith("text:")


def test_tsv():
    docs, _ = read_documents(DATA / "sample.tsv")
    assert detect(DATA / "sample.tsv").format is Format.TSV
    assert [d.pmid for d in docs] == ["30000201", "30000202"]


def test_columns_map_user_names(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Article Title,Summary Text,Ident\nA title,An abstract about STAT3.,123\n", encoding="utf-8"
    )
    docs, _ = read_documents(
        path, columns={"title": "Article Title", "abstract": "Summary Text", "pmid": "Ident"}
    )
    assert (docs[0].title, docs[0].abstract, docs[0].pmid) == ("A title", "An abstract about STAT3.", "123")


def test_columns_mapping_applies_to_jsonl_and_detects_unusual_headers(tmp_path):
    path = tmp_path / "export.txt"  # no extension hint: the mapped column names identify the table
    path.write_text("Headline\tBody\nA title\tBody text here.\n", encoding="utf-8")
    docs, _ = read_documents(path, columns={"title": "Headline", "abstract": "Body"})
    assert docs[0].abstract == "Body text here."
    jl = tmp_path / "x.jsonl"
    jl.write_text(
        json.dumps({"TI": "T", "Resumen": "R text.", "id": "doi:10.1234/abc"}) + "\n", encoding="utf-8"
    )
    docs, _ = read_documents(jl, columns={"abstract": "Resumen"})
    assert (docs[0].title, docs[0].abstract, docs[0].doi, docs[0].id) == (
        "T",
        "R text.",
        "10.1234/abc",
        "doi:10.1234/abc",
    )


def test_unknown_column_field_is_an_input_error():
    from kg.errors import InputError

    with pytest.raises(InputError, match="abstrct"):
        iter_documents(DATA / "sample.csv", columns={"abstrct": "AB"})


def test_json_array(tmp_path):
    path = tmp_path / "papers.json"
    path.write_text(
        json.dumps([{"title": "One", "abstract": "First."}, {"title": "Two", "abstract": "Second."}])
    )
    docs, _ = read_documents(path)
    assert [d.title for d in docs] == ["One", "Two"]


def test_report_summary_mentions_files_and_flags():
    report = IngestReport()
    list(iter_documents([DATA / "sample.csv", DATA / "sample.tsv"], report=report))
    text = report.summary()
    assert "5 document(s) from 2 file(s)" in text and "sample.tsv: tsv, 2 document(s)" in text
    assert "1 no-abstract" in text


# --- counting records for the progress bar ----------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir()))
def test_counted_records_are_the_documents_read(name):
    from kg.ingest.counting import count_records

    docs, _ = read_documents(DATA / name)
    assert count_records(DATA / name) == len(docs)


def test_counting_a_folder_adds_its_files_and_a_seed_page_is_one():
    from kg.ingest.counting import count_records
    from tests.conftest import SEEDS

    assert count_records(SEEDS) == len(read_documents(SEEDS)[0])
    assert count_records([DATA / "sample.tsv", DATA / "medline_sample.txt"]) == 2 + 3


def test_counting_gives_none_for_a_json_array_or_too_many_bytes(tmp_path):
    from kg.ingest.counting import count_records

    array = tmp_path / "papers.json"
    array.write_text(json.dumps([{"title": "A", "abstract": "B"}]))
    assert count_records(array) is None
    assert count_records(DATA / "abstracts_sample.jsonl", max_bytes=10) is None


def test_counting_leaves_out_a_damaged_file(tmp_path):
    from kg.ingest.counting import count_records

    broken = tmp_path / "broken.jsonl.gz"
    broken.write_bytes(gzip.compress(b'{"title": "A", "abstract": "B"}\n' * 50)[:60])
    (tmp_path / "ok.jsonl").write_bytes((DATA / "abstracts_sample.jsonl").read_bytes())
    assert count_records(tmp_path) == 3
