"""From mentions to concepts: one concept, one node.

Each mention gets a concept key:

1. Its text for normalisation is the long form when it is a defined abbreviation
   (:mod:`kg.nlp`), so "NSCLC" and "non-small cell lung cancer" meet.
2. Composite gene mentions such as "JAK2-STAT3" or "ERK1/2"-style pairs are split into
   their parts when every part is itself a gene symbol the vocabulary knows, the way
   gene normalisers treat composite mentions (Wei et al. 2015, GNormPlus).
3. It is linked to a vocabulary (:class:`kg.linking.Linker`: HGNC genes, CTD/MeSH
   diseases); a linked mention's key is the CURIE, so "P-gp", "MDR1" and
   "P-glycoprotein" become ``hgnc:40``.
4. Otherwise its key is the folded text (:func:`kg.normalize.normalize_text`): case,
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
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from kg.linking import Linker
from kg.nlp import AnnotatedDoc, Mention
from kg.normalize import display_form, normalize_text

__all__ = ["ConceptTable", "assign_concepts", "split_composite", "MENTION_COLUMNS"]

MENTION_COLUMNS = ["doc", "para", "sent", "start", "end", "text", "type", "concept"]
GENE = "Gene or gene product"
_COMPOSITE = re.compile(r"\s*[-/]\s*")


def split_composite(mention: Mention, linker: Linker | None) -> list[Mention]:
    """Split "JAK2-STAT3" into JAK2 and STAT3 when every part links as a gene; else ``[mention]``."""
    if linker is None or mention.type != GENE or mention.norm_text != mention.text:
        return [mention]
    parts = [(m.start(), m.end()) for m in re.finditer(r"[^-/\s]+", mention.text)]
    if len(parts) < 2 or _COMPOSITE.sub("", mention.text) == mention.text:
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


def assign_concepts(annotated: Iterable[AnnotatedDoc], *, linker: Linker | None = None) -> ConceptTable:
    """Key every mention of ``annotated`` by concept and collect labels, types and aliases."""
    cache: dict[tuple[str, str], tuple[str, object]] = {}
    rows: list[tuple] = []
    forms: dict[str, Counter] = defaultdict(Counter)
    long_forms: dict[str, Counter] = defaultdict(Counter)
    type_votes: dict[str, Counter] = defaultdict(Counter)
    linked: dict[str, object] = {}
    definitions: dict[str, Counter] = defaultdict(Counter)
    for adoc in annotated:
        for short, long_form in adoc.abbreviations:
            definitions[normalize_text(short)][normalize_text(long_form)] += 1
        for raw in adoc.mentions:
            for m in split_composite(raw, linker):
                ck = (m.norm_text, m.type)
                if ck not in cache:
                    concept = None
                    if linker is not None:
                        concept = linker.link(m.norm_text, m.type) or (
                            linker.link(m.text, m.type) if m.text != m.norm_text else None
                        )
                    key = concept.curie if concept is not None else normalize_text(m.norm_text)
                    cache[ck] = (key, concept)
                key, concept = cache[ck]
                if not key:
                    continue
                if concept is not None:
                    linked[key] = concept
                forms[key][m.text] += 1
                if m.norm_text != m.text:
                    long_forms[key][m.norm_text] += 1
                type_votes[key][m.type] += 1
                rows.append((adoc.doc_id, m.para, m.sent, m.start, m.end, m.text, m.type, key))
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
    table = ConceptTable(pd.DataFrame(rows, columns=MENTION_COLUMNS))
    if by_definition or by_text:
        table.mentions["concept"] = table.mentions["concept"].map(
            lambda k: by_text.get(by_definition.get(k, k), by_definition.get(k, k)))
    for key, counter in forms.items():
        concept = linked.get(key)
        seen = [*counter, *long_forms.get(key, ())]
        table.labels[key] = concept.name if concept is not None else display_form(counter)
        # a curated vocabulary fixes the type ("exosome" is a cellular component whatever a head said)
        table.types[key] = (concept.type if concept is not None and concept.type else type_votes[key].most_common(1)[0][0])
        table.aliases[key] = sorted(set(seen), key=lambda form: (form.lower(), form))
        table.curies[key] = concept.curie if concept is not None else ""
        table.urls[key] = concept.url if concept is not None else ""
    if len(table.mentions):
        table.mentions["type"] = table.mentions["concept"].map(table.types)
    return table
