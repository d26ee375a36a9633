"""The public API of ``import cbam`` (interfaces.md section 3)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import cbam


def test_public_names_resolve() -> None:
    for name in cbam.__all__:
        assert getattr(cbam, name) is not None, name


def test_default_value_through_the_api() -> None:
    value = cbam.default_value("2523 10 00", "CN", route="A")
    assert value.total == Decimal("1.39")
    assert value.value_used(2026) == Decimal("1.529")
    assert value.dataset.id == "default_values"


def test_installation_through_the_api(samples_dir: Path) -> None:
    installation = cbam.load_installation(samples_dir / "installations" / "screws.json")
    result = cbam.compute_see(installation)
    p1 = result.process("P1")
    assert abs(p1.see_direct - Decimal("2.006938")) < Decimal("1e-6")


def test_import_is_light() -> None:
    code = (
        "import sys, cbam; heavy = [m for m in ('openpyxl', 'lxml.etree', 'pandas', "
        "'matplotlib') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
