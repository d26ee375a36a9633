"""The workbooks of supplier data requests: the plan, the tracker of requests, the status.

Written with XlsxWriter as the report is (:mod:`cbam.formats.workbook`): every text through
:func:`~cbam.formats.workbook.sheet_text` and written as text (never a formula or a link), every
figure a number rounded as the declaration files round it (SEE to 5 decimals, IR 2025/2547
Annex II A.1(8); money to the cent; other figures to 6 decimals), the file written to a
temporary name and renamed into place. The screen tables of ``cbam suppliers`` and these
workbooks show the same rows.

>>> [title for title, _, _ in PLAN_COLUMNS][:3]
['Rank', 'Supplier', 'Kind']
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from cbam.codes import format_cn
from cbam.declaration.certificates import round_eur, round_figure, round_see
from cbam.declaration.supplier_plan import SupplierPlan, SupplierRequest, SupplierRow
from cbam.declaration.supplier_status import SupplierStatus
from cbam.files import atomic_path
from cbam.formats.workbook import write_cell

Column = tuple[str, int, str | None]
"""(title, width, number format or None for text)."""

EUR, TONNES, CERTS, SEE, SHARE = "#,##0.00", "#,##0.000", "#,##0.00", "0.00000", "0.0%"


def _eur(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_eur(value)


def _fig(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_figure(value)


def _see(value: Decimal | None) -> Decimal | None:
    return None if value is None else round_see(value)


def _codes(codes: Sequence[str]) -> str:
    return ", ".join(format_cn(c) for c in codes)


PLAN_COLUMNS: tuple[Column, ...] = (
    ("Rank", 6, "0"),
    ("Supplier", 34, None),
    ("Kind", 12, None),
    ("Origin", 8, None),
    ("CN codes", 26, None),
    ("Lines", 8, "0"),
    ("Net mass (t)", 14, TONNES),
    ("Certificates at default values", 16, CERTS),
    ("Cost at default values (EUR)", 16, EUR),
    ("Certificates now", 14, CERTS),
    ("Cost now (EUR)", 14, EUR),
    ("Saving if actual SEE at the benchmark (certificates)", 18, CERTS),
    ("Saving if actual SEE at the benchmark (EUR)", 18, EUR),
    ("Break-even SEE (t CO2e/t)", 14, SEE),
)

GOODS_COLUMNS: tuple[Column, ...] = (
    ("Rank", 6, "0"),
    ("Supplier", 34, None),
    ("CN code", 12, None),
    ("Origin", 8, None),
    ("Lines", 8, "0"),
    ("Net mass (t)", 14, TONNES),
    ("SEE default incl. mark-up (t CO2e/t)", 16, SEE),
    ("SEFA default (t CO2e/t)", 14, SEE),
    ("Certificates at default values", 16, CERTS),
    ("Cost at default values (EUR)", 16, EUR),
    ("Basis now", 10, None),
    ("Certificates now", 14, CERTS),
    ("Benchmark of actual data (t CO2e/t)", 16, SEE),
    ("Benchmark basis", 12, None),
    ("Certificates if actual SEE at the benchmark", 18, CERTS),
    ("Saving then (EUR)", 16, EUR),
    ("Break-even SEE (t CO2e/t)", 14, SEE),
    ("Notes", 50, None),
)


def plan_row(row: SupplierRow) -> list[Any]:
    """One supplier as the plan's table and workbook show it (figures rounded for output).

    >>> from decimal import Decimal
    >>> row = SupplierRow(rank=1, key="TW-1", kind="installation", lines=2,
    ...     net_mass=Decimal("3.5"), cn_codes=("73181542",), countries=("TW",),
    ...     certificates_default=Decimal("1.234567891"), cost_default_eur=Decimal("93.015"),
    ...     certificates_now=Decimal(0), cost_now_eur=Decimal(0))
    >>> plan_row(row)[4], plan_row(row)[7], plan_row(row)[8]
    ('7318 15 42', Decimal('1.234568'), Decimal('93.02'))
    """
    return [
        row.rank,
        row.key,
        row.kind,
        ", ".join(row.countries),
        _codes(row.cn_codes),
        row.lines,
        _fig(row.net_mass),
        _fig(row.certificates_default),
        _eur(row.cost_default_eur),
        _fig(row.certificates_now),
        _eur(row.cost_now_eur),
        _fig(row.saving_at_benchmark),
        _eur(row.saving_at_benchmark_eur),
        _see(row.break_even_see),
    ]


def _goods_rows(plan: SupplierPlan) -> list[list[Any]]:
    return [
        [
            row.rank,
            row.key,
            format_cn(g.cn),
            g.country,
            g.lines,
            _fig(g.net_mass),
            _see(g.see_default),
            _see(g.sefa_default),
            _fig(g.certificates_default),
            _eur(g.cost_default_eur),
            g.basis_now,
            _fig(g.certificates_now),
            _see(g.benchmark_actual),
            g.benchmark_basis,
            _fig(g.certificates_at_benchmark),
            _eur(g.saving_at_benchmark_eur),
            _see(g.break_even_see),
            "; ".join(g.notes) or None,
        ]
        for row in plan.suppliers
        for g in row.goods
    ]


def _write_book(path: Path, fill: Callable[[Any], None]) -> Path:
    """Write a workbook through ``fill(book)`` into a temporary file renamed onto ``path``."""
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
        )
        try:
            fill(book)
        except BaseException:
            with contextlib.suppress(Exception):
                book.close()
            raise
        book.close()
    return path


def _table(book: Any, name: str, columns: Sequence[Column], rows: list[list[Any]]) -> None:
    """A sheet with a frozen header, a filter and the columns' formats."""
    sheet = book.add_worksheet(name)
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1})
    header.set_bg_color("#DDEBF7")
    formats = {spec: book.add_format({"num_format": spec}) for _, _, spec in columns if spec}
    for col, (title, width, spec) in enumerate(columns):
        sheet.set_column(col, col, width, formats.get(spec) if spec else None)
        write_cell(sheet, 0, col, title, header)
    for number, values in enumerate(rows, start=1):
        for col, value in enumerate(values):
            spec = columns[col][2]
            write_cell(sheet, number, col, value, formats.get(spec) if spec else None)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


