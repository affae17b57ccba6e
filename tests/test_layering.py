"""The package's layering: api -> pipeline -> stages -> vocabularies/records, read from the source.

Imports are parsed with :mod:`ast`, function-level ones included (an import inside a function
hides a dependency, it does not remove it); imports under ``if TYPE_CHECKING:`` are left out
(they never run).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import networkx as nx
import pytest

import kg

PACKAGE = Path(kg.__file__).resolve().parent
ROOT = PACKAGE.parent


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
RUNTIME = sorted(m for m in MODULES if not m.startswith("kg.training"))


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:``."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def kg_imports(name: str) -> set[str]:
    """The kg modules that module ``name`` imports anywhere in its source."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in MODULES}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in MODULES:
            subs = {f"{node.module}.{a.name}" for a in node.names} & MODULES.keys()
            if subs:  # `from kg.graph import scores` imports the module kg.graph.scores
                found |= subs
            if len(subs) < len(node.names):
                found.add(node.module)
    return found - {name}


def import_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(MODULES)
    graph.add_edges_from((name, dep) for name in MODULES for dep in kg_imports(name))
    return graph


def test_the_parser_sees_function_level_and_submodule_imports():
    assert "kg.api" in kg_imports("kg.cli")  # `from kg.api import ...` inside a command function
    assert "kg.graph.scores" in kg_imports("kg.graph.cooccur")  # `from kg.graph import scores as S`
    assert "kg.api" not in kg_imports("kg")  # only under TYPE_CHECKING


def test_no_import_cycles_among_kg_modules():
    cycles = [sorted(c) for c in nx.strongly_connected_components(import_graph()) if len(c) > 1]
    assert cycles == []


def test_nothing_at_run_time_imports_training():
    graph = import_graph()
    for name in RUNTIME:
        if name == "kg.cli":  # `kg train` / `kg evaluate` are the training commands
            continue
        reached = nx.descendants(graph, name)
        assert not any(m.startswith("kg.training") for m in reached), name


def test_importing_every_runtime_module_loads_no_training_code():
    code = (
        "import importlib, json, sys\n"
        f"for name in {RUNTIME!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('kg.training'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("stage", ["kg.concepts", "kg.graph", "kg.export", "kg.render", "kg.pipeline", "kg.api"])
def test_nlp_imports_no_later_stage(stage):
    """nlp reads vocabularies but knows nothing of what comes after NER."""
    graph = import_graph()
    for name in (m for m in MODULES if m == "kg.nlp" or m.startswith("kg.nlp.")):
        for dep in graph.successors(name):
            assert not (dep == stage or dep.startswith(stage + ".")), f"{name} imports {dep}"


def test_vocabularies_import_no_stage():
    graph = import_graph()
    for name in (m for m in MODULES if m.startswith("kg.vocabularies.")):
        for dep in graph.successors(name):
            # kg.nlp.tokenizer (spaCy only): the offline MeSH builder splits terms as the pipeline does
            allowed = {"kg", "kg.errors", "kg.records", "kg.schema", "kg.nlp.tokenizer"}
            assert dep.startswith("kg.vocabularies") or dep in allowed, (name, dep)


def test_spacy_entry_points_resolve():
    values = [ep.value for group in ("spacy_factories", "spacy_architectures", "spacy_tokenizers")
              for ep in entry_points(group=group) if ep.value.startswith("kg.")]
    assert values
    for value in values:
        module, _, attr = value.partition(":")
        assert hasattr(importlib.import_module(module), attr), value


def test_tests_import_only_public_names():
    """What the tests use is what users can use: no test imports an underscored name from kg."""
    found = []
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "kg":
                found += [f"{path.name}:{node.lineno} {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert found == []
