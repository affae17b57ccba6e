"""The BILUO entity tagger: exact constrained Viterbi, span decoding, and a real train/evaluate round trip."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.nlp.entity_tagger import biluo_tags, tags_to_spans, viterbi_biluo
from kg.training.evaluate import evaluate
from kg.training.train import train

LABELS = ["Gene", "Cancer"]
TAGS = biluo_tags(LABELS)


def _valid(seq) -> bool:
    prev = "O"
    for tag_id in seq:
        tag = TAGS[tag_id]
        if tag[0] in "IL":
            if prev[0] not in "BI" or prev[2:] != tag[2:]:
                return False
        elif prev[0] in "BI":
            return False
        prev = tag
    return prev[0] not in "BI"


def _brute_force(logp: np.ndarray) -> tuple[int, ...]:
    candidates = (s for s in itertools.product(range(len(TAGS)), repeat=len(logp)) if _valid(s))
    return max(candidates, key=lambda s: sum(logp[i, t] for i, t in enumerate(s)))


def test_tag_inventory_layout():
    assert TAGS == ["O", "B-Gene", "I-Gene", "L-Gene", "U-Gene", "B-Cancer", "I-Cancer", "L-Cancer", "U-Cancer"]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_viterbi_is_the_best_valid_sequence(seed, lengths):
    rng = np.random.default_rng(seed)
    logp = np.log(rng.dirichlet(np.ones(len(TAGS)), size=(len(lengths), max(lengths))))
    paths = viterbi_biluo(logp, lengths)
    for b, n in enumerate(lengths):
        assert len(paths[b]) == n
        assert _valid(paths[b])
        assert tuple(paths[b]) == _brute_force(logp[b, :n])


def test_viterbi_repairs_an_invalid_argmax():
    # argmax per token would be I-Gene, I-Gene (invalid: no B); the best valid path opens and closes the entity
    logp = np.log(np.full((1, 2, len(TAGS)), 0.01))
    logp[0, :, TAGS.index("I-Gene")] = np.log(0.9)
    logp[0, 0, TAGS.index("B-Gene")] = np.log(0.05)
    logp[0, 1, TAGS.index("L-Gene")] = np.log(0.05)
    (path,) = viterbi_biluo(logp, [2])
    assert [TAGS[t] for t in path] == ["B-Gene", "L-Gene"]


def test_empty_batch_and_empty_docs():
    assert viterbi_biluo(np.zeros((2, 0, len(TAGS))), [0, 0])[0].shape == (0,)
    assert [len(p) for p in viterbi_biluo(np.zeros((2, 3, len(TAGS))), [0, 3])] == [0, 3]


@pytest.mark.parametrize(
    ("tags", "spans"),
    [
        (["O", "U-Gene", "O"], [(1, 2, 0)]),
        (["B-Cancer", "I-Cancer", "L-Cancer", "U-Gene"], [(0, 3, 1), (3, 4, 0)]),
        (["O", "O"], []),
    ],
)
def test_tags_to_spans(tags, spans):
    assert tags_to_spans([TAGS.index(t) for t in tags]) == spans


@pytest.fixture(scope="module")
def tiny_tagger(tmp_path_factory, fixtures):
    out = tmp_path_factory.mktemp("tiny_tagger")
    result = train(fixtures / "ner" / "tiny_tagger.cfg", out, overrides={"paths.corpora": str(fixtures / "ner"), "paths.lexicons": str(fixtures / "vocab")},
                   log=lambda _: None)
    return result, out


def test_tagger_trains_saves_loads_and_evaluates(tiny_tagger, fixtures):
    result, out = tiny_tagger
    on_train = evaluate(fixtures / "ner" / "tiny_train.tsv", model=str(out))
    assert on_train["f1"] > 80  # it learned its own training sentences: a real model
    on_dev = evaluate(fixtures / "ner" / "tiny_dev.tsv", model=str(out))
    assert on_dev["f1"] == pytest.approx(100 * result.scores["ner_bionlp13cg"]["f1"])


def test_tagger_runs_on_raw_text_with_the_split_tokenizer(tiny_tagger):
    from kg.nlp.models import load_model

    _, out = tiny_tagger
    nlp = load_model(str(out))
    doc = nlp("Bcl-2 and STAT3 were overexpressed in non-small cell lung cancer cells.")
    spans = list(doc.spans["ner:bionlp13cg"])
    assert all(s.label_ in nlp.get_pipe("ner_bionlp13cg").labels for s in spans)
    starts = [s.start for s in spans]
    assert starts == sorted(starts) and all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_tagger_training_is_deterministic(tiny_tagger, fixtures, tmp_path):
    _, out = tiny_tagger
    train(fixtures / "ner" / "tiny_tagger.cfg", tmp_path / "again", overrides={"paths.corpora": str(fixtures / "ner"), "paths.lexicons": str(fixtures / "vocab")},
          log=lambda _: None)
    for part in ("tok2vec/model", "ner_bionlp13cg/model"):
        assert (tmp_path / "again" / part).read_bytes() == (out / part).read_bytes(), part
