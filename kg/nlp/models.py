"""Find and load NER models: kg's bundled pipeline, installed spaCy/scispaCy packages, or paths.

Nothing is downloaded at run time. A name that is neither bundled, nor an installed
package, nor a directory on disk raises :class:`~kg.errors.ModelNotFoundError` with the
command that installs it (for scispaCy's models that command needs internet access).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from kg.errors import ModelError, ModelNotFoundError

__all__ = [
    "BUNDLED",
    "DEFAULT_MODEL",
    "model_stack",
    "SCISPACY_MODELS",
    "bundled_path",
    "resolve_model",
    "load_model",
    "model_fingerprint",
    "install_hint",
]

_MODELS_DIR = Path(__file__).parent.parent / "models"

#: Models shipped inside the package: name -> directory under kg/models/.
BUNDLED: dict[str, str] = {"kg_biomed": "kg_biomed"}
DEFAULT_MODEL = "kg_biomed"


def model_stack(models: str | Sequence[str] = ()) -> tuple[str, ...]:
    """The models of a build in order: one name or path, several, or none for :data:`DEFAULT_MODEL`."""
    stack = (models,) if isinstance(models, str) else tuple(models)
    return stack or (DEFAULT_MODEL,)

#: scispaCy's released models (version 0.5.4) and what they recognise.
SCISPACY_MODELS: dict[str, str] = {
    "en_core_sci_sm": "entities (one ENTITY type), small",
    "en_core_sci_md": "entities (one ENTITY type), with vectors",
    "en_core_sci_lg": "entities (one ENTITY type), large vectors",
    "en_core_sci_scibert": "entities (one ENTITY type), SciBERT",
    "en_ner_craft_md": "CRAFT: GGP, SO, TAXON, CHEBI, GO, CL",
    "en_ner_jnlpba_md": "JNLPBA: DNA, CELL_TYPE, CELL_LINE, RNA, PROTEIN",
    "en_ner_bc5cdr_md": "BC5CDR: DISEASE, CHEMICAL",
    "en_ner_bionlp13cg_md": "BioNLP13CG: 16 cancer-genetics types",
}
_SCISPACY_URL = "https://s3-us-west-2.amazonaws.com/ai2-s2-scispacy/releases/v0.5.4/{name}-0.5.4.tar.gz"


def install_hint(name: str) -> str:
    """The command that installs model ``name`` (it needs internet access)."""
    if name in SCISPACY_MODELS:
        return f"pip install {_SCISPACY_URL.format(name=name)}"
    return f"python -m spacy download {name}"


def bundled_path(name: str = DEFAULT_MODEL) -> Path:
    """Directory of a bundled model; :class:`ModelNotFoundError` if the package was built without it."""
    path = _MODELS_DIR / BUNDLED[name]
    if not (path / "meta.json").exists():
        raise ModelNotFoundError(
            f"the bundled model {name!r} is missing from {path}: reinstall kg, or rebuild it with "
            f"`kg train kg/configs/biomed.cfg --output {path}`"
        )
    return path


def resolve_model(name_or_path: str) -> str | Path:
    """What ``spacy.load`` should be given for ``name_or_path``: a bundled dir, a path, or a package name."""
    import spacy.util

    if name_or_path in BUNDLED:
        return bundled_path(name_or_path)
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not (path / "config.cfg").exists():
            raise ModelError(f"{path} is not a spaCy pipeline directory (no config.cfg in it)")
        return path
    if spacy.util.is_package(name_or_path):
        return name_or_path
    known = ", ".join([*BUNDLED, *sorted(SCISPACY_MODELS)])
    raise ModelNotFoundError(
        f"model {name_or_path!r} is not bundled with kg, not an installed package and not a directory. "
        f"Install it with: {install_hint(name_or_path)}  (needs internet; kg never downloads at run time). "
        f"Known models: {known}"
    )


@lru_cache(maxsize=8)
def load_model(name_or_path: str, *, exclude: tuple[str, ...] = ()):
    """Load a spaCy pipeline once per process (cached); it must have at least one NER component."""
    import spacy

    import kg.nlp.entity_tagger  # noqa: F401
    import kg.nlp.heads  # noqa: F401  (bundled pipelines use kg's components)
    import kg.nlp.sentences  # noqa: F401
    import kg.nlp.tokenizer  # noqa: F401
    from kg.nlp.blas import using_cpu_ops

    target = resolve_model(name_or_path)
    try:
        with using_cpu_ops():  # numpy's BLAS for thinc's matrix products (kg.nlp.blas: 1.6x on the bundled model)
            nlp = spacy.load(target, exclude=list(exclude))
    except (OSError, ValueError) as err:
        raise ModelError(f"could not load model {name_or_path!r} from {target}: {err}") from err
    _use_greedy_ner(nlp)
    from kg.nlp.entity_tagger import is_ner_head

    if not any(is_ner_head(name, proc) for name, proc in nlp.pipeline):
        raise ModelError(f"model {name_or_path!r} has no NER component (pipeline: {nlp.pipe_names})")
    return nlp


#: Set to ``spacy`` to run spaCy's own compiled loop for transition-based NER components.
NER_DECODER_ENV = "KG_NER_DECODER"


def _use_greedy_ner(nlp) -> None:
    """Run spaCy ``ner`` components through :class:`kg.nlp.greedy_ner.GreedyNer` (same entities, less time)."""
    import os

    from kg.nlp.greedy_ner import GreedyNer, decodable

    if os.environ.get(NER_DECODER_ENV, "").strip().lower() == "spacy":
        return
    components = nlp._components  # spaCy keeps (name, component) pairs here; pipeline/get_pipe read it
    for i, (name, proc) in enumerate(components):
        if decodable(proc):
            components[i] = (name, GreedyNer(proc))


def model_fingerprint(name_or_path: str) -> str:
    """A short id of a model's exact version (name, version, and a hash of its meta), for caching mentions."""
    target = resolve_model(name_or_path)
    if isinstance(target, Path):
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    else:
        import spacy.util

        meta = spacy.util.get_package_meta(target) if hasattr(spacy.util, "get_package_meta") else {}
    blob = json.dumps(meta, sort_keys=True, default=str).encode()
    return f"{meta.get('name', name_or_path)}-{meta.get('version', '0')}-{hashlib.sha1(blob).hexdigest()[:10]}"
