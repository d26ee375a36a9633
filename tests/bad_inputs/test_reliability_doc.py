"""docs/reliability.md is generated from the corpus register and cannot go stale."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from .corpus import REGISTER
from .reliability import DOC, MODULES, render

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_doc_is_what_the_corpus_generates() -> None:
    expected = render()
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/reliability.md is stale: run python -m tests.bad_inputs.reliability"
    )


def test_every_test_of_the_corpus_is_registered() -> None:
    """Each test function of the corpus's modules is a registered case (with its outcome)."""
    for module in MODULES:
        importlib.import_module(module)
    missing = []
    for module in MODULES:
        path = ROOT / (module.replace(".", "/") + ".py")
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                node_id = f"{module.replace('.', '/')}.py::{node.name}"
                if not any(t == node_id or t.startswith(node_id + "[") for t in REGISTER):
                    missing.append(node_id)
    assert missing == []


def test_bad_inputs_modules_are_all_in_the_doc() -> None:
    here = Path(__file__).resolve().parent
    found = {f"tests.bad_inputs.{p.stem}" for p in here.glob("test_*.py")}
    found.discard("tests.bad_inputs.test_reliability_doc")
    assert found <= set(MODULES)
