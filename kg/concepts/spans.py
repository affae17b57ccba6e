"""Span extension: an NER span cut short grows to the longest vocabulary term around it.

NER heads often tag the head of a disease or chemical phrase and leave its modifiers out:
"type 2 diabetes" comes as "diabetes" (and "type 2" as a gene), "open angle glaucoma" as
"glaucoma", "free fatty acid" as "fatty acid". The head alone grounds to the broader concept,
so the document loses the one it names. As in dictionary-based normalisers that look for the
longest matching term around a candidate (TaggerOne's and MetaMap's longest-match rule; Leaman
and Lu 2016, Aronson 2001), a disease or chemical mention is extended by up to
:data:`LEFT` words before and :data:`RIGHT` words after it, within its clause, and the longest
extension that the grounder grounds in the mention's own vocabularies (a name or synonym, not a
variant and not another type's vocabulary: :data:`ACCEPTED`) replaces it. Mentions inside the
extended span are dropped (they were pieces of it). The document text is needed, so a build
passes it (:func:`kg.concepts.table.assign_concepts` with ``text``).

A gene or chemical named with a condition noun after it ("butyrylcholinesterase deficiency",
"insulin resistance", "lead poisoning", "alcohol dependence") names a disease as well: NER heads
often tag only the gene or chemical. :func:`condition_mentions` adds a disease mention for the
phrase when the disease vocabularies know it (CTD's and MeSH's names and synonyms, as above), the
way PubTator's and BioRED's annotation guidelines read such phrases (a disease; Luo et al. 2022).
On BioRED Train such phrases were 10 of the ~200 disease misses where kg's span differed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from kg.concepts.grounder import PRIORITY, Grounder
from kg.nlp.annotate import Mention
from kg.vocabularies.linking import DISEASE_TYPES

__all__ = ["extend_mentions", "extension", "condition_mentions", "CONDITION_NOUNS", "EXTENDED_TYPES", "LEFT", "RIGHT", "ACCEPTED"]

LEFT = 3
RIGHT = 2
#: Readable NER types whose mentions are extended.
EXTENDED_TYPES = frozenset({*DISEASE_TYPES, "Pathological formation"})
#: Grounding rules that accept an extension: the term is in the mention type's own vocabularies.
ACCEPTED = frozenset({"exact", "synonym", "vocabulary", "curated", "neoplasm"})
#: Words an extension may not start or end with.
_STOP = frozenset({"a", "an", "the", "and", "or", "of", "in", "on", "with", "by", "to", "for", "from", "as", "at",
                   "is", "was", "are", "were", "be", "that", "this", "these", "its", "their", "but", "not", "no"})
#: Nouns that make "X <noun>" a disease when X is a gene or a chemical.
CONDITION_NOUNS = frozenset({"deficiency", "deficiencies", "deficit", "resistance", "insensitivity", "intolerance",
                             "poisoning", "toxicity", "dependence", "abuse", "allergy", "hypersensitivity",
                             "overdose", "addiction", "excess"})
#: Readable NER types a condition phrase may start from.
CONDITION_FROM = frozenset({"Gene or gene product", "Chemical", "Simple chemical", "Amino acid"})
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*")
#: A chemical extension may not end in a protein's head noun: "glutathione peroxidase", "membrane protein"
#: and "serotonin transporter" are MeSH chemicals (tree D08/D12) but genes to NER and to BioRED.
_PROTEIN_HEAD = re.compile(r"(?:ase|ases|protein|proteins|transporter|transporters|channel|channels|receptor|"
                           r"receptors|toxin|toxins|vaccine|vaccines|factor|factors|system|pump|pumps|antibody|"
                           r"antibodies|enzyme|enzymes)$", re.IGNORECASE)


def _words_before(text: str, start: int, n: int) -> list[int]:
    """Start offsets of up to ``n`` words right before ``start``, nearest first (single spaces, no punctuation)."""
    out: list[int] = []
    pos = start
    while len(out) < n:
        gap = pos
        while gap > 0 and text[gap - 1] == " ":
            gap -= 1
        if gap == pos or pos - gap > 1:
            break
        begin = gap
        while begin > 0 and (text[begin - 1].isalnum() or text[begin - 1] in "-'"):
            begin -= 1
        if begin == gap or not _WORD.fullmatch(text[begin:gap]):
            break
        out.append(begin)
        pos = begin
    return out


def _words_after(text: str, end: int, n: int) -> list[int]:
    """End offsets of up to ``n`` words right after ``end``, nearest first."""
    out: list[int] = []
    pos = end
    while len(out) < n:
        if pos >= len(text) or text[pos] != " ":
            break
        m = _WORD.match(text, pos + 1)
        if m is None:
            break
        out.append(m.end())
        pos = m.end()
    return out


def _rank(curie: str) -> int:
    return PRIORITY.get(curie.partition(":")[0], 9)


def extension(text: str, start: int, end: int, type: str, grounder: Grounder) -> tuple[int, int] | None:  # noqa: A002
    """The (start, end) of the longest term around ``text[start:end]`` that grounds as ``type``, or None.

    The extension's vocabulary must rank no lower (:data:`kg.concepts.grounder.PRIORITY`) than the
    mention's own grounding: "congenital microcephaly" (HP only) does not replace "microcephaly" (MeSH);
    an ungrounded mention extends only to a MeSH or OMIM term ("somatic mutations" is no HP phenotype)."""
    own = grounder.ground(text[start:end], type).concept
    floor = _rank(own.curie) if own is not None else 1  # an ungrounded head: MeSH or OMIM only
    lefts = [start, *_words_before(text, start, LEFT)]
    rights = [end, *_words_after(text, end, RIGHT)]
    candidates = sorted(((s, e) for s in lefts for e in rights if (s, e) != (start, end)),
                        key=lambda se: se[0] - se[1])
    for s, e in candidates:
        phrase = text[s:e]
        words = phrase.lower().split()
        if words[0] in _STOP or words[-1] in _STOP:
            continue
        if type == "Chemical" and _PROTEIN_HEAD.search(words[-1]):
            continue
        g = grounder.ground(phrase, type)
        if g.concept is not None and g.rule in ACCEPTED and _rank(g.concept.curie) <= floor:
            return s, e
    return None


def extend_mentions(text: str, mentions: Sequence[Mention], grounder: Grounder) -> list[Mention]:
    """``mentions`` with disease and chemical spans extended (see the module docstring); mentions that fall
    inside an extended span are dropped unless they ground by themselves ("type 2" tagged as a gene inside
    "type 2 diabetes" goes, "COX-2" inside "COX-2 inhibitors" stays). Abbreviation-resolved mentions are kept
    as they are."""
    grown: dict[int, Mention] = {}
    for i, m in enumerate(mentions):
        if m.type not in EXTENDED_TYPES or m.norm_text != m.text or m.end > len(text):
            continue
        span = extension(text, m.start, m.end, m.type, grounder)
        if span is not None:
            s, e = span
            grown[i] = replace(m, start=s, end=e, text=text[s:e], norm_text=text[s:e])
    if not grown:
        return list(mentions)
    covers = [(g.start, g.end) for g in grown.values()]
    out = []
    emitted: set[tuple[int, int]] = set()
    for i, m in enumerate(mentions):
        if i in grown:
            m = grown[i]
            inside = any(s <= m.start and m.end <= e and (s, e) != (m.start, m.end) for s, e in covers)
            if not inside and (m.start, m.end) not in emitted:
                out.append(m)
                emitted.add((m.start, m.end))
        elif not any(s <= m.start and m.end <= e for s, e in covers) or grounder.ground(m.text, m.type).concept:
            out.append(m)
    return out


def condition_mentions(text: str, mentions: Sequence[Mention], grounder: Grounder) -> list[Mention]:
    """``mentions`` with a disease mention added after each gene or chemical mention that a condition noun
    (:data:`CONDITION_NOUNS`) follows, when "mention noun" grounds in the disease vocabularies (see the
    module docstring). The gene or chemical mention stays, and the disease mention comes right after it
    (document order is kept); a disease mention already on the phrase is not added twice."""
    taken = {(m.start, m.end) for m in mentions if m.type in EXTENDED_TYPES}
    out: list[Mention] = []
    for m in mentions:
        out.append(m)
        if m.type not in CONDITION_FROM or m.end > len(text):
            continue
        ends = _words_after(text, m.end, 1)
        if not ends or text[m.end + 1:ends[0]].lower() not in CONDITION_NOUNS or (m.start, ends[0]) in taken:
            continue
        phrase = text[m.start:ends[0]]
        g = grounder.ground(phrase, "Disease")
        if g.concept is not None and g.rule in ACCEPTED:
            out.append(replace(m, end=ends[0], text=phrase, norm_text=phrase, type="Disease", label="DISEASE"))
            taken.add((m.start, ends[0]))
    return out
