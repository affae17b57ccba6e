"""The second training stage (kg.training.finetune): heads alone on the frozen tok2vec, on the tiny fixtures."""

from __future__ import annotations

import json

import pytest
import spacy

from kg.training.evaluate import evaluate
from kg.training.train import train

CONFIGS = ["tiny.cfg", "tiny_tagger.cfg"]  # transition-based ner head, BILUO tagger head


def _train(fixtures, cfg, out, **overrides):
    lines: list[str] = []
    tuning = overrides.pop("tuning", None)
    result = train(fixtures / "ner" / cfg, out, log=lines.append, tuning=tuning,
                   overrides={"paths.corpora": str(fixtures / "ner"), "paths.lexicons": str(fixtures / "vocab"),
                              "training.max_epochs": 3, "finetune.learn_rate": 0.005, **overrides,
                              # scored on its training sentences, an under-trained tiny head visibly gains
                              "heads.ner_bionlp13cg.dev": str(fixtures / "ner" / "tiny_train.tsv")})
    return result, lines


@pytest.fixture(scope="module", params=CONFIGS)
def tuned(request, tmp_path_factory, fixtures):
    out = tmp_path_factory.mktemp("finetuned")
    result, lines = _train(fixtures, request.param, out, **{"finetune.epochs": 3})
    return request.param, result, out, lines


def test_each_head_keeps_its_best_dev_epoch(tuned, fixtures):
    cfg, result, out, lines = tuned
    record = json.loads((out / "training.json").read_text())["finetune"]["ner_bionlp13cg"]
    curve = record["dev_f1_per_epoch"]
    assert len(curve) == 4  # epoch 0 (first stage only) and 3 fine-tuning epochs
    assert record["epoch"] > 0 and curve[record["epoch"]] == max(curve) > curve[0]
    assert 100 * result.scores["ner_bionlp13cg"]["f1"] == pytest.approx(max(curve), abs=0.01)
    assert sum("finetune ner_bionlp13cg epoch=" in line for line in lines) == 3
    # what was saved is what was kept: the written model scores the kept epoch's dev F1
    assert evaluate(fixtures / "ner" / "tiny_train.tsv", model=str(out))["f1"] == pytest.approx(max(curve), abs=0.01)


def test_the_shared_tok2vec_stays_frozen(tuned, fixtures, tmp_path):
    cfg, _, out, _ = tuned
    _train(fixtures, cfg, tmp_path / "first_stage_only")  # same seed, [finetune] epochs = 0
    before = spacy.load(tmp_path / "first_stage_only").get_pipe("tok2vec").model.to_bytes()
    assert spacy.load(out).get_pipe("tok2vec").model.to_bytes() == before


def test_final_run_fine_tunes_for_the_tuning_runs_epochs(tuned, fixtures, tmp_path):
    cfg, _, out, _ = tuned
    kept = json.loads((out / "training.json").read_text())["finetune"]["ner_bionlp13cg"]["epoch"]
    _, lines = _train(fixtures, cfg, tmp_path / "final", tuning=out, **{"training.final": True, "finetune.epochs": 3})
    assert sum("finetune ner_bionlp13cg epoch=" in line for line in lines) == kept
    assert any(f"kept epoch {kept}," in line for line in lines)


def test_tuning_record_without_a_head_is_named(tmp_path):
    from kg.errors import InputError
    from kg.training.finetune import tuned_epochs

    (tmp_path / "training.json").write_text(json.dumps({"finetune": {"ner_a": {"epoch": 2}}}))
    assert tuned_epochs(tmp_path, ["ner_a"]) == {"ner_a": 2}
    with pytest.raises(InputError, match="no fine-tuning record for ner_b"):
        tuned_epochs(tmp_path, ["ner_a", "ner_b"])
    (tmp_path / "training.json").write_text(json.dumps({"best_epoch": 3}))  # a tuning run without the stage
    assert tuned_epochs(tmp_path, ["ner_a"]) is None
