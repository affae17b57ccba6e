"""Hostile and broken inputs (issue 24, classes 1, 2, 5, 6, 7 and 10 as far as reading goes).

Each case mixes good records with one bad line, byte, record or path: every good record is
kept, the bad one is dropped (or kept and named, for a non-UTF-8 line) and a Skipped names
the file, the line and the fix. Inputs are generated here, a few records each.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import pickle
import shutil
import signal
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.errors import InputError
from kg.ingest import IngestReport, iter_documents, read_documents
from kg.ingest.streams import MAX_RECORD_BYTES
from kg.records import Document

GOOD = '{{"pmid": "{n}", "title": "Paper {n}", "abstract": "STAT3 drives resistance in case {n}."}}\n'
XML_RECORD = (
    "<PubmedArticle><MedlineCitation><PMID>{n}</PMID><Article><ArticleTitle>Paper {n}</ArticleTitle>"
    "<Abstract><AbstractText>{text}</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>\n"
)


def jsonl(*lines: str) -> bytes:
    return "".join(lines).encode("utf-8")


def good(n: int) -> str:
    return GOOD.format(n=n)


def xml(*records: str) -> bytes:
    return ("<PubmedArticleSet>\n" + "".join(records) + "</PubmedArticleSet>\n").encode("utf-8")


def xml_record(n: int, text: str = "") -> str:
    return XML_RECORD.format(n=n, text=text or f"STAT3 case {n}.")


def _pubtator(offset: str) -> bytes:
    return (
        "11|t|STAT3 in cancer.\n11|a|STAT3 drives resistance.\n"
        f"11\t0\t5\tSTAT3\tGene\t6774\n11\t{offset}\t22\tcancer\tDisease\tD009369\n\n"
        "12|t|EGFR in cancer.\n12|a|EGFR drives resistance.\n12\t0\t4\tEGFR\tGene\t1956\n\n"
    ).encode()


def _too_long_jsonl() -> bytes:
    big = '{"pmid": "2", "title": "Big", "abstract": "' + "x" * (MAX_RECORD_BYTES + 10) + '"}\n'
    return gzip.compress(jsonl(good(1), big, good(3)), 1)


def _medline(n: int, extra_lines: int = 0) -> str:
    more = "".join("      continued abstract line of a huge record\n" for _ in range(extra_lines))
    return f"PMID- {n}\nTI  - Paper {n}\nAB  - STAT3 drives resistance {n}.\n{more}\n"


# (id, file name, bytes, pmids kept, words in the Skipped reason, its location)
CONTENT_CASES: list[tuple[str, str, Callable[[], bytes], set[str], str, str | None]] = [
    ("nul-in-jsonl-line", "a.jsonl",
     lambda: jsonl(good(1), good(2)).replace(b"Paper 2", b"Pa\x00per 2") + jsonl(good(3)),
     {"1", "3"}, "NUL", "line 2"),
    ("nul-in-csv-row", "a.csv",
     lambda: b"pmid,title,abstract\n1,Paper 1,STAT3 one.\n2,Pa\x00per 2,STAT3 two.\n3,Paper 3,STAT3 three.\n",
     {"1", "3"}, "NUL", "line 3"),
    ("lone-surrogate", "a.jsonl", lambda: jsonl(good(1), good(2).replace("Paper 2", "Paper \\ud800"), good(3)),
     {"1", "3"}, "surrogate", "line 2"),
    ("empty-first-object", "a.jsonl", lambda: jsonl("{}\n", good(2), good(3)), {"2", "3"}, "title", "line 1"),
    ("metadata-first-object", "a.jsonl", lambda: jsonl('{"export": "pubmed", "version": 2}\n', good(2), good(3)),
     {"2", "3"}, "title", "line 1"),
    ("5000-digit-integer", "a.jsonl", lambda: jsonl(good(1), '{"pmid": "2", "title": "x", "n": ' + "9" * 5000 + "}\n",
                                                     good(3)), {"1", "3"}, "4300 digits", "line 2"),
    ("100k-deep-nesting", "a.jsonl", lambda: jsonl(good(1), '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
                                                    good(3)), {"1", "3"}, "nested too deeply", "line 2"),
    ("pubtator-superscript-offset", "a.pubtator", lambda: _pubtator("\u00b9\u2070"), {"11", "12"}, "ASCII digits",
     "line 4"),
    ("pubtator-arabic-indic-offset", "a.pubtator", lambda: _pubtator("\u0661\u0660"), {"11", "12"}, "ASCII digits",
     "line 4"),
    ("gzip-trailing-garbage", "a.jsonl.gz", lambda: gzip.compress(jsonl(good(1), good(2), good(3))) + b"GARBAGE\n" * 3,
     {"1", "2", "3"}, "trailing garbage", None),
    ("xml-malformed-middle-record", "a.xml",
     lambda: xml(xml_record(1), xml_record(2), "<PubmedArticle><Oops></PubmedArticle>\n", xml_record(4)),
     {"1", "2", "4"}, "the 2 record(s) before line 4 were kept", "line 4"),
    ("xml-truncated-after-two", "a.xml", lambda: xml(xml_record(1), xml_record(2))[:-30],
     {"1", "2"}, "the 2 record(s) before", None),
    ("latin1-line-in-utf8-jsonl", "a.jsonl",
     lambda: jsonl(good(1).replace("STAT3", "\u03b2-catenin")) + good(2).replace("Paper", "Caf\u00e9").encode("latin-1")
     + jsonl(good(3)), {"1", "2", "3"}, "not UTF-8", "line 2"),
    ("one-line-over-10-MB-gz", "a.jsonl.gz", _too_long_jsonl, {"1", "3"}, "10 MB", "line 2"),
    ("xml-record-over-10-MB", "a.xml", lambda: xml(xml_record(1), xml_record(2, "STAT3 " * (MAX_RECORD_BYTES // 6 + 10)),
                                                   xml_record(3)), {"1", "3"}, "10 MB", "line 3"),
    ("medline-record-over-10-MB", "a.txt",
     lambda: (_medline(1) + _medline(2, MAX_RECORD_BYTES // 40) + _medline(3)).encode(), {"1", "3"}, "10 MB",
     "line 5 (PMID 2)"),
    ("csv-cell-over-10-MB", "a.csv",
     lambda: b'pmid,title,abstract\n1,Paper 1,STAT3 one.\n2,Paper 2,"' + b"STAT3 long\n" * (MAX_RECORD_BYTES // 11 + 10)
     + b'"\n3,Paper 3,STAT3 three.\n', {"1", "3"}, "field larger than field limit", None),
]


@pytest.mark.parametrize(("case", "name", "make", "kept", "words", "where"), CONTENT_CASES,
                         ids=[c[0] for c in CONTENT_CASES])
def test_one_bad_line_or_record_loses_only_itself(tmp_path, case, name, make, kept, words, where):
    path = tmp_path / name
    path.write_bytes(make())
    good_file = tmp_path / "good.jsonl"
    good_file.write_text(good(100), encoding="utf-8")
    docs, report = read_documents([path, good_file])
    assert {d.pmid for d in docs if d.source == str(path)} == kept
    assert "100" in {d.pmid for d in docs}
    mine = [s for s in report.skipped if s.source == str(path)]
    assert any(words in s.reason for s in mine), [str(s) for s in report.skipped]
    if where is not None:
        assert where in [s.location for s in mine if words in s.reason]
    assert not any("kg bug" in s.reason for s in report.skipped)


def test_latin1_line_does_not_garble_the_utf8_lines(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(jsonl(good(1).replace("Paper 1", "\u03b2-catenin")) + good(2).replace("Paper", "Caf\u00e9")
                     .encode("latin-1"))
    docs, report = read_documents(path)
    assert [d.title for d in docs] == ["\u03b2-catenin", "Caf\u00e9 2"]
    assert [s.location for s in report.skipped] == ["line 2"]


def test_pretty_printed_single_json_object_is_read_as_json(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"pmid": "5", "title": "Pretty", "abstract": "STAT3 in a pretty file."}, indent=2))
    docs, report = read_documents(path)
    assert [d.pmid for d in docs] == ["5"] and report.skipped == []
    assert report.formats[str(path)] == "json"


def test_long_document_is_kept_whole_and_flagged(tmp_path):
    """Class 1 in ingest: no cut, no loss; the NLP stage splits texts flagged long-text."""
    path = tmp_path / "page.txt"
    text = "STAT3 drives resistance in this very long page. " * 25_000  # 1.2 M characters, one line
    path.write_text("A long page\n\n" + text, encoding="utf-8")
    docs, report = read_documents(path)
    assert len(docs[0].text) > 1_000_000 and docs[0].abstract.endswith("page.")
    assert "long-text" in docs[0].flags


# -- paths: folders, links, pipes, names ------------------------------------------------------


def _corpus(folder: Path, *pmids: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in pmids:
        (folder / f"{n}.jsonl").write_text(good(n), encoding="utf-8")


def test_symlinked_subfolder_is_followed_and_a_loop_is_named(tmp_path):
    _corpus(tmp_path / "elsewhere", 1, 2)
    _corpus(tmp_path / "in", 3)
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere" / "loop").symlink_to(tmp_path / "in", target_is_directory=True)
    docs, report = read_documents(tmp_path / "in")
    assert sorted(d.pmid for d in docs) == ["1", "2", "3"] and report.duplicates == []
    assert [s.source for s in report.skipped] == [str(tmp_path / "in" / "linked" / "loop")]
    assert "already read" in report.skipped[0].reason


def _alarm(seconds: int) -> None:
    def fail(*_: object) -> None:
        raise TimeoutError("reading hung on a FIFO")

    signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)


@pytest.mark.parametrize("how", ["fifo-in-folder", "link-to-fifo-in-folder", "fifo-given", "link-to-fifo-given"])
def test_fifo_is_never_opened(tmp_path, how):
    _corpus(tmp_path / "in", 1)
    fifo = tmp_path / ("in" if how.endswith("folder") else "") / "pipe.jsonl"
    os.mkfifo(tmp_path / "real.fifo")
    if how.startswith("link"):
        fifo.symlink_to(tmp_path / "real.fifo")
    else:
        os.rename(tmp_path / "real.fifo", fifo)
    paths = [tmp_path / "in"] + ([] if how.endswith("folder") else [fifo])
    _alarm(20)
    try:
        docs, report = read_documents(paths)
    finally:
        signal.alarm(0)
    assert [d.pmid for d in docs] == ["1"]
    assert [(s.source, "FIFO" in s.reason) for s in report.skipped] == [(str(fifo), True)]


@pytest.mark.parametrize("marker", ["kg.sqlite", "summary.json"])
def test_kg_output_folder_inside_the_input_is_not_read_back(tmp_path, marker):
    _corpus(tmp_path / "in", 1)
    out = tmp_path / "in" / "out"
    out.mkdir()
    (out / marker).write_text("{}")
    (out / "nodes.csv").write_text("id,label,title,abstract\nSTAT3,STAT3,STAT3,STAT3 node\n")
    (out / "graph.html").write_text("<html><head><title>kg graph</title></head><body>STAT3 EGFR</body></html>")
    docs, report = read_documents(tmp_path / "in")
    assert [d.pmid for d in docs] == ["1"]
    assert [s.source for s in report.skipped] == [str(out)] and "output folder of kg" in report.skipped[0].reason


def test_file_name_with_invalid_utf8_gives_an_encodable_document(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"bad\xff\xfename.jsonl"), "w", encoding="utf-8") as out:
        out.write(good(1))
    docs, _ = read_documents(tmp_path)
    doc = docs[0]
    assert doc.source.endswith("bad\\xff\\xfename.jsonl")
    for field in dataclasses.fields(Document):
        value = getattr(doc, field.name)
        for text in value if isinstance(value, tuple) else (value,):
            if isinstance(text, str):
                text.encode("utf-8")  # raises for a surrogate
    json.dumps(dataclasses.asdict(doc), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("name", ["evil\x1b[2J\x1b[31m.jsonl", "bell\x07.csv", "rtl\u202egpj.jsonl", "nl\nname.txt"])
def test_control_characters_in_names_are_shown_escaped(tmp_path, name):
    bad = tmp_path / name
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)  # skipped: its name shows in the message
    good_file = tmp_path / "good.jsonl"
    good_file.write_text(good(1), encoding="utf-8")
    missing = tmp_path / ("gone" + name)
    _, report = read_documents([bad, good_file, missing])
    text = report.summary()
    assert len(report.skipped) == 2
    for raw in ("\x1b", "\x07", "\u202e", "\nname"):
        assert raw not in text
    assert any(esc in text for esc in ("\\x1b", "\\x07", "\\u202e", "\\x0a"))


def test_bad_paths_next_to_good_ones_are_skipped_and_named(tmp_path):
    _corpus(tmp_path / "in", 1)
    os.mkfifo(tmp_path / "fifo")
    missing = tmp_path / "missing.jsonl"
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    docs, report = read_documents([missing, tmp_path / "in", tmp_path / "fifo", tmp_path / "broken",
                                   str(tmp_path / "*.nothing")])
    assert [d.pmid for d in docs] == ["1"]
    reasons = {s.source: s.reason for s in report.skipped}
    assert "does not exist" in reasons[str(missing)] or "no such file" in reasons[str(missing)]
    assert "FIFO" in reasons[str(tmp_path / "fifo")]
    assert "broken symbolic link" in reasons[str(tmp_path / "broken")]
    assert "matches no file" in reasons[str(tmp_path / "*.nothing")]
    with pytest.raises(InputError, match="no such file"):
        iter_documents([missing])  # nothing at all to read: an error before any work


def _as_nobody(fn: Callable[[], object]) -> object:
    """Run ``fn`` in a child process without root's right to read everything (as the user nobody)."""
    if os.geteuid() != 0:
        return fn()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            result: object = fn()
        except BaseException as exc:  # noqa: BLE001 - sent back to the parent
            result = exc
        with os.fdopen(write, "wb") as out:
            pickle.dump(result, out)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        result = pickle.load(inp)
    os.waitpid(pid, 0)
    if isinstance(result, BaseException):
        raise result
    return result


