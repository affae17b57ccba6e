"""Train and evaluate kg's relation model (``kg train-relations CONFIG``, ``kg evaluate-relations FILE``).

Recipe (kg/configs/relations.cfg): pair features of every candidate concept pair of the BioRED Train
documents (:mod:`kg.relations.features`; gold entities); a LightGBM booster for "related", fitted
first on k-1 of k document folds to get out-of-fold scores, which fit the isotonic calibration
(Zadrozny & Elkan 2002) and the threshold (best pair F), then on all of Train; a booster
for novelty and a multinomial logistic regression for the BioRED type, both on the related pairs. Everything is seeded and
LightGBM runs in deterministic mode, so two runs with the same config and thread count give the same
files. Dev is read only to report scores (model card). With ``[paths] end_to_end`` (a PubTator file, Train)
the same abstracts are added a second time as a build reads them (kg's NER mentions and grounding, the gold
relations mapped onto node pairs: :mod:`kg.training.end_to_end`), in the same fold as their gold copy.
"""

from __future__ import annotations

import json
import platform
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
from scipy import sparse
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from kg.errors import InputError
from kg.relations.features import PairContext, Vocabulary, document_pairs, feature_matrix
from kg.relations.model import DEFAULT_RELATION_MODEL, Calibration, LinearSoftmax, RelationModel
from kg.relations.pubtator import AnnotatedDocument, read_pubtator_relations
from kg.relations.records import RELATION_TYPES, GoldRelation, PairPrediction, normalize_entity_type
from kg.relations.scoring import RelationScores, average_precision, score_predictions

__all__ = [
    "TrainingResult",
    "TrainingSet",
    "evaluate_relations",
    "evaluate_documents",
    "load_config",
    "scores_dict",
    "train_relations",
    "train_model",
    "training_set",
]

_BOOSTERS = ("related", "novel")
_FIXED = {"verbose": -1, "deterministic": True, "force_row_wise": True}


@dataclass(frozen=True)
class TrainingSet:
    """Candidate pairs of the training documents with their labels (type and novelty of related pairs)."""

    pairs: tuple[PairContext, ...]
    related: np.ndarray  # 0/1 per pair
    types: tuple[str, ...]  # "" for unrelated pairs
    novel: np.ndarray  # 0/1 per pair (meaningful where related)
    groups: np.ndarray  # document index per pair, for folds
    missed: int  # gold relations whose concepts are no candidate pair
    document: np.ndarray  # position of the pair's document in the input sequence


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`train_relations` produced: the model folder, its dev scores and how long it took."""

    output: Path
    model: RelationModel
    dev: RelationScores | None
    out_of_fold_f1: float
    seconds: float


def load_config(config_path: str | Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The training config (spaCy/confection syntax, ``${paths.corpora}`` interpolated), validated."""
    from confection import Config

    path = Path(config_path)
    if not path.is_file():
        raise InputError(str(path), "no such relation config; give e.g. kg/configs/relations.cfg")
    config = Config().from_disk(path, overrides=dict(overrides or {}), interpolate=True)
    for section in ("paths", "training", "types", *_BOOSTERS):
        if section not in config:
            raise InputError(str(path), f"section [{section}] missing; start from kg/configs/relations.cfg")
    for key in ("train", "dev", "extra_cid"):
        if key not in config["paths"]:
            raise InputError(str(path), f"[paths] {key} missing; set it (\"\" for none where allowed)")
    train = Path(config["paths"]["train"])
    if not train.is_file():
        raise InputError(str(path), f"[paths] train = {train}: no such file; pass --paths.corpora with the corpora folder")
    config["paths"].setdefault("end_to_end", "")
    for key in ("dev", "extra_cid", "end_to_end"):
        value = config["paths"][key]
        if value and not Path(value).is_file():
            raise InputError(str(path), f"[paths] {key} = {value}: no such file; fix the path or set it to \"\"")
    training = config["training"]
    for key, low in (("seed", 0), ("folds", 2), ("threads", 1), ("min_count", 1), ("min_pair_type_relations", 1)):
        if not isinstance(training.get(key), int) or training[key] < low:
            raise InputError(str(path), f"[training] {key} must be an integer >= {low}, got {training.get(key)!r}")
    training.setdefault("threshold_on", "all")
    training.setdefault("cid_type", "")
    training.setdefault("extra_cid_end_to_end", False)
    if training["threshold_on"] not in ("all", "end_to_end"):
        raise InputError(str(path), f"[training] threshold_on must be \"all\" or \"end_to_end\", "
                         f"got {training['threshold_on']!r}")
    if training["cid_type"] and training["cid_type"] not in RELATION_TYPES:
        raise InputError(str(path), f"[training] cid_type {training['cid_type']!r} is no BioRED type; "
                         f"give \"\" (type-less) or one of {', '.join(RELATION_TYPES)}")
    if not isinstance(training["extra_cid_end_to_end"], bool):
        raise InputError(str(path), "[training] extra_cid_end_to_end must be true or false")
    for name in _BOOSTERS:
        if not isinstance(config[name].get("rounds"), int) or config[name]["rounds"] < 1:
            raise InputError(str(path), f"[{name}] rounds must be a positive integer")
    c_value = config["types"].get("C")
    if not isinstance(c_value, (int, float)) or c_value <= 0 or not isinstance(config["types"].get("max_iter"), int):
        raise InputError(str(path), "[types] needs C (a positive number) and max_iter (an integer)")
    return config