def _notes(book: Any, notes: Sequence[str]) -> None:
    sheet = book.add_worksheet("Notes")
    sheet.set_column(0, 0, 120, book.add_format({"text_wrap": True, "valign": "top"}))
    for number, note in enumerate(notes):
        write_cell(sheet, number, 0, note)


def write_plan_xlsx(plan: SupplierPlan, path: str | os.PathLike[str]) -> Path:
    """The plan as a workbook: Suppliers, Goods (per CN code and origin), Notes.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> out = Path(tempfile.mkdtemp()) / "plan.xlsx"
    >>> _ = write_plan_xlsx(SupplierPlan(year=2026, suppliers=()), out)
    >>> openpyxl.load_workbook(out).sheetnames
    ['Suppliers', 'Goods', 'Notes']
    """

    def fill(book: Any) -> None:
        _table(book, "Suppliers", PLAN_COLUMNS, [plan_row(r) for r in plan.suppliers])
        _table(book, "Goods", GOODS_COLUMNS, _goods_rows(plan))
        _notes(book, plan.notes)

    return _write_book(Path(path), fill)


TRACKER_COLUMNS: tuple[Column, ...] = (
    ("Rank", 6, "0"),
    ("Supplier (request reference)", 34, None),
    ("Kind", 12, None),
    ("Origin", 8, None),
    ("CN codes", 26, None),
    ("Net mass (t)", 14, TONNES),
    ("Lines", 8, "0"),
    ("Reporting period", 12, None),
    ("Certificates at default values", 16, CERTS),
    ("Cost at default values (EUR)", 16, EUR),
    ("Requested", 10, None),
    ("Template", 30, None),
    ("Letters", 40, None),
    ("Reply by", 12, None),
    ("Declaration due", 12, None),
    ("Sent on", 12, None),
    ("Answer received on", 14, None),
    ("Notes", 50, None),
)


def tracker_rows(
    plan: SupplierPlan,
    requests: Sequence[tuple[SupplierRequest, str, Sequence[str]]],
    skipped: dict[str, str],
) -> list[list[Any]]:
    """Every supplier of the plan: the request made (files, dates) or why none was.

    ``requests`` holds (request, template file, letter files); ``skipped`` the reason per key.

    >>> tracker_rows(SupplierPlan(year=2026, suppliers=()), [], {})
    []
    """
    made = {
        request.reference: (request, template, letters) for request, template, letters in requests
    }
    rows = []
    for row in plan.suppliers:
        found = made.get(row.key)
        base = [
            row.rank,
            row.key,
            row.kind,
            ", ".join(row.countries),
            _codes(row.cn_codes),
            _fig(row.net_mass),
            row.lines,
            ", ".join(str(p) for p in row.periods),
            _fig(row.certificates_default),
            _eur(row.cost_default_eur),
        ]
        if found is None:
            rows.append([*base, "no", None, None, None, None, None, None, skipped.get(row.key)])
            continue
        request, template, letters = found
        rows.append(
            [
                *base,
                "yes",
                template,
                ", ".join(letters),
                request.reply_by.isoformat(),
                request.declaration_due.isoformat(),
                None,
                None,
                None,
            ]
        )
    return rows


