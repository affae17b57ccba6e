"""Dictionary tagging of gene symbols and curated terms, the lowest-priority source of mentions.

NER models trained on a few thousand sentences miss genes they never saw ("P-glycoprotein"
is not annotated anywhere in BioNLP13CG, BC5CDR or CRAFT) and split composite mentions
inconsistently. Text-mining resources such as the JensenLab tagger and PubTator's
GNormPlus rely on dictionaries for this; kg adds one dictionary source beside its models:

* single tokens written exactly as an HGNC **approved or previous symbol** that names one
  gene ("STAT3", "JAK2", "MDR1"), at least three characters long and not an English word
  (kg's common-word list, :mod:`kg.vocabularies.terms`);
* symbols with inner punctuation written exactly ("HLA-DRB1", "P-gp"): spans of up to five
  tokens joined by ``-`` or ``/``;
* the curated names of ``kg/data/gene_supplement.tsv`` ("P-glycoprotein") and the curated
  class terms of ``kg/data/term_supplement.tsv`` (GO cellular components such as
  "exosome", SO sequence types such as "miRNA"), matched after
  :func:`kg.vocabularies.normalize.normalize_text`.

The spans it finds take part in the merge of :func:`kg.nlp.heads.merge_spans` *after* every
model, so a model's span always wins where they overlap; the vocabulary and the rule stay
visible and editable in ``kg/data/``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from spacy.attrs import IDX, LENGTH, SPACY

from kg.nlp.tokenizer import split_words
from kg.vocabularies.linking import DATA_DIR, Linker, read_term_supplement
from kg.vocabularies.normalize import normalize_text

__all__ = ["GENE", "LexiconTagger"]

GENE = "Gene or gene product"
_JOINERS = {"-", "/"}


def _supplement_texts(path: Path) -> list[str]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return [line.split("\t", 1)[0].strip() for line in fh if line.strip() and not line.lstrip().startswith("#")]


def _common_words(path: Path) -> frozenset[str]:
    if not path.exists():
        return frozenset()
    with open(path, encoding="utf-8") as fh:
        return frozenset(w.strip().lower() for w in fh if w.strip() and not w.startswith("#"))


class LexiconTagger:
    """Finds gene-symbol and curated gene-name mentions in a tokenised ``Doc`` (see module docstring)."""

    def __init__(self, linker: Linker, *, data_dir: Path = DATA_DIR) -> None:
        hgnc = linker.vocabulary("hgnc")
        common = _common_words(data_dir / "common_words.txt")
        self.symbols: frozenset[str] = frozenset(
            text for text, (tier, ids) in hgnc.exact.items()
            if tier <= 1 and len(ids) == 1 and len(text) >= 3 and text.lower() not in common
            and any(c.isupper() for c in text)
        )
        # curated names: folded text -> readable type
        self.names: dict[str, str] = {
            normalize_text(t): GENE for t in _supplement_texts(data_dir / "gene_supplement.tsv")
        }
        if (data_dir / "term_supplement.tsv").exists():
            self.names.update({k: c.type for k, c in read_term_supplement(data_dir / "term_supplement.tsv").items()})
        texts = _supplement_texts(data_dir / "gene_supplement.tsv") + _supplement_texts(data_dir / "term_supplement.tsv")
        self.first_words: frozenset[str] = frozenset(
            w for t in texts if (words := split_words(t)) for w in (words[0].lower(), words[0].lower() + "s")
        )

    @classmethod
    def default(cls) -> LexiconTagger:
        return _default()

    def tag(self, doc, *, text: str | None = None) -> list[tuple[int, int, str, str]]:
        """(start char, end char, type, ``"lexicon"``) of every match in ``doc``, longest first per position.

        ``text``: ``doc.text`` when the caller has it (spaCy makes it again from every token).
        """
        # plain lists read off the token arrays once (no Token objects): the scan looks at each token several times
        text = doc.text if text is None else text
        arr = doc.to_array([IDX, LENGTH, SPACY]).reshape(-1, 3).tolist()
        starts = [a[0] for a in arr]
        texts = [text[a[0] : a[0] + a[1]] for a in arr]
        glued = [not a[2] for a in arr]  # no space between this token and the next
        symbols, names, first_words = self.symbols, self.names, self.first_words
        found = []
        n = len(texts)
        i = 0
        while i < n:
            best: tuple[int, int] | None = None  # token range [start, end)
            # joined symbols and curated names: up to five tokens with no spaces between them
            j = i
            while j + 1 < n and j - i < 4 and glued[j] and (texts[j + 1] in _JOINERS or texts[j] in _JOINERS):
                j += 1
                if texts[j] not in _JOINERS and "".join(texts[i : j + 1]) in symbols:
                    best = (i, j + 1)
            label = GENE
            if texts[i].lower() in first_words:
                for k in range(min(n, i + 4), i, -1):
                    if not texts[k - 1][-1].isalnum():  # names end on a word: "3' UTR" yes, "miRNAs (" no
                        continue
                    if best is not None and k - i <= best[1] - best[0]:
                        continue
                    key = normalize_text(text[starts[i] : starts[k - 1] + len(texts[k - 1])])
                    if key in names:
                        best, label = (i, k), names[key]
                        break
            if best is None and texts[i] in symbols and self._alone_or_composite(texts, glued, i):
                best = (i, i + 1)
            if best is not None:
                found.append((starts[best[0]], starts[best[1] - 1] + len(texts[best[1] - 1]), label, "lexicon"))
                i = best[1]
            else:
                i += 1
        return found

    def _alone_or_composite(self, texts: list[str], glued: list[bool], i: int) -> bool:
        """A symbol glued by ``-``/``/`` to other words counts only when all of them are symbols.

        "JAK2-STAT3" yields JAK2 and STAT3; "SDS-PAGE" yields nothing.
        """
        lo, hi = i, i
        while lo > 0 and glued[lo - 1] and (texts[lo - 1] in _JOINERS or texts[lo] in _JOINERS):
            lo -= 1
        while hi + 1 < len(texts) and glued[hi] and (texts[hi + 1] in _JOINERS or texts[hi] in _JOINERS):
            hi += 1
        return all(p in self.symbols for p in texts[lo : hi + 1] if p not in _JOINERS)


@lru_cache(maxsize=1)
def _default() -> LexiconTagger:
    return LexiconTagger(Linker.default())
