"""One concept, one node: the folding key of a mention and its readable label.

:func:`normalize_text` maps every surface variant of a term to one key, so that
``"TGF-β"``, ``"TGF-beta"``, ``"TGF beta"``, ``"tgfβ"`` and ``"TGF - beta"`` (our NER
tokenizer splits every non-alphanumeric character, so spans may come back with spaces
around hyphens) all become ``"tgfbeta"``. The steps, in order:

1. Unicode NFKC (full-width forms, ligatures, the micro sign), soft hyphens removed,
   German ``ß`` read as ``β`` (a common typing substitute: ``"TGF-ß"``).
2. Possessive ``'s`` removed (``"Crohn's disease"`` = ``"Crohn disease"``).
3. Split into alphanumeric runs; every other character (dashes of all kinds, spaces,
   slashes, brackets, commas, apostrophes) is a separator. ``+`` is kept as a token of
   its own (``"CD4+ T cells"``); ``-`` is not (it is too often a hyphen), so a trailing
   minus (``"CD4-"``) is lost: documented, accepted.
4. Each run is case-folded, Greek letters spelled out (``β`` -> ``beta``, ``µ`` ->
   ``mu``), accents stripped (``Sjögren`` -> ``sjogren``), British spellings folded
   (``tumour`` -> ``tumor``, ``leukaemia`` -> ``leukemia``, ``oesophageal`` ->
   ``esophageal``) and plurals folded to the singular (:func:`singular`), using the case
   of the *original* run to tell acronyms from plural words: an all-capitals run is never
   folded (``AIDS``, ``KRAS``, ``GAPDHS`` stay; so does a shouted ``CELLS``), a final
   ``s`` after a capital is (``miRNAs`` -> ``mirna``).
5. The runs are joined *without* separators: ``"non-small cell lung cancer"`` =
   ``"non - small-cell lung cancers"`` = ``"nonsmall cell lung cancer"`` ->
   ``"nonsmallcelllungcancer"``. Spaces and hyphens vary freely in biomedical names
   (``"IL-6"``/``"IL6"``/``"IL 6"``, ``"B-cell"``/``"B cell"``), and dropping them is the
   robust choice; collisions of two different concepts that differ only in spacing are
   rare (``MIR9-3``/``MIR93``: :func:`segment_key` keeps the boundaries to tell them
   apart). The key is an identity, not a label: use :func:`display_form` for a label.

The plural rules follow the usual English suffix rules (e.g. Porter's step 1a, M.F.
Porter 1980, "An algorithm for suffix stripping") restricted to what is safe for
biomedical terms, with explicit exception and irregular lists (``analysis``, ``virus``,
``diabetes``, ``species``, ``metastases`` -> ``metastasis``, ``nuclei`` -> ``nucleus``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

__all__ = ["normalize_text", "segment_key", "singular", "display_form", "rejoin", "count_upper", "GREEK_NAMES"]

#: Greek letters (lower case, after case folding) -> names.
GREEK_NAMES: dict[str, str] = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "ϰ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron",
    "π": "pi", "ϖ": "pi", "ρ": "rho", "ϱ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau",
    "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}
_GREEK_RE = re.compile("[" + "".join(GREEK_NAMES) + "]")

#: British -> American spellings, applied as substring replacements on folded runs.
_BRITISH: tuple[tuple[str, str], ...] = (
    ("tumour", "tumor"), ("colour", "color"), ("behaviour", "behavior"),
    ("oesophag", "esophag"), ("oestr", "estr"), ("oedem", "edem"), ("foet", "fet"),
    ("paed", "ped"), ("anaesth", "anesth"), ("faec", "fec"), ("rrhoea", "rrhea"),
    ("coeli", "celi"), ("sulph", "sulf"), ("isation", "ization"), ("aetiol", "etiol"),
    ("gynaec", "gynec"), ("haem", "hem"), ("aemi", "emi"),
)
_BRITISH_RE = re.compile("|".join(re.escape(b) for b, _ in _BRITISH))
_BRITISH_MAP = dict(_BRITISH)

#: Words ending in -s that are not plurals (or whose plural is the same word).
INVARIANT: frozenset[str] = frozenset(
    """
    analysis virus mellitus diabetes sepsis series species stasis status bias lens glucose
    pancreas atlas alias canvas whereas always perhaps towards afterwards besides sometimes
    news means physics ethics bioethics statistics economics mathematics informatics
    bioinformatics mechanics biomechanics genetics epigenetics pharmacogenetics kinetics
    pharmacokinetics toxicokinetics pharmacodynamics dynamics biophysics herpes rabies
    scabies caries ascites feces faeces measles mumps rickets shingles meninges pubes nares
    chaos pathos ethos cosmos kudos pons glans mons plus thus corpus texas kansas arkansas
    christmas aids ards sars mers sirs mods pcos kras nras hras sos gas fas das tetanus
    lupus pemphigus fungoides nates isoforms
    """.split()
)

#: Irregular plurals (and Latin/Greek ones) -> singular.
IRREGULAR: dict[str, str] = {
    "metastases": "metastasis", "analyses": "analysis", "diagnoses": "diagnosis",
    "prognoses": "prognosis", "syntheses": "synthesis", "hypotheses": "hypothesis",
    "theses": "thesis", "crises": "crisis", "axes": "axis", "testes": "testis",
    "thromboses": "thrombosis", "stenoses": "stenosis", "fibroses": "fibrosis",
    "necroses": "necrosis", "neuroses": "neurosis", "psychoses": "psychosis",
    "mitoses": "mitosis", "meioses": "meiosis", "anastomoses": "anastomosis",
    "metamorphoses": "metamorphosis", "cirrhoses": "cirrhosis", "dermatoses": "dermatosis",
    "symbioses": "symbiosis", "apoptoses": "apoptosis", "neoplasias": "neoplasia",
    "indices": "index", "matrices": "matrix", "vertices": "vertex", "apices": "apex",
    "cervices": "cervix", "appendices": "appendix", "cortices": "cortex",
    "nuclei": "nucleus", "foci": "focus", "loci": "locus", "fungi": "fungus",
    "stimuli": "stimulus", "bacilli": "bacillus", "emboli": "embolus", "thrombi": "thrombus",
    "calculi": "calculus", "alveoli": "alveolus", "bronchi": "bronchus",
    "glomeruli": "glomerulus", "nevi": "nevus", "naevi": "nevus", "radii": "radius",
    "cocci": "coccus", "streptococci": "streptococcus", "staphylococci": "staphylococcus",
    "enterococci": "enterococcus", "pneumococci": "pneumococcus",
    "bacteria": "bacterium", "mitochondria": "mitochondrion", "criteria": "criterion",
    "phenomena": "phenomenon", "ganglia": "ganglion", "data": "datum",
    "vertebrae": "vertebra", "larvae": "larva", "formulae": "formula", "fistulae": "fistula",
    "mice": "mouse", "lice": "louse", "children": "child", "teeth": "tooth", "feet": "foot",
    "women": "woman", "men": "man", "abuses": "abuse", "fuses": "fuse", "excuses": "excuse",
}

#: Suffixes of singular "-s" nouns not in INVARIANT ("metabolomics", "lipidomics").
_ICS_KEEP_SUFFIXES = ("omics",)


@lru_cache(maxsize=1 << 16)
def singular(word: str) -> str:
    """The singular of a lower-case alphabetic ``word`` (unchanged if it is not a plural).

    Suffix rules in the manner of Porter (1980) step 1a, made conservative for biomedical
    vocabulary: ``-ss``, ``-us``, ``-is`` words are singular (``stress``, ``virus``,
    ``sepsis``); ``-ies`` -> ``-y``; ``-sses``/``-shes``/``-xes``/``-ches`` drop ``-es``;
    ``-yses``/``-eses`` -> ``-ysis``/``-esis``; ``-uses`` after a consonant -> ``-us``
    (``viruses``); any other ``-s`` is dropped. Words of three letters or fewer,
    :data:`INVARIANT` words and :data:`IRREGULAR` plurals are handled first.
    """
    w = word
    if len(w) <= 3 or w in INVARIANT:
        return w
    if w in IRREGULAR:
        return IRREGULAR[w]
    if not w.endswith("s") or w.endswith(("ss", "us", "is")) or w.endswith(_ICS_KEEP_SUFFIXES):
        return w
    if w.endswith("ies"):
        return w[:-3] + "y" if len(w) > 4 else w
    if w.endswith(("sses", "shes", "xes", "zzes")):
        return w[:-2]
    if w.endswith("ches"):
        if w.endswith(("aches", "iches")) and not w.endswith(("oaches", "eaches")):
            return w[:-1]  # headaches, niches, caches
        return w[:-2]  # approaches, branches, patches
    if w.endswith(("yses", "eses")) and len(w) > 6:
        return w[:-2] + "is"  # analyses-like, syntheses, hypotheses
    if w.endswith("uses") and len(w) > 5 and w[-5] not in "aeiou":
        return w[:-2]  # viruses, fetuses, sinuses, plexuses
    return w[:-1]


def _fold_run(run: str) -> str:
    """Case-fold one alphanumeric run and fold its plural, deciding by its original case."""
    low = run.casefold()
    if _GREEK_RE.search(low):
        low = _GREEK_RE.sub(lambda m: GREEK_NAMES[m.group(0)], low)
    if not low.isascii():
        low = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    if _BRITISH_RE.search(low):
        low = _BRITISH_RE.sub(lambda m: _BRITISH_MAP[m.group(0)], low)
    if not run.isalpha() or not low.isalpha():
        return low  # digits: "CD4", "miR21"
    if not low.endswith("s"):
        return IRREGULAR.get(low, low) if run[1:].islower() else low  # "mice", "nuclei"
    if run.isupper():
        return low  # acronyms and symbols: "AIDS", "KRAS", "GAPDHS" (not GAPDH)
    if run[1:] != run[1:].lower():  # internal capitals: symbols and acronym plurals
        if len(run) >= 2 and run[-1] == "s" and run[-2].isupper():
            return low[:-1]  # "RNAs", "miRNAs", "CDKs", "MSCs"
        tail = len(run) - len(run.rstrip("abcdefghijklmnopqrstuvwxyz"))
        return singular(low) if tail >= 4 else low  # "GTPases" -> "gtpase"; "PtdIns" stays
    return singular(low)


_POSSESSIVE = re.compile(r"(?<=\w)['’`´]s\b")
_RUN = re.compile(r"[^\W_]+|\+")


@lru_cache(maxsize=1 << 18)
def normalize_text(text: str) -> str:
    """The folding key of a mention: see the module docstring for the steps.

    >>> normalize_text("TGF-β") == normalize_text("TGF beta") == normalize_text("tgfβ")
    True
    >>> normalize_text("non - small cell lung cancers")
    'nonsmallcelllungcancer'
    >>> normalize_text("miRNAs"), normalize_text("metastases"), normalize_text("diabetes")
    ('mirna', 'metastasis', 'diabetes')
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("ß", "β")
    s = _POSSESSIVE.sub("", s)
    return "".join(_fold_run(r) for r in _RUN.findall(s))


