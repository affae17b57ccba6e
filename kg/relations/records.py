"""Records of the relation stage: documents with mentions in, pair predictions out.

The entity and relation types are BioRED's (Luo et al. 2022, Briefings in Bioinformatics 23(5)):
relations are stated between *concepts* (normalised ids) of one abstract, not between mentions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ENTITY_TYPES",
    "RELATION_TYPES",
    "Mention",
    "RelationDocument",
    "GoldRelation",
    "PairPrediction",
    "normalize_entity_type",
    "pair_key",
]

ENTITY_TYPES: tuple[str, ...] = (
    "GeneOrGeneProduct",
    "DiseaseOrPhenotypicFeature",
    "ChemicalEntity",
    "SequenceVariant",
    "OrganismTaxon",
    "CellLine",
)
"""BioRED's entity types; any other type is featurised as ``"Other"``."""

RELATION_TYPES: tuple[str, ...] = (
    "Association",
    "Positive_Correlation",
    "Negative_Correlation",
    "Bind",
    "Cotreatment",
    "Comparison",
    "Drug_Interaction",
    "Conversion",
)
"""BioRED's relation types, in the order of :attr:`PairPrediction.type_probs`."""

_TYPE_ALIASES = {
    "gene": "GeneOrGeneProduct",
    "geneorgeneproduct": "GeneOrGeneProduct",
    "gene_or_gene_product": "GeneOrGeneProduct",
    "gene or gene product": "GeneOrGeneProduct",  # kg.schema's readable names from here
    "dna": "GeneOrGeneProduct",
    "rna": "GeneOrGeneProduct",
    "pathological formation": "DiseaseOrPhenotypicFeature",
    "cell line": "CellLine",
    "ggp": "GeneOrGeneProduct",
    "protein": "GeneOrGeneProduct",
    "disease": "DiseaseOrPhenotypicFeature",
    "diseaseorphenotypicfeature": "DiseaseOrPhenotypicFeature",
    "cancer": "DiseaseOrPhenotypicFeature",
    "phenotype": "DiseaseOrPhenotypicFeature",
    "chemical": "ChemicalEntity",
    "chemicalentity": "ChemicalEntity",
    "simple_chemical": "ChemicalEntity",
    "drug": "ChemicalEntity",
    "chebi": "ChemicalEntity",
    "sequencevariant": "SequenceVariant",
    "variant": "SequenceVariant",
    "mutation": "SequenceVariant",
    "dnamutation": "SequenceVariant",
    "proteinmutation": "SequenceVariant",
    "snp": "SequenceVariant",
    "organismtaxon": "OrganismTaxon",
    "species": "OrganismTaxon",
    "organism": "OrganismTaxon",
    "taxon": "OrganismTaxon",
    "cellline": "CellLine",
    "cell_line": "CellLine",
}


def normalize_entity_type(kind: str) -> str:
    """Map a type name (BioRED's, CDR's, kg's NER labels and :data:`kg.schema.TYPE_NAMES` readable
    names) onto :data:`ENTITY_TYPES`, else ``"Other"``.

    >>> normalize_entity_type("Disease"), normalize_entity_type("Simple_chemical"), normalize_entity_type("Cell")
    ('DiseaseOrPhenotypicFeature', 'ChemicalEntity', 'Other')
    """
    if kind in ENTITY_TYPES:
        return kind
    return _TYPE_ALIASES.get(kind.strip().lower(), "Other")


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The unordered identity of a concept pair: the two ids sorted."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Mention:
    """One mention: character span ``[start, end)`` in the document text, entity type and concept id."""

    start: int
    end: int
    type: str
    concept: str


@dataclass(frozen=True)
class RelationDocument:
    """One abstract as the relation model reads it.

    ``sentences`` are ``(start, end)`` character spans covering the text in order; leave it empty and
    :func:`kg.relations.text.split_sentences` splits the text. ``mentions`` need not be sorted; a
    composite mention (one span, several concepts) is one :class:`Mention` per concept.
    """

    id: str
    text: str
    mentions: tuple[Mention, ...]
    sentences: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_spans(
        cls,
        doc_id: str,
        text: str,
        spans: Iterable[tuple[int, int, str, str]],
        sentences: Iterable[tuple[int, int]] = (),
    ) -> RelationDocument:
        """A document from ``(start, end, type, concept id)`` spans (the shape of
        :attr:`kg.records.Document.gold_mentions` and of grounded NER mentions); spans without a
        concept id are dropped, since relations are between concepts."""
        mentions = tuple(Mention(int(s), int(e), str(t), str(c)) for s, e, t, c in spans if c)
        return cls(doc_id, text, mentions, tuple((int(s), int(e)) for s, e in sentences))


@dataclass(frozen=True)
class GoldRelation:
    """A document-level relation from an annotated corpus (BioRED: type, two ids, novelty)."""

    doc_id: str
    type: str
    id1: str
    id2: str
    novel: bool

    @property
    def pair(self) -> tuple[str, str]:
        return pair_key(self.id1, self.id2)


@dataclass(frozen=True)
class PairPrediction:
    """What the model says about one pair of concepts of one document.

    ``related`` is the calibrated probability that the abstract states a relation between ``source``
    and ``target`` (ids sorted, so a pair has one identity); ``type_probs`` gives one probability per
    :data:`RELATION_TYPES` entry *given* that the pair is related; ``novel`` the probability that the
    relation is a finding of this paper (BioRED's novelty) given that it is related. ``sentences`` are
    the sentences in which both concepts are mentioned (best first, at most three), else the two
    closest sentences that mention one each.
    """

    doc_id: str
    source: str
    target: str
    source_type: str
    target_type: str
    related: float
    type_probs: tuple[float, ...]
    novel: float
    sentences: tuple[str, ...]

    @property
    def relation(self) -> str:
        """The most probable BioRED type."""
        best = max(range(len(self.type_probs)), key=self.type_probs.__getitem__)
        return RELATION_TYPES[best]

    @property
    def is_novel(self) -> bool:
        return self.novel >= 0.5

    def type_prob(self, relation: str) -> float:
        """The probability of one type given that the pair is related."""
        return self.type_probs[RELATION_TYPES.index(relation)]
