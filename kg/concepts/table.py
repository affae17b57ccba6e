"""From mentions to concepts: one concept, one node.

Each mention gets a concept key:

1. Its text for normalisation is the long form when it is a defined abbreviation
   (:mod:`kg.nlp.annotate`), so "NSCLC" and "non-small cell lung cancer" meet.
2. Composite gene mentions such as "JAK2-STAT3" or "ERK1/2"-style pairs are split into
   their parts when every part is itself a gene symbol the vocabulary knows, the way
   gene normalisers treat composite mentions (Wei et al. 2015, GNormPlus).
3. It is grounded (:class:`kg.concepts.grounder.Grounder`: kg's curated :class:`kg.vocabularies.linking.Linker`
   for HGNC genes and CTD/MeSH diseases first, then the offline tables of
   :mod:`kg.vocabularies.grounding_terms`: NCBI Gene, miRBase, MGI/RGD, FamPlex, MeSH and ChEBI chemicals,
   MONDO/DOID/HP diseases, NCBI Taxonomy, GO); a grounded mention's key is the CURIE, so
   "P-gp", "MDR1" and "P-glycoprotein" become ``hgnc:40``. Ambiguous names are grounded
   in their document's context (the CURIEs its other mentions grounded to), else not. In a
   mouse or rat paper gene symbols name that species' genes (:mod:`kg.concepts.genes`).
4. Otherwise its key is the folded text (:func:`kg.vocabularies.normalize.normalize_text`): case,
   hyphens, Greek letters and plurals fold together ("exosomes" = "exosome").
5. An unlinked abbreviation used without its definition in one document resolves as it
   was defined elsewhere in the corpus (the commonest definition wins): "NSCLC" alone in
   one abstract joins "non-small cell lung cancer" defined in another.
6. Finally, an unlinked key whose folded text is also the folded text of linked mentions
   joins their concept: a string means one thing within a corpus, even where one NER head
   gave it a type the vocabulary does not cover ("Non-small Cell Lung Cancer" tagged as a
   gene in a title still joins ``mesh:D002289``). Where the same text linked to several
   concepts, the commonest wins.

A concept's type is the commonest type among its mentions; its label is the
vocabulary's name when linked, else the commonest surface form.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from kg.concepts.filter import heads_agree
from kg.concepts.genes import (
    HUMAN,
    document_species,
    greek_symbol,
    short_form_may_ground,
    species_grounding,
    symbol_mentions,
)
from kg.concepts.grounder import CATEGORY_OF_TYPE, Grounder, Grounding
from kg.concepts.residues import SEQUENCE_FEATURES, is_residue_concept, is_residue_mention
from kg.concepts.spans import condition_mentions, extend_mentions
from kg.nlp.annotate import AnnotatedDoc, Mention
from kg.vocabularies.linking import Concept, Linker
from kg.vocabularies.normalize import display_form, normalize_text

__all__ = ["ConceptTable", "DocumentConcepts", "assign_concepts", "document_concepts", "split_composite", "MENTION_COLUMNS"]

MENTION_COLUMNS = ["doc", "para", "sent", "start", "end", "text", "type", "concept"]
GENE = "Gene or gene product"
_COMPOSITE = re.compile(r"\s*[-/]\s*")


@lru_cache(maxsize=1 << 16)
def _composite_parts(text: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each part of ``text`` joined by ``-`` or ``/``; empty unless there are two or more."""
    parts = tuple((m.start(), m.end()) for m in re.finditer(r"[^-/\s]+", text))
    if len(parts) < 2 or _COMPOSITE.sub("", text) == text:
        return ()
    return parts


def split_composite(mention: Mention, linker: Linker | None) -> list[Mention]:
    """Split "JAK2-STAT3" into JAK2 and STAT3 when every part links as a gene; else ``[mention]``."""
    if linker is None or mention.type != GENE or mention.norm_text != mention.text:
        return [mention]
    parts = _composite_parts(mention.text)
    if not parts:
        return [mention]
    texts = [mention.text[s:e] for s, e in parts]
    if not all(len(t) >= 2 and linker.link(t, GENE) for t in texts):
        return [mention]
    return [
        Mention(
            start=mention.start + s, end=mention.start + e, text=t, type=mention.type, label=mention.label,
            source=mention.source, sent=mention.sent, para=mention.para, norm_text=t,
        )
        for (s, e), t in zip(parts, texts, strict=False)
    ]


def _move(moved: dict[str, str], *tallies: dict[str, Counter]) -> None:
    """Merge the tallies of each old key into its new key."""
    for old, new in moved.items():
        for tally in tallies:
            tally[new].update(tally.pop(old, {}))


