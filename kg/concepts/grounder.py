"""Ground a mention to one concept id by its NER type, with its document as context.

The method is dictionary grounding with typed vocabularies and document context, as in
PubTator's normalisers (GNormPlus, Wei et al. 2015; TaggerOne, Leaman and Lu 2016) and
gilda (Gyori et al. 2022, Bioinformatics Advances): exact and folded matching against
curated synonyms, ranked by the kind of term, with the context deciding ambiguous names.

1. **Type decides the vocabularies** (:data:`TYPE_GROUPS`): a gene mention looks in HGNC /
   NCBI Gene / miRBase / MGI / RGD terms, then FamPlex; a chemical in MeSH chemicals,
   ChEBI and DrugBank; a disease in MeSH diseases, CTD, MONDO, DOID, HP; an organism in
   NCBI Taxonomy; a cellular component in GO. kg's curated :class:`kg.linking.Linker` is
   tried first (HGNC, CTD, the hand-written supplements, and its GO/SO class terms whatever
   the type: "MicroRNAs" tagged as a chemical is SO's miRNA, as before).
2. **Within a group the best tier wins** (:mod:`kg.vocabularies.grounding_sources`: preferred names
   before synonyms before other ontologies' synonyms). One CURIE: grounded.
3. **Ambiguous names are decided by the document** (rule ``context``): when the winning
   tier holds several CURIEs of different vocabularies, the preferred vocabulary wins
   (:data:`PRIORITY`: HGNC over NCBI Gene-only and MGI/RGD records, MeSH over OMIM, MONDO,
   DOID, HP; rule ``vocabulary``). Else the one whose preferred name is the mention as written, or
   its plural or singular (rule ``name``: "arachidonic acid" is MeSH Arachidonic Acid, not the class
   Arachidonic Acids, which folds to the same key). Else the one another mention of the same document grounded to
   unambiguously wins (rule ``context``). Else the mention stays ungrounded and is flagged
   (:attr:`Grounding.candidates`).
4. **Short ambiguous aliases need context** (rule ``short-alias``): a synonym (tier >= 1) whose
   key has at most :data:`SHORT` characters and that another main vocabulary (:data:`MAIN_GROUPS`)
   knows as a symbol, name or previous symbol (tier <= 1: ``ACE`` is a gene symbol) grounds only when the document grounds
   the same CURIE elsewhere (``CsA``, ``ARB``, ``LSD``); ``ATP``, only a chemical, grounds; an abbreviation defined in the document has already
   been replaced by its long form (:mod:`kg.nlp`), so it grounds by that.
5. **Mouse and rat genes merge with their human ortholog** by default: ``Stat3`` (MGI) is
   grounded to ``hgnc:11364`` with ``mgi:103038`` among the xrefs (rule ``ortholog``). With
   ``merge_orthologs=False`` they keep their ``mgi:``/``rgd:`` CURIE (species apart; ``kg build
   --species-apart``). Which species a symbol names is the document's (:mod:`kg.concepts.genes`).

6. **Other types' vocabularies, last** (rule ``other-type``, score x 0.7): when a mention's own
   vocabularies have nothing, a preferred name or synonym (tier <= 1, key of at least
   :data:`CROSS_MIN` characters) of another type's vocabularies (:data:`CROSS_GROUPS`) grounds
   it, and the concept's category (from the tables) says what it is.
7. **Families before alias symbols**: a FamPlex name (``ERK1/2``, ``PI3K``) that is
   not an HGNC approved symbol grounds to the family, not to a gene that lists it as an alias,
   unless exactly one gene has it as its previous symbol or alias (``VEGF`` -> VEGFA, ``Akt`` ->
   AKT1, ``ERK`` -> MAPK1, ``AMPK`` -> PRKAA1): then the gene, the way PubTator's GNormPlus and
   BioRED's gold ground them (``family_genes=False`` keeps the family; on BioRED Train end to end
   human-gene recall 0.762 -> 0.798, precision in human-only documents 0.803 -> 0.822).
8. **Variants of an unmatched mention** (score x 0.8): an ion written as a formula grounds
   to its element (``Ca2+`` -> calcium, rule ``ion``); a disease adjective to its noun
   (:data:`DERIVATIONS`: ``obese`` -> obesity, ``thrombotic`` -> thrombosis, rule ``derived``);
   a lone ``a-``/``b-``/``g-`` before a lower-case word is the Greek letter (``b-thalassemia``,
   rule ``greek``); a cancer phrase to MeSH's "... Neoplasms" (:data:`NEOPLASM_HEADS`: ``colon cancer`` ->
   Colon Neoplasms, rule ``neoplasm``).
9. **Abbreviations resolve inside the document first** (:meth:`Grounder.ground_document`,
   rule ``abbreviation``; in a build :mod:`kg.nlp` has already put the long form in
   ``norm_text``).

Confidence (:attr:`kg.linking.Concept.score`): 0.95 for a preferred name or exact symbol,
0.9 / 0.8 / 0.7 / 0.6 for tiers 1-4, times 0.9 when the context or the human rule decided.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache

from kg.vocabularies.grounding_terms import TermHit, TermTables
from kg.vocabularies.linking import DISEASE_TYPES, GENE_TYPES, Concept, Linker
from kg.vocabularies.normalize import normalize_text

__all__ = ["Grounder", "Grounding", "TYPE_GROUPS", "SHORT", "CATEGORY_OF_TYPE", "concept_url"]

SHORT = 3
MAIN_GROUPS = ("gene", "chemical", "disease")
#: Other groups tried, preferred names and synonyms only (tier <= 1), when the type's own vocabularies
#: have nothing: NER heads confuse chemicals, genes and diseases ("coenzyme Q10" tagged as a gene).
#: A gene-typed mention grounds to a chemical only when it is a small molecule (a ChEBI or DrugBank xref):
#: else a gene-typed class name ("claudin", "lectin") becomes a MeSH protein class (on BioRED train gold
#: mentions, 148 of 148 such groundings were wrong without this condition).
CROSS_GROUPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(GENE_TYPES, ("chemical",)), **dict.fromkeys(DISEASE_TYPES, ("chemical",)), "Chemical": ("gene", "disease"), "Amino acid": ("gene",),
    "Pathological formation": ("chemical",),
}
CROSS_MIN = 5
#: Mouse and rat gene terms: tried for a gene mention only when the human ones have nothing for it
#: (a mouse paper's genes: :mod:`kg.concepts.genes`).
SPECIES_GENE_GROUPS = ("gene-mouse", "gene-rat")
TYPE_OF_CATEGORY = {"biolink:ChemicalEntity": "Chemical", "biolink:Disease": "Disease",
                    "biolink:PhenotypicFeature": "Disease", "biolink:Gene": "Gene or gene product"}
#: Vocabulary preference when one name has CURIEs of several vocabularies at the same tier.
PRIORITY = {"hgnc": 0, "mesh": 0, "ncbitaxon": 0, "go": 0, "fplx": 1, "omim": 1, "chebi": 1, "mondo": 2,
            "ncbigene": 2, "drugbank": 2, "doid": 3, "mgi": 3, "rgd": 3, "hp": 4, "mirbase": 4}
#: Adjective -> noun endings tried on the last word of an unmatched disease mention
#: ("inflammatory" -> "inflammation", "obese" -> "obesity", "cirrhotic" -> "cirrhosis").
DERIVATIONS = (("atory", "ation"), ("ese", "esity"), ("emic", "emia"), ("otic", "osis"), ("ensive", "ension"),
               ("essive", "ession"), ("essed", "ession"), ("etic", "esis"), ("ic", "ia"), ("ic", "y"),
               ("ous", "osis"), ("oid", "oidism"), ("infected", "infection"), ("al", ""))
#: Element symbols -> names, for ions written as formulas ("Ca2+", "Zn(2+)", "Fe3+").
ELEMENTS = {"H": "hydrogen", "Li": "lithium", "Na": "sodium", "K": "potassium", "Mg": "magnesium", "Ca": "calcium",
            "Zn": "zinc", "Fe": "iron", "Cu": "copper", "Mn": "manganese", "Co": "cobalt", "Ni": "nickel",
            "Cd": "cadmium", "Pb": "lead", "Hg": "mercury", "As": "arsenic", "Se": "selenium", "Al": "aluminum",
            "Cl": "chloride", "I": "iodine", "F": "fluoride", "Br": "bromide", "Ag": "silver", "Au": "gold",
            "Pt": "platinum", "Cr": "chromium", "Sr": "strontium", "Ba": "barium", "Cs": "cesium", "Gd": "gadolinium"}
#: "b-thalassemia", "a-synuclein": a lone Latin letter standing for the Greek one.
_GREEK_LETTER = re.compile(r"(?<![A-Za-z0-9])([abg])-(?=[a-z])")
_GREEK = {"a": "alpha", "b": "beta", "g": "gamma"}
#: Head nouns of a cancer phrase that MeSH files under "... Neoplasms" ("colon cancer" -> Colon Neoplasms,
#: "liver tumours" -> Liver Neoplasms): tried on the last word of an unmatched disease mention (rule ``neoplasm``).
NEOPLASM_HEADS = frozenset({"cancer", "cancers", "tumor", "tumors", "tumour", "tumours", "malignancy",
                            "malignancies", "neoplasia"})
_ION = re.compile(r"^([A-Z][a-z]?)\s*\(?\s*\d?\s*[+-]\s*\d?\s*\)?$")
TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(GENE_TYPES, ("gene", "family", "gene-mouse", "gene-rat")),
    **dict.fromkeys(DISEASE_TYPES, ("disease",)),
    "Pathological formation": ("disease",),
    "Chemical": ("chemical",),
    "Amino acid": ("chemical",),
    "Organism": ("species",),
    "Cellular component": ("component",),
}
CATEGORY_OF_TYPE = {
    **dict.fromkeys(GENE_TYPES, "biolink:Gene"), **dict.fromkeys(DISEASE_TYPES, "biolink:Disease"),
    "Chemical": "biolink:ChemicalEntity", "Amino acid": "biolink:ChemicalEntity",
    "Organism": "biolink:OrganismTaxon", "Cellular component": "biolink:CellularComponent",
    "Cell": "biolink:Cell", "Cell line": "biolink:CellLine", "Sequence feature": "biolink:NucleicAcidEntity",
    "Anatomical entity": "biolink:AnatomicalEntity",
    "Tissue": "biolink:GrossAnatomicalStructure", "Organ": "biolink:GrossAnatomicalStructure",
    "Pathological formation": "biolink:Disease", "DNA": "biolink:Gene", "RNA": "biolink:Gene",
}
_TIER_SCORE = (0.95, 0.9, 0.8, 0.7, 0.6)
_URLS = {
    "mesh": "https://meshb.nlm.nih.gov/record/ui?ui={id}",
    "chebi": "https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:{id}",
    "drugbank": "https://go.drugbank.com/drugs/{id}",
    "ncbigene": "https://www.ncbi.nlm.nih.gov/gene/{id}",
    "ncbitaxon": "https://www.ncbi.nlm.nih.gov/Taxonomy/Browser/wwwtax.cgi?id={id}",
    "hgnc": "https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:{id}",
    "mgi": "https://www.informatics.jax.org/marker/MGI:{id}",
    "rgd": "https://rgd.mcw.edu/rgdweb/report/gene/main.html?id={id}",
    "fplx": "https://identifiers.org/fplx:{id}",
    "go": "https://amigo.geneontology.org/amigo/term/GO:{id}",
    "mondo": "http://purl.obolibrary.org/obo/MONDO_{id}",
    "doid": "http://purl.obolibrary.org/obo/DOID_{id}",
    "hp": "http://purl.obolibrary.org/obo/HP_{id}",
    "omim": "https://omim.org/entry/{id}",
    "mirbase": "https://www.mirbase.org/hairpin/{id}",
}
_VOCABULARY = {"mesh": "MeSH", "chebi": "ChEBI", "drugbank": "DrugBank", "ncbigene": "NCBI Gene",
               "ncbitaxon": "NCBI Taxonomy", "hgnc": "HGNC", "mgi": "MGI", "rgd": "RGD", "fplx": "FamPlex",
               "go": "GO", "mondo": "MONDO", "doid": "DOID", "hp": "HP", "omim": "OMIM", "mirbase": "miRBase"}


def _small_molecule(concept: Concept) -> bool:
    return any(x.startswith(("chebi:", "drugbank:")) for x in concept.xrefs)


def concept_url(curie: str) -> str:
    prefix, _, local = curie.partition(":")
    template = _URLS.get(prefix)
    return template.format(id=local) if template else ""


@dataclass(frozen=True)
class Grounding:
    """The result of grounding one mention: its concept (or None), the rule that decided, and the
    candidates of an ambiguous name left ungrounded (flagged)."""

    concept: Concept | None
    rule: str = ""
    candidates: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return self.concept is None and bool(self.candidates)


_NONE = Grounding(None)


class Grounder:
    """Grounds (text, NER type) pairs; per distinct (text, type) the context-free result is cached.

    >>> g = Grounder.default()
    >>> g.ground("cisplatin", "Chemical").concept.curie
    'mesh:D002945'
    """

    def __init__(self, tables: TermTables | None = None, linker: Linker | None = None, *,
                 merge_orthologs: bool = True, family_genes: bool = True, cache_size: int = 1 << 17) -> None:
        self.tables = tables if tables is not None else TermTables()
        self.family_genes = family_genes
        self.linker = linker
        self.merge_orthologs = merge_orthologs
        self._free = lru_cache(maxsize=cache_size)(self._ground_free)

    @classmethod
    def default(cls) -> Grounder:
        """The grounder over the packaged tables and kg's default linker (one shared instance)."""
        return _default()

    @classmethod
    def for_linker(cls, linker: Linker, *, merge_orthologs: bool = True) -> Grounder:
        """The grounder over the packaged tables that tries ``linker`` first (one per linker and
        ``merge_orthologs``)."""
        if linker is Linker.default() and merge_orthologs:
            return _default()
        return _for_linker(linker, merge_orthologs)

    # -- public ------------------------------------------------------------------------------

    def ground(self, text: str, type: str, context: Iterable[str] = ()) -> Grounding:  # noqa: A002
        """Ground ``text`` as an entity of readable ``type``; ``context``: CURIEs the same document
        grounded unambiguously (they decide ambiguous names and short aliases)."""
        if not text or not any(ch.isalnum() for ch in text):
            return _NONE
        result = self._free(text, type)
        if result.concept is not None or not result.candidates:
            return result
        ctx = context if isinstance(context, (set, frozenset, Mapping)) else frozenset(context)
        chosen = [c for c in result.candidates if c in ctx]
        if len(chosen) == 1:
            concept = self._concept(chosen[0], 0.9 * (0.9 if result.rule == "short-alias" else 1.0))
            if concept is not None:
                return Grounding(concept, "context", result.candidates)
        return result

    def ground_document(self, mentions: Iterable[tuple[str, str]],
                        abbreviations: Mapping[str, str] | None = None) -> list[Grounding]:
        """Ground a document's (text, type) mentions: unambiguous ones first, then the rest in their context.
        ``abbreviations`` (short form -> long form, defined in the document) are grounded by their long form."""
        mentions = list(mentions)
        first = [self._with_abbreviation(t, ty, abbreviations or {}) for t, ty in mentions]
        context = {g.concept.curie for g in first if g.concept is not None}
        for g in first:
            if g.concept is not None:
                context.update(g.concept.xrefs)
        return [self.ground(t, ty, context) if g.flagged else g for g, (t, ty) in zip(first, mentions, strict=True)]

    def _with_abbreviation(self, text: str, type: str, abbreviations: Mapping[str, str]) -> Grounding:  # noqa: A002
        long_form = abbreviations.get(text)
        if long_form and long_form != text:
            result = self.ground(long_form, type)
            if result.concept is not None:
                return Grounding(result.concept, "abbreviation")
        return self.ground(text, type)

    def ground_in(self, group: str, text: str) -> Grounding:
        """``text`` grounded in one group's terms only (``gene-mouse``: the mouse record a mouse paper's
        ``Stat3`` names, merged with its human ortholog unless ``merge_orthologs`` is off)."""
        hit = self.tables.lookup(group, text) if text else None
        return self._decide(hit, text, group) if hit is not None else _NONE

    def concept(self, curie: str) -> Concept | None:
        """The :class:`Concept` of a CURIE of the tables (name, category, xrefs, url)."""
        return self._concept(curie, 1.0)

    # -- internals ---------------------------------------------------------------------------

    def _ground_free(self, text: str, type: str) -> Grounding:  # noqa: A002
        result = self._ground_text(text, type)
        if result.concept is not None or result.candidates:  # an ambiguous name is for the document to decide
            return result
        for variant, rule in self._variants(text, type):
            again = self._ground_text(variant, type)
            if again.concept is not None:
                concept = replace(again.concept, score=round(again.concept.score * 0.8, 3))
                return Grounding(concept, rule)
        if not result.candidates and len(normalize_text(text)) >= CROSS_MIN:
            for group in CROSS_GROUPS.get(type, ()):
                hit = self.tables.lookup(group, text)
                if hit is not None and hit.tier <= 1:
                    other = self._decide(hit, text, group)
                    if other.concept is not None and (type not in GENE_TYPES or _small_molecule(other.concept)):
                        concept = replace(other.concept, score=round(other.concept.score * 0.7, 3),
                                          type=TYPE_OF_CATEGORY.get(other.concept.category, ""))
                        return Grounding(concept, "other-type")
        return result

    def _variants(self, text: str, type: str) -> Iterable[tuple[str, str]]:  # noqa: A002
        """Other spellings of an unmatched mention: an ion's element, a disease adjective's noun."""
        groups = TYPE_GROUPS.get(type, ())
        if "chemical" in groups:
            m = _ION.match(text.strip())
            if m and m.group(1) in ELEMENTS:
                yield ELEMENTS[m.group(1)], "ion"
        if _GREEK_LETTER.search(text):
            yield _GREEK_LETTER.sub(lambda m: _GREEK[m.group(1)] + "-", text), "greek"
        if "disease" in groups:
            head, _, last = text.rpartition(" ")
            if head and last.lower() in NEOPLASM_HEADS:
                yield f"{head} neoplasms", "neoplasm"
            for old, new in DERIVATIONS:
                if last.lower().endswith(old) and len(last) >= len(old) + 2:
                    yield (f"{head} " if head else "") + last[: len(last) - len(old)] + new, "derived"

    def _ground_text(self, text: str, type: str) -> Grounding:  # noqa: A002
        if "family" in TYPE_GROUPS.get(type, ()):
            family = self.tables.lookup("family", text)
            if family is not None and family.tier <= 1 and len(family.curies) == 1:
                gene = self.tables.lookup("gene", text)
                if gene is None or (gene.tier > 0 and not (self.family_genes and len(gene.curies) == 1 and gene.tier <= 2)):
                    return self._decide(family, text, "family")
        if self.linker is not None:  # curated first: HGNC, CTD, supplements, GO/SO class terms whatever the type
            hit = self.linker.link(text, type)
            if hit is not None:
                return Grounding(self._enrich(hit, 0.95, type), "curated")
        flagged = _NONE
        for group in TYPE_GROUPS.get(type, ()):
            if group in SPECIES_GENE_GROUPS and flagged.candidates:
                break  # a name the human terms leave ambiguous is not decided by a mouse or rat synonym
            hit = self.tables.lookup(group, text)
            if hit is None:
                continue
            result = self._decide(hit, text, group)
            if result.concept is not None:
                return result
            if not flagged.candidates:
                flagged = result
        return flagged

    def _elsewhere(self, text: str, group: str) -> bool:
        """Whether ``text`` is a symbol, name or previous symbol in another main vocabulary (``ACE``: a gene)."""
        for other in MAIN_GROUPS:
            hit = self.tables.lookup(other, text) if other != group else None
            if hit is not None and hit.tier <= 1:  # a symbol, name or previous symbol there, not a mere alias
                return True
        return False

    def _decide(self, hit: TermHit, text: str, group: str = "") -> Grounding:
        score = 0.95 if hit.exact else _TIER_SCORE[min(hit.tier, len(_TIER_SCORE) - 1)]
        curies = hit.curies
        if self.merge_orthologs:
            curies = tuple(dict.fromkeys(self._human(c) for c in curies))
        if len(curies) > 1:
            ranks = [PRIORITY.get(c.partition(":")[0], 9) for c in curies]
            best = [c for c, r in zip(curies, ranks, strict=True) if r == min(ranks)]
            if len(best) == 1:
                return Grounding(self._concept(best[0], score * 0.9), "vocabulary", curies)
            named = self._named(best, text) if group in ("chemical", "disease") else None
            if named is not None:
                return Grounding(self._concept(named, score * 0.9), "name", curies)
            return Grounding(None, "ambiguous", curies)
        if hit.tier >= 1 and not hit.exact and len(normalize_text(text)) <= SHORT and self._elsewhere(text, group):
            return Grounding(None, "short-alias", curies)
        rule = "ortholog" if curies[0] != hit.curies[0] else ("exact" if hit.tier == 0 else "synonym")
        concept = self._concept(curies[0], score)
        return Grounding(concept, rule) if concept is not None else _NONE

    def _named(self, curies: Iterable[str], text: str) -> str | None:
        """The one CURIE whose preferred name is ``text`` as written (case aside), else the one whose name is
        its plural or singular: folding makes "Arachidonic Acid" and MeSH's class "Arachidonic Acids" one key."""
        names = {c: record.name.lower() for c in curies if (record := self.tables.concept(c)) is not None}
        said = text.strip().lower()
        for wanted in ({said}, {said + "s", said.removesuffix("s"), said + "es"}):
            hits = [c for c, name in names.items() if name in wanted]
            if len(hits) == 1:
                return hits[0]
        return None

    def _human(self, curie: str) -> str:
        if curie.startswith(("mgi:", "rgd:")):
            record = self.tables.concept(curie)
            if record is not None and record.ortholog:
                return record.ortholog
        return curie

    def _concept(self, curie: str, score: float) -> Concept | None:
        record = self.tables.concept(curie)
        if record is None:
            return None
        prefix = curie.partition(":")[0]
        return Concept(curie, record.name, _VOCABULARY.get(prefix, prefix), concept_url(curie),
                       xrefs=(curie, *record.xrefs), category=record.category, score=round(score, 3))

    def _enrich(self, hit: Concept, score: float, type: str) -> Concept:  # noqa: A002
        """kg's curated linker result with the tables' xrefs and category."""
        record = self.tables.concept(hit.curie)
        xrefs = (hit.curie, *(record.xrefs if record else ()))
        category = record.category if record else CATEGORY_OF_TYPE.get(hit.type or type, "biolink:NamedThing")
        return replace(hit, xrefs=xrefs, category=category, score=score)


@lru_cache(maxsize=1)
def _default() -> Grounder:
    return Grounder(TermTables(), Linker.default())


@lru_cache(maxsize=4)
def _for_linker(linker: Linker, merge_orthologs: bool = True) -> Grounder:
    return Grounder(TermTables(), linker, merge_orthologs=merge_orthologs)
