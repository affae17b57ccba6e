"""Typed document-level relations between grounded concepts (BioRED types), as a self-contained stage.

A :class:`~kg.relations.records.RelationDocument` (text, sentence spans, mentions with type and concept
id) goes in; :meth:`RelationModel.predict` returns one :class:`~kg.relations.records.PairPrediction` per
pair of concepts: a calibrated probability that the paper states a relation between them, the BioRED
type, whether it is a novel finding, and the sentences that carry it. :mod:`kg.relations.biolink` maps
the type to a Biolink predicate.

This package depends only on numpy, scipy, LightGBM and :mod:`kg.errors`; training lives in
:mod:`kg.training.relations` and is never imported at run time.
"""

from __future__ import annotations

from kg.relations.biolink import COOCCURRENCE_PREDICATE, biolink_predicate
from kg.relations.model import DEFAULT_RELATION_MODEL, RelationModel
from kg.relations.records import (
    ENTITY_TYPES,
    RELATION_TYPES,
    GoldRelation,
    Mention,
    PairPrediction,
    RelationDocument,
    normalize_entity_type,
)

__all__ = [
    "COOCCURRENCE_PREDICATE",
    "DEFAULT_RELATION_MODEL",
    "ENTITY_TYPES",
    "RELATION_TYPES",
    "GoldRelation",
    "Mention",
    "PairPrediction",
    "RelationDocument",
    "RelationModel",
    "biolink_predicate",
    "normalize_entity_type",
]
