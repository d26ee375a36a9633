"""The run-time lookups never import the converters (nor openpyxl, which only they need)."""

from __future__ import annotations

import subprocess
import sys

import pytest

RUNTIME = (
    "cbam.reference",
    "cbam.reference.defaults",
    "cbam.reference.benchmarks",
    "cbam.reference.factors",
    "cbam.reference.prices",
    "cbam.goods",
)


@pytest.mark.parametrize("module", RUNTIME)
def test_runtime_module_imports_no_converter(module: str) -> None:
    code = (
        f"import sys, {module}; print(sorted(m for m in sys.modules "
        "if m.startswith(('cbam.reference.convert', 'openpyxl'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_packaged_lookup_imports_no_converter() -> None:
    code = (
        "import sys, cbam; cbam.default_value('2523 10 00', 'CN', route='A'); "
        "print(sorted(m for m in sys.modules if m.startswith('cbam.reference.convert')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
