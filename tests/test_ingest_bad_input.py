"""Bad input never stops a run: each case is reported naming its file, and the good files are still read."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from kg.errors import InputError, NothingToBuildError
from kg.ingest import IngestReport, iter_documents, read_documents
from kg.ingest.fields import LONG_TEXT_CHARS

DATA = Path(__file__).parent / "fixtures" / "ingest" / "data"

RECORD = (
    "<PubmedArticle><MedlineCitation><PMID>{n}</PMID><Article><ArticleTitle>Paper {n}</ArticleTitle>"
    "<Abstract><AbstractText>Abstract number {n} about STAT3.</AbstractText></Abstract></Article>"
    "</MedlineCitation></PubmedArticle>\n"
)


def pubmed_xml(records: range, *, tail: str = "</PubmedArticleSet>\n", head: str = "") -> str:
    return head + "<PubmedArticleSet>\n" + "".join(RECORD.format(n=n) for n in records) + tail


def _binary(p: Path) -> Path:
    p.write_bytes(bytes(range(256)) * 8)
    return p


def _png(p: Path) -> Path:
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return p


def _pdf(p: Path) -> Path:
    p.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    return p


def _zip(p: Path) -> Path:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.txt", "Title\nAbstract.")
    return p


def _empty(p: Path) -> Path:
    p.write_bytes(b"")
    return p


def _whitespace(p: Path) -> Path:
    p.write_text("   \n\t\n  \r\n", encoding="utf-8")
    return p


def _empty_gz(p: Path) -> Path:
    p.write_bytes(gzip.compress(b""))
    return p


def _corrupt_gz(p: Path) -> Path:
    p.write_bytes(b"\x1f\x8b\x08\x00" + b"garbage" * 20)
    return p


def _truncated_jsonl_gz(p: Path) -> Path:
    lines = "".join(
        json.dumps({"pmid": str(900000 + i), "title": f"T{i}", "abstract": "STAT3 " * 200}) + "\n"
        for i in range(400)
    )
    data = gzip.compress(lines.encode("utf-8"))
    p.write_bytes(data[: len(data) // 2])
    return p


def _damaged_jsonl_gz(p: Path) -> Path:
    lines = "".join(
        json.dumps({"pmid": str(900000 + i), "title": f"T{i}", "abstract": f"STAT3 {i} " * 200}) + "\n"
        for i in range(400)
    )
    data = bytearray(gzip.compress(lines.encode("utf-8")))
    data[len(data) // 2 : len(data) // 2 + 50] = bytes(50)  # damage in the middle of the deflate stream
    p.write_bytes(bytes(data))
    return p


def _truncated_xml_gz(p: Path) -> Path:
    data = gzip.compress(pubmed_xml(range(1, 3000)).encode("utf-8"))
    p.write_bytes(data[: len(data) // 2])
    return p


def _malformed_xml(p: Path) -> Path:
    p.write_text(
        pubmed_xml(range(1, 3), tail="<PubmedArticle><Oops></PubmedArticle>\n</PubmedArticleSet>\n"),
        encoding="utf-8",
    )
    return p


def _truncated_xml(p: Path) -> Path:
    p.write_text(
        pubmed_xml(range(1, 3), tail="<PubmedArticle><MedlineCitation><PMID>3</PM"), encoding="utf-8"
    )
    return p


def _xml_bomb(p: Path) -> Path:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">' for i in range(1, 10)
    )
    p.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [{entities}]>\n'
        + pubmed_xml(range(1, 2)).replace("about STAT3", "&lol9;"),
        encoding="utf-8",
    )
    return p


def _external_entity(p: Path) -> Path:
    p.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + pubmed_xml(range(1, 2)).replace("about STAT3", "&xxe;"),
        encoding="utf-8",
    )
    return p


def _csv_missing_columns(p: Path) -> Path:
    p.write_text("TI,AB_TEXT,Year\nA,B,2020\n".replace("TI", "Headline"), encoding="utf-8")
    return p


def _other_xml(p: Path) -> Path:
    p.write_text(
        '<?xml version="1.0"?><collection><document><text>hi</text></document></collection>', encoding="utf-8"
    )
    return p


#: (case, file name, builder, words the skip reason must contain, documents the bad file still gives)
CASES = [
    ("binary", "data.bin", _binary, "binary file", 0),
    ("png", "figure.png", _png, "PNG image", 0),
    ("pdf", "paper.pdf", _pdf, "PDF document", 0),
    ("zip", "papers.zip", _zip, "ZIP archive", 0),
    ("empty", "empty.txt", _empty, "empty file (0 bytes)", 0),
    ("whitespace", "blank.txt", _whitespace, "only whitespace", 0),
    ("empty-gz", "empty.txt.gz", _empty_gz, "empty file", 0),
    ("corrupt-gz", "broken.jsonl.gz", _corrupt_gz, "corrupt", 0),
    ("truncated-gz", "cut.jsonl.gz", _truncated_jsonl_gz, "ends early or is corrupt", None),
    ("damaged-gz", "damaged.jsonl.gz", _damaged_jsonl_gz, "corrupt", None),
    ("truncated-xml-gz", "cut.xml.gz", _truncated_xml_gz, "ends early or is corrupt", None),
    ("malformed-xml", "bad.xml", _malformed_xml, "malformed or truncated XML", 2),
    ("truncated-xml", "short.xml", _truncated_xml, "XML", 2),
    ("xml-bomb", "bomb.xml", _xml_bomb, "does not expand XML entities", 0),
    ("external-entity", "xxe.xml", _external_entity, "does not expand XML entities", 0),
    ("other-xml", "bioc.xml", _other_xml, "is not PubMed XML", 0),
    ("csv-missing-columns", "table.csv", _csv_missing_columns, "--column", 0),
]


@pytest.mark.parametrize(("case", "name", "build", "words", "kept"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_reported_and_good_files_still_read(tmp_path, case, name, build, words, kept):
    good = shutil.copy(DATA / "sample.tsv", tmp_path / "good.tsv")
    bad = build(tmp_path / name)
    report = IngestReport()
    docs = list(iter_documents([bad, good], report=report))
    assert {d.pmid for d in docs} >= {"30000201", "30000202"}, "the good file was not read"
    mine = [s for s in report.skipped if s.source == str(bad)]
    assert mine, f"{case}: nothing reported for {bad}"
    assert any(words in s.reason for s in mine), [str(s) for s in mine]
    assert all(name in str(s) for s in mine)
    from_bad = [d for d in docs if d.source == str(bad)]
    if kept is None:
        assert from_bad, f"{case}: the records before the damage were lost"
    else:
        assert len(from_bad) == kept


def test_truncated_gzip_keeps_records_before_the_cut(tmp_path):
    bad = _truncated_jsonl_gz(tmp_path / "cut.jsonl.gz")
    docs, report = read_documents(bad)
    assert 50 < len(docs) < 400
    assert [d.pmid for d in docs] == [str(900000 + i) for i in range(len(docs))]
    assert "re-download" in report.skipped[-1].reason.lower()


def test_malformed_xml_names_the_line(tmp_path):
    bad = _malformed_xml(tmp_path / "bad.xml")
    docs, report = read_documents(bad)
    assert [d.pmid for d in docs] == ["1", "2"]
    skip = report.skipped[0]
    assert skip.location == "line 4" and "the 2 record(s) before line 4 were kept" in skip.reason


def test_entities_are_never_expanded(tmp_path):
    for build in (_xml_bomb, _external_entity):
        path = build(tmp_path / f"{build.__name__}.xml")
        with pytest.raises(NothingToBuildError) as err:
            read_documents(path)
        assert "root:" not in str(err.value) and "lollol" not in str(err.value)
        assert "entities" in str(err.value)


def test_entities_are_refused_by_the_parser_too(tmp_path):
    """Past the detector (which reads only the prolog), the XML reader itself refuses declared entities."""
    from kg.ingest.pubmed_xml import read_pubmed_xml

    path = _xml_bomb(tmp_path / "bomb.xml")
    items = list(read_pubmed_xml(path, source="bomb.xml"))
    assert len(items) == 1 and "does not expand XML entities" in items[0].reason


def test_csv_missing_columns_lists_the_columns(tmp_path):
    bad = _csv_missing_columns(tmp_path / "table.csv")
    with pytest.raises(NothingToBuildError) as err:
        read_documents(bad)
    message = str(err.value)
    assert (
        "table.csv" in message
        and "'Headline', 'AB_TEXT', 'Year'" in message
        and "--column abstract=AB" in message
    )


def test_bad_json_line_and_empty_record_are_skipped_by_line(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps({"title": "Good one", "abstract": "Fine."})
        + "\n{not json\n"
        + json.dumps({"title": "", "abstract": ""})
        + "\n"
        + json.dumps({"title": "Good two", "abstract": "Fine too."})
        + "\n",
        encoding="utf-8",
    )
    docs, report = read_documents(path)
    assert [d.title for d in docs] == ["Good one", "Good two"]
    assert [(s.location, s.source) for s in report.skipped] == [("line 2", str(path)), ("line 3", str(path))]
    assert (
        "not valid JSON" in report.skipped[0].reason
        and "neither a title nor an abstract" in report.skipped[1].reason
    )


def test_title_without_abstract_is_kept_and_flagged(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"pmid": "77", "title": "Only a title"}) + "\n", encoding="utf-8")
    docs, report = read_documents(path)
    assert docs[0].flags == ("no-abstract",) and report.flagged == [("pmid:77", "no-abstract")]


def test_long_abstract_is_kept_whole_and_flagged_for_the_nlp_stage(tmp_path):
    path = tmp_path / "huge.jsonl"
    word = "resistance "
    abstract = (word * (LONG_TEXT_CHARS // len(word) + 1000)).strip()
    path.write_text(json.dumps({"pmid": "88", "title": "Huge", "abstract": abstract}) + "\n")
    docs, report = read_documents(path)
    doc = docs[0]
    assert doc.abstract == abstract and len(doc.text) > LONG_TEXT_CHARS
    assert doc.flags == ("long-text",) and report.flagged == [("pmid:88", "long-text")]


def test_non_utf8_text_is_decoded_not_skipped(tmp_path):
    good = tmp_path / "cp1252.txt"
    good.write_bytes(
        "Café study – naïve T cells\nThe naïve cells’ response was measured in 12 patients.\n".encode(
            "cp1252"
        )
    )
    docs, report = read_documents(good)
    assert docs[0].title == "Café study – naïve T cells" and "cells’ response" in docs[0].abstract
    assert report.skipped == [] and report.formats[str(good)] == "text (cp1252)"


def test_folder_without_readable_files(tmp_path):
    folder = tmp_path / "junk"
    folder.mkdir()
    _binary(folder / "a.bin")
    _empty(folder / "b.txt")
    (folder / ".hidden.txt").write_text("Hidden title\nHidden abstract.", encoding="utf-8")
    empty = tmp_path / "nothing"
    empty.mkdir()
    good = shutil.copy(DATA / "sample.tsv", tmp_path / "good.tsv")
    docs, report = read_documents([folder, empty, good])
    assert len(docs) == 2
    reasons = {s.source: s.reason for s in report.skipped}
    assert "no readable file among its 2 file(s)" in reasons[str(folder)]
    assert "folder has no files" in reasons[str(empty)]
    assert str(folder / "a.bin") in reasons and str(folder / ".hidden.txt") not in reasons


def test_nothing_to_build_lists_what_was_looked_for(tmp_path):
    _binary(tmp_path / "a.bin")
    _empty(tmp_path / "b.txt")
    with pytest.raises(NothingToBuildError) as err:
        read_documents(tmp_path)
    message = str(err.value)
    assert "a.bin" in message and "binary file" in message
    assert "b.txt" in message and "empty file" in message
    assert "PubMed XML" in message and "MEDLINE" in message and "CSV" in message
    assert "no readable file among its 2 file(s)" in message


def test_same_file_twice_gives_each_paper_once(tmp_path):
    shutil.copy(DATA / "sample.tsv", tmp_path / "a.tsv")
    docs, report = read_documents([tmp_path / "a.tsv", tmp_path / "a.tsv"])
    assert len(docs) == 2 and report.duplicates == [
        ("pmid:30000201", str(tmp_path / "a.tsv")),
        ("pmid:30000202", str(tmp_path / "a.tsv")),
    ]
    docs, report = read_documents([tmp_path / "a.tsv", tmp_path / "a.tsv"], dedupe=False)
    assert len(docs) == 4 and report.duplicates == []


def test_missing_path_raises_input_error_naming_it(tmp_path):
    missing = tmp_path / "nope" / "abstracts.xml"
    with pytest.raises(InputError) as err:
        iter_documents([missing])  # raised at once, before iterating: no path can be read
    assert str(missing) in str(err.value) and "does not exist" in str(err.value)


def test_missing_path_next_to_a_good_one_is_skipped_and_named(tmp_path):
    missing = tmp_path / "nope" / "abstracts.xml"
    docs, report = read_documents([DATA / "sample.tsv", missing])
    assert len(docs) == 2
    assert [s.source for s in report.skipped] == [str(missing)] and "does not exist" in report.skipped[0].reason


def test_glob_matching_nothing_raises_input_error(tmp_path):
    with pytest.raises(InputError, match=r"matches no file"):
        iter_documents(str(tmp_path / "*.xml"))


def test_paths_mix_files_folders_and_globs(tmp_path):
    sub = tmp_path / "sub" / "deeper"
    sub.mkdir(parents=True)
    shutil.copy(DATA / "sample.tsv", sub / "a.tsv")
    shutil.copy(DATA / "sample.csv", tmp_path / "b.csv")
    shutil.copy(DATA / "medline_sample.txt", tmp_path / "c.txt")
    (tmp_path / ".git").mkdir()
    shutil.copy(DATA / "abstracts_sample.jsonl", tmp_path / ".git" / "hidden.jsonl")
    docs, report = read_documents([tmp_path / "sub", str(tmp_path / "*.csv"), os.fspath(tmp_path / "c.txt")])
    assert sorted(Path(s).name for s in report.files_read) == ["a.tsv", "b.csv", "c.txt"]
    assert len(docs) == 2 + 3 + 3


def test_iteration_is_lazy(tmp_path):
    """The first document arrives before later files are opened."""
    shutil.copy(DATA / "sample.tsv", tmp_path / "a.tsv")
    _binary(tmp_path / "z.bin")
    report = IngestReport()
    stream = iter_documents(tmp_path, report=report)
    next(stream)
    assert report.files_read == [str(tmp_path / "a.tsv")] and report.skipped == []
