"""The model card written next to every pipeline ``kg train`` produces (README.md in the model folder).

Following Mitchell et al. 2019, "Model Cards for Model Reporting": what the model is for,
what it was trained on and under which licences, how well it does (per head and per entity
type, on the development sets), how fast it runs, and how to rebuild it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kg.nlp.models import load_model

__all__ = ["measure_speed", "write_model_card"]


def measure_speed(output: Path, texts: list[str], *, batch_size: int = 64) -> float:
    """Words per second of the whole saved pipeline over ``texts`` (one process)."""
    nlp = load_model(str(output))
    words = sum(len(t.split()) for t in texts)
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=batch_size):
        pass
    seconds = time.perf_counter() - started
    return words / seconds if seconds else 0.0


def _architecture(config: dict[str, Any]) -> list[str]:
    """Markdown lines describing the shared encoder and each NER head, read from the config."""
    components = config.get("components", {})
    lines = ["## Architecture", ""]
    tok2vec = components.get("tok2vec", {}).get("model", {})
    embed, encode = tok2vec.get("embed", {}), tok2vec.get("encode", {})
    if encode:
        lines.append(f"- shared `tok2vec`: hash embeddings of {', '.join(embed.get('attrs', []))} (rows "
                     f"{embed.get('rows')}){' + static vectors' if embed.get('include_static_vectors') else ''}, "
                     f"CNN encoder width {encode.get('width')}, depth {encode.get('depth')}, window "
                     f"{encode.get('window_size')}")
    for name in config.get("heads", {}):
        comp = components.get(name, {})
        kind = {"kg_entity_tagger": "BILUO tagger, constrained Viterbi decoding (`kg.nlp.entity_tagger`)",
                "ner": "spaCy transition-based `ner`"}.get(comp.get("factory", ""), comp.get("factory", ""))
        lines.append(f"- `{name}`: {kind}, hidden width {comp.get('model', {}).get('hidden_width')}")
    return [*lines, ""]


def write_model_card(output: Path, *, config: dict[str, Any], result, command: str, words_per_second: float) -> Path:
    """Write ``output/README.md`` from the training config and result; returns its path."""
    meta = config.get("meta", {})
    heads = config.get("heads", {})
    final = bool(config["training"].get("final", False))
    lines = [
        f"# {meta.get('name', output.name)} {meta.get('version', '')}".rstrip(),
        "",
        meta.get("description", "A spaCy NER pipeline trained by kg."),
        "",
        "## Intended use",
        "",
        "Entity recognition in biomedical abstracts for kg's co-occurrence graphs. Runs on CPU, offline.",
        "Input text must go through the pipeline's own tokenizer (kg's split tokenizer: every",
        "non-alphanumeric character is a token, as in the training corpora).",
        "",
        *_architecture(config),
        "## Training data and licences",
        "",
        "| head | corpus | train file | dev file |",
        "|---|---|---|---|",
    ]
    for name, spec in heads.items():
        train, dev = Path(spec["train"]), Path(spec["dev"])
        lines.append(f"| `{name}` | {spec.get('corpus', '')} | `{train.parent.name}/{train.name}` | `{dev.parent.name}/{dev.name}` |")
    vec = config.get("vectors", {})
    if vec.get("sources"):
        lines += ["", f"Static word vectors: word2vec skip-gram, {vec.get('dim', 100)} dimensions, trained by kg on "
                  + ", ".join(f"`{Path(s).parent.name}/{Path(s).name}`" for s in vec["sources"]) + " (no test split)."]
    lex = config.get("components", {}).get("lexicon_features", {}).get("sources", {})
    if lex:
        lines += ["", "Dictionary features (`kg.nlp.gazetteer`, saved in `lexicon_features/`): "
                  + ", ".join(f"{cat} from " + ", ".join(f"`{Path(s.partition(':')[2]).name}`" for s in specs)
                              for cat, specs in sorted(lex.items()))
                  + ". CTD's MEDIC vocabulary: CTD terms of use (cite CTD, link to https://ctdbase.org/); "
                  "HGNC: free to use, cite HGNC; MeSH (`mesh_*` lists, made by `kg.vocabularies.mesh`): U.S. National Library "
                  "of Medicine, free under NLM's terms (see `kg/data/LICENSES.md`)."]
    if final:
        lines += ["", "Trained on train **and** dev sets (`[training] final = true`) after tuning on dev; "
                  "the dev scores below come from the tuning run (see `tuning.json` if present)."]
    lines += ["", "## Scores (development sets, exact-span P/R/F1 in percent, spaCy's NER scorer)", ""]
    for name, s in result.scores.items():
        lines += [f"### `{name}`: F1 {100 * s['f1']:.2f} (P {100 * s['precision']:.2f}, R {100 * s['recall']:.2f})", "",
                  "| type | P | R | F1 |", "|---|---|---|---|"]
        for lab, v in sorted(s["per_type"].items()):
            lines.append(f"| {lab} | {100 * v['p']:.2f} | {100 * v['r']:.2f} | {100 * v['f']:.2f} |")
        lines.append("")
    lines += [
        "## Speed",
        "",
        f"{words_per_second:,.0f} words/s for the whole pipeline in one process, measured right after training "
        "on the dev sentences (the machine it was trained on; see `benchmarks/ner_speed.py` for kg's own figure).",
        "",
        "## Rebuild",
        "",
        "```bash",
        command,
        "```",
        "",
        f"Best epoch {result.best_epoch}; per-epoch losses and dev F1 in `training.json`.",
    ]
    if getattr(result, "finetune", None):
        lines += ["", "Second stage (`kg.training.finetune`): each head trained alone on the frozen shared tok2vec; epochs kept "
                  "on dev by the tuning run: " + ", ".join(f"`{h}` {r['epoch']}" for h, r in result.finetune.items())
                  + " (0: the first stage's weights)."]
    path = output / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
