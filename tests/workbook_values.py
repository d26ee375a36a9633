"""Figures read by hand from the Commission's workbooks, for expected values in tests.

Independent of the library's converters: the workbooks are read with openpyxl and the cells
taken as they stand (floats through ``repr``, so 1.423 stays 1.423).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

import openpyxl

BENCHMARKS = "xlsx/benchmarks-ir-2025-2620-v1.xlsx"
DEFAULTS = "xlsx/default-values-ir-2025-2621-v1-2026-02-04.xlsx"


def _decimal(value: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _code(value: object) -> str:
    return str(value).replace(" ", "") if value is not None else ""


@cache
def _benchmark_rows(path: Path) -> dict[str, list[tuple[str, str, Decimal]]]:
    """CN -> [(column, route cell text, value)] of sheet 'Benchmarks'."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    found: dict[str, list[tuple[str, str, Decimal]]] = {}
    current = ""
    for row in book["Benchmarks"].iter_rows(min_row=2, values_only=True):
        code = _code(row[0])
        if code.isdigit() and len(code) == 8:
            current = code
        elif code:
            current = ""
            continue
        if not current:
            continue
        for column, value, route in (("A", row[2], row[3]), ("B", row[4], row[5])):
            if value is not None:
                found.setdefault(current, []).append((column, str(route or ""), _decimal(value)))
    book.close()
    return found


def benchmark(reference_dir: Path, cn: str, column: str, route: str = "") -> Decimal:
    """The workbook's benchmark of ``cn`` in ``column`` for a route cell text such as ``(K)``
    or ``(F)(1)`` (empty: the one value of a column without routes)."""
    rows = _benchmark_rows(reference_dir / BENCHMARKS)[cn]
    matches = [v for c, r, v in rows if c == column and r == route]
    assert len(matches) == 1, (cn, column, route, rows)
    return matches[0]


@cache
def _sheet(path: Path, sheet: str) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = list(book[sheet].iter_rows(values_only=True))
    book.close()
    return rows


def default_row(
    reference_dir: Path, sheet: str, cn: str, description: str | None = None
) -> tuple[Decimal | None, Decimal, str]:
    """(direct, total, route cell) of the row of ``cn`` (as printed: 4, 6 or 8 digits) in a
    country sheet of the default-value workbook."""
    for row in _sheet(reference_dir / DEFAULTS, sheet):
        if _code(row[0]) == cn.replace(" ", "") and description in (None, row[1]):
            direct = None if row[2] in (None, "N/A") else _decimal(row[2])
            return direct, _decimal(row[4]), str(row[8] or "").strip()
    raise AssertionError(f"no row {cn} in sheet {sheet}")