@dataclass
class ConceptTable:
    """Mentions with concept keys (``mentions``, a DataFrame of :data:`MENTION_COLUMNS`) and per-concept facts."""

    mentions: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    curies: dict[str, str] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    #: one row per mention as NER found it, for checking the NER (mentions.csv): doc, sent,
    #: start, end, text, ner_type (the head's type, before the concept's commonest type
    #: replaces it in ``mentions``) and concept (its final key)
    spans: pd.DataFrame | None = None
    xrefs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    #: concepts with a mention that two or more NER heads tagged alike (:func:`kg.concepts.filter.heads_agree`)
    agreed: set[str] = field(default_factory=set)
    #: why each concept is a node or not (:func:`kg.concepts.filter.concept_rules`), set by the build's edge step
    rules: dict[str, str] = field(default_factory=dict)


Rank = tuple[str, int]


def _tally(table: dict, key: str, form: str, rank: Rank) -> None:
    """Count ``form`` under ``key`` and remember the rank of its first use."""
    forms = table.get(key)
    if forms is None:
        forms = table[key] = {}
    entry = forms.get(form)
    if entry is None:
        forms[form] = [1, rank]
    else:
        entry[0] += 1
        if rank < entry[1]:
            entry[1] = rank


def _counters(table: dict) -> dict[str, Counter]:
    """Counters with keys and forms in order of first use (by document id, then position).

    Documents may arrive in any order (workers, the store); ties between equally common
    forms then break as if the documents had been read sorted by id, so the graph does
    not depend on the order of the input or of the workers.
    """
    first = {key: min(e[1] for e in forms.values()) for key, forms in table.items()}
    return defaultdict(Counter, {
        key: Counter({f: e[0] for f, e in sorted(table[key].items(), key=lambda fe: fe[1][1])})
        for key in sorted(table, key=first.__getitem__)})


def _mention_frame(doc_col: list[str], ints: dict[str, array], strings: dict[str, list[str]],
                   **extra: list) -> tuple[pd.DataFrame, np.ndarray]:
    """The mention table in document-id order (stable), one column at a time (no whole-table copy), and
    the one ``extra`` column in the same order (an object array)."""
    (name_extra, extra_col), = extra.items()
    if not doc_col:
        return pd.DataFrame([], columns=MENTION_COLUMNS), np.asarray(extra_col, dtype=object)
    codes, _ = pd.factorize(pd.Series(doc_col, dtype=object), sort=True)
    order = np.argsort(codes, kind="stable")
    del codes
    columns: dict[str, object] = {}
    for name, values in (("doc", doc_col), *strings.items(), (name_extra, extra_col)):
        columns[name] = np.asarray(values, dtype=object)[order]
        values.clear()  # the caller's list: free it before the next column
    for name, col in ints.items():
        columns[name] = np.frombuffer(col, dtype=np.int32)[order]
    frame = pd.DataFrame({name: columns.pop(name) for name in MENTION_COLUMNS})
    return frame, columns.pop(name_extra)


def _first_use_tally(keys: np.ndarray, values: np.ndarray) -> dict[str, Counter]:
    """Per key, a Counter of its values: keys, and each key's values, in order of first appearance in the
    arrays (what :func:`_counters` gives for tallies whose ranks are the rows' order)."""
    out: dict[str, Counter] = defaultdict(Counter)
    if not len(keys):
        return out
    counts = pd.DataFrame({"k": keys, "v": values}).groupby(["k", "v"], sort=False).size()
    for (key, value), n in zip(counts.index.tolist(), counts.tolist(), strict=True):
        out[key][value] = n
    return out


def _ground(grounder: Grounder, m: Mention, context: frozenset[str] = frozenset()) -> Grounding:
    """The mention's long form grounded, else its own text (in ``context``: the document's CURIEs)."""
    g = grounder.ground(m.norm_text, m.type, context)
    if g.concept is None and m.text != m.norm_text and short_form_may_ground(m.text, m.norm_text, m.type):
        own = grounder.ground(m.text, m.type, context)
        if own.concept is not None or not g.flagged:
            g = own
    variant = greek_symbol(m.text, m.type) if g.concept is None else None
    if variant is not None:
        greek = grounder.ground(variant, m.type, context)
        if greek.concept is not None:
            g = greek
    return g


def _names_no_chemical(concept: Concept, m: Mention, doc_text: str | None) -> bool:
    """A stop codon, or an amino acid or base named as a residue of a variant (:mod:`kg.concepts.residues`)."""
    name = concept.name.lower()
    if name in SEQUENCE_FEATURES:
        return True
    return doc_text is not None and is_residue_concept(name) and is_residue_mention(doc_text, m.start, m.end)


