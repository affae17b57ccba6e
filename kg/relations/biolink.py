"""BioRED relation types as Biolink Model predicates (Biolink 4.x slot names).

kg's choice, by the meaning of each type in the BioRED guideline: the two correlations map to
Biolink's signed correlation slots, binding to a direct physical interaction, a plain association to
``associated_with``; types without a close Biolink slot (Comparison) fall back to ``related_to``. A pair
the model does not type keeps kg's co-occurrence predicate.
"""

from __future__ import annotations

from kg.relations.records import RELATION_TYPES

__all__ = ["BIOLINK_PREDICATES", "COOCCURRENCE_PREDICATE", "biolink_predicate"]

COOCCURRENCE_PREDICATE = "biolink:occurs_together_in_literature_with"

BIOLINK_PREDICATES: dict[str, str] = {
    "Association": "biolink:associated_with",
    "Positive_Correlation": "biolink:positively_correlated_with",
    "Negative_Correlation": "biolink:negatively_correlated_with",
    "Bind": "biolink:directly_physically_interacts_with",
    "Cotreatment": "biolink:coexists_with",
    "Comparison": "biolink:related_to",
    "Drug_Interaction": "biolink:interacts_with",
    "Conversion": "biolink:derives_from",
}
assert set(BIOLINK_PREDICATES) == set(RELATION_TYPES)


def biolink_predicate(relation: str | None) -> str:
    """The Biolink predicate of a BioRED type; ``None`` or ``""`` (co-occurrence only) gives
    :data:`COOCCURRENCE_PREDICATE`.

    >>> biolink_predicate("Bind"), biolink_predicate(None)
    ('biolink:directly_physically_interacts_with', 'biolink:occurs_together_in_literature_with')
    """
    if not relation:
        return COOCCURRENCE_PREDICATE
    try:
        return BIOLINK_PREDICATES[relation]
    except KeyError:
        raise ValueError(
            f"unknown relation type {relation!r}: expected one of {', '.join(RELATION_TYPES)} or None"
        ) from None