@pytest.fixture
def shared_tmp():
    """A temporary folder every user may enter (pytest's own is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="kg-hard-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def test_unreadable_subfolder_and_folder_are_named(shared_tmp):
    _corpus(shared_tmp / "in", 1)
    _corpus(shared_tmp / "in" / "locked", 2)
    _corpus(shared_tmp / "closed", 3)
    for path in shared_tmp.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    (shared_tmp / "in" / "locked").chmod(0)
    (shared_tmp / "closed").chmod(0)

    def read() -> tuple[list[str | None], list[tuple[str, str]]]:
        docs, report = read_documents([shared_tmp / "in", shared_tmp / "closed"])
        return [d.pmid for d in docs], [(s.source, s.reason) for s in report.skipped]

    pmids, skipped = _as_nobody(read)  # type: ignore[misc]
    assert pmids == ["1"]
    assert [s for s, _ in skipped] == [str(shared_tmp / "in" / "locked"), str(shared_tmp / "closed")]
    assert all("folder cannot be read" in r and "permission" in r.lower() for _, r in skipped)
    assert not any("no files" in r for _, r in skipped)


def test_report_is_filled_for_every_skipped_path(tmp_path):
    _corpus(tmp_path / "in", 1)
    os.mkfifo(tmp_path / "in" / "fifo")
    report = IngestReport()
    assert [d.pmid for d in iter_documents(tmp_path / "in", report=report)] == ["1"]
    assert report.summary().count("skipped ") == 1


@given(st.binary(min_size=1, max_size=40))
def test_any_file_name_is_shown_encodable_and_without_control_characters(name):
    from kg.ingest.names import display_path

    shown = display_path(os.fsdecode(name))
    shown.encode("utf-8")
    assert not any(unicodedata.category(c) in ("Cc", "Cs") and c != "\t" for c in shown)
    assert display_path(os.fsdecode(name)) == display_path(name)


def test_recursive_glob_reads_each_file_once_without_noise(tmp_path):
    _corpus(tmp_path / "in" / "a" / "b", 1, 2)
    _corpus(tmp_path / "in", 3)
    docs, report = read_documents(str(tmp_path / "in" / "**"))
    assert sorted(d.pmid for d in docs) == ["1", "2", "3"]
    assert report.skipped == [] and report.duplicates == []