def training_set(documents: Sequence[AnnotatedDocument], pair_types: frozenset[tuple[str, str]] | None) -> TrainingSet:
    """Featurise the candidate pairs of annotated documents and label them from the gold relations.

    ``groups`` number the documents by id, so the same abstract given twice (its gold mentions and kg's
    own, :func:`train_model`'s ``end_to_end_docs``) falls in one cross-validation fold."""
    pairs: list[PairContext] = []
    related, types, novel, groups, position = [], [], [], [], []
    missed = 0
    group_of: dict[str, int] = {}
    for k, (doc, relations) in enumerate(documents):
        i = group_of.setdefault(doc.id, len(group_of))
        gold: dict[tuple[str, str], GoldRelation] = {}
        for r in relations:
            gold.setdefault(r.pair, r)
        doc_pairs = document_pairs(doc, pair_types)
        seen = {(p.source, p.target) for p in doc_pairs}
        missed += sum(1 for key in gold if key not in seen)
        for p in doc_pairs:
            r = gold.get((p.source, p.target))
            pairs.append(p)
            related.append(int(r is not None))
            types.append(r.type if r is not None else "")
            novel.append(int(r is not None and r.novel))
            groups.append(i)
            position.append(k)
    return TrainingSet(tuple(pairs), np.array(related), tuple(types), np.array(novel), np.array(groups), missed,
                       np.array(position, dtype=int))


def observed_pair_types(documents: Sequence[AnnotatedDocument], minimum: int) -> frozenset[tuple[str, str]]:
    """Entity-type pairs (sorted) with at least ``minimum`` gold relations."""
    counts: Counter = Counter()
    for doc, relations in documents:
        kinds: dict[str, str] = {}
        for m in doc.mentions:
            kinds.setdefault(m.concept, normalize_entity_type(m.type))
        for r in relations:
            if r.id1 in kinds and r.id2 in kinds:
                counts[tuple(sorted((kinds[r.id1], kinds[r.id2])))] += 1
    return frozenset(k for k, n in counts.items() if n >= minimum)


def _params(section: dict[str, Any], seed: int, threads: int, **extra: Any) -> tuple[dict[str, Any], int]:
    params = {k: v for k, v in section.items() if k != "rounds"}
    params.update(_FIXED, seed=seed, num_threads=threads, **extra)
    return params, int(section["rounds"])


