"""``report.xlsx``: the assessment as a workbook for importers and consultants.

Sheets: "Summary" (year, declarant, totals, de minimis, quarterly holding, scenarios, datasets,
notes), "Goods" (one row per good with every term of the calculation and its source), "Audit"
(one row per audit step of every good), "Cost by year" (the 2026-2034 trajectory with a bar
chart) and, when a ``lines.csv`` is given, "Lines" (at most ``max_lines`` rows; the sheet and the
summary say when it was cut).

Excel stores numbers as binary doubles, so the workbook is a display copy of the figures; the
exact values are in ``declaration.json``, ``declaration.xml`` and ``lines.csv``, and the Summary
sheet says so. Figures are handed to openpyxl as Decimals: this module does no arithmetic on
them. The workbook is written in openpyxl's write-only (streaming) mode to a temporary file and
renamed into place, so a failure never leaves a half-written report.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from cbam.declaration.audit import AuditStep
from cbam.declaration.model import Assessment, GoodResult, LineResult
from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats.declaration_files import NOTICE
from cbam.formats.lines import COLUMNS, read_lines_csv

DEFAULT_MAX_LINES = 10_000
"""Lines copied into the "Lines" sheet at most (Excel's limit is 1,048,576 rows)."""

# Display formats only: the stored double is the same whatever the format.
MASS = "#,##0.000###"
EMISSIONS = "#,##0.000"
SPECIFIC = "0.000000"
FACTOR = "0.000"
PERCENT = "0.0%"
EUR = "#,##0.00"
INTEGER = "0"

EXACT_NOTE = (
    "Excel stores numbers as binary doubles: the figures in this workbook are a display copy. "
    "declaration.json, declaration.xml and lines.csv keep the exact decimal values."
)

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
_SECTION_FONT = Font(bold=True, size=12)
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class _Column:
    title: str
    width: int
    number_format: str | None = None


class _Sheet:
    """A write-only sheet with a styled, frozen header row and set column widths."""

    def __init__(self, book: Workbook, title: str, columns: Sequence[_Column]) -> None:
        sheet = book.create_sheet(title)
        assert isinstance(sheet, WriteOnlyWorksheet)
        self.sheet = sheet
        self.columns = tuple(columns)
        # types-openpyxl omits the write-only sheet's column_dimensions (present at run time).
        dimensions = cast(Any, sheet).column_dimensions
        for index, column in enumerate(self.columns, start=1):
            dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(sheet, value=column.title)
            cell.font = _BOLD
            cell.fill = _HEADER_FILL
            header.append(cell)
        sheet.append(header)
        self.rows = 1

    def cell(self, value: Any, number_format: str | None = None, **style: Any) -> Cell:
        """One cell; a Decimal becomes a number with ``number_format``, a text stays text."""
        value = _excel_value(value)
        cell = WriteOnlyCell(self.sheet, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"  # an installation name like "=A1" is text, never a formula
        if number_format and isinstance(value, Decimal | int) and not isinstance(value, bool):
            cell.number_format = number_format
        for key, setting in style.items():
            setattr(cell, key, setting)
        return cell

    def append(self, values: Iterable[Any]) -> None:
        """A row, each value formatted as its column says."""
        row: list[Any] = []
        for value, column in zip(values, self.columns, strict=True):
            if column.number_format and isinstance(value, Decimal | int):
                row.append(self.cell(value, column.number_format))
            elif isinstance(value, str) and value.startswith("="):
                row.append(self.cell(value))
            else:
                # A plain value costs openpyxl far less than a styled cell (the Lines sheet).
                row.append(_excel_value(value))
        self.sheet.append(row)
        self.rows += 1

    def append_raw(self, cells: list[Any]) -> None:
        self.sheet.append(cells)
        self.rows += 1


def _excel_value(value: Any) -> Any:
    """Booleans as yes/no; texts without the control characters a workbook cannot hold."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


# -- Goods -------------------------------------------------------------------------------------

GOODS_COLUMNS = (
    _Column("Good", 34),
    _Column("CN code", 11),
    _Column("Category", 22),
    _Column("Origin", 8),
    _Column("Country used", 10),
    _Column("Installation", 18),
    _Column("Route", 8),
    _Column("Route basis", 11),
    _Column("Basis", 9),
    _Column("Basis reason", 16),
    _Column("Estimate", 9),
    _Column("Why this basis", 40),
    _Column("Lines", 8, INTEGER),
    _Column("Net mass (t / MWh)", 16, MASS),
    _Column("SEE direct", 12, SPECIFIC),
    _Column("SEE indirect", 12, SPECIFIC),
    _Column("Indirect counted", 10),
    _Column("Mark-up", 9, PERCENT),
    _Column("SEE used", 12, SPECIFIC),
    _Column("SEE source", 40),
    _Column("Embedded emissions (t CO2e)", 18, EMISSIONS),
    _Column("Benchmark", 12, SPECIFIC),
    _Column("Benchmark column", 10),
    _Column("Benchmark source", 40),
    _Column("SEFA", 12, SPECIFIC),
    _Column("Free allocation (t CO2e)", 18, EMISSIONS),
    _Column("Carbon price deduction (t CO2e)", 18, EMISSIONS),
    _Column("Certificates (t CO2e)", 16, EMISSIONS),
    _Column("Cost (EUR)", 16, EUR),
)


def _step(audit: tuple[AuditStep, ...], *quantities: str) -> AuditStep | None:
    """The first audit step for one of ``quantities`` that names a source or note."""
    for step in audit:
        if step.quantity in quantities and (step.source or step.note):
            return step
    return None


def _good_row(good: GoodResult, audit: tuple[AuditStep, ...]) -> list[Any]:
    basis = _step(audit, "basis")
    see = _step(audit, "default value (total)", "default value (direct)", "SEE used")
    benchmark = _step(audit, "benchmark", "benchmark of actual data")
    return [
        good.key,
        good.cn,
        good.category,
        good.country,
        good.country_used,
        good.installation_id,
        good.route,
        good.route_basis,
        good.basis,
        good.basis_reason,
        good.estimate,
        basis.note if basis else None,
        good.lines,
        good.net_mass,
        good.see_direct,
        good.see_indirect,
        good.indirect_counted,
        good.markup,
        good.see_used,
        (see.source or see.note) if see else None,
        good.embedded_emissions,
        good.benchmark,
        good.benchmark_column,
        (benchmark.source or benchmark.note) if benchmark else None,
        good.sefa,
        good.free_allocation,
        good.carbon_price_deduction,
        good.certificates,
        good.cost_eur,
    ]


def _write_goods(book: Workbook, assessment: Assessment) -> None:
    sheet = _Sheet(book, "Goods", GOODS_COLUMNS)
    for good in assessment.goods:
        sheet.append(_good_row(good, assessment.audit_of(good)))


# -- Audit -------------------------------------------------------------------------------------

AUDIT_COLUMNS = (
    _Column("Good", 34),
    _Column("Quantity", 26),
    _Column("Value", 16, "0.##########"),
    _Column("Rule", 50),
    _Column("Source", 50),
    _Column("Note", 60),
)


def _write_audit(book: Workbook, assessment: Assessment) -> None:
    sheet = _Sheet(book, "Audit", AUDIT_COLUMNS)
    for good in assessment.goods:
        for step in assessment.audit_of(good):
            sheet.append([good.key, step.quantity, step.value, step.rule, step.source, step.note])


# -- Cost by year --------------------------------------------------------------------------------

YEAR_COLUMNS = (
    _Column("Year", 8, INTEGER),
    _Column("CBAM factor", 12, FACTOR),
    _Column("Embedded emissions (t CO2e)", 18, EMISSIONS),
    _Column("Free allocation (t CO2e)", 18, EMISSIONS),
    _Column("Certificates (t CO2e)", 16, EMISSIONS),
    _Column("Price (EUR / certificate)", 14, EUR),
    _Column("Price assumed", 10),
    _Column("Cost (EUR)", 16, EUR),
)


def _write_cost_by_year(book: Workbook, assessment: Assessment) -> None:
    sheet = _Sheet(book, "Cost by year", YEAR_COLUMNS)
    for y in assessment.trajectory:
        sheet.append(
            [
                y.year,
                y.cbam_factor,
                y.embedded_emissions,
                y.free_allocation,
                y.certificates,
                y.price,
                y.price_is_assumption,
                y.cost_eur,
            ]
        )
    count = len(assessment.trajectory)
    if not count:
        sheet.append_raw(["No cost trajectory was computed for this assessment."])
        return
    sheet.append_raw([])
    sheet.append_raw(
        [
            "The same goods, volumes and origins priced in each year: that year's CBAM factor "
            "and default-value mark-up; prices marked 'assumed' are estimates, not published "
            "auction prices."
        ]
    )
    chart = BarChart()
    chart.type = "col"
    chart.title = "CBAM certificate cost per year (EUR)"
    chart.y_axis.title = "EUR"
    chart.x_axis.title = "Year of import"
    chart.legend = None
    chart.height, chart.width = 9, 18
    cost_column = len(YEAR_COLUMNS)
    data = Reference(sheet.sheet, min_col=cost_column, min_row=1, max_row=count + 1)
    years = Reference(sheet.sheet, min_col=1, min_row=2, max_row=count + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(years)
    cast(Any, sheet.sheet).add_chart(chart, "J2")  # the stubs type add_chart for Worksheet


# -- Lines ----------------------------------------------------------------------------------------

_LINE_FORMATS = {
    "row": INTEGER,
    "year": INTEGER,
    "quarter": INTEGER,
    "net_mass": MASS,
    "see_used": SPECIFIC,
    "embedded_emissions": EMISSIONS,
    "sefa": SPECIFIC,
    "free_allocation": EMISSIONS,
    "carbon_price_deduction": EMISSIONS,
    "certificates": EMISSIONS,
    "price": EUR,
    "cost_eur": EUR,
}
_LINE_WIDTHS = {"cn": 11, "group": 34, "period": 10, "line_id": 12, "installation_id": 16}


def _write_lines(book: Workbook, lines_csv: Path, max_lines: int, lines: int) -> str:
    """Copy up to ``max_lines`` of the ``lines`` lines; returns what was done, for the Summary.

    Only the copied lines are read: a million-line file costs no more than ``max_lines``.
    """
    columns = [
        _Column(
            name,
            _LINE_WIDTHS.get(name, 14),
            _LINE_FORMATS.get(name),
        )
        for name in COLUMNS
    ]
    sheet = _Sheet(book, "Lines", columns)
    total = 0
    try:
        for line in islice(read_lines_csv(lines_csv), max_lines):
            total += 1
            sheet.append(_line_values(line))
    except csv.Error as exc:
        # A cell beyond the csv module's size limit (a figure with a million digits): say
        # which file and row instead of failing as an internal error.
        raise InputError(
            f"cannot read the line after row {total + 1}: {exc}",
            source=str(lines_csv),
            location=f"row {total + 2}",
        ) from None
    total = max(total, lines)
    if total > max_lines:
        message = (
            f"only the first {max_lines} of {total} lines are copied here; "
            f"{lines_csv.name} holds them all"
        )
        sheet.append_raw([sheet.cell(message, font=_BOLD)])
        return message
    return f"all {total} lines of {lines_csv.name}"


def _line_values(line: LineResult) -> list[Any]:
    return [getattr(line, name) for name in COLUMNS]


# -- Summary --------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    _Column("Item", 44),
    _Column("Value", 22),
    _Column("Note", 90),
)


def _write_summary(sheet: _Sheet, assessment: Assessment, lines_note: str | None) -> None:
    def section(title: str) -> None:
        sheet.append_raw([])
        sheet.append_raw([sheet.cell(title, font=_SECTION_FONT)])

    def item(label: str, value: Any, number_format: str | None = None, note: str = "") -> None:
        sheet.append_raw(
            [
                sheet.cell(label),
                sheet.cell(value, number_format),
                sheet.cell(note or None, alignment=_WRAP) if note else None,
            ]
        )

    if assessment.estimate:
        item(
            "Status",
            "ESTIMATE",
            note="actual values without a satisfactory verification or of another reporting "
            "period were used (accept_unverified): not for the declaration",
        )
    item("About this workbook", "cbam report", note=NOTICE)
    item("Exact values", "see JSON / CSV", note=EXACT_NOTE)
    item("Year", assessment.year, INTEGER)
    for key, value in assessment.declarant.items():
        item(f"Declarant: {key}", value)
    item("CSCF", assessment.cscf, FACTOR, "cross-sectoral correction factor applied")
    item("Customs lines", assessment.lines, INTEGER)
    item("Goods", len(assessment.goods), INTEGER, "CN code x origin x route x installation x basis")
    if lines_note is not None:
        item("Lines sheet", lines_note)

    t = assessment.totals
    section("Totals")
    item("Net mass (t; MWh for electricity)", t.net_mass, MASS)
    item("Embedded emissions (t CO2e)", t.embedded_emissions, EMISSIONS)
    item("Free allocation (t CO2e)", t.free_allocation, EMISSIONS)
    item("Carbon price deduction (t CO2e)", t.carbon_price_deduction, EMISSIONS)
    item("Certificates (t CO2e)", t.certificates, EMISSIONS, "each good floored at zero")
    item("Cost (EUR)", t.cost_eur, EUR)

    d = assessment.de_minimis
    section("De minimis")
    item("Threshold (t)", d.threshold_t, MASS, d.rule)
    item("Net mass counted (t)", d.net_mass_counted, MASS, "all goods but hydrogen and electricity")
    item(
        "Net mass always in scope (t / MWh)",
        d.net_mass_always_in_scope,
        MASS,
        "hydrogen and electricity",
    )
    item("De minimis exempt", d.exempt)

    section("Quarterly holding")
    for q in assessment.quarters:
        item(
            f"Certificates to hold at the end of {q.quarter}",
            q.certificates_to_hold,
            EMISSIONS,
            f"share {decimal_percent(q.share)} of the year to date: embedded emissions "
            f"{q.embedded_emissions_to_date} t, free allocation {q.free_allocation_to_date} t",
        )

    if assessment.scenarios:
        section("Scenario prices")
        for price, cost in assessment.scenarios.items():
            item(f"Cost at {price} EUR per certificate", cost, EUR)

    for title, counts in (
        ("Production route of the benchmark (lines per route_basis)", assessment.route_bases),
        ("Basis reasons (lines)", assessment.basis_reasons),
    ):
        if counts:
            section(title)
            for key, count in counts.items():
                item(key, count, INTEGER)

    section("Datasets used")
    for key, label in assessment.datasets.items():
        item(f"Dataset: {key}", label)
    section("Notes")
    for number, note in enumerate(assessment.notes, start=1):
        item(f"Note {number}", None, note=note)


def decimal_percent(share: Decimal) -> str:
    """``0.5`` -> ``"50 %"`` for the summary's notes (display only)."""
    return f"{share * 100:f}".rstrip("0").rstrip(".") + " %" if share else "0 %"


# -- the workbook ---------------------------------------------------------------------------------


def write_report_xlsx(
    assessment: Assessment,
    path: str | os.PathLike[str],
    *,
    lines_csv: Path | None = None,
    max_lines: int = DEFAULT_MAX_LINES,
) -> Path:
    """Write ``report.xlsx`` for ``assessment``; returns the path.

    ``lines_csv``: a ``lines.csv`` written by :class:`~cbam.formats.lines.LinesCsvWriter` to copy
    into a "Lines" sheet (its first ``max_lines`` lines). A damaged or missing ``lines_csv`` is
    an :class:`~cbam.errors.InputError`; nothing is written then.
    """
    target = Path(path)
    book = Workbook(write_only=True)
    # Sheets appear in creation order; Summary is filled last because it reports on Lines.
    summary = _Sheet(book, "Summary", SUMMARY_COLUMNS)
    _write_goods(book, assessment)
    _write_audit(book, assessment)
    _write_cost_by_year(book, assessment)
    try:
        with atomic_path(target) as tmp:
            lines_note = (
                _write_lines(book, Path(lines_csv), max_lines, assessment.lines)
                if lines_csv
                else None
            )
            _write_summary(summary, assessment, lines_note)
            book.save(tmp)
    except BaseException:
        # Finish the sheets' streaming writers so that they do not fail later in the collector.
        for sheet in book.worksheets:
            if isinstance(sheet, WriteOnlyWorksheet) and not sheet.closed:
                sheet.close()
        raise
    return target
