"""Format detection from content: formats, compression, encodings, and never raising on arbitrary bytes."""

from __future__ import annotations

import bz2
import codecs
import gzip
import lzma
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import NothingToBuildError
from kg.ingest import Detection, Format, detect, read_documents
from kg.ingest.detect import SAMPLE_SIZE, guess_encoding, sniff

DATA = Path(__file__).parent / "fixtures" / "ingest" / "data"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("pubmed_sample.xml.gz", Format.PUBMED_XML),
        ("medline_sample.txt", Format.MEDLINE),
        ("cdr_sample.pubtator.txt", Format.PUBTATOR),
        ("abstracts_sample.jsonl", Format.JSONL),
        ("sample.csv", Format.CSV),
        ("sample.tsv", Format.TSV),
    ],
)
def test_fixture_formats_are_detected(name, fmt):
    assert detect(DATA / name).format is fmt


@pytest.mark.parametrize(
    "name", ["pubmed_sample.xml.gz", "medline_sample.txt", "cdr_sample.pubtator.txt", "sample.csv"]
)
def test_detection_ignores_misleading_extensions(tmp_path, name):
    """Content decides: a PubTator file called .csv or a MEDLINE file called .xml is still read right."""
    expected = detect(DATA / name).format
    renamed = tmp_path / ("paper.dat" if name.endswith(".csv") else "paper.json.txt")
    shutil.copy(DATA / name, renamed)
    assert detect(renamed).format is expected


def test_seeds_are_text():
    for path in SEEDS.iterdir():
        assert detect(path).format is Format.TEXT, path


@pytest.mark.parametrize(("opener", "suffix"), [(gzip.open, ".gz"), (bz2.open, ".bz2"), (lzma.open, ".xz")])
def test_compression_is_transparent_and_found_by_magic(tmp_path, opener, suffix):
    raw = (DATA / "medline_sample.txt").read_bytes()
    path = tmp_path / "records.bin"  # no telling extension
    with opener(path, "wb") as out:
        out.write(raw)
    det = detect(path)
    assert det.format is Format.MEDLINE and det.compression is not None
    docs, _ = read_documents(path)
    assert [d.pmid for d in docs] == ["34511114", "30000001", "30000002"]


TEXT = "Ähnlichkeit des Café-Effekts – naïve T-Zellen\nDie naïve Antwort der Zellen wurde gemessen.\n"


@pytest.mark.parametrize(
    ("encoding", "data"),
    [
        ("utf-8", TEXT.encode("utf-8")),
        ("utf-8-sig", codecs.BOM_UTF8 + TEXT.encode("utf-8")),
        ("utf-16", TEXT.encode("utf-16")),  # with BOM
        ("utf-16-be", codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be")),
        ("utf-16-le", TEXT.encode("utf-16-le")),  # without BOM
        ("cp1252", TEXT.encode("cp1252")),
        ("latin-1", TEXT.replace("–", "-").encode("latin-1")),
    ],
)
def test_encodings_are_decoded(tmp_path, encoding, data):
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    docs, report = read_documents(path)
    assert report.skipped == []
    assert docs[0].title.startswith("Ähnlichkeit des Café-Effekts")
    assert docs[0].abstract == "Die naïve Antwort der Zellen wurde gemessen."


def test_gb18030_chinese_text(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_bytes(
        "细胞间P糖蛋白转移在肿瘤耐药中的作用\n多药耐药是肿瘤化疗失败的主要原因。本文综述了细胞间P糖蛋白转移的作用。\n".encode(
            "gb18030"
        )
    )
    assert detect(path).encoding == "gb18030"
    docs, _ = read_documents(path)
    assert docs[0].title == "细胞间P糖蛋白转移在肿瘤耐药中的作用"


def test_stray_non_utf8_byte_after_the_sample_falls_back_to_cp1252(tmp_path):
    path = tmp_path / "late.jsonl"
    line = '{"title": "T%d", "abstract": "Plain ASCII abstract number %d."}\n'
    body = "".join(line % (i, i) for i in range(SAMPLE_SIZE // 50)).encode("utf-8")
    path.write_bytes(body + b'{"title": "Caf\xe9", "abstract": "Late \x93quoted\x94 text."}\n')
    docs, report = read_documents(path)
    assert docs[-1].title == "Café" and docs[-1].abstract == "Late “quoted” text."
    n_lines = SAMPLE_SIZE // 50 + 1
    assert [(s.location, "not UTF-8" in s.reason) for s in report.skipped] == [(f"line {n_lines}", True)]


def test_guess_encoding_refuses_binary():
    assert guess_encoding(bytes(range(32)) * 40)[0] is None
    assert guess_encoding(b"plain ascii")[0] == "utf-8"


def test_detection_result_shape():
    assert sniff(b"").reason.startswith("empty file")
    assert sniff(b"PMID- 1\nTI  - T\nAB  - A\n").format is Format.MEDLINE
    assert sniff(b"1|t|T\n1|a|A\n").format is Format.PUBTATOR
    assert sniff(b'{"title": "x"}\n').format is Format.JSONL
    assert sniff(b"title,abstract\nA,B\n").format is Format.CSV
    assert sniff(b"<html><body>x</body></html>").format is Format.HTML
    assert sniff(b"Just a line of text, nothing else").format is Format.TEXT


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=4096),
    st.sampled_from(["x.txt", "x.csv", "x.xml", "x.jsonl", "", "x.tsv"]),
    st.booleans(),
)
def test_sniff_never_raises_and_returns_a_format_or_a_reason(data, name, complete):
    det = sniff(data, name=name, complete=complete)
    assert isinstance(det, Detection)
    assert (det.format is None) != (det.reason is None)
    assert det.format is None or det.encoding


_PREFIXES = [
    b"",
    b"<PubmedArticleSet>",
    b"PMID- 1\nTI  - ",
    b"1|t|",
    b"{",
    b"title,abstract\n",
    b"\x1f\x8b\x08\x00",
    b"\xef\xbb\xbf",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_PREFIXES), st.binary(max_size=2048))
def test_reading_arbitrary_bytes_gives_documents_or_a_clear_nothing_error(prefix, data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.dat"
        path.write_bytes(prefix + data)
        try:
            docs, report = read_documents(path)
        except NothingToBuildError as exc:
            assert "input.dat" in str(exc)
        else:
            assert docs and all(d.title or d.abstract for d in docs)
