"""The relation model: load, save, predict. Two LightGBM boosters and a linear classifier over :mod:`kg.relations.features`.

- ``related``: is the pair related (binary), its raw score calibrated by isotonic regression fitted on
  out-of-fold predictions of the training documents (Zadrozny & Elkan 2002), so ``related`` reads as a
  probability; ``threshold`` is the calibrated cut that maximised pair F on those predictions;
- ``types``: the BioRED type of a related pair: multinomial logistic regression over the same features
  (trained on related pairs only; it types BioRED Dev pairs better than a multiclass booster, 67% vs 65%);
- ``novel``: BioRED's novelty of a related pair (binary, trained on related pairs only).

A model folder holds ``model.json`` (format version, vocabulary, pair types, calibration, threshold,
training summary), one LightGBM text model per booster (``related.txt``, ``novel.txt``; readable by
any LightGBM 4.x) and the type weights as plain arrays (``types.npz``): no pickle anywhere.
"""

from __future__ import annotations

import json
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from kg.errors import ModelError, ModelNotFoundError
from kg.relations.features import DENSE_NAMES, PairContext, Vocabulary, document_pairs, feature_matrix
from kg.relations.records import RELATION_TYPES, PairPrediction, RelationDocument

__all__ = ["DEFAULT_RELATION_MODEL", "FORMAT_VERSION", "Calibration", "LinearSoftmax", "RelationModel"]

DEFAULT_RELATION_MODEL = Path(__file__).resolve().parent.parent / "models" / "kg_relations"
"""The model shipped in the package (trained on BioRED Train by ``kg/configs/relations.cfg``)."""

FORMAT_VERSION = 1
_BOOSTERS = ("related", "novel")


@dataclass(frozen=True)
class Calibration:
    """A monotone map from raw scores to probabilities: linear interpolation between isotonic steps."""

    x: tuple[float, ...]
    y: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.x) != len(self.y) or len(self.x) < 2:
            raise ModelError("calibration needs two equal-length lists of at least 2 points; retrain the model")
        if any(b < a for a, b in zip(self.x, self.x[1:], strict=False)) or any(
            b < a for a, b in zip(self.y, self.y[1:], strict=False)
        ):
            raise ModelError("calibration points are not non-decreasing; retrain the model")

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        return np.clip(np.interp(np.asarray(raw, dtype=np.float64), self.x, self.y), 0.0, 1.0)


@dataclass(frozen=True, eq=False)
class LinearSoftmax:
    """Multinomial logistic regression on raw feature columns: ``softmax(x @ weights + bias)``."""

    weights: np.ndarray  # (features, classes)
    bias: np.ndarray  # (classes,)

    def predict(self, x) -> np.ndarray:
        z = np.asarray(x @ self.weights) + self.bias
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, file: Path) -> None:
        with file.open("wb") as handle:  # a handle, so numpy adds no suffix and writes no timestamps
            np.savez(handle, weights=self.weights, bias=self.bias)

    @classmethod
    def load(cls, file: Path) -> LinearSoftmax:
        with np.load(file, allow_pickle=False) as data:
            return cls(np.array(data["weights"]), np.array(data["bias"]))


