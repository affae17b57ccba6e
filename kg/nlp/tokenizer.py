"""The tokenizer kg's bundled NER models are trained and run with.

The IOB corpora the models learn from (BioNLP13CG, BC5CDR, CRAFT; the conversions of
Crichton et al. 2017, "A neural network multi-task learning approach to biomedical
named entity recognition") split every non-alphanumeric character into a token of its
own: "Bcl - 2", "TGF - beta", "P - glycoprotein", "miR - 21". spaCy's and scispaCy's
tokenizers keep "miR-21" or "JAK2-STAT3" whole on raw text, so a model trained on the
corpora tokens and run behind them sees token shapes it never saw in training. kg trains
and runs with the same rule: a token is a run of letters and digits (any script, so
"TGFβ" stays one token) or one single other non-space character.

The tokenizer is an ordinary :class:`spacy.tokenizer.Tokenizer` with prefix, suffix and
infix patterns, so it serialises with the pipeline and loads without kg's code.
"""

from __future__ import annotations

import re

from spacy.tokenizer import Tokenizer
from spacy.util import registry
from spacy.vocab import Vocab

__all__ = ["SPLIT_CHAR", "split_words", "make_split_tokenizer", "create_split_tokenizer"]

#: One character that is a token on its own: anything but letters, digits and white space.
SPLIT_CHAR = r"[^\w\s]|_"

_WORDS = re.compile(r"[^\W_]+|[^\w\s]|_")
_PREFIX = re.compile(rf"^(?:{SPLIT_CHAR})")
_SUFFIX = re.compile(rf"(?:{SPLIT_CHAR})$")
_INFIX = re.compile(SPLIT_CHAR)


def split_words(text: str) -> list[str]:
    """The tokens of ``text`` under kg's rule, as plain strings.

    >>> split_words("JAK2-STAT3 (P-gp) miR-21")
    ['JAK2', '-', 'STAT3', '(', 'P', '-', 'gp', ')', 'miR', '-', '21']
    """
    return _WORDS.findall(text)


def make_split_tokenizer(vocab: Vocab) -> Tokenizer:
    """A spaCy tokenizer that splits every non-alphanumeric character, as the training corpora do."""
    return Tokenizer(
        vocab,
        rules={},
        prefix_search=_PREFIX.search,
        suffix_search=_SUFFIX.search,
        infix_finditer=_INFIX.finditer,
        token_match=None,
        url_match=None,
    )


@registry.tokenizers("kg.SplitTokenizer.v1")
def create_split_tokenizer():
    """Registered factory for configs: ``[nlp.tokenizer] @tokenizers = "kg.SplitTokenizer.v1"``."""

    def create(nlp):
        return make_split_tokenizer(nlp.vocab)

    return create
