"""Round trip: the seeds written as JSONL, CSV, MEDLINE and PubTator read back as the same records,
and one paper is one document across all of them."""

from __future__ import annotations

import csv
import dataclasses
import json
import textwrap
from pathlib import Path

import pytest

from kg.ingest import Format, detect, read_documents
from kg.records import Document

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
DATA = Path(__file__).parent / "fixtures" / "ingest" / "data"


# --- tiny writers (test helpers, not part of kg) ----------------------------------------------


def write_jsonl(docs: list[Document], path: Path) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for d in docs:
            record = {
                k: v
                for k, v in dataclasses.asdict(d).items()
                if k not in ("gold_mentions", "flags", "source")
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_csv(docs: list[Document], path: Path, delimiter: str = ",") -> Path:
    names = [
        "id",
        "pmid",
        "pmcid",
        "doi",
        "title",
        "abstract",
        "year",
        "journal",
        "authors",
        "keywords",
        "language",
    ]
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, names, delimiter=delimiter)
        writer.writeheader()
        for d in docs:
            row = {n: getattr(d, n) for n in names}
            row["authors"] = "; ".join(d.authors)
            row["keywords"] = "; ".join(d.keywords)
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return path


def _medline_field(tag: str, value: str) -> list[str]:
    lines = textwrap.wrap(value, 74, break_on_hyphens=False, break_long_words=False) or [""]
    return [f"{tag:<4}- {lines[0]}"] + [f"      {line}" for line in lines[1:]]


def write_medline(docs: list[Document], path: Path) -> Path:
    records = []
    for d in docs:
        lines = [f"PMID- {d.pmid}"] if d.pmid else []
        lines += _medline_field("TI", d.title)
        if d.abstract:
            lines += _medline_field("AB", d.abstract)
        lines += [f"FAU - {a}" for a in d.authors]
        lines += [f"LA  - {d.language}"] if d.language else []
        lines += [f"JT  - {d.journal}"] if d.journal else []
        lines += [f"DP  - {d.year}"] if d.year else []
        lines += [f"LID - {d.doi} [doi]"] if d.doi else []
        lines += [f"PMC - {d.pmcid}"] if d.pmcid else []
        lines += [f"OT  - {k}" for k in d.keywords]
        records.append("\n".join(lines))
    path.write_text("\n\n".join(records) + "\n", encoding="utf-8")
    return path


def write_pubtator(docs: list[Document], path: Path) -> Path:
    blocks = []
    for d in docs:
        key = d.pmid or d.id  # "doi:10..." or "text:..." when there is no PMID
        blocks.append(f"{key}|t|{d.title}\n{key}|a|{d.abstract}")
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return path


WRITERS = {
    "jsonl": (write_jsonl, "seeds.jsonl", Format.JSONL),
    "csv": (write_csv, "seeds.csv", Format.CSV),
    "medline": (write_medline, "seeds.medline.txt", Format.MEDLINE),
    "pubtator": (write_pubtator, "seeds.pubtator.txt", Format.PUBTATOR),
}


@pytest.fixture(scope="module")
def seeds() -> list[Document]:
    docs, _ = read_documents(SEEDS)
    assert len(docs) == 5
    return docs


def core(doc: Document) -> tuple:
    return doc.id, doc.title, doc.abstract


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_seeds_round_trip(tmp_path, seeds, fmt):
    write, name, expected_format = WRITERS[fmt]
    path = write(seeds, tmp_path / name)
    assert detect(path).format is expected_format
    back, report = read_documents(path)
    assert report.skipped == []
    assert [core(d) for d in back] == [core(d) for d in seeds]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "medline"])
def test_bibliographic_fields_survive_formats_that_carry_them(tmp_path, seeds, fmt):
    write, name, _ = WRITERS[fmt]
    back, _ = read_documents(write(seeds, tmp_path / name))
    fields = ("doi", "pmid", "pmcid", "authors", "journal", "year", "keywords", "language")
    for before, after in zip(seeds, back, strict=True):
        assert {f: getattr(after, f) for f in fields} == {f: getattr(before, f) for f in fields}


def test_one_paper_is_one_document_across_files_and_formats(tmp_path, seeds):
    paths = [write(seeds, tmp_path / name) for write, name, _ in WRITERS.values()]
    docs, report = read_documents([SEEDS, *paths])
    assert sorted(core(d) for d in docs) == sorted(core(d) for d in seeds)
    assert len(report.duplicates) == 5 * len(paths)
    assert {source for _, source in report.duplicates} == {str(p) for p in paths}


def test_duplicates_match_on_any_key(tmp_path):
    """A MEDLINE record of seed 002 (same PMID) and a JSONL record sharing only its DOI are repeats."""
    only_doi = tmp_path / "doi.jsonl"
    only_doi.write_text(
        json.dumps(
            {"title": "Another title", "abstract": "Another text.", "doi": "10.1186/S12943-021-01411-W"}
        )
        + "\n",
        encoding="utf-8",
    )
    docs, report = read_documents([SEEDS / "002_7cda99e98a81c745.txt", DATA / "medline_sample.txt", only_doi])
    assert [d.id for d in docs].count("pmid:34511114") == 1
    assert ("pmid:34511114", str(DATA / "medline_sample.txt")) in report.duplicates
    assert ("doi:10.1186/s12943-021-01411-w", str(only_doi)) in report.duplicates


def test_title_only_records_are_not_matched_by_text(tmp_path):
    path = tmp_path / "errata.csv"
    path.write_text("pmid,title,abstract\n1001,Erratum.,\n1002,Erratum.,\n", encoding="utf-8")
    docs, report = read_documents(path)
    assert [d.pmid for d in docs] == ["1001", "1002"] and report.duplicates == []


def test_same_text_without_ids_is_one_document(tmp_path):
    (tmp_path / "a.txt").write_text("Same title\nSame   abstract text.\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text(
        json.dumps({"title": "same title", "abstract": "Same abstract text."}) + "\n"
    )
    docs, report = read_documents(tmp_path)
    assert len(docs) == 1 and len(report.duplicates) == 1
