"""What a kg graph holds: entity types, their colours, and the node and edge attributes.

Every stage agrees on this module: the NER pass maps model labels to the readable
type names below, the graph builder fills the attributes, the renderers and
exporters read them.

Node attributes (node key: the concept id, a CURIE such as ``hgnc:11364`` when linked,
else the folded text of :func:`kg.vocabularies.normalize.normalize_text`, e.g. ``"exosome"``):

=============  =========  ====================================================
``label``      str        readable name (vocabulary name, else commonest form)
``type``       str        readable entity type, a value of :data:`TYPE_NAMES`
``mentions``   int        mentions in the corpus
``documents``  int        distinct documents mentioning it
``aliases``    list[str]  every surface form seen (and the long form of abbreviations)
``curie``      str        vocabulary id, ``""`` when unlinked
``url``        str        link to the vocabulary entry, ``""`` when unlinked
``xrefs``      str        every equivalent CURIE, ``|``-joined (``hgnc:11364|ncbigene:6774|...``)
``category``   str        Biolink class (``biolink:Gene``, ``biolink:ChemicalEntity``, ...)
``grounding_score`` float confidence of the grounding (0 when ungrounded)
``concept_rule`` str      why it is a node: ``grounded``, ``grounded-generic``, ``heads-agree``,
                          ``several-documents`` or ``abbreviation`` (:mod:`kg.concepts.filter`)
``doc_ids``    list[str]  the documents that mention it
=============  =========  ====================================================

Edge attributes (undirected, no self-loops):

===============  ==========  ===================================================
``count``        int         co-mentions within the window
``documents``    int         distinct documents with a co-mention
``score``        float       the chosen association score (graph attr ``score``)
``npmi`` ...     float       every computed score, under its own name
``evidence``     list[dict]  best sentences: ``doc_id``, ``sentence``, ``pmid``,
                             ``doi``, ``url`` (PubMed or DOI link)
``doc_ids``      list[str]   documents with a co-mention
``interaction``  str         ``"co-occurs"`` (the column Cytoscape expects)
``first_year``   int | None  earliest year of its documents (None: none has a year)
``last_year``    int | None  latest year of its documents
``years``        str         documents per year, ``"2015:3|2016:1"`` (:mod:`kg.graph.years`)
===============  ==========  ===================================================

Graph attributes: ``name``, ``kg_version``, ``window``, ``score`` (name of the score in
``score``), ``n_documents``, ``models``.
"""

from __future__ import annotations

__all__ = [
    "TYPE_NAMES",
    "TYPE_COLORS",
    "NODE_ATTRIBUTES",
    "EDGE_ATTRIBUTES",
    "GRAPH_ATTRIBUTES",
    "readable_type",
    "type_color",
]

#: Model label -> readable type. Labels of the bundled models and of scispaCy's models.
TYPE_NAMES: dict[str, str] = {
    # BioNLP13CG (bundled cancer-genetics head; scispaCy en_ner_bionlp13cg_md)
    "Gene_or_gene_product": "Gene or gene product",
    "Cancer": "Cancer",
    "Cell": "Cell",
    "Simple_chemical": "Chemical",
    "Cellular_component": "Cellular component",
    "Organism": "Organism",
    "Tissue": "Tissue",
    "Organ": "Organ",
    "Multi-tissue_structure": "Multi-tissue structure",
    "Organism_substance": "Organism substance",
    "Pathological_formation": "Pathological formation",
    "Amino_acid": "Amino acid",
    "Immaterial_anatomical_entity": "Anatomical entity",
    "Organism_subdivision": "Organism subdivision",
    "Anatomical_system": "Anatomical system",
    "Developing_anatomical_structure": "Developing anatomical structure",
    # BC5CDR
    "Chemical": "Chemical",
    "Disease": "Disease",
    "CHEMICAL": "Chemical",
    "DISEASE": "Disease",
    # CRAFT
    "GGP": "Gene or gene product",
    "SO": "Sequence feature",
    "GO": "Cellular component",
    "CL": "Cell",
    "CHEBI": "Chemical",
    "Taxon": "Organism",
    "TAXON": "Organism",
    # JNLPBA (scispaCy en_ner_jnlpba_md)
    "DNA": "DNA",
    "RNA": "RNA",
    "PROTEIN": "Gene or gene product",
    "CELL_LINE": "Cell line",
    "CELL_TYPE": "Cell",
    # en_core_sci_*
    "ENTITY": "Entity",
}

TYPE_COLORS: dict[str, str] = {
    "Gene or gene product": "#1f77b4",
    "Chemical": "#2ca02c",
    "Disease": "#d62728",
    "Cancer": "#e377c2",
    "Cell": "#ff7f0e",
    "Cell line": "#ffbb78",
    "Cellular component": "#9467bd",
    "Sequence feature": "#17becf",
    "Organism": "#8c564b",
    "Tissue": "#bcbd22",
    "Organ": "#7f7f7f",
    "Multi-tissue structure": "#aec7e8",
    "Organism substance": "#98df8a",
    "Pathological formation": "#ff9896",
    "Amino acid": "#c5b0d5",
    "Anatomical entity": "#c49c94",
    "Organism subdivision": "#f7b6d2",
    "Anatomical system": "#dbdb8d",
    "Developing anatomical structure": "#9edae5",
    "DNA": "#393b79",
    "RNA": "#5254a3",
    "Entity": "#636363",
}

_FALLBACK_COLORS = ("#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")

NODE_ATTRIBUTES: dict[str, type] = {
    "label": str,
    "type": str,
    "mentions": int,
    "documents": int,
    "aliases": list,
    "curie": str,
    "xrefs": str,
    "category": str,
    "grounding_score": float,
    "url": str,
    "doc_ids": list,
}

EDGE_ATTRIBUTES: dict[str, type] = {
    "count": int,
    "documents": int,
    "score": float,
    "evidence": list,
    "doc_ids": list,
    "interaction": str,
}

GRAPH_ATTRIBUTES: dict[str, type] = {
    "name": str,
    "kg_version": str,
    "window": str,
    "score": str,
    "n_documents": int,
    "models": str,
}


def readable_type(label: str) -> str:
    """The readable type name of a model label (``"Gene_or_gene_product"`` -> ``"Gene or gene product"``)."""
    if label in TYPE_NAMES:
        return TYPE_NAMES[label]
    text = label.replace("_", " ").strip()
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


def type_color(type_name: str) -> str:
    """A stable colour for a readable type; unknown types get one from a fixed fallback cycle."""
    if type_name in TYPE_COLORS:
        return TYPE_COLORS[type_name]
    return _FALLBACK_COLORS[sum(map(ord, type_name)) % len(_FALLBACK_COLORS)]
