"""Train kg's NER pipeline: one shared tok2vec, one NER head per corpus, from a spaCy config.

Why a custom loop: the corpora annotate different entity types over different texts, so a
batch of BC5CDR sentences must train the chemicals/diseases head and the shared encoder,
and nothing else. spaCy's ``nlp.update`` would update every head on every batch (and a
head whose listener is not called would stall the shared tok2vec's backward pass). The
loop below is multi-task learning with hard parameter sharing (Caruana 1997; for
biomedical NER, Crichton et al. 2017): batches from the corpora are interleaved, each
batch runs the shared tok2vec forward, hands its output to that corpus's head through the
head's :class:`~spacy.pipeline.tok2vec.Tok2VecListener`, and the head's backward pass
updates both. Everything else (the architectures, the optimizer, batch sizes, seed) comes
from the config file, read with spaCy's config system.

The config has spaCy's ``[nlp]`` and ``[components]`` sections, plus:

``[paths]``      data locations (override on the command line: ``--paths.corpora DIR``)
``[heads.NAME]`` ``train`` and ``dev`` corpus files for the NER component ``NAME``, and ``weight``:
                 how much of the corpus one epoch uses (default 1; see :func:`epoch_sample`)
``[vectors]``    ``sources`` (unlabeled text files) and word2vec settings, or ``sources = []``
``[training]``   ``seed``, ``max_epochs``, ``patience``, ``dropout``, ``batch_words``, ``final``,
                 ``lr_decay`` (``"constant"`` or ``"linear"``) and ``warmup`` (fraction of the run)
``[meta]``       name, version, description, license, author of the written pipeline
``[optimizer]``  a registered thinc optimizer, e.g. ``Adam.v1``
``[finetune]``   ``epochs`` and ``learn_rate`` of the second stage (:mod:`kg.training.finetune`): every head
                 alone on the frozen tok2vec; ``epochs = 0`` or no section skips it

With ``final = true`` (after tuning on the development sets) every head trains on its
``train`` *and* ``dev`` files for exactly ``max_epochs`` epochs and the last epoch is saved,
then fine-tunes for the epochs its tuning run (``--tuning``) kept; the dev scores it prints
are then on sentences it has seen, and only show progress.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spacy
from spacy.training import Example
from spacy.util import fix_random_seed, load_config, load_model_from_config, registry
from thinc.api import set_dropout_rate

import kg.nlp.entity_tagger  # noqa: F401
import kg.nlp.gazetteer  # noqa: F401
import kg.nlp.heads  # noqa: F401  (registers components)
import kg.nlp.sentences  # noqa: F401
import kg.nlp.tokenizer  # noqa: F401
from kg.errors import InputError
from kg.nlp.blas import using_cpu_ops
from kg.nlp.entity_tagger import is_ner_head
from kg.training.examples import (
    add_features,
    epoch_sample,
    feature_components,
    input_docs,
    ner_scores,
    word_batches,
)
from kg.training.finetune import finetune_heads, tuned_epochs
from kg.training.iob import read_examples
from kg.training.modelcard import measure_speed, write_model_card
from kg.training.vectors import train_word_vectors

__all__ = ["TrainResult", "train", "record_tuning", "evaluate_head", "head_names", "save_pipeline",
           "learn_rate_factor", "finetune_saved", "finish_training"]


@dataclass
class TrainResult:
    """What :func:`train` did: the best epoch, the dev scores per head, and where the model is."""

    output: Path
    best_epoch: int
    scores: dict[str, dict[str, Any]]
    history: list[dict[str, Any]] = field(default_factory=list)
    words_per_second: float = 0.0
    finetune: dict[str, dict[str, Any]] | None = None


def head_names(nlp: spacy.Language) -> list[str]:
    """The NER components of a pipeline, in pipeline order."""
    return [name for name, proc in nlp.pipeline if is_ner_head(name, proc)]


def learn_rate_factor(progress: float, warmup: float = 0.0) -> float:
    """Linear warm-up then linear decay to zero over the run (Howard & Ruder 2018 use the
    slanted-triangular variant; BERT's fine-tuning the linear one), as a fraction of the peak.

    ``progress`` is the fraction of the run done (epochs, not steps, so a final run on more
    sentences decays over the same epochs as its tuning run), ``warmup`` the fraction spent
    rising from zero.
    """
    if progress < warmup:
        return progress / warmup
    return max(0.0, 1.0 - (progress - warmup) / (1.0 - warmup)) if warmup < 1.0 else 1.0


def _interleaved_batches(
    examples: dict[str, list[Example]], rng: random.Random, batch_words: int,
    weights: dict[str, float] | None = None,
) -> list[tuple[str, list[Example]]]:
    batches = []
    for head, exs in examples.items():
        weight = (weights or {}).get(head, 1.0)
        exs = exs if weight == 1.0 else epoch_sample(exs, weight, rng)
        batches += [(head, batch) for batch in word_batches(exs, batch_words, rng)]
    rng.shuffle(batches)
    return batches


def save_pipeline(nlp, output: Path) -> None:
    """``nlp.to_disk(output)``, keeping the key attribute of the static vectors.

    spaCy 3.8 writes a default-mode vectors table's ``attr`` nowhere (only floret tables
    keep it), so a table keyed by ``LOWER`` comes back keyed by ``ORTH`` and every
    capitalised word loses its vector: 3 F1 points on BioNLP13CG devel. spaCy's loader
    does read ``attr`` from ``vocab/vectors.cfg``, so kg writes it there.
    """
    nlp.to_disk(output)
    cfg_path = output / "vocab" / "vectors.cfg"
    if cfg_path.exists() and nlp.vocab.vectors.shape[0]:
        cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
        cfg["attr"] = int(nlp.vocab.vectors.attr)
        cfg_path.write_text(json.dumps(cfg), encoding="utf-8")


def _update_head(nlp, head: str, batch: list[Example], *, drop: float, sgd, losses: dict) -> None:
    """One multi-task step: shared tok2vec forward, ``head`` update, backward into the tok2vec."""
    tok2vec = nlp.get_pipe("tok2vec")
    ner = nlp.get_pipe(head)
    docs = [eg.predicted for eg in batch]
    set_dropout_rate(tok2vec.model, drop)
    tokvecs, bp_tokvecs = tok2vec.model.begin_update(docs)

    def backprop(d_tokvecs):
        d_docs = bp_tokvecs(d_tokvecs)
        tok2vec.finish_update(sgd)
        return d_docs

    (listener,) = tok2vec.listener_map[head]
    listener.receive(listener.get_batch_id(docs), tokvecs, backprop)
    ner.update(batch, drop=drop, sgd=sgd, losses=losses)


def evaluate_head(nlp, head: str, examples: list[Example], *, batch_size: int = 256) -> dict[str, Any]:
    """Exact-span precision/recall/F1 of one head on gold examples (spaCy's NER scorer)."""
    tok2vec = nlp.get_pipe("tok2vec")
    ner = nlp.get_pipe(head)
    preds = list(ner.pipe(tok2vec.pipe(input_docs(nlp, examples), batch_size=batch_size), batch_size=batch_size))
    return ner_scores(preds, examples)


def _load(config_path: Path, overrides: dict[str, Any]):
    if not config_path.exists():
        raise InputError(str(config_path), "no such config file; see kg/configs/ for the shipped ones")
    config = load_config(config_path, overrides=overrides, interpolate=True)
    return config


def train(
    config_path: str | Path,
    output: str | Path,
    *,
    overrides: dict[str, Any] | None = None,
    tuning: str | Path | None = None,
    log: Callable[[str], None] = print,
) -> TrainResult:
    """Train the pipeline described by ``config_path`` and write the best epoch's model to ``output``.

    Prints (through ``log``) the loss and dev F1 of every head after each epoch. For a final
    run (``[training] final = true``), ``tuning`` names the output folder of the tuning run
    whose dev scores the model card and ``meta.json`` report (:func:`record_tuning`).
    """
    config_path, output = Path(config_path), Path(output)
    config = _load(config_path, overrides or {})
    tcfg = config["training"]
    final = bool(tcfg.get("final", False))
    if tuning is not None and not (final and (Path(tuning) / "training.json").exists()):
        raise InputError(str(tuning), "--tuning needs --training.final true and the output folder of a finished "
                         "tuning run (it has training.json)")
    seed = int(tcfg.get("seed", 0))
    fix_random_seed(seed)
    nlp_config = {k: v for k, v in config.items() if k in ("nlp", "components")}
    with using_cpu_ops():  # kg.nlp.blas: numpy's BLAS for the matrix products
        nlp = load_model_from_config(nlp_config, auto_fill=True, validate=True)
    heads = head_names(nlp)
    missing = [h for h in heads if h not in config.get("heads", {})]
    if missing:
        raise InputError(str(config_path), f"no [heads.{missing[0]}] section with train/dev files for that NER component")
    decay, warmup = str(tcfg.get("lr_decay", "constant")), float(tcfg.get("warmup", 0.0))
    if decay not in ("constant", "linear"):
        raise InputError(str(config_path), f'[training] lr_decay = "{decay}": use "constant" or "linear"')
    if not 0.0 <= warmup < 1.0:
        raise InputError(str(config_path), f"[training] warmup = {warmup}: use a fraction of the run, from 0 up to (not including) 1")
    weights = {h: float(config["heads"][h].get("weight", 1.0)) for h in heads}
    for h, w in weights.items():
        if w <= 0:
            raise InputError(str(config_path), f"[heads.{h}] weight = {w}: use a positive share of the corpus per epoch")

    vcfg = config.get("vectors", {})
    if vcfg.get("sources"):
        t0 = time.time()
        nlp.vocab.vectors = train_word_vectors(
            vcfg["sources"], nlp.vocab, dim=vcfg.get("dim", 100), min_count=vcfg.get("min_count", 3),
            max_words=vcfg.get("max_words", 40000), epochs=vcfg.get("epochs", 10), seed=seed,
        )
        log(f"word vectors: {nlp.vocab.vectors.shape[0]} x {nlp.vocab.vectors.shape[1]} in {time.time() - t0:.0f}s")

    train_ex = {h: read_examples(config["heads"][h]["train"], nlp.vocab) for h in heads}
    dev_ex = {h: read_examples(config["heads"][h]["dev"], nlp.vocab) for h in heads}
    if final:
        train_ex = {h: train_ex[h] + read_examples(config["heads"][h]["dev"], nlp.vocab) for h in heads}
    if feature_components(nlp):
        t0 = time.time()
        for h in heads:
            add_features(nlp, [eg.predicted for eg in train_ex[h]])
        log(f"input features ({', '.join(n for n, _ in feature_components(nlp))}) in {time.time() - t0:.0f}s")
    for h in heads:
        log(f"{h}: {len(train_ex[h])} train, {len(dev_ex[h])} dev sentences" + (" (final: dev included in train)" if final else ""))

    # Initialise each component on its own corpus only, so every head learns only its own labels.
    everything = [eg for h in heads for eg in train_ex[h][:500]]
    nlp.get_pipe("tok2vec").initialize(lambda: everything, nlp=nlp)
    for h in heads:
        nlp.get_pipe(h).initialize(lambda h=h: train_ex[h], nlp=nlp)
    nlp._link_components()
    nlp.meta.update({k: v for k, v in config.get("meta", {}).items()})
    sgd = registry.resolve({"optimizer": config["optimizer"]})["optimizer"]
    peak_rate = sgd.learn_rate

    rng = random.Random(seed)
    drop = float(tcfg.get("dropout", 0.1))
    best, best_epoch, bad_epochs, history = -1.0, 0, 0, []
    output.mkdir(parents=True, exist_ok=True)
    max_epochs = int(tcfg.get("max_epochs", 20))
    for epoch in range(1, max_epochs + 1):
        t0, losses, words = time.time(), {}, 0
        batches = _interleaved_batches(train_ex, rng, int(tcfg.get("batch_words", 1000)), weights)
        for i, (head, batch) in enumerate(batches):
            if decay == "linear":
                sgd.learn_rate = peak_rate * learn_rate_factor((epoch - 1 + i / len(batches)) / max_epochs, warmup)
            _update_head(nlp, head, batch, drop=drop, sgd=sgd, losses=losses)
            words += sum(len(eg) for eg in batch)
        with nlp.use_params(sgd.averages):
            scores = {h: evaluate_head(nlp, h, dev_ex[h]) for h in heads}
            mean_f = sum(s["f1"] for s in scores.values()) / len(scores)
            if mean_f > best or final:
                best, best_epoch, bad_epochs = mean_f, epoch, 0
                save_pipeline(nlp, output)
                best_scores = scores
            else:
                bad_epochs += 1
        row = {"epoch": epoch, "seconds": round(time.time() - t0, 1), "train_words": words,
               **{f"loss_{h}": round(losses.get(h, 0.0), 1) for h in heads},
               **{f"f1_{h}": round(100 * s["f1"], 2) for h, s in scores.items()}}
        history.append(row)
        log("  ".join(f"{k}={v}" for k, v in row.items()) + ("  *best*" if best_epoch == epoch else ""))
        if not final and bad_epochs >= int(tcfg.get("patience", 3)):
            log(f"no dev improvement for {bad_epochs} epochs: stopping")
            break
    result = TrainResult(output=output, best_epoch=best_epoch, scores=best_scores, history=history)
    if int(config.get("finetune", {}).get("epochs", 0)) > 0:
        finetune_saved(output, config, result, final=final, tuning=tuning, log=log)
    finish_training(output, config, result, final=final, tuning=tuning, overrides=overrides, config_path=config_path,
                    dev_texts=[" ".join(t.text for t in eg.reference) for h in heads for eg in dev_ex[h][:2000]])
    return result


def finetune_saved(
    output: Path, config: dict[str, Any], result: TrainResult, *, final: bool, tuning: str | Path | None,
    log: Callable[[str], None] = print,
) -> None:
    """The second stage (:mod:`kg.training.finetune`) on the pipeline saved in ``output``; saves it again.

    A tuning run lets each head keep its best dev epoch (up to ``[finetune] epochs``); a final
    run trains each head for the epochs its tuning run kept (``[finetune] epochs`` when there is
    no ``--tuning`` run or it had no second stage). ``result`` gets the fine-tuned dev scores
    and the ``finetune`` record.
    """
    with using_cpu_ops():
        nlp = spacy.load(output)
    heads = head_names(nlp)
    n = int(config["finetune"]["epochs"])
    epochs = (tuned_epochs(tuning, heads) if final and tuning is not None else None) or {h: n for h in heads}
    train_ex = {h: read_examples(config["heads"][h]["train"], nlp.vocab) for h in heads}
    dev_ex = {h: read_examples(config["heads"][h]["dev"], nlp.vocab) for h in heads}
    if final:
        train_ex = {h: train_ex[h] + read_examples(config["heads"][h]["dev"], nlp.vocab) for h in heads}
    for h in heads:
        add_features(nlp, [eg.predicted for eg in train_ex[h]])
    report = finetune_heads(nlp, train_ex, dev_ex, config=config, epochs=epochs, select_on_dev=not final, log=log)
    nlp.meta.update({k: v for k, v in config.get("meta", {}).items()})
    save_pipeline(nlp, output)
    result.scores = {h: r["dev_scores"] for h, r in report.items()}
    result.finetune = {h: {"epoch": r["epoch"], "dev_f1_per_epoch": r["dev_f1_per_epoch"]} for h, r in report.items()}


def finish_training(
    output: Path, config: dict[str, Any], result: TrainResult, *, final: bool, tuning: str | Path | None,
    overrides: dict[str, Any] | None, config_path: Path, dev_texts: list[str],
) -> None:
    """What follows training: ``training.json``, meta.json's scores, the speed and the model card."""
    (output / "training.json").write_text(json.dumps(
        {"best_epoch": result.best_epoch, "final": final, "history": result.history,
         "dev_scores": result.scores, "overrides": {k: str(v) for k, v in (overrides or {}).items()}}
        | ({"finetune": result.finetune} if result.finetune is not None else {}),
        indent=1, default=str))
    _record_performance(output, result, final=final)
    result.words_per_second = measure_speed(output, dev_texts)
    args = " ".join(f"--{k} {v}" for k, v in (overrides or {}).items())
    command = f"kg train {config_path} --output {output} {args}".strip()
    if final and tuning is not None:
        record_tuning(output, tuning, config=config, command=f"{command} --tuning {tuning}",
                      words_per_second=result.words_per_second)
    else:
        write_model_card(output, config=config, result=result, words_per_second=result.words_per_second,
                         command=command)


def record_tuning(
    output: str | Path, tuning: str | Path, *, config: dict[str, Any], command: str, words_per_second: float
) -> TrainResult:
    """Report a tuning run's dev scores for a final model (trained on train + dev).

    The final model has seen the dev sets, so its own dev scores say nothing; the honest
    figures are those of the tuning run with the same config (train only, early stopping).
    Copies its ``training.json`` to ``output/tuning.json``, puts its dev F1 in
    ``meta.json`` (``performance``, marked as the tuning run's) and writes the model card.
    """
    output, tuning = Path(output), Path(tuning)
    record = tuning / "training.json"
    if not record.exists():
        raise InputError(str(tuning), "no training.json: give the output folder of a `kg train` tuning run")
    data = json.loads(record.read_text(encoding="utf-8"))
    if data.get("final"):
        raise InputError(str(tuning), "this run trained on the dev sets (final = true); give the tuning run's folder")
    (output / "tuning.json").write_text(record.read_text(encoding="utf-8"), encoding="utf-8")
    result = TrainResult(output=output, best_epoch=int(data["best_epoch"]), scores=data["dev_scores"],
                         history=data["history"], words_per_second=words_per_second, finetune=data.get("finetune"))
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["performance"] = {f"{h}_dev_f1_tuning_run": round(100 * s["f1"], 2) for h, s in result.scores.items()} | {
        "note": f"dev F1 of the tuning run (train only, best epoch {result.best_epoch}); "
                "this model was then trained on train + dev"}
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    write_model_card(output, config=config, result=result, command=command, words_per_second=words_per_second)
    return result


def _record_performance(output: Path, result: TrainResult, *, final: bool) -> None:
    """Store the dev scores in the pipeline's meta.json (``performance``), as spaCy's own training does."""
    meta_path = output / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["performance"] = {
        f"{h}_f1": round(100 * s["f1"], 2) for h, s in result.scores.items()
    } | {"dev_seen_in_training": final, "best_epoch": result.best_epoch}
    meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