def write_tracker_xlsx(
    path: str | os.PathLike[str],
    plan: SupplierPlan,
    requests: Sequence[tuple[SupplierRequest, str, Sequence[str]]],
    skipped: dict[str, str],
) -> Path:
    """The tracker of requests: one row per supplier, columns left for sent and answered.

    >>> import tempfile, openpyxl
    >>> out = Path(tempfile.mkdtemp()) / "tracker.xlsx"
    >>> _ = write_tracker_xlsx(out, SupplierPlan(year=2026, suppliers=()), [], {})
    >>> openpyxl.load_workbook(out)["Requests"]["B1"].value
    'Supplier (request reference)'
    """

    def fill(book: Any) -> None:
        _table(book, "Requests", TRACKER_COLUMNS, tracker_rows(plan, requests, skipped))
        _notes(book, plan.notes)

    return _write_book(Path(path), fill)


STATUS_COLUMNS: tuple[Column, ...] = (
    ("Rank", 6, "0"),
    ("Supplier", 34, None),
    ("State", 12, None),
    ("Files", 30, None),
    ("Lines", 8, "0"),
    ("Lines covered", 10, "0"),
    ("Lines answered", 10, "0"),
    ("Net mass (t)", 14, TONNES),
    ("Net mass covered (t)", 14, TONNES),
    ("Net mass answered (t)", 14, TONNES),
    ("Embedded emissions (t CO2e)", 14, TONNES),
    ("Embedded emissions covered (t CO2e)", 14, TONNES),
    ("Certificates saved", 14, CERTS),
    ("Cost saved (EUR)", 14, EUR),
    ("Still missing", 80, None),
)


def status_rows(status: SupplierStatus) -> list[list[Any]]:
    """One row per supplier as ``cbam suppliers status`` shows it.

    >>> from cbam.declaration.supplier_status import Coverage
    >>> status_rows(SupplierStatus(year=2026, coverage=Coverage.empty(), suppliers=()))
    []
    """
    return [
        [
            r.rank,
            r.key,
            r.state,
            ", ".join(r.files) or None,
            r.lines,
            r.lines_covered,
            r.lines_answered,
            _fig(r.net_mass),
            _fig(r.net_mass_covered),
            _fig(r.net_mass_answered),
            _fig(r.embedded_emissions),
            _fig(r.embedded_emissions_covered),
            _fig(r.certificates_saved),
            _eur(r.cost_saved_eur),
            "; ".join(r.missing) or None,
        ]
        for r in status.suppliers
    ]


def write_status_xlsx(status: SupplierStatus, path: str | os.PathLike[str]) -> Path:
    """The status as a workbook: Suppliers, Coverage, Files, Notes.

    >>> import tempfile, openpyxl
    >>> from cbam.declaration.supplier_status import Coverage
    >>> out = Path(tempfile.mkdtemp()) / "status.xlsx"
    >>> _ = write_status_xlsx(SupplierStatus(year=2026, coverage=Coverage.empty(),
    ...                                      suppliers=()), out)
    >>> openpyxl.load_workbook(out).sheetnames
    ['Suppliers', 'Coverage', 'Files', 'Notes']
    """
    coverage = [
        [name, _fig(value) if isinstance(value, Decimal) else value]
        for name, value in status.coverage.model_dump().items()
    ]
    files = [
        [f.file, f.key, f.matched_by, f.state, f.installation_id, f.reporting_period,
         f.verification, _codes(f.cn_codes), f.reason]
        for f in status.files
    ]  # fmt: skip
    file_columns: tuple[Column, ...] = (
        ("File", 30, None),
        ("Supplier", 30, None),
        ("Matched by", 14, None),
        ("State", 10, None),
        ("Installation", 20, None),
        ("Reporting period", 24, None),
        ("Verification", 60, None),
        ("CN codes", 26, None),
        ("Reason", 60, None),
    )

    def fill(book: Any) -> None:
        _table(book, "Suppliers", STATUS_COLUMNS, status_rows(status))
        _table(book, "Coverage", (("Figure", 30, None), ("Value", 18, "#,##0.######")), coverage)
        _table(book, "Files", file_columns, files)
        _notes(book, status.notes)

    return _write_book(Path(path), fill)


__all__ = [
    "GOODS_COLUMNS",
    "PLAN_COLUMNS",
    "STATUS_COLUMNS",
    "TRACKER_COLUMNS",
    "plan_row",
    "status_rows",
    "tracker_rows",
    "write_plan_xlsx",
    "write_status_xlsx",
    "write_tracker_xlsx",
]
