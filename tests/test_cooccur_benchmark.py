"""benchmarks/edge_ranking.py on a tiny hand-written PubTator sample (no shared data needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import load_benchmark

bench = load_benchmark("edge_ranking")

# invented abstracts in PubTator format; no final newline, as in the CDR files
SAMPLE = (
    "1|t|Drugx causes rash.\n"
    "1|a|Drugx was given. Rash followed in many. Drugy did not cause fever.\n"
    "1\t0\t5\tDrugx\tChemical\tD001\n"
    "1\t13\t17\tRash\tDisease\tD100\n"
    "1\t19\t24\tDrugx\tChemical\tD001\n"
    "1\t36\t40\tRash\tDisease\tD100\n"
    "1\t59\t64\tDrugy\tChemical\tD002|D003\n"
    "1\t81\t86\tfever\tDisease\t-1\n"
    "1\tCID\tD001\tD100\n"
    "\n"
    "2|t|Drugy and headache.\n"
    "2|a|Headache after drugy.\n"
    "2\t0\t5\tDrugy\tChemical\tD002\n"
    "2\t10\t18\theadache\tDisease\tD101\n"
    "2\t20\t28\tHeadache\tDisease\tD101\n"
    "2\t35\t40\tdrugy\tChemical\tD002\n"
    "2\tCID\tD002\tD101"
)


@pytest.fixture()
def parsed(tmp_path: Path):
    f = tmp_path / "sample.PubTator.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    return bench.parse_pubtator(f)


def test_parse_pubtator(parsed) -> None:
    texts, mentions, relations = parsed
    assert texts["1"][0] == "Drugx causes rash."
    assert texts["2"][1] == "Headache after drugy."
    assert len(mentions) == 10  # "D002|D003" gives two rows, "-1" none
    assert relations.values.tolist() == [["1", "D001", "D100"], ["2", "D002", "D101"]]
    # offsets point into title + " " + abstract
    t, a = texts["1"]
    row = mentions[(mentions["pmid"] == "1") & (mentions["start"] == 36)].iloc[0]
    assert (t + " " + a)[row["start"]:row["end"]] == "Rash"


def test_mention_table_assigns_sentences(parsed) -> None:
    texts, mentions, _ = parsed
    m = bench.mention_table(texts, mentions)
    d1 = m[m["doc"] == "1"]
    assert d1[["para", "sent"]].values.tolist() == [[0, 0], [0, 0], [1, 1], [1, 2], [1, 3], [1, 3]]
    assert bench.sentence_starts("A b. C d! 3 e") == [0, 5, 10]


def test_evaluate_runs_and_ranks(parsed) -> None:
    texts, mentions, relations = parsed
    m = bench.mention_table(texts, mentions)
    table = bench.evaluate(m, relations, window="document")
    assert "tfidf" in table.index and "random" in table.index
    ap = table[("corpus", "AP")]
    assert ((ap >= 0) & (ap <= 1)).all()
    assert ap["tfidf"] == pytest.approx(1.0)  # both gold pairs first


def test_rank_metrics() -> None:
    labels = np.array([1, 0, 1, 0], dtype=np.int8)
    ap, p1, p2, p4 = bench.rank_metrics(np.array([4.0, 3.0, 2.0, 1.0]), labels, 2, ks=(1, 2, 4))
    assert ap == pytest.approx((1 + 2 / 3) / 2)
    assert (p1, p2, p4) == (1.0, 0.5, 0.5)
