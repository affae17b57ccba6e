"""kg.vocabularies.normalize: one key per concept, readable labels."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg.vocabularies.normalize import display_form, normalize_text, rejoin, segment_key, singular


@pytest.mark.parametrize(
    "variants",
    [
        ["TGF-β", "TGF-beta", "TGF beta", "tgfβ", "TGF - beta", "TGFβ", "TGF‐β", "TGF-ß", "Tgf-Beta"],
        ["P-glycoprotein", "P - glycoprotein", "P glycoprotein", "p-glycoproteins", "P‑glycoprotein"],
        ["non-small cell lung cancer", "non - small cell lung cancer", "Non-small-cell lung cancers",
         "non small cell lung cancer", "non–small cell lung cancer", "NON-SMALL CELL LUNG cancer"],
        ["IL-6", "IL6", "IL 6", "il-6"],
        ["exosomes", "exosome", "Exosomes"],
        ["miRNAs", "miRNA", "miRNA's"],
        ["microRNAs", "microRNA"],
        ["cells", "cell"],
        ["metastases", "metastasis"],
        ["tumour", "tumor", "tumours", "Tumors"],
        ["leukaemia", "leukemia"],
        ["oesophageal cancer", "esophageal cancer"],
        ["Crohn's disease", "Crohn disease", "Crohn’s disease"],
        ["Sjögren syndrome", "Sjogren syndrome"],
        ["NF-κB", "NF-kappaB", "NF kappa B", "NFκB"],
        ["therapies", "therapy"],
        ["viruses", "virus"],
        ["headaches", "headache"],
        ["RNases", "RNase"],
        ["mice", "mouse"],
    ],
)
def test_variants_share_one_key(variants: list[str]) -> None:
    keys = {normalize_text(v) for v in variants}
    assert len(keys) == 1, keys


def test_canonical_forms() -> None:
    assert normalize_text("TGF-β") == "tgfbeta"
    assert normalize_text("non - small cell lung cancer") == "nonsmallcelllungcancer"
    assert normalize_text("CD4+ T cells") == normalize_text("CD4 + T cell") == "cd4+tcell"
    assert normalize_text("µM") == normalize_text("μM") == "mum"


@pytest.mark.parametrize(
    "word",
    ["analysis", "virus", "mellitus", "diabetes", "sepsis", "series", "species", "stasis", "status",
     "bias", "lens", "glucose", "pancreas", "herpes", "measles", "genomics", "pharmacokinetics",
     "stress", "mass", "process", "fibrosis", "lupus", "ascites", "AIDS", "KRAS", "NRAS", "SARS",
     "GAPDHS", "PtdIns"],
)
def test_not_plurals_stay(word: str) -> None:
    assert normalize_text(word) == word.lower()


@pytest.mark.parametrize(
    ("plural", "single"),
    [("exosomes", "exosome"), ("miRNAs", "mirna"), ("microRNAs", "microrna"), ("cells", "cell"),
     ("metastases", "metastasis"), ("analyses", "analysis"), ("diagnoses", "diagnosis"),
     ("therapies", "therapy"), ("species", "species"), ("diseases", "disease"), ("kinases", "kinase"),
     ("processes", "process"), ("approaches", "approach"), ("niches", "niche"), ("complexes", "complex"),
     ("viruses", "virus"), ("causes", "cause"), ("doses", "dose"), ("nuclei", "nucleus"),
     ("indices", "index"), ("CDKs", "cdk"), ("IgGs", "igg"), ("GTPases", "gtpase"), ("children", "child")],
)
def test_plural_folding(plural: str, single: str) -> None:
    assert normalize_text(plural) == single


def test_singular_is_a_plain_word_function() -> None:
    assert singular("tumors") == "tumor"
    assert singular("bus") == "bus"  # too short to touch
    assert singular("syntheses") == "synthesis"


def test_empty_and_punctuation() -> None:
    assert normalize_text("") == ""
    assert normalize_text(" - / ( ) ") == ""


def test_segment_key_keeps_boundaries() -> None:
    assert segment_key("miR-93") == segment_key("MIR93") == "mir 93"
    assert segment_key("MIR9-3") == "mir 9 3"
    assert normalize_text("MIR9-3") == normalize_text("MIR93")


@given(st.text(max_size=40))
def test_normalize_is_total_and_compact(text: str) -> None:
    key = normalize_text(text)
    assert isinstance(key, str)
    assert " " not in key and "-" not in key
    assert key == key.casefold() or not key.isascii()


@given(st.text(alphabet="abcdefgh -ABC", max_size=20))
def test_spacing_around_hyphens_is_irrelevant(text: str) -> None:
    assert normalize_text(text.replace("-", " - ")) == normalize_text(text)


def test_rejoin() -> None:
    assert rejoin("P - glycoprotein") == "P-glycoprotein"
    assert rejoin("non - small cell lung cancer") == "non-small cell lung cancer"
    assert rejoin("PI3K / AKT") == "PI3K/AKT"
    assert rejoin("( ABCB1 )") == "(ABCB1)"
    assert rejoin("CD4 + T cells") == "CD4+ T cells"
    assert rejoin("  TGF  -  β ") == "TGF-β"


def test_display_form_picks_commonest_and_rejoins() -> None:
    assert display_form(["P - glycoprotein", "p-glycoprotein", "P-glycoprotein"]) == "P-glycoprotein"
    assert display_form(Counter({"STAT3": 5, "stat3": 2, "Stat3": 1})) == "STAT3"
    assert display_form(Counter({"tumour": 3, "tumor": 1})) == "tumour"


def test_display_form_ties_prefer_original_casing() -> None:
    assert display_form(["p-glycoprotein", "P-glycoprotein"]) == "P-glycoprotein"
    assert display_form(["stat3", "STAT3"]) == "STAT3"


def test_display_form_groups_case_variants() -> None:
    # "cancer" + "Cancer" (3) beat "tumor" (2); inside the group the commoner casing wins
    assert display_form(["cancer", "cancer", "Cancer", "tumor", "tumor"]) == "cancer"


def test_display_form_empty() -> None:
    assert display_form([]) == ""
    assert display_form(Counter()) == ""


def _display_form_reference(forms):
    """display_form as first written: every group's best variant recomputed in the sort key."""
    from kg.vocabularies.normalize import count_upper, rejoin

    counts: Counter[str] = Counter()
    items = forms.items() if isinstance(forms, dict) else ((f, 1) for f in forms)
    for form, n in items:
        if form and n:
            counts[rejoin(form)] += int(n)
    counts.pop("", None)
    if not counts:
        return ""
    groups: dict[str, Counter[str]] = {}
    for form, n in counts.items():
        groups.setdefault(form.casefold(), Counter())[form] += n

    def best_variant(group):
        return min(group, key=lambda f: (-group[f], -count_upper(f), len(f), f))

    best = min(groups.values(),
               key=lambda g: (-sum(g.values()), -count_upper(best_variant(g)), len(best_variant(g)), best_variant(g)))
    return best_variant(best)


@given(st.lists(st.text(alphabet="aAbB -(/)+", max_size=6), max_size=8))
def test_display_form_equals_its_reference(forms):
    from kg.vocabularies.normalize import display_form

    assert display_form(forms) == _display_form_reference(forms)
    assert display_form(Counter(forms)) == _display_form_reference(dict(Counter(forms)))
