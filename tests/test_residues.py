"""Residues are not chemicals (kg.concepts.residues): amino acids and bases named inside a variant description
make no chemical mention; the same words elsewhere do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.concepts.residues import RESIDUE_NAMES, is_residue_concept, is_residue_mention


def at(text: str, word: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = text.index(word, start + 1)
    return start, start + len(word)


@pytest.mark.parametrize(("text", "word", "residue"), [
    ("a substitution of arginine by tryptophan at codon 198 (p.R198W)", "arginine", True),
    ("a substitution of arginine by tryptophan at codon 198 (p.R198W)", "tryptophan", True),
    ("resulting in the substitution of methionine (ATG) by threonine (ACG) at codon 453", "methionine", True),
    ("a highly conserved arginine to tryptophan at codon 198", "arginine", True),
    ("a valine (Val) to alanine (Ala) substitution at amino acid 16", "alanine", True),
    ("phosphorylation at serine 473", "serine", True),
    ("phosphorylation at serine 473 located in the loop", "serine", True),
    ("glycine 10 µM was added", "glycine", False),
    ("changes asparagine 86 for alanine", "asparagine", True),
    ("substitution of a cytosine residue with thymidine in exon 2", "cytosine", True),
    ("a short glutamine repeat in conjunction with the GG genotype", "glutamine", True),
    ("a heterozygous cytosine insertion in exon 10", "cytosine", True),
    ("receptor tyrosine kinases are activated by collagen", "tyrosine", True),
    ("CAA inhibited the cysteine proteases caspase-3 and caspase-8", "cysteine", True),
    ("serine/threonine kinase activity", "threonine", True),
    ("oral arginine supplementation lowered blood pressure", "arginine", False),
    ("serum glycine 10 mM was measured", "glycine", False),
    ("glycine 10 mg/kg was given daily", "glycine", False),
    ("tryptophan depletion worsened mood", "tryptophan", False),
    ("levels of glutamate and glutamine fell", "glutamine", False),
    ("the conversion of glutamine to glutamate in astrocytes", "glutamine", False),
    ("the conversion of glutamine to glutamate in astrocytes", "glutamate", False),
    ("a shift from glutamate to glutamine synthesis", "glutamate", False),
    ("a p.Arg198Trp change, arginine to Trp", "arginine", True),
    ("he gave arginine for his patients", "arginine", False),
])
def test_residue_mentions(text, word, residue):
    start, end = at(text, word)
    assert is_residue_mention(text, start, end) is residue


@given(st.text(min_size=60, max_size=90), st.text(min_size=60, max_size=90), st.text(max_size=40),
       st.text(max_size=40), st.sampled_from(sorted(RESIDUE_NAMES)))
def test_only_the_text_around_the_mention_decides(before, after, far_before, far_after, word):
    start = len(before)
    alone = is_residue_mention(before + word + after, start, start + len(word))
    padded = is_residue_mention(far_before + before + word + after + far_after,
                                len(far_before) + start, len(far_before) + start + len(word))
    assert alone == padded


@pytest.mark.parametrize("name", sorted(RESIDUE_NAMES))
def test_every_residue_name_is_a_residue_concept(name):
    assert is_residue_concept(name.title())