@dataclass(frozen=True)
class DocumentConcepts:
    """One document's grounded mentions, what :func:`assign_concepts` tallies over the corpus.

    It depends only on the document's text, its NER output, the grounder and the linker (never on
    other documents), so a build can keep it between runs (:mod:`kg.pipeline.grounding_cache`).
    ``mentions``: one row per mention that has a concept key, in document order:
    (start, end, para, sent, text, norm_text, type, heads agree, index into ``concepts`` or -1, key).
    ``abbreviations``: the document's (short form, long form) definitions.
    """

    doc_id: str
    mentions: tuple[tuple[int, int, int, int, str, str, str, bool, int, str], ...]
    concepts: tuple[Concept, ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()


def document_concepts(adoc: AnnotatedDoc, *, linker: Linker | None = None, grounder: Grounder | None = None,
                      text: Callable[[str], str] | None = None,
                      cache: dict[tuple[str, str, str], Grounding] | None = None) -> DocumentConcepts:
    """Steps 1-4 of the module doc for one document: its mentions split, extended, grounded and keyed.

    ``grounder`` defaults to :meth:`Grounder.for_linker` of ``linker`` (none without a linker). ``cache``:
    context-free groundings shared between documents ((long form, type, text) -> grounding).
    """
    if grounder is None and linker is not None:
        grounder = Grounder.for_linker(linker)
    cache = {} if cache is None else cache
    doc_id = adoc.doc_id
    doc_mentions = [m for raw in adoc.mentions for m in split_composite(raw, linker)]
    doc_text = text(doc_id) if text is not None else None
    if doc_text is not None and grounder is not None:
        doc_mentions = extend_mentions(doc_text, doc_mentions, grounder)
        doc_mentions = symbol_mentions(doc_text, doc_mentions, adoc.sentences, grounder)
        doc_mentions = condition_mentions(doc_text, doc_mentions, grounder)
    groundings: list[Grounding | None] = []
    for m in doc_mentions:
        # the text itself is tried when the long form does not ground, so it is part of the key
        ck = (m.norm_text, m.type, m.text if m.text != m.norm_text else "")
        if grounder is not None and ck not in cache:
            cache[ck] = _ground(grounder, m)
        groundings.append(cache.get(ck))
    if grounder is not None and any(g is not None and g.flagged for g in groundings):
        # ambiguous names: decided by the CURIEs the document's other mentions grounded to
        context = frozenset(x for g in groundings if g is not None and g.concept is not None
                            for x in g.concept.xrefs or (g.concept.curie,))
        groundings = [_ground(grounder, m, context) if g is not None and g.flagged else g
                      for m, g in zip(doc_mentions, groundings, strict=True)]
    if grounder is not None:
        species = document_species(g.concept.curie for g in groundings if g is not None and g.concept is not None)
        if species != HUMAN:  # a mouse or rat paper: its gene symbols name that species' genes
            groundings = [species_grounding(grounder, m.norm_text, m.type, species, g)
                          for m, g in zip(doc_mentions, groundings, strict=True)]
    concepts: dict[Concept, int] = {}
    rows = []
    for m, g in zip(doc_mentions, groundings, strict=True):
        concept = g.concept if g is not None else None
        if concept is not None and _names_no_chemical(concept, m, doc_text):
            continue
        key = concept.curie if concept is not None else normalize_text(m.norm_text)
        if concept is None and not any(ch.isalnum() for ch in m.text):
            key = ""  # a lone "+" or "%" tagged by a head is no concept
        if not key:
            continue
        index = -1 if concept is None else concepts.setdefault(concept, len(concepts))
        rows.append((m.start, m.end, m.para, m.sent, m.text, m.norm_text, m.type, heads_agree(m.source), index, key))
    return DocumentConcepts(doc_id, tuple(rows), tuple(concepts), tuple(tuple(p) for p in adoc.abbreviations))


def assign_concepts(annotated: Iterable[AnnotatedDoc], *, linker: Linker | None = None,
                    grounder: Grounder | None = None, text: Callable[[str], str] | None = None,
                    grounded: Iterable[DocumentConcepts] | None = None) -> ConceptTable:
    """Key every mention of ``annotated`` by concept and collect labels, types and aliases.

    ``annotated`` is read once, in any order, and not kept: the mention table holds one row
    per mention in columns (sorted by document id), so memory grows with the mentions, not
    with the annotated documents' objects. The result does not depend on the order.
    ``grounder`` defaults to :meth:`Grounder.for_linker` of ``linker`` (none without a linker).
    ``text`` (document id -> its text), with a grounder: disease and chemical spans grow to the longest
    vocabulary term around them (:func:`kg.concepts.spans.extend_mentions`).
    ``grounded``: each document's :func:`document_concepts` already made (a build's cache of them,
    :mod:`kg.pipeline.grounding_cache`); ``annotated`` is then not read.
    """
    if grounded is None:
        if grounder is None and linker is not None:
            grounder = Grounder.for_linker(linker)
        cache: dict[tuple[str, str, str], Grounding] = {}
        grounded = (document_concepts(adoc, linker=linker, grounder=grounder, text=text, cache=cache)
                    for adoc in annotated)
    interned: dict[str, str] = {}
    doc_col: list[str] = []
    text_col: list[str] = []
    type_col: list[str] = []
    key_col: list[str] = []
    ints = {name: array("i") for name in ("para", "sent", "start", "end")}  # int32: 4 bytes a mention each
    para_col, sent_col, start_col, end_col = ints.values()
    definition_tally: dict[str, dict] = {}
    linked: dict[str, Concept] = {}
    linked_in: dict[str, str] = {}  # the document each linked concept was taken from
    agreed: set[str] = set()
    norm_col: list[str | None] = []  # the long form where it differs from the text
    for doc in grounded:
        doc_id = doc.doc_id
        for i, (short, long_form) in enumerate(doc.abbreviations):
            _tally(definition_tally, normalize_text(short), normalize_text(long_form), (doc_id, i))
        for concept in doc.concepts:  # in order of first mention
            key = concept.curie
            best = linked.get(key)
            # the best score; of equal ones, the first used (by document id): not the order documents arrive in
            if best is None or concept.score > best.score or (concept.score == best.score and doc_id < linked_in[key]):
                linked[key], linked_in[key] = concept, doc_id
        for start, end, para, sent, mtext, norm_text, mtype, agree, _, key in doc.mentions:
            if agree:
                agreed.add(key)
            doc_col.append(doc_id)
            text_col.append(interned.setdefault(mtext, mtext))
            norm_col.append(None if norm_text == mtext else norm_text)
            type_col.append(mtype)
            key_col.append(key)
            para_col.append(para)
            sent_col.append(sent)
            start_col.append(start)
            end_col.append(end)
    definitions = _counters(definition_tally)
    del definition_tally, interned
    frame, norms = _mention_frame(doc_col, ints, {"text": text_col, "type": type_col, "concept": key_col},
                                  norm=norm_col)
    del doc_col, text_col, type_col, key_col, ints, para_col, sent_col, start_col, end_col, norm_col
    # the frame is in rank order (document id, then position): tallies in order of first use (see _counters)
    keys = frame["concept"].to_numpy()
    forms, type_votes = _first_use_tally(keys, frame["text"].to_numpy()), _first_use_tally(keys, frame["type"].to_numpy())
    has_long = np.not_equal(norms, None)
    long_forms = _first_use_tally(keys[has_long], norms[has_long])
    del keys, norms, has_long
    # Step 5: abbreviations used bare resolve to their corpus-wide commonest definition.
    moved = {key: definitions[key].most_common(1)[0][0] for key in list(forms)
             if key not in linked and key in definitions and definitions[key].most_common(1)[0][0] in forms}
    by_definition = {old: new for old, new in moved.items() if old != new}
    _move(by_definition, forms, long_forms, type_votes)
    # Step 6: unlinked folded text that elsewhere linked joins that concept.
    via_text: dict[str, Counter] = defaultdict(Counter)
    for key, counter in forms.items():
        if key in linked:
            for form, n in counter.items():
                via_text[normalize_text(form)][key] += n
    by_text = {key: via_text[key].most_common(1)[0][0] for key in list(forms) if key not in linked and key in via_text}
    _move(by_text, forms, long_forms, type_votes)
    table = ConceptTable(frame)
    table.agreed = agreed
    if by_definition or by_text:
        renamed = {k: by_text.get(by_definition.get(k, k), by_definition.get(k, k)) for k in {*by_definition, *by_text}}
        table.agreed = {renamed.get(k, k) for k in agreed}
        column = table.mentions["concept"]
        table.mentions["concept"] = column.map(renamed).fillna(column)
    for key, counter in forms.items():
        concept = linked.get(key)
        seen = [*counter, *long_forms.get(key, ())]
        table.labels[key] = concept.name if concept is not None else display_form(counter)
        # a curated vocabulary fixes the type ("exosome" is a cellular component whatever a head said)
        table.types[key] = (concept.type if concept is not None and concept.type else type_votes[key].most_common(1)[0][0])
        table.aliases[key] = sorted(set(seen), key=lambda form: (form.lower(), form))
        table.curies[key] = concept.curie if concept is not None else ""
        table.urls[key] = concept.url if concept is not None else ""
        table.xrefs[key] = (concept.xrefs or (concept.curie,)) if concept is not None else ()
        table.categories[key] = (concept.category if concept is not None and concept.category
                                 else CATEGORY_OF_TYPE.get(table.types[key], "biolink:NamedThing"))
        table.scores[key] = concept.score if concept is not None else 0.0
    table.spans = table.mentions[["doc", "sent", "start", "end", "text", "type", "concept"]].rename(
        columns={"type": "ner_type"})
    if len(table.mentions):
        table.mentions["type"] = table.mentions["concept"].map(table.types)
    return table