_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


@lru_cache(maxsize=1 << 16)
def segment_key(text: str) -> str:
    """A finer key that keeps token boundaries: the folded runs of :func:`normalize_text`, also
    split between letters and digits, joined by spaces.

    It breaks ties between names whose :func:`normalize_text` keys collide only because
    separators were dropped: ``"miR-93"`` and ``"MIR93"`` give ``"mir 93"``, the distinct
    gene ``"MIR9-3"`` gives ``"mir 9 3"``.
    """
    if not text:
        return ""
    s = unicodedata.normalize("NFKC", text).replace("\u00ad", "").replace("ß", "β")
    s = _POSSESSIVE.sub("", s)
    parts = []
    for run in _RUN.findall(s):
        parts.extend(_LETTER_DIGIT.split(_fold_run(run)))
    return " ".join(p for p in parts if p)


_SPACE = re.compile(r"\s+")
_AROUND_JOINERS = re.compile(r"\s*([-‐‑‒–—―−/])\s*")
_AFTER_OPEN = re.compile(r"([(\[{])\s+")
_BEFORE_CLOSE = re.compile(r"\s+([)\]},.;:%])")
_BEFORE_PLUS = re.compile(r"(?<=\w)\s+\+(?=\s|$|[^\w])")
_BEFORE_APOS = re.compile(r"\s+(['’])\s*(?=s\b)")