def _fit(x, y, section, seed, threads, **extra) -> lgb.Booster:
    params, rounds = _params(section, seed, threads, **extra)
    return lgb.train(params, lgb.Dataset(x.astype(np.float32), label=y, free_raw_data=True), num_boost_round=rounds)


def _best_threshold(prob: np.ndarray, y: np.ndarray, missed: int) -> tuple[float, float]:
    """The calibrated cut with the best pair F (gold pairs that are no candidate count as missed)."""
    order = np.argsort(-prob, kind="stable")
    tp = np.cumsum(y[order])
    kept = np.arange(1, len(y) + 1)
    total = int(y.sum()) + missed
    f1 = 2 * tp / (kept + total)
    distinct = np.r_[np.flatnonzero(np.diff(prob[order])), len(y) - 1]  # only cut between distinct values
    best = distinct[int(np.argmax(f1[distinct]))]
    return float(prob[order][best]), float(f1[best])


def train_model(
    train_docs: Sequence[AnnotatedDocument],
    config: dict[str, Any],
    *,
    extra_cid_docs: Sequence[AnnotatedDocument] = (),
    end_to_end_docs: Sequence[AnnotatedDocument] = (),
    log: Callable[[str], None] = print,
) -> tuple[RelationModel, float]:
    """Fit the three boosters and the calibration on annotated documents; returns (model, OOF pair F).

    ``end_to_end_docs``: the training abstracts again as a build reads them (:mod:`kg.training.end_to_end`),
    each in the fold of its gold copy; with ``[training] threshold_on = "end_to_end"`` the threshold is the
    best pair F of the out-of-fold predictions of those pairs only (what a build meets), the gold relations
    no pair of them carries (grounding loss: all gold relations of ``train_docs`` less the labelled pairs)
    counted as missed. ``extra_cid_docs``: chemical-disease pairs (CDR) added to the related booster, and
    with ``[training] cid_type`` a BioRED type to the type classifier's related pairs too."""
    training = config["training"]
    seed, threads, folds = training["seed"], training["threads"], training["folds"]
    documents = [*train_docs, *end_to_end_docs]
    pair_types = observed_pair_types(documents, training["min_pair_type_relations"])
    data = training_set(documents, pair_types)
    if data.related.sum() == 0:
        raise InputError("[paths] train", "the training documents have no relation between candidate concepts")
    vocabulary = Vocabulary.fit(data.pairs, training["min_count"])
    x = feature_matrix(data.pairs, vocabulary)
    y = data.related
    x_rel, y_rel = x, y
    extra = None
    if extra_cid_docs:
        extra = training_set(extra_cid_docs, frozenset({("ChemicalEntity", "DiseaseOrPhenotypicFeature")}))
        x_rel = _vstack(x, feature_matrix(extra.pairs, vocabulary))
        y_rel = np.r_[y, extra.related]
    n_extra = x_rel.shape[0] - x.shape[0]
    log(f"{len(data.pairs)} candidate pairs ({int(y.sum())} related, {data.missed} gold not candidates), "
        f"{len(vocabulary.words)} word features, {n_extra} extra CID pairs")
    oof = np.zeros(len(y))
    for fold in range(folds):
        held = data.groups % folds == fold
        fit_rows = np.r_[~held, np.ones(n_extra, dtype=bool)]  # extra documents never fall in a held-out fold
        booster = _fit(x_rel[fit_rows], y_rel[fit_rows], config["related"], seed, threads, objective="binary")
        oof[held] = booster.predict(x[held], num_threads=threads)
        log(f"fold {fold + 1}/{folds}: out-of-fold AP {average_precision(oof[held], y[held].astype(bool)):.3f}")
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(oof, y)
    calibration = Calibration(tuple(float(v) for v in iso.X_thresholds_), tuple(float(v) for v in iso.y_thresholds_))
    if training["threshold_on"] == "end_to_end" and end_to_end_docs:
        rows = data.document >= len(train_docs)
        gold_relations = sum(len({r.pair for r in rels}) for _, rels in train_docs)
        missed = max(0, gold_relations - int(y[rows].sum()))
        threshold, oof_f1 = _best_threshold(calibration(oof[rows]), y[rows], missed)
        log(f"calibrated; threshold {threshold:.3f} (out-of-fold end-to-end pair F {oof_f1:.3f}, "
            f"{missed} gold relations on no node pair)")
        cut, f1 = _best_threshold(calibration(oof), y, data.missed)
        log(f"(threshold_on = \"all\" would cut at {cut:.3f}: out-of-fold pair F {f1:.3f})")
    else:
        threshold, oof_f1 = _best_threshold(calibration(oof), y, data.missed)
        log(f"calibrated; threshold {threshold:.3f} (out-of-fold pair F {oof_f1:.3f})")
    related = _fit(x_rel, y_rel, config["related"], seed, threads, objective="binary")
    positive = np.flatnonzero(y == 1)
    type_names = [data.types[i] for i in positive]
    x_types = x[positive]
    if extra is not None and training["cid_type"]:
        extra_positive = np.flatnonzero(extra.related == 1)
        x_types = _vstack(x_types, x_rel[x.shape[0] + extra_positive])
        type_names += [training["cid_type"]] * len(extra_positive)
    type_classes = tuple(t for t in RELATION_TYPES if t in set(type_names))
    type_labels = np.array([type_classes.index(t) for t in type_names])
    if len(type_classes) < 2:
        raise InputError("[paths] train", f"the training relations have one type only ({type_classes}); "
                         "the type classifier needs at least two")
    types = fit_types(x_types, type_labels, config["types"])
    novel = _fit(x[positive], data.novel[positive], config["novel"], seed, threads, objective="binary")
    model = RelationModel(vocabulary, pair_types, related, types, novel, type_classes, calibration, threshold)
    return model, oof_f1


