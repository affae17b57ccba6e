"""A real train/evaluate round trip on a committed fixture of a few dozen sentences (seconds)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.training.evaluate import evaluate
from kg.training.iob import corpus_labels, iob_spans, read_iob
from kg.training.train import train


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, fixtures, monkeypatch_module=None):
    out = tmp_path_factory.mktemp("tiny")
    lines = []
    result = train(fixtures / "ner" / "tiny.cfg", out, overrides={"paths.corpora": str(fixtures / "ner")}, log=lines.append)
    return result, out, lines


def test_iob_spans_reads_bio_and_iob1():
    assert iob_spans(["B-A", "I-A", "O", "I-B", "B-B", "I-A"]) == [(0, 2, "A"), (3, 4, "B"), (4, 5, "B"), (5, 6, "A")]


def test_read_iob_counts(fixtures):
    sents = list(read_iob(fixtures / "ner" / "tiny_train.tsv"))
    assert len(sents) == 48
    assert "Gene_or_gene_product" in corpus_labels(fixtures / "ner" / "tiny_train.tsv")


def test_read_iob_names_the_bad_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("STAT3\tB-Gene\nis\tmaybe\n")
    from kg.errors import InputError

    with pytest.raises(InputError, match=r"bad.tsv:line 2"):
        list(read_iob(bad))


def test_training_prints_progress_and_learns(tiny_model, fixtures):
    result, out, lines = tiny_model
    assert any(line.startswith("epoch=1") and "f1_ner_bionlp13cg" in line for line in lines)
    assert (out / "meta.json").exists() and (out / "training.json").exists()
    # it fits its own training sentences: a real model, not a constant
    on_train = evaluate(fixtures / "ner" / "tiny_train.tsv", model=str(out))
    assert on_train["f1"] > 80
    on_dev = evaluate(fixtures / "ner" / "tiny_dev.tsv", model=str(out))
    assert on_dev["f1"] == pytest.approx(100 * result.scores["ner_bionlp13cg"]["f1"])


def test_training_is_reproducible(tiny_model, fixtures, tmp_path):
    result, _, _ = tiny_model
    again = train(fixtures / "ner" / "tiny.cfg", tmp_path / "again", overrides={"paths.corpora": str(fixtures / "ner")},
                  log=lambda _: None)
    assert again.scores["ner_bionlp13cg"]["f1"] == pytest.approx(result.scores["ner_bionlp13cg"]["f1"], abs=0.005)


def test_evaluate_cli_json(tiny_model, fixtures):
    _, out, _ = tiny_model
    res = CliRunner().invoke(app, ["evaluate", str(fixtures / "ner" / "tiny_dev.tsv"), "--model", str(out), "--json"])
    assert res.exit_code == 0, res.output
    scores = json.loads(res.output)
    assert {"precision", "recall", "f1", "per_type"} <= set(scores)
    assert set(scores["per_type"]) <= set(corpus_labels(fixtures / "ner" / "tiny_dev.tsv"))


def test_missing_model_names_the_install_command():
    from kg.errors import ModelNotFoundError
    from kg.nlp.models import resolve_model

    with pytest.raises(ModelNotFoundError, match=r"pip install https://.*en_ner_bionlp13cg_md-0\.5\.4\.tar\.gz"):
        resolve_model("en_ner_bionlp13cg_md")


def test_saved_pipeline_keeps_lower_keyed_vectors(tmp_path):
    """spaCy does not persist a default vectors table's key attribute; kg's save does."""
    import numpy as np
    import spacy
    from spacy.attrs import LOWER
    from spacy.vectors import Vectors

    from kg.training.train import save_pipeline

    nlp = spacy.blank("en")
    vectors = Vectors(strings=nlp.vocab.strings, shape=(2, 3), attr="LOWER")
    vectors.add("stat3", row=0)
    vectors.add("cancer", row=1)
    vectors.data[:] = np.arange(6, dtype="float32").reshape(2, 3)
    nlp.vocab.vectors = vectors
    save_pipeline(nlp, tmp_path / "p")
    back = spacy.load(tmp_path / "p")
    assert back.vocab.vectors.attr == LOWER
    doc = back("STAT3 Cancer")
    assert doc[0].has_vector and doc[1].has_vector


def test_final_run_reports_the_tuning_runs_dev_scores(tiny_model, fixtures, tmp_path):
    result, tuned, _ = tiny_model
    out = tmp_path / "final"
    train(fixtures / "ner" / "tiny.cfg", out, overrides={"paths.corpora": str(fixtures / "ner"), "training.final": True,
                                                         "training.max_epochs": 2}, tuning=tuned, log=lambda _: None)
    assert json.loads((out / "tuning.json").read_text()) == json.loads((tuned / "training.json").read_text())
    perf = json.loads((out / "meta.json").read_text())["performance"]
    assert perf["ner_bionlp13cg_dev_f1_tuning_run"] == pytest.approx(100 * result.scores["ner_bionlp13cg"]["f1"], abs=0.01)
    card = (out / "README.md").read_text()
    assert f"F1 {100 * result.scores['ner_bionlp13cg']['f1']:.2f}" in card and "--tuning" in card


def test_tuning_folder_must_be_a_tuning_run(tiny_model, fixtures, tmp_path):
    from kg.errors import InputError
    from kg.training.train import record_tuning

    with pytest.raises(InputError, match="training.json"):
        record_tuning(tmp_path, tmp_path / "nowhere", config={}, command="", words_per_second=0.0)


def test_tuning_without_final_fails_before_training(fixtures, tmp_path):
    from kg.errors import InputError

    with pytest.raises(InputError, match="--training.final true"):
        train(fixtures / "ner" / "tiny.cfg", tmp_path / "x", overrides={"paths.corpora": str(fixtures / "ner")},
              tuning=tmp_path, log=lambda _: None)
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(
    ("progress", "warmup", "expected"),
    [(0.0, 0.0, 1.0), (0.5, 0.0, 0.5), (1.0, 0.0, 0.0), (0.0, 0.1, 0.0), (0.05, 0.1, 0.5), (0.1, 0.1, 1.0),
     (0.55, 0.1, 0.5), (1.2, 0.1, 0.0)],
)
def test_learn_rate_factor_warms_up_then_decays_linearly(progress, warmup, expected):
    from kg.training.train import learn_rate_factor

    assert learn_rate_factor(progress, warmup) == pytest.approx(expected)


def test_linear_learning_rate_decay_trains_a_different_model(tiny_model, fixtures, tmp_path):
    _, constant, _ = tiny_model
    out = tmp_path / "linear"
    train(fixtures / "ner" / "tiny.cfg", out, log=lambda _: None,
          overrides={"paths.corpora": str(fixtures / "ner"), "training.lr_decay": "linear", "training.warmup": 0.1,
                     "optimizer.learn_rate": 0.01})
    assert evaluate(fixtures / "ner" / "tiny_train.tsv", model=str(out))["f1"] > 80
    assert (out / "tok2vec" / "model").read_bytes() != (constant / "tok2vec" / "model").read_bytes()


@pytest.mark.parametrize(
    ("override", "message"),
    [({"training.lr_decay": "cosine"}, 'lr_decay = "cosine": use "constant" or "linear"'),
     ({"training.lr_decay": "linear", "training.warmup": 1.0}, r"warmup = 1.0: use a fraction of the run"),
     ({"heads.ner_bionlp13cg.weight": 0}, r"\[heads.ner_bionlp13cg\] weight = 0.0")],
)
def test_bad_schedule_settings_are_named_before_training(fixtures, tmp_path, override, message):
    from kg.errors import InputError

    with pytest.raises(InputError, match=message):
        train(fixtures / "ner" / "tiny.cfg", tmp_path / "x", log=lambda _: None,
              overrides={"paths.corpora": str(fixtures / "ner"), **override})
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize(("weight", "size"), [(1.0, 10), (0.5, 5), (2.0, 20), (1.5, 15), (0.25, 2)])
def test_epoch_sample_takes_weight_times_the_corpus(weight, size):
    import random
    from collections import Counter

    from kg.training.examples import epoch_sample

    sample = epoch_sample(list(range(10)), weight, random.Random(0))
    assert len(sample) == size
    counts = Counter(sample)
    assert min(counts.values()) >= int(weight) and max(counts.values()) <= int(weight) + 1
