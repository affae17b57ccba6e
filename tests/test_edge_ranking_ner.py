"""benchmarks/edge_ranking.py with kg's own mentions (--mentions kg), on hand-made annotations.

The NER pass itself is not run here: annotated documents are built by hand (or the cache
is pre-filled), so the tests need neither the CDR corpus nor a model run.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from kg.nlp.annotate import AnnotatedDoc, Mention
from tests.conftest import load_benchmark

bench = load_benchmark("edge_ranking")

# invented abstracts; "hypotension" is MeSH D007022 in kg's disease vocabulary
SAMPLE = (
    "1|t|Drugx causes hypotension.\n"
    "1|a|Drugx was given. Hypotension followed.\n"
    "1\t0\t5\tDrugx\tChemical\tD001\n"
    "1\t13\t24\thypotension\tDisease\tD007022\n"
    "1\t26\t31\tDrugx\tChemical\tD001\n"
    "1\t43\t54\tHypotension\tDisease\tD007022\n"
    "1\tCID\tD001\tD007022\n"
    "\n"
    "2|t|Drugy and drugz.\n"
    "2|a|No hypotension.\n"
    "2\t0\t5\tDrugy\tChemical\tD002|D003\n"
    "2\t10\t15\tdrugz\tChemical\tD004\n"
    "2\t20\t31\thypotension\tDisease\tD007022\n"
)


def _mention(text: str, full: str, type_: str, sent: int, *, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = full.index(text, start + 1)
    return Mention(start, start + len(text), text, type_, type_, "test", sent, int(start > full.index("\n\n")), text)


@pytest.fixture()
def parsed(tmp_path: Path):
    f = tmp_path / "sample.PubTator.txt"
    f.write_text(SAMPLE, encoding="utf-8")
    return bench.parse_pubtator(f)


@pytest.fixture()
def annotated(parsed) -> list[AnnotatedDoc]:
    """What kg's NER might return: doc 1 finds everything (the second "Hypotension" typed as a
    chemical), doc 2 misses drugz and adds an unknown chemical and a gene."""
    docs = {d.id: d.text for d in bench.cdr_documents(parsed[0])}
    t1, t2 = docs["1"], docs["2"]
    return [
        AnnotatedDoc("1", (), (
            _mention("Drugx", t1, "Chemical", 0), _mention("hypotension", t1, "Disease", 0),
            _mention("Drugx", t1, "Chemical", 1, nth=1), _mention("Hypotension", t1, "Chemical", 2),
        )),
        AnnotatedDoc("2", (), (
            _mention("Drugy", t2, "Chemical", 0), _mention("No", t2, "Chemical", 1),
            _mention("hypotension", t2, "Disease", 1), _mention("and", t2, "Gene or gene product", 0),
        )),
    ]


def test_cdr_documents(parsed) -> None:
    docs = bench.cdr_documents(parsed[0])
    assert [d.id for d in docs] == ["1", "2"]
    assert docs[0].text == "Drugx causes hypotension.\n\nDrugx was given. Hypotension followed."


def test_chemical_dictionary_skips_composites_and_folds(parsed) -> None:
    _, mentions, _ = parsed
    extra = pd.DataFrame([("3", 0, 5, "DRUGX", "Chemical", "D009"), ("4", 0, 6, "Drugx", "Chemical", "D001")],
                         columns=mentions.columns)
    chem = bench.chemical_dictionary(pd.concat([mentions, extra], ignore_index=True))
    assert chem == {"drugx": "D001", "drugz": "D004"}  # commonest id; "Drugy" (D002|D003) left out


def test_kg_mentions_link_and_type(parsed, annotated) -> None:
    _, gold, _ = parsed
    m = bench.kg_mentions(annotated, bench.chemical_dictionary(gold))
    assert set(m.columns) >= {"doc", "para", "sent", "concept", "type", "start", "end"}
    got = {(r.doc, r.text, r.type, r.concept) for r in m.itertuples()}
    assert got == {
        ("1", "Drugx", "Chemical", "mesh:D001"),
        ("1", "hypotension", "Disease", "mesh:D007022"),
        # typed Chemical by NER, but its text links as a disease in the corpus: kg's concept, a disease
        ("1", "Hypotension", "Disease", "mesh:D007022"),
        ("2", "Drugy", "Chemical", None),  # composite in gold: not in the dictionary
        ("2", "No", "Chemical", None),
        ("2", "hypotension", "Disease", "mesh:D007022"),
    }
    assert sorted(m.loc[m["text"] == "Drugx", "sent"]) == [0, 1]


def test_mention_figures(parsed, annotated) -> None:
    texts, gold, _ = parsed
    m = bench.kg_mentions(annotated, bench.chemical_dictionary(gold))
    fig = bench.mention_figures(m, gold, texts)
    chem, dis = fig.loc["Chemical"], fig.loc["Disease"]
    # gold chemical spans: Drugx x2, Drugy, drugz; kg overlaps the first three (offsets shifted for "\n\n")
    assert chem["gold mentions"] == 4 and chem["NER found"] == pytest.approx(3 / 4)
    assert chem["gold ids"] == 4 and chem["kg ids"] == 1 and chem["hits"] == 1  # (1,D001),(2,D002|3|4)
    assert chem["recall"] == pytest.approx(1 / 4) and chem["precision"] == 1.0
    assert dis["NER found"] == 1.0 and dis["recall"] == 1.0 and dis["precision"] == 1.0
    assert chem["linked"] == pytest.approx(2 / 4)


def test_annotate_cached_reads_the_cache(parsed, annotated, tmp_path: Path) -> None:
    docs = bench.cdr_documents(parsed[0])
    key = bench.ner_cache_key(docs)
    assert key != bench.ner_cache_key(docs[:1])
    (tmp_path / f"kg-edge-ranking-ner-{key}.pkl").write_bytes(pickle.dumps(annotated))
    got, note = bench.annotate_cached(docs, tmp_path)
    assert got == annotated and note.startswith("cached")


def test_main_kg_mode(parsed, annotated, tmp_path: Path, monkeypatch, capsys) -> None:
    for fname in bench.FILES.values():
        (tmp_path / fname).write_text(SAMPLE, encoding="utf-8")
    # both splits hold the same two abstracts: the fake NER pass answers per document id
    by_id = {a.doc_id: a for a in annotated}
    monkeypatch.setattr(bench, "annotate_cached", lambda docs, cache_dir: ([by_id[d.id] for d in docs], "fake"))
    assert bench.main(["--cdr", str(tmp_path), "--mentions", "kg", "--window", "sentence"]) == 0
    out = capsys.readouterr().out
    assert "mentions=gold" not in out
    assert "NOT kg's normalisation" in out and "TRAINING set" in out
    assert "== CDR devel, window=sentence, mentions=kg" in out
    assert "1 of 1 gold CID pairs" in out  # Drugx-hypotension co-occur in sentence 0 of doc 1
