"""Residues are not chemicals: amino acids and bases named inside a sequence-variant description.

A paper that reports "a substitution of arginine by tryptophan at codon 198 (p.R198W)" names two
residues of a protein, not two chemicals it studied. NER heads tag the words as chemicals and they
ground to MeSH *Arginine* and *Tryptophan*; as nodes they join every gene and disease of the
abstract. BioRED annotates such phrases as a sequence variant, not as chemicals: on BioRED Train
(end to end, 5 Dec 2026) residue names were the largest class of false chemical nodes (about 75
document pairs against 8 correct ones, Arginine, Glycine, Serine, Glutamine...).

:func:`is_residue_mention` decides one mention from the text around it, the way a curator reads it
(the rules of the HGVS protein and DNA nomenclature in prose, den Dunnen et al., Hum Mutat 2016):

- two residues joined by a change word: "arginine to tryptophan", "glutamine with lysine",
  "methionine (ATG) by threonine (ACG)", "Val to Ala" (three-letter codes as written in variant
  names only), unless a metabolic word comes just before ("conversion of glutamine to glutamate",
  "from glutamate to GABA": chemistry, kept);
- a residue with its position: "serine 473", "asparagine 86", "Arg-123";
- a residue word followed by a sequence noun: "cytosine residue", "glutamine repeat",
  "cytosine insertion", "... at position 88";
- a residue right after a change noun: "substitution of a cytosine", "changes the codon asparagine";
- a residue that names the substrate of an enzyme the NER cut short: "serine/threonine kinase",
  "cysteine proteases", "tyrosine hydroxylase" (the enzyme is a gene, grounded on its own).

A mention of the same chemical elsewhere ("arginine supplementation", "serum glycine") is kept.
MeSH's *Codon, Nonsense* and *Codon, Terminator* (stop codons) are sequence features wherever they
are named (:data:`SEQUENCE_FEATURES`).
"""

from __future__ import annotations

import re

__all__ = ["RESIDUE_NAMES", "SEQUENCE_FEATURES", "is_residue_mention", "is_residue_concept"]

_AMINO_ACIDS = {
    "alanine": "ala", "arginine": "arg", "asparagine": "asn", "aspartic acid": "asp", "aspartate": "asp",
    "cysteine": "cys", "glutamine": "gln", "glutamic acid": "glu", "glutamate": "glu", "glycine": "gly",
    "histidine": "his", "isoleucine": "ile", "leucine": "leu", "lysine": "lys", "methionine": "met",
    "phenylalanine": "phe", "proline": "pro", "serine": "ser", "threonine": "thr", "tryptophan": "trp",
    "tyrosine": "tyr", "valine": "val",
}
_BASES = ("adenine", "guanine", "cytosine", "thymine", "thymidine", "uracil")
#: Lower-cased vocabulary names of the concepts the rule looks at: the amino acids and the nucleobases.
RESIDUE_NAMES = frozenset(_AMINO_ACIDS) | frozenset(_BASES)
#: Lower-cased vocabulary names of sequence features that MeSH files among chemicals: never a chemical node.
SEQUENCE_FEATURES = frozenset({"codon, nonsense", "codon, terminator"})

_NAMES = "|".join(sorted({*RESIDUE_NAMES, "stop codon", "stop"}, key=len, reverse=True))
_CODES = "|".join(c for code in sorted(set(_AMINO_ACIDS.values())) for c in (code.title(), code.upper()))
# three-letter codes only as written in variant names (Arg, ARG): "his", "met" and "pro" are English words
_RESIDUE = rf"(?:{_NAMES}|(?-i:{_CODES}))"
_CODON = r"(?:\s*\([A-Za-z]{1,4}\))?"  # "methionine (ATG)", "Valine (Val)"
_CHANGE = r"(?:to|by|for|with|into|-+>|→)"
_ENZYME = (r"(?:kinases?|phosphatases?|proteases?|proteinases?|hydroxylases?|aminotransferases?|transaminases?"
           r"|decarboxylases?|synthetases?|ligases?|racemases?|transporters?)")
# a dose or concentration, not a residue position ("glycine 10 mg/kg", "10 mM"); whole words only
_UNITS = r"(?:(?:mg|g|kg|mm|mmol|mol|u|iu|ml|l|nm|pm)\b|[µμ%])"
#: two residues joined by a change word, read from either end
_PAIR_AFTER = re.compile(rf"^{_CODON}\s*{_CHANGE}\s+(?:an?\s+|the\s+)?{_RESIDUE}\b", re.IGNORECASE)
_PAIR_BEFORE = re.compile(rf"\b{_RESIDUE}{_CODON}\s*{_CHANGE}\s+(?:an?\s+|the\s+)?$", re.IGNORECASE)
#: a pair after one of these words is chemistry, not a variant: "conversion of glutamine to glutamate"
_METABOLIC = re.compile(r"\b(?:conver\w*|metaboli\w*|from|synthesi[sz]\w*|catabolism|uptake|transport\w*|ratio)\b",
                        re.IGNORECASE)
_AFTER = re.compile(
    rf"^(?:[\s-]?\d+\b(?!\s*{_UNITS})"
    r"|\s+(?:residues?|repeats?|nucleotides?|insertion|deletion|substitution|codon|tract|stretch)\b"
    r"|\s+at\s+(?:position|codon|residue|amino\s+acid)\b"
    rf"|(?:\s*[/-]\s*{_RESIDUE})*[\s-]+(?:protein\s+)?{_ENZYME}\b)",
    re.IGNORECASE)
_BEFORE = re.compile(
    r"\b(?:substitution|replacement|changes?|codon|replaced\s+by|instead\s+of)\s+(?:of\s+)?(?:an?\s+|the\s+)?"
    r"(?:codon\s+)?$",
    re.IGNORECASE)
_LEAD = 30  # characters before a pair searched for a metabolic word
_WINDOW = 60


def is_residue_concept(name: str) -> bool:
    """Whether a concept's vocabulary name is an amino acid or a nucleobase (see :data:`RESIDUE_NAMES`)."""
    return name.lower() in RESIDUE_NAMES


def is_residue_mention(text: str, start: int, end: int) -> bool:
    """Whether the mention ``text[start:end]`` names a residue of a sequence variant (rules of the module doc)."""
    after = text[end:end + _WINDOW]
    before = text[max(0, start - _WINDOW):start]
    if _AFTER.match(after) or _BEFORE.search(before):
        return True
    pair = _PAIR_BEFORE.search(before)
    if pair is not None:
        return not _METABOLIC.search(before[max(0, pair.start() - _LEAD):pair.start()])
    return bool(_PAIR_AFTER.match(after)) and not _METABOLIC.search(before[-_LEAD:])