@dataclass
class RelationModel:
    """A trained relation model. Build one with :meth:`load` (or :func:`kg.training.relations.train_relations`)."""

    vocabulary: Vocabulary
    pair_types: frozenset[tuple[str, str]]
    related_booster: lgb.Booster
    types_classifier: LinearSoftmax
    novel_booster: lgb.Booster
    type_classes: tuple[str, ...]
    calibration: Calibration
    threshold: float
    meta: dict[str, Any] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        unknown = set(self.type_classes) - set(RELATION_TYPES)
        if unknown:
            raise ModelError(f"relation model has unknown types {sorted(unknown)}; retrain it")
        self._index = self.vocabulary.index()

    # -- prediction -------------------------------------------------------------------------------
    def pairs(self, doc: RelationDocument, only: Container[tuple[str, str]] | None = None) -> list[PairContext]:
        """The candidate pairs of ``doc`` (entity-type pairs the model was trained on; of ``only``, sorted
        concept pairs, when given) with features."""
        return document_pairs(doc, self.pair_types, only)

    def predict(self, doc: RelationDocument) -> list[PairPrediction]:
        """One prediction per candidate pair of ``doc``, sorted by (source, target)."""
        return self.predict_pairs(self.pairs(doc))

    def predict_many(self, docs: Iterable[RelationDocument],
                     only: Container[tuple[str, str]] | None = None) -> list[list[PairPrediction]]:
        """:meth:`predict` for many documents in one batch per booster (faster than one call each);
        ``only``: the sorted concept pairs to predict (None: every candidate pair)."""
        per_doc = [self.pairs(d, only) for d in docs]
        flat = self.predict_pairs([p for pairs in per_doc for p in pairs])
        out, k = [], 0
        for pairs in per_doc:
            out.append(flat[k : k + len(pairs)])
            k += len(pairs)
        return out

    def predict_pairs(self, pairs: Sequence[PairContext]) -> list[PairPrediction]:
        """Predictions for already featurised pairs."""
        if not pairs:
            return []
        x = feature_matrix(pairs, self.vocabulary, self._index)
        related = self.calibration(self.raw_scores(x))
        type_probs = np.zeros((len(pairs), len(RELATION_TYPES)))
        raw_types = self.types_classifier.predict(x)
        for j, name in enumerate(self.type_classes):
            type_probs[:, RELATION_TYPES.index(name)] = raw_types[:, j]
        novel = np.asarray(self.novel_booster.predict(x, num_threads=1))
        return [
            PairPrediction(p.doc_id, p.source, p.target, p.source_type, p.target_type, float(related[i]),
                           tuple(float(v) for v in type_probs[i]), float(novel[i]), p.sentences)
            for i, p in enumerate(pairs)
        ]

    def raw_scores(self, x) -> np.ndarray:
        """The related booster's uncalibrated probabilities for a feature matrix."""
        return np.asarray(self.related_booster.predict(x, num_threads=1))

    # -- persistence ------------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the model folder (created if needed); returns it."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        for name in _BOOSTERS:
            getattr(self, f"{name}_booster").save_model(str(folder / f"{name}.txt"))
        self.types_classifier.save(folder / "types.npz")
        manifest = {
            "format": FORMAT_VERSION,
            "kind": "kg relation model",
            "pair_types": sorted(list(t) for t in self.pair_types),
            "type_classes": list(self.type_classes),
            "threshold": self.threshold,
            "calibration": {"x": list(self.calibration.x), "y": list(self.calibration.y)},
            "meta": self.meta,
            "vocabulary": list(self.vocabulary.words),
        }
        (folder / "model.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, path: str | Path | None = None) -> RelationModel:
        """Read a model folder written by :meth:`save`; ``None`` loads the shipped model."""
        folder = DEFAULT_RELATION_MODEL if path is None else Path(path)
        manifest_path = folder / "model.json"
        if not manifest_path.is_file():
            raise ModelNotFoundError(
                f"{folder}: no relation model here (model.json missing); give a folder written by "
                "`kg train-relations` or leave the path out for the shipped model"
            )
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ModelError(f"{manifest_path}: not valid JSON ({exc}); retrain or restore the model") from None
        if manifest.get("format") != FORMAT_VERSION:
            raise ModelError(
                f"{manifest_path}: relation model format {manifest.get('format')!r}, this kg reads "
                f"{FORMAT_VERSION}; retrain it with `kg train-relations`"
            )
        boosters = {}
        for name in _BOOSTERS:
            file = folder / f"{name}.txt"
            if not file.is_file():
                raise ModelError(f"{file}: booster file missing from the relation model; retrain or restore it")
            boosters[name] = lgb.Booster(model_file=str(file))
        types_file = folder / "types.npz"
        if not types_file.is_file():
            raise ModelError(f"{types_file}: type weights missing from the relation model; retrain or restore it")
        types = LinearSoftmax.load(types_file)
        if types.weights.shape != (len(DENSE_NAMES) + len(manifest["vocabulary"]), len(manifest["type_classes"])):
            raise ModelError(f"{types_file}: weights do not fit the vocabulary and types; retrain the model")
        return cls(
            vocabulary=Vocabulary(tuple(manifest["vocabulary"])),
            pair_types=frozenset(tuple(t) for t in manifest["pair_types"]),
            related_booster=boosters["related"],
            types_classifier=types,
            novel_booster=boosters["novel"],
            type_classes=tuple(manifest["type_classes"]),
            calibration=Calibration(tuple(manifest["calibration"]["x"]), tuple(manifest["calibration"]["y"])),
            threshold=float(manifest["threshold"]),
            meta=manifest.get("meta", {}),
        )
