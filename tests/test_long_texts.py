"""A document longer than NER reads (1,000,000 characters) is annotated up to that cap, in pieces, and
flagged ``long-text-cut`` with the fix; every other document is built (#24 class 1)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kg
from kg.nlp.annotate import FLAG_LONG_TEXT, MAX_TEXT_CHARS, annotated_part
from tests.synthetic import corpus, write_jsonl

pytestmark = pytest.mark.filterwarnings("ignore:.*W036")


@given(st.text(alphabet="ab \n.", max_size=300), st.integers(min_value=1, max_value=200))
def test_the_annotated_part_is_a_prefix_within_the_cap(text, limit):
    part = annotated_part(text, limit)
    assert text.startswith(part) and len(part) <= limit
    if len(text) <= limit:
        assert part == text
    elif any(c.isspace() for c in text[limit // 2 : limit]):
        assert part[-1].isspace()


def test_a_3_mb_document_is_cut_flagged_and_the_good_ones_built(tiny, tmp_path):
    good = corpus(6)
    filler = " ".join(d.abstract for d in good)
    huge = (filler + " ") * (3_000_000 // (len(filler) + 1) + 1)
    rows = [{"id": d.id, "title": d.title, "abstract": d.abstract, "pmid": d.pmid} for d in good[:3]]
    # ingest cuts an abstract at 1,000,000 characters, not a title: a 3 MB text reaches NER whole
    rows.append({"title": huge[:3_000_000], "pmid": "99"})
    rows += [{"id": d.id, "title": d.title, "abstract": d.abstract, "pmid": d.pmid} for d in good[3:]]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    g = kg.build(path, models=(tiny,), out=tmp_path / "out", formats="csv", cache=False)
    assert g.stats.documents == 7 and not g.stats.skipped
    assert [line for line in g.stats.flagged if FLAG_LONG_TEXT in line] == [f"pmid:99: {FLAG_LONG_TEXT}"]
    notes = [n for n in g.stats.notes if FLAG_LONG_TEXT in n]
    assert len(notes) == 1 and notes[0].startswith("pmid:99: ") and "split it into several documents" in notes[0]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["notes"] == g.stats.notes

    mentions = g.mentions_df()
    assert mentions.groupby("doc_id")["end"].max().max() <= MAX_TEXT_CHARS
    assert mentions[mentions["doc_id"] == "pmid:99"]["end"].max() > MAX_TEXT_CHARS * 0.99  # up to the cap

    alone = kg.build(write_jsonl(good, tmp_path / "good.jsonl"), models=(tiny,), cache=False).mentions_df()
    columns = ["doc_id", "start", "end", "text", "ner_type"]
    mixed = mentions[mentions["doc_id"].isin({d.id for d in good})]
    # every mention of the good documents built alone is there (the big one, which repeats their text,
    # can only add nodes: concepts seen in several documents pass kg.concepts.filter)
    def rows_of(frame):
        return set(map(tuple, frame[columns].values.tolist()))

    assert len(alone) and rows_of(alone) <= rows_of(mixed)