@lru_cache(maxsize=1 << 16)  # linking and node labels ask for the same surface forms
def rejoin(text: str) -> str:
    """Remove the spaces a tokenizer put around hyphens, slashes, brackets and ``+``.

    ``"P - glycoprotein"`` -> ``"P-glycoprotein"``, ``"PI3K / AKT"`` -> ``"PI3K/AKT"``,
    ``"( ABCB1 )"`` -> ``"(ABCB1)"``, ``"CD4 + T cells"`` -> ``"CD4+ T cells"``.
    """
    s = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    s = _AROUND_JOINERS.sub(r"\1", s)
    s = _AFTER_OPEN.sub(r"\1", s)
    s = _BEFORE_CLOSE.sub(r"\1", s)
    s = _BEFORE_PLUS.sub("+", s)
    s = _BEFORE_APOS.sub(r"\1", s)
    return s


def count_upper(s: str) -> int:
    return sum(map(str.isupper, s))


def display_form(forms: Mapping[str, int] | Iterable[str]) -> str:
    """The readable label of a node from the surface forms of its mentions.

    ``forms`` is a :class:`collections.Counter` (form -> count) or an iterable of forms
    (one per mention). Forms are first :func:`rejoin`-ed, then grouped case-insensitively;
    the group with most mentions wins (ties: more upper-case letters, i.e. the original
    casing rather than a lower-cased copy, then shorter, then alphabetical). Inside the
    group the commonest casing wins, with the same tie-breaks.

    >>> display_form(["P - glycoprotein", "p-glycoprotein", "P-glycoprotein"])
    'P-glycoprotein'
    """
    counts: Counter[str] = Counter()
    items = forms.items() if isinstance(forms, Mapping) else ((f, 1) for f in forms)
    for form, n in items:
        if form and n:
            counts[rejoin(form)] += int(n)
    counts.pop("", None)
    if len(counts) <= 1:
        return next(iter(counts), "")
    groups: dict[str, Counter[str]] = {}
    for form, n in counts.items():
        groups.setdefault(form.casefold(), Counter())[form] += n

    def rank(form: str, n: int) -> tuple:
        return (-n, -count_upper(form), len(form), form)

    # each group's best variant; then the best group: most mentions, then its variant's casing, length, text
    ranked = []
    for group in groups.values():
        variant = min(group, key=lambda f, g=group: rank(f, g[f]))
        ranked.append(rank(variant, sum(group.values())))
    return min(ranked)[3]