def fit_types(x, labels: np.ndarray, section: dict[str, Any]) -> LinearSoftmax:
    """Multinomial logistic regression (L2, lbfgs: deterministic) on max-abs scaled columns, the
    scaling folded into the weights so prediction reads raw feature columns."""
    scale = np.asarray(abs(x).max(axis=0).todense()).ravel()
    scale[scale == 0] = 1.0
    classifier = LogisticRegression(C=float(section["C"]), max_iter=int(section["max_iter"]))
    classifier.fit(x @ sparse.diags(1.0 / scale), labels)
    weights = (classifier.coef_.T / scale[:, None]).astype(np.float32)  # float32 halves the file
    return LinearSoftmax(weights, classifier.intercept_.astype(np.float64))


def _vstack(a, b):
    return sparse.vstack([a, b], format="csr")


def evaluate_documents(
    model: RelationModel, documents: Sequence[AnnotatedDocument], *, threshold: float | None = None
) -> tuple[RelationScores, list[PairPrediction]]:
    """Scores of ``model`` on annotated documents with their own (gold) mentions, and the predictions."""
    predictions = [p for preds in model.predict_many([d for d, _ in documents]) for p in preds]
    gold = [r for _, relations in documents for r in relations]
    cut = model.threshold if threshold is None else threshold
    return score_predictions(gold, predictions, cut, documents=len(documents)), predictions


def evaluate_relations(pubtator_path: str | Path, model: RelationModel | str | Path | None = None, *,
                       threshold: float | None = None) -> RelationScores:
    """``kg evaluate-relations FILE.PubTator``: P/R/F of a model (default: the shipped one) with the
    file's gold entities, at pair, pair+type and pair+type+novelty level."""
    loaded = model if isinstance(model, RelationModel) else RelationModel.load(model)
    scores, _ = evaluate_documents(loaded, read_pubtator_relations(pubtator_path), threshold=threshold)
    return scores


