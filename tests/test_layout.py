"""The shape of the code: short functions, and the layers of README's "Layout" respected.

Issue 12: no function over 100 lines of code; ``formats/`` reads and writes files while the
domain never imports it; the runtime loaders of packaged data do not import the converters.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cbam"
MAX_CODE_LINES = 100


def _comment_lines(source: str) -> set[int]:
    """The numbers of the lines that hold a comment (tokenized once per file)."""
    return {
        tok.start[0]
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }


def _code_lines(source: str, node: ast.AST, comments: set[int]) -> int:
    """Lines of ``node`` holding code: not blank, not only a comment, not its docstring."""
    first, last = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    lines = source.splitlines()[first - 1 : last]
    skip: set[int] = set()
    body = getattr(node, "body", [])
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        doc = body[0]
        skip.update(range(doc.lineno, (doc.end_lineno or doc.lineno) + 1))
    count = 0
    for number, text in enumerate(lines, start=first):
        stripped = text.strip()
        if not stripped or number in skip:
            continue
        if stripped.startswith("#") and number in comments:
            continue
        count += 1
    return count


def _functions() -> list[tuple[str, int]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        comments = _comment_lines(source)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
                found.append((where, _code_lines(source, node, comments)))
    return found


def test_no_function_over_100_lines_of_code() -> None:
    long = [f"{where} ({n} lines)" for where, n in _functions() if n > MAX_CODE_LINES]
    assert long == []


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("wing", ["declaration", "installation", "reference"])
def test_the_domain_never_imports_the_formats(wing: str) -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {name}"
        for path in sorted((PACKAGE / wing).rglob("*.py"))
        for name in sorted(_imports(path))
        if name == "cbam.formats" or name.startswith("cbam.formats.")
    ]
    assert offenders == []