def train_relations(
    config_path: str | Path,
    output_dir: str | Path = DEFAULT_RELATION_MODEL,
    *,
    overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> TrainingResult:
    """``kg train-relations CONFIG``: train on ``[paths] train``, save to ``output_dir`` with a model card."""
    started = time.perf_counter()
    config = load_config(config_path, overrides)
    paths = config["paths"]
    train_docs = read_pubtator_relations(paths["train"])
    extra = read_pubtator_relations(paths["extra_cid"]) if paths["extra_cid"] else []
    end_to_end: list[AnnotatedDocument] = []
    if paths["end_to_end"] or (extra and config["training"]["extra_cid_end_to_end"]):
        from kg.training.end_to_end import end_to_end_documents

        if paths["end_to_end"]:  # the same abstracts with kg's own mentions (kg.training.end_to_end)
            end_to_end = end_to_end_documents(paths["end_to_end"], log=log)
        if extra and config["training"]["extra_cid_end_to_end"]:  # CDR's abstracts too, as a build reads them
            extra = [*extra, *end_to_end_documents(paths["extra_cid"], log=log)]
    model, oof_f1 = train_model(train_docs, config, extra_cid_docs=extra, end_to_end_docs=end_to_end, log=log)
    train_seconds = time.perf_counter() - started
    dev_scores = None
    speed = None
    if paths["dev"]:
        dev_docs = read_pubtator_relations(paths["dev"])
        t0 = time.perf_counter()
        dev_scores, _ = evaluate_documents(model, dev_docs)
        speed = len(dev_docs) / (time.perf_counter() - t0)
        for line in dev_scores.lines():
            log(f"dev: {line}")
    model.meta = {
        "trained_on": Path(paths["train"]).name,
        "extra_cid": Path(paths["extra_cid"]).name if paths["extra_cid"] else "",
        "end_to_end": Path(paths["end_to_end"]).name if paths["end_to_end"] else "",
        "threshold_on": config["training"]["threshold_on"],
        "cid_type": config["training"]["cid_type"],
        "extra_cid_end_to_end": config["training"]["extra_cid_end_to_end"],
        "seed": config["training"]["seed"],
        "threads": config["training"]["threads"],
        "out_of_fold_pair_f1": round(oof_f1, 4),
        "dev": scores_dict(dev_scores) if dev_scores else {},
        "lightgbm": lgb.__version__,
        "python": platform.python_version(),
        "overrides": {k: str(v) for k, v in (overrides or {}).items()},
    }
    output = model.save(output_dir)  # model.json stays the same from run to run; times go to training.json
    (output / "config.cfg").write_text(Path(config_path).read_text(encoding="utf-8"), encoding="utf-8")
    timing = {"train_seconds": round(train_seconds, 1), "dev_documents_per_second": round(speed, 1) if speed else None,
              "cpu": platform.processor() or platform.machine()}
    (output / "training.json").write_text(json.dumps(timing, indent=1) + "\n", encoding="utf-8")
    _write_model_card(output, model, config_path, overrides, timing)
    return TrainingResult(output, model, dev_scores, oof_f1, time.perf_counter() - started)


def scores_dict(scores: RelationScores) -> dict[str, Any]:
    """Scores as plain numbers (model.json, ``kg evaluate-relations --json``)."""
    out: dict[str, Any] = {"documents": scores.documents, "gold": scores.gold, "threshold": round(scores.threshold, 4),
                           "average_precision": round(scores.average_precision, 4)}
    for name in ("pair", "pair_type", "pair_type_novelty"):
        prf = getattr(scores, name)
        out[name] = {"precision": round(prf.precision, 4), "recall": round(prf.recall, 4), "f1": round(prf.f1, 4)}
    return out


def _write_model_card(output: Path, model: RelationModel, config_path: str | Path, overrides,
                      timing: dict[str, Any]) -> None:
    meta = model.meta
    dev = meta.get("dev") or {}
    rows = "\n".join(
        f"| {name.replace('_', '+')} | {dev[name]['precision']:.3f} | {dev[name]['recall']:.3f} | {dev[name]['f1']:.3f} |"
        for name in ("pair", "pair_type", "pair_type_novelty") if name in dev
    )
    args = " ".join(f"--{k} {v}" for k, v in (overrides or {}).items())
    cut_on = ("the out-of-fold predictions of the end-to-end copies (kg's own mentions; gold relations on no "
              "node pair count as missed)") if meta.get("threshold_on") == "end_to_end" and meta.get("end_to_end") \
        else "them"
    e2e = ("; each abstract also as a kg build reads it: kg's NER mentions grounded to nodes, the gold "
           "relations mapped onto node pairs by id (`kg.training.end_to_end`)") if meta.get("end_to_end") else ""
    cid = ""
    if meta.get("extra_cid"):
        cid = (f", as {meta.get('cid_type')} for the type classifier" if meta.get("cid_type")
               else ", for the related booster only (no type)")
        cid += ", with gold entities and as a kg build reads them" if meta.get("extra_cid_end_to_end") else ""
    size = sum(f.stat().st_size for f in output.iterdir() if f.is_file()) / 1e6
    text = f"""# kg_relations: document-level typed relations between concepts (BioRED types)

For every pair of concepts (grounded entity ids) of one abstract, a calibrated probability that the
abstract states a relation between them, its BioRED type ({", ".join(RELATION_TYPES)}), and whether it
is a novel finding of the paper. Used by kg to type graph edges; loaded by
`kg.relations.RelationModel.load()`.

## Model
Two LightGBM boosters (LightGBM {meta.get("lightgbm")}: related, novel) and a multinomial logistic
regression (type) over symmetric pair features
(`kg.relations.features`): mention and sentence counts, co-occurrence in the title and the last
sentences, sentence and token distances, how each concept is written (distinct surface forms, shares of
short and lower-case mentions, title mentions), and words: the shortest span between the two mentions with
entity markers, words around each mention, stems of the sentences holding both; {len(model.vocabulary.words)}
word features. The related probability is calibrated by isotonic regression on 5-fold out-of-fold
predictions of the training documents; the threshold {model.threshold:.3f} maximises pair F on {cut_on}
(out-of-fold pair F {meta.get("out_of_fold_pair_f1")}). Entity-type pairs with predictions:
{", ".join("/".join(t) for t in sorted(model.pair_types))}.

## Data and licences
- Training: BioRED Train ({meta.get("trained_on")}; 400 PubMed abstracts, Luo et al. 2022, Briefings in
  Bioinformatics 23(5)), a public research dataset of the U.S. National Library of Medicine (NCBI){e2e}.
- Extra chemical-induced-disease pairs: {meta.get("extra_cid") or "none"} (BioCreative V CDR, Li et al. 2016,
  Database; public research use){cid}.
- Scores: BioRED Dev (100 abstracts), gold entities; the BioRED test split was never used.

## Scores on BioRED Dev (gold entities, document level)
| level | P | R | F |
|---|---|---|---|
{rows}

Average precision of the related probability over all candidate pairs: {dev.get("average_precision")}.

## Speed and size
{timing["dev_documents_per_second"]} documents/s (features, two boosters and the type classifier, one thread,
gold entities), {size:.1f} MB on disk. Training took {timing["train_seconds"]} s on {meta.get("threads")} threads.

## Recipe
```
kg train-relations {config_path} --output {output} {args}
```
(Python: `kg.training.relations.train_relations("{config_path}", "{output}")`). Seed
{meta.get("seed")}; LightGBM runs deterministic, so the same config, data and thread count give the
same files.
"""
    (output / "README.md").write_text(text, encoding="utf-8")
